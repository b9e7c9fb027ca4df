import { expect } from 'chai'
import { startApp, manualClock, type TestApp } from '../../support/app.js'
import { runJob } from '../../../jobs/run-job.js'
import { cleanupJob } from '../../../jobs/cleanup.js'
import { createDispatcher, DeliveryError } from '../../../server/integrations/outbox/dispatcher.js'
import { enqueue } from '../../../server/integrations/outbox/store.js'

describe('jobs and the outbox dispatcher', () => {
  const clock = manualClock(new Date('2026-11-27T10:00:00Z'))
  let app: TestApp
  before(async () => {
    app = await startApp({ clock })
  })
  after(() => app.close())

  it('runs a job under a lease: a held lease skips the run until it expires', async () => {
    const job = `test-${Date.now()}`
    const now = clock.now().getTime()
    await app.c.db('job_leases').insert({ job, holder: 'other-instance', lease_until: now + 60_000 })
    let runs = 0
    expect(await runJob(app.c, job, 60_000, async () => void runs++)).to.equal(false)
    clock.advance(61_000)
    expect(await runJob(app.c, job, 60_000, async () => void runs++)).to.equal(true)
    expect(runs).to.equal(1)
    const row = await app.c.db('job_leases').where({ job }).first()
    expect(Number(row.lease_until)).to.equal(0)
    expect(row.last_error).to.equal(null)
  })

  it('never runs the same job twice at once, and records a failure', async () => {
    const job = `overlap-${Date.now()}`
    let release!: () => void
    const first = runJob(app.c, job, 60_000, () => new Promise<void>((r) => (release = r)))
    await new Promise((r) => setTimeout(r, 50))
    expect(await runJob(app.c, job, 60_000, async () => undefined)).to.equal(false)
    release()
    expect(await first).to.equal(true)
    await runJob(app.c, job, 60_000, async () => {
      throw new Error('boom')
    })
    expect((await app.c.db('job_leases').where({ job }).first()).last_error).to.equal('boom')
  })

  it('cleans up expired sessions and old login failures, keeping live ones', async () => {
    const now = clock.now().getTime()
    await app.c.db('sessions').insert([
      { sid: `old-${now}`, data: '{}', created_at: now - 7_200_000, seen_at: now - 7_200_000, expires_at: now - 1 },
      { sid: `live-${now}`, data: '{}', created_at: now, seen_at: now, expires_at: now + 60_000 },
    ])
    await app.c.db('login_failures').insert([
      { account: `old${now}@x`, ip: '1.1.1.1', created_at: now - 2 * 86_400_000 },
      { account: `new${now}@x`, ip: '1.1.1.1', created_at: now },
    ])
    await app.c.db('job_leases').where({ job: 'cleanup' }).delete()
    await cleanupJob(app.c)()
    expect(await app.c.db('sessions').where({ sid: `old-${now}` }).first()).to.equal(undefined)
    expect(await app.c.db('sessions').where({ sid: `live-${now}` }).first()).to.not.equal(undefined)
    expect(await app.c.db('login_failures').where({ account: `old${now}@x` }).first()).to.equal(undefined)
    expect(await app.c.db('login_failures').where({ account: `new${now}@x` }).first()).to.not.equal(undefined)
  })

  describe('dispatcher', () => {
    const topic = `test.topic.${Date.now()}`
    let behaviour: 'ok' | 'transient' | 'permanent' = 'ok'
    const delivered: unknown[] = []
    const dispatcher = () =>
      createDispatcher({
        db: app.c.db,
        clock,
        logger: app.c.logger,
        maxAttempts: 3,
        handlers: {
          [topic]: async (payload) => {
            if (behaviour === 'transient') throw new Error('503 from the other side')
            if (behaviour === 'permanent') throw new DeliveryError('400 bad request', true)
            delivered.push(payload)
            return 'ext-42'
          },
        },
      })
    const rowOf = (key: string) => app.c.db('outbox').where({ idempotency_key: key }).first()

    it('delivers once per idempotency key and stores the external id', async () => {
      behaviour = 'ok'
      const key = `k-ok-${Date.now()}`
      await enqueue(app.c.db, { topic, key, payload: { n: 1 }, now: clock.now().getTime() })
      await enqueue(app.c.db, { topic, key, payload: { n: 2 }, now: clock.now().getTime() })
      await dispatcher().drainOnce()
      await dispatcher().drainOnce()
      expect(delivered).to.deep.equal([{ n: 1 }])
      expect(await rowOf(key)).to.include({ status: 'sent', external_id: 'ext-42', attempts: 1 })
    })

    it('backs off on transient failures and goes dead after the last attempt', async () => {
      behaviour = 'transient'
      const key = `k-tr-${Date.now()}`
      await enqueue(app.c.db, { topic, key, payload: {}, now: clock.now().getTime() })
      await dispatcher().drainOnce()
      let row = await rowOf(key)
      expect(row).to.include({ status: 'pending', attempts: 1, last_error: '503 from the other side' })
      expect(Number(row.next_attempt_at)).to.be.greaterThan(clock.now().getTime())
      await dispatcher().drainOnce()
      expect((await rowOf(key)).attempts).to.equal(1)
      for (let i = 0; i < 2; i++) {
        clock.advance(20 * 60_000)
        await dispatcher().drainOnce()
      }
      row = await rowOf(key)
      expect(row).to.include({ status: 'dead', attempts: 3 })
    })

    it('sends a permanent failure to dead at once', async () => {
      behaviour = 'permanent'
      const key = `k-perm-${Date.now()}`
      await enqueue(app.c.db, { topic, key, payload: {}, now: clock.now().getTime() })
      await dispatcher().drainOnce()
      expect(await rowOf(key)).to.include({ status: 'dead', attempts: 1, last_error: '400 bad request' })
    })

    it('picks up a row whose worker died mid-send once its lease runs out', async () => {
      behaviour = 'ok'
      const key = `k-dead-worker-${Date.now()}`
      const now = clock.now().getTime()
      await enqueue(app.c.db, { topic, key, payload: { n: 3 }, now })
      await app.c.db('outbox').where({ idempotency_key: key }).update({ status: 'sending', attempts: 1, locked_until: now + 60_000 })
      await dispatcher().drainOnce()
      expect((await rowOf(key)).status).to.equal('sending')
      clock.advance(61_000)
      await dispatcher().drainOnce()
      expect(await rowOf(key)).to.include({ status: 'sent', attempts: 2 })
    })

    it('leaves rows of topics it has no handler for to a dispatcher that has one', async () => {
      const key = `k-foreign-${Date.now()}`
      await enqueue(app.c.db, { topic: 'crm.deal.create', key, payload: {}, now: clock.now().getTime() })
      await dispatcher().drainOnce()
      expect(await rowOf(key)).to.include({ status: 'pending', attempts: 0 })
      await app.c.db('outbox').where({ idempotency_key: key }).delete()
    })
  })
})
