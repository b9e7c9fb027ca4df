import { expect } from 'chai'
import { startApp, type TestApp } from '../../support/app.js'
import { seedCatalog } from '../../../server/db/seeds/catalog.js'
import type { Container } from '../../../server/main.js'

/*
 * The demo catalog seed on the real database, inside a transaction that is rolled back, so the shared test database keeps
 * no demo articles: batches, the category tree, attributes, packagings, stock with reservations, and a second run that
 * adds nothing.
 */
describe('catalog: the demo seed', function () {
  this.timeout(60_000)
  let app: TestApp
  before(async () => {
    app = await startApp()
  })
  after(() => app.close())

  it('builds a believable catalog quickly, and again without duplicates', async () => {
    class Rollback extends Error {}
    const started = Date.now()
    await app.c.db
      .transaction(async (trx) => {
        const c = { ...app.c, db: trx } as Container
        const maxId = async (table: string) => Number((await trx(table).max({ m: 'id' }))[0]?.m ?? 0)
        const [catBefore, whBefore] = [await maxId('categories'), await maxId('warehouses')]
        const seeded = await seedCatalog(c)
        expect(seeded.length).to.be.within(250, 400)
        expect(new Set(seeded.map((s) => s.category))).to.deep.equal(new Set(['Кофе', 'Чай', 'Посуда', 'Аксессуары']))
        for (const s of seeded) expect(s.listKopecks, s.sku).to.be.a('number').and.greaterThan(0)
        const ids = seeded.map((s) => s.id)
        expect(new Set(ids).size).to.equal(ids.length)

        const cup = await trx('products').where({ sku: 'ECO-CUP-250-DW-KR' }).first()
        expect(cup.base_unit).to.equal('шт')
        const packs = await trx('packagings').where({ product_id: cup.id }).orderBy('sort')
        expect(packs.map((p: { name: string; factor_milli: number; min_qty_milli: number; step_milli: number }) => [p.name, Number(p.factor_milli), Number(p.min_qty_milli), Number(p.step_milli)])).to.deep.equal([
          ['шт, кратно 12', 1000, 12_000, 12_000],
          ['коробка 50 шт', 50_000, 0, 0],
          ['короб 1 000 шт', 1_000_000, 0, 0],
        ])
        const tree = await trx('categories').where('id', '>', catBefore).whereIn('name', ['Кофе', 'Зелёный кофе']).orderBy('depth').select('id', 'path', 'depth')
        expect(tree[1].path).to.equal(`/${tree[0].id}/${tree[1].id}/`)
        const warehouses = await trx('warehouses').where('id', '>', whBefore).select('show_mode', 'kind')
        expect(warehouses.map((w: { kind: string; show_mode: string }) => `${w.kind}:${w.show_mode}`).sort()).to.deep.equal(['main:status', 'office:qty', 'transit:status'])
        const stock = await trx('stock').whereIn('product_id', ids)
        expect(stock.some((s: { reserved_milli: number }) => Number(s.reserved_milli) > 0)).to.equal(true)
        const withStock = new Set(stock.filter((s: { on_hand_milli: number; reserved_milli: number }) => Number(s.on_hand_milli) > Number(s.reserved_milli)).map((s: { product_id: number }) => s.product_id))
        expect(ids.some((id) => !withStock.has(id))).to.equal(true)
        const keyAttrs = await trx('attributes').whereIn('code', ['country', 'altitude', 'processing', 'volume']).where({ key: true, filterable: true })
        expect(keyAttrs).to.have.length(4)
        const hidden = await trx('products').whereIn('sku', ['GRN-ETH-OLD-2023', 'ECO-CUP-200-SW-WH']).select('is_active')
        expect(hidden.map((h: { is_active: number | boolean }) => !!h.is_active)).to.deep.equal([false, false])

        const again = await seedCatalog(c)
        expect(again).to.deep.equal(seeded)
        expect(Number((await trx('products').where('sku', 'like', 'ECO-CUP-%').count({ n: '*' }))[0]!.n)).to.equal(
          seeded.filter((s) => s.sku.startsWith('ECO-CUP')).length + 1,
        )
        throw new Rollback()
      })
      .catch((e) => {
        if (!(e instanceof Rollback)) throw e
      })
    expect(Date.now() - started).to.be.below(15_000)
    expect(await app.c.db('products').where({ sku: 'ECO-CUP-250-DW-KR' }).first()).to.equal(undefined)
  })
})
