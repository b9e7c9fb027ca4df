import type { Db } from '../../db/knex.js'
import type { Clock } from '../../shared/clock.js'
import type { Logger } from '../../logger.js'
import { claim, dueRows, markFailed, markSent } from './store.js'
import { nextAttemptAt } from './rules.js'

/** What a handler may throw to steer the retry policy. */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly retryAfterMs: number | null = null,
  ) {
    super(message)
  }
}

/** A topic handler: delivers one payload and returns the external id when the other side gives one. */
export type OutboxHandler = (payload: any, ctx: { rowId: number; key: string }) => Promise<string | null | void>

export interface Dispatcher {
  /** Sends every due row once; returns how many were handled. */
  drainOnce(limit?: number): Promise<{ sent: number; failed: number }>
}

/**
 * The outbox relay. Each row is claimed with a conditional update (a lease), so two dispatchers never send it at the same
 * time; a worker killed mid-send leaves a `sending` row whose lease runs out and is picked up again. Failures back off with
 * full jitter, permanent errors and rows past `maxAttempts` go to `dead` for /admin.
 */
export function createDispatcher(deps: {
  db: Db
  clock: Clock
  logger: Logger
  handlers: Record<string, OutboxHandler>
  maxAttempts: number
  leaseMs?: number
}): Dispatcher {
  const leaseMs = deps.leaseMs ?? 120_000
  return {
    async drainOnce(limit = 50) {
      let sent = 0
      let failed = 0
      const rows = await dueRows(deps.db, Object.keys(deps.handlers), deps.clock.now().getTime(), limit)
      for (const row of rows) {
        if (!(await claim(deps.db, row, deps.clock.now().getTime(), leaseMs))) continue
        const handler = deps.handlers[row.topic]!
        try {
          const externalId = await handler(JSON.parse(row.payload), { rowId: row.id, key: row.idempotency_key })
          await markSent(deps.db, row.id, deps.clock.now().getTime(), externalId ?? null)
          sent++
        } catch (err) {
          failed++
          const e = err as Partial<DeliveryError> & Error
          const now = deps.clock.now().getTime()
          const next = nextAttemptAt({
            now,
            attempts: row.attempts + 1,
            maxAttempts: deps.maxAttempts,
            permanent: e.permanent ?? false,
            retryAfterMs: e.retryAfterMs ?? null,
          })
          await markFailed(deps.db, row.id, now, e.message ?? String(err), next)
          deps.logger.warn({ outboxId: row.id, topic: row.topic, attempt: row.attempts + 1, dead: next === null, err: e.message }, 'outbox delivery failed')
        }
      }
      return { sent, failed }
    },
  }
}
