import type { Container } from '../server/main.js'
import { runJob } from './run-job.js'

/** The job's lease; the drain stops a little before it runs out, so a second instance never sends alongside. */
const LEASE_MS = 5 * 60_000
const MARGIN_MS = 30_000

/**
 * Drains the outbox: rounds of due rows (mail, Bitrix24, CDEK, …) until nothing is due or the lease is nearly used up, so a
 * backlog of thousands of rows goes out in one run instead of 100 per tick.
 */
export function outboxJob(c: Container, o: { leaseMs?: number; marginMs?: number } = {}) {
  const leaseMs = o.leaseMs ?? LEASE_MS
  const marginMs = o.marginMs ?? MARGIN_MS
  return () =>
    runJob(c, 'outbox', leaseMs, async (log) => {
      const untilMs = c.clock.now().getTime() + leaseMs - marginMs
      const r = await c.dispatcher.drain({ untilMs, limit: 100 })
      if (r.claimed) log.info(r, 'outbox drained')
    })
}
