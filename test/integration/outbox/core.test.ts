import { expect } from 'chai'
import nock from 'nock'
import axios from 'axios'
import { startApp, manualClock, type TestApp } from '../../support/app.js'
import { createDispatcher, DeliveryError, type BatchHandler, type TopicHandler } from '../../../server/integrations/outbox/dispatcher.js'
import { deliveryErrorFrom } from '../../../server/integrations/outbox/http.js'
import { enqueue } from '../../../server/integrations/outbox/store.js'
import { createRateLimiter } from '../../../server/integrations/outbox/rate-limit.js'
import { outboxJob } from '../../../jobs/outbox.js'

describe('outbox core: batches, external ids, rate limits, dead letters', () => {
  const clock = manualClock(new Date('2026-11-27T10:00:00Z'))
  let app: TestApp
  let seq = 0
  before(async () => {
    app = await startApp({ clock })
  })
  after(() => app.close())

  const uniq = (p: string) => `${p}.${Date.now()}.${++seq}`
  const rowOf = (key: string) => app.c.db('outbox').where({ idempotency_key: key }).first()
  const now = () => clock.now().getTime()
  const dispatcherOf = (handlers: Record<string, TopicHandler>, maxAttempts = 3) =>
    createDispatcher({ db: app.c.db, clock, logger: app.c.logger, handlers, maxAttempts, random: () => 0.5 })

  it('hands up to batchSize rows to a batch handler and settles each row by its own outcome', async () => {
    const topic = uniq('t.batch')
    const keys = Array.from({ length: 7 }, (_, i) => `${topic}:${i}`)
    for (const [i, key] of keys.entries()) await enqueue(app.c.db, { topic, key, payload: { n: i }, now: now() })
    const calls: number[][] = []
    const handler: BatchHandler = {
      batchSize: 3,
      async handleBatch(rows) {
        calls.push(rows.map((r) => r.payload.n))
        return rows.map((r) => (r.payload.n === 4 ? { ok: false, error: new DeliveryError('HTTP 400 bad field', true) } : { ok: true, externalId: `ext-${r.payload.n}` }))
      },
    }
    const d = dispatcherOf({ [topic]: handler })
    const r = await d.drain({ untilMs: now() + 60_000 })
    expect(calls).to.deep.equal([[0, 1, 2], [3, 4, 5], [6]])
    expect(r).to.include({ sent: 6, failed: 1, throttled: 0 })
    expect(await rowOf(keys[0]!)).to.include({ status: 'sent', external_id: 'ext-0', attempts: 1 })
    expect(await rowOf(keys[4]!)).to.include({ status: 'dead', last_error: 'HTTP 400 bad field' })
    expect(await rowOf(keys[6]!)).to.include({ status: 'sent', external_id: 'ext-6' })
  })

  it('fails every row of a batch whose handler throws, and keeps single-row handlers working beside it', async () => {
    const bt = uniq('t.batch-throw')
    const st = uniq('t.single')
    await enqueue(app.c.db, { topic: bt, key: `${bt}:a`, payload: {}, now: now() })
    await enqueue(app.c.db, { topic: bt, key: `${bt}:b`, payload: {}, now: now() })
    await enqueue(app.c.db, { topic: st, key: `${st}:a`, payload: { hello: 1 }, now: now() })
    const d = dispatcherOf({
      [bt]: { batchSize: 50, handleBatch: async () => Promise.reject(new Error('ECONNRESET')) },
      [st]: async (p) => `single-${p.hello}`,
    })
    await d.drainOnce()
    expect(await rowOf(`${bt}:a`)).to.include({ status: 'pending', attempts: 1, last_error: 'ECONNRESET' })
    expect(await rowOf(`${bt}:b`)).to.include({ status: 'pending', attempts: 1 })
    expect(await rowOf(`${st}:a`)).to.include({ status: 'sent', external_id: 'single-1' })
  })

  it('keeps an external id saved before a crash and hands it back on the retry, so nothing is created twice', async () => {
    const topic = uniq('t.ext')
    const key = `${topic}:1`
    await enqueue(app.c.db, { topic, key, payload: { name: 'ООО Ромашка' }, now: now() })
    const created: string[] = []
    const seen: (string | null)[] = []
    let crash = true
    const d = dispatcherOf({
      [topic]: async (p, ctx) => {
        seen.push(ctx.externalId)
        let id = ctx.externalId
        if (!id) {
          id = `company-${created.length + 1}`
          created.push(p.name)
          await ctx.saveExternalId(id)
        }
        // The process dies after the create, before the rest of the work (a lost answer, a kill -9).
        if (crash) throw new Error('socket hang up')
        return null
      },
    })
    await d.drainOnce()
    let row = await rowOf(key)
    expect(row).to.include({ status: 'pending', external_id: 'company-1', attempts: 1 })
    crash = false
    clock.advance(20 * 60_000)
    await d.drainOnce()
    row = await rowOf(key)
    expect(row).to.include({ status: 'sent', external_id: 'company-1', attempts: 2 })
    expect(created).to.deep.equal(['ООО Ромашка'])
    expect(seen).to.deep.equal([null, 'company-1'])
  })

  it('gives an id stored by a worker killed mid-send to the dispatcher that takes the row after the lease', async () => {
    const topic = uniq('t.killed')
    const key = `${topic}:1`
    await enqueue(app.c.db, { topic, key, payload: {}, now: now() })
    // The killed worker had claimed the row and stored the id it got, then died: the row stays `sending` until its lease ends.
    await app.c.db('outbox').where({ idempotency_key: key }).update({ status: 'sending', attempts: 1, locked_until: now() + 60_000, external_id: 'deal-77' })
    let creates = 0
    const d = dispatcherOf({ [topic]: async (_p, ctx) => (ctx.externalId ? ctx.externalId : (creates++, 'deal-new')) })
    expect((await d.drainOnce()).claimed).to.equal(0)
    clock.advance(61_000)
    await d.drainOnce()
    expect(await rowOf(key)).to.include({ status: 'sent', external_id: 'deal-77', attempts: 2 })
    expect(creates).to.equal(0)
  })

  it('goes dead after OUTBOX_MAX_ATTEMPTS real failures', async () => {
    const topic = uniq('t.dead')
    const key = `${topic}:1`
    await enqueue(app.c.db, { topic, key, payload: {}, now: now() })
    const d = dispatcherOf({ [topic]: async () => Promise.reject(new DeliveryError('HTTP 500', false)) }, app.c.config.outbox.maxAttempts)
    for (let i = 0; i < app.c.config.outbox.maxAttempts; i++) {
      await d.drainOnce()
      clock.advance(60 * 60_000)
    }
    expect(await rowOf(key)).to.include({ status: 'dead', attempts: app.c.config.outbox.maxAttempts, last_error: 'HTTP 500' })
  })

  it('does not count rate-limit answers as attempts, waits for the hint and pauses the topic meanwhile', async () => {
    const topic = uniq('t.throttle')
    await enqueue(app.c.db, { topic, key: `${topic}:1`, payload: {}, now: now() })
    await enqueue(app.c.db, { topic, key: `${topic}:2`, payload: {}, now: now() })
    let limited = true
    let calls = 0
    const d = dispatcherOf({
      [topic]: async () => {
        calls++
        if (limited) throw new DeliveryError('HTTP 503 QUERY_LIMIT_EXCEEDED', false, 2_000, true)
        return 'ok'
      },
    }, 2)
    // Many refusals in a row: none of them brings the row closer to dead.
    for (let i = 0; i < 5; i++) {
      const r = await d.drainOnce()
      expect(r.throttled).to.equal(1)
      clock.advance(2_000)
    }
    expect(calls).to.equal(5)
    const row = await rowOf(`${topic}:1`)
    expect(row).to.include({ status: 'pending', attempts: 0, throttled: 5, last_error: 'HTTP 503 QUERY_LIMIT_EXCEEDED' })
    expect(Number(row.next_attempt_at)).to.equal(now())
    expect(await rowOf(`${topic}:2`)).to.include({ attempts: 0, throttled: 0 })
    // A drain that meets only refusals stops at once instead of spinning until its deadline.
    const spun = await d.drain({ untilMs: now() + 3_600_000 })
    expect(spun).to.include({ rounds: 1, throttled: 1, sent: 0 })
    clock.advance(2_000)
    limited = false
    await d.drain({ untilMs: now() + 1 })
    expect(await rowOf(`${topic}:1`)).to.include({ status: 'sent', attempts: 1 })
    expect(await rowOf(`${topic}:2`)).to.include({ status: 'sent', attempts: 1 })
  })

  it('turns axios answers into delivery errors: Retry-After, 429, 503 QUERY_LIMIT_EXCEEDED, 5xx, 4xx, timeouts', async () => {
    const base = 'https://api.example.test'
    nock(base)
      .post('/a').reply(429, { error: 'too many' }, { 'Retry-After': '7' })
      .post('/b').reply(503, { error: 'QUERY_LIMIT_EXCEEDED', error_description: 'Too many requests' })
      .post('/c').reply(502, 'Bad gateway')
      .post('/d').reply(400, { error: 'INVALID', message: 'phone is required' })
      .post('/e').delay(200).reply(200, {})
    const err = async (path: string, timeout = 5000) => {
      try {
        await axios.post(`${base}${path}`, {}, { timeout })
      } catch (e) {
        return deliveryErrorFrom(e, now())
      }
      throw new Error('expected a failure')
    }
    expect(await err('/a')).to.include({ permanent: false, rateLimited: true, retryAfterMs: 7000 })
    const b = await err('/b')
    expect(b).to.include({ permanent: false, rateLimited: true })
    expect(b.message).to.contain('QUERY_LIMIT_EXCEEDED')
    expect(await err('/c')).to.include({ permanent: false, rateLimited: false, message: 'HTTP 502 Bad gateway' })
    const d = await err('/d')
    expect(d).to.include({ permanent: true, rateLimited: false })
    expect(d.message).to.contain('phone is required')
    expect(await err('/e', 20)).to.include({ permanent: false, rateLimited: false })
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })
    expect(deliveryErrorFrom(reset, now())).to.include({ permanent: false, message: 'ECONNRESET: socket hang up' })
  })

  it('the job drains a backlog in rounds until nothing is due, not 100 rows a tick', async () => {
    const topic = uniq('t.backlog')
    for (let i = 0; i < 260; i++) await enqueue(app.c.db, { topic, key: `${topic}:${i}`, payload: { i }, now: now() })
    let sent = 0
    const d = dispatcherOf({ [topic]: async () => void sent++ })
    await app.c.db('job_leases').where({ job: 'outbox' }).delete()
    await outboxJob({ ...app.c, dispatcher: d })()
    expect(sent).to.equal(260)
    expect(await app.c.db('outbox').where({ topic, status: 'sent' }).count({ n: '*' }).first()).to.satisfy((r: { n: number | string }) => Number(r.n) === 260)
  })

  it('two rate limiters over one database (two processes) together never exceed the rate', async () => {
    const key = uniq('b24:member')
    const opts = { ratePerSec: 2, burst: 5 }
    const grants: number[] = []
    // Each "process" has its own limiter and sleeps by moving the shared manual clock a little, like time passing.
    const sleep = async (ms: number) => {
      await new Promise((r) => setImmediate(r))
      clock.advance(Math.min(ms, 50))
    }
    const a = createRateLimiter({ db: app.c.db, clock, sleep })
    const b = createRateLimiter({ db: app.c.db, clock, sleep })
    const start = now()
    const worker = async (l: typeof a) => {
      for (let i = 0; i < 10; i++) {
        await l.acquire(key, opts)
        grants.push(now() - start)
      }
    }
    await Promise.all([worker(a), worker(b)])
    expect(grants).to.have.length(20)
    // Token bucket: by time t at most burst + rate·t tokens were ever handed out.
    for (const t of grants) {
      const upTo = grants.filter((g) => g <= t).length
      expect(upTo, `${upTo} grants by ${t} ms`).to.be.at.most(opts.burst + Math.floor((t * opts.ratePerSec) / 1000))
    }
    // And the 20 tokens did take (20 − burst) / rate seconds, give or take one step of the clock.
    expect(Math.max(...grants)).to.be.at.least(((20 - opts.burst) / opts.ratePerSec) * 1000 - 50)
  })

  it('tryAcquire takes a free token or says how long to wait, across limiter instances', async () => {
    const key = uniq('cdek')
    const a = createRateLimiter({ db: app.c.db, clock })
    const b = createRateLimiter({ db: app.c.db, clock })
    const opts = { ratePerSec: 2, burst: 2 }
    expect(await a.tryAcquire(key, opts)).to.deep.equal({ ok: true })
    expect(await b.tryAcquire(key, opts)).to.deep.equal({ ok: true })
    const refused = await a.tryAcquire(key, opts)
    expect(refused).to.deep.equal({ ok: false, waitMs: 500 })
    clock.advance(500)
    expect(await b.tryAcquire(key, opts)).to.deep.equal({ ok: true })
    expect((await a.tryAcquire(key, opts)).ok).to.equal(false)
  })
})
