import { expect } from 'chai'
import { VersionedMap, VersionedValue } from '../../server/shared/cache.js'

describe('versioned caches', () => {
  it('VersionedMap loads only what it misses, once, and empties when the version moves on', async () => {
    const m = new VersionedMap<number, string>(10)
    const asked: number[][] = []
    const load = async (ids: number[]) => {
      asked.push(ids)
      return new Map(ids.filter((id) => id !== 9).map((id) => [id, `v${id}`]))
    }
    expect([...(await m.getMany(1, [1, 2, 2, 9], load))]).to.deep.equal([[1, 'v1'], [2, 'v2']])
    expect([...(await m.getMany(1, [2, 3, 1], load)).keys()].sort()).to.deep.equal([1, 2, 3])
    expect(asked).to.deep.equal([[1, 2, 9], [3]])
    await m.getMany(2, [1], load)
    expect(asked.at(-1)).to.deep.equal([1])
  })

  it('VersionedMap: an older version neither reads nor empties the cache; the least recently used goes first', async () => {
    const m = new VersionedMap<number, number>(2)
    const asked: number[] = []
    const load = async (ids: number[]) => {
      asked.push(...ids)
      return new Map(ids.map((id) => [id, id * 10]))
    }
    await m.getMany(5, [1, 2], load)
    await m.getMany(4, [1], load)
    expect(asked).to.deep.equal([1, 2, 1])
    await m.getMany(5, [1], load) // still cached under 5; 1 is now the most recent
    await m.getMany(5, [3], load) // evicts 2
    asked.length = 0
    await m.getMany(5, [1, 2, 3], load)
    expect(asked).to.deep.equal([2])
  })

  it('VersionedValue shares one load per version and forgets a failed load', async () => {
    const v = new VersionedValue<number>()
    let n = 0
    const load = async () => ++n
    expect(await Promise.all([v.get(1, load), v.get(1, load)])).to.deep.equal([1, 1])
    expect(await v.get(2, load)).to.equal(2)
    expect(await v.get(1, load)).to.equal(3) // an older reader gets a load of its own
    expect(await v.get(2, load)).to.equal(2)
    let fail = true
    const flaky = async () => {
      if (fail) throw new Error('down')
      return 7
    }
    await v.get(3, flaky).catch(() => undefined)
    fail = false
    expect(await v.get(3, flaky)).to.equal(7)
  })
})
