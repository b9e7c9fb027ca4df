import type { Db } from '../../db/knex.js'
import type { Clock } from '../../shared/clock.js'
import type { Logger } from '../../logger.js'
import { claim, dueRows, markFailed, markSent, markThrottled, saveExternalId, type OutboxRow } from './store.js'
import { nextAttemptAt, nextThrottledAt } from './rules.js'

/**
 * What a handler may throw to steer the retry policy: `permanent` sends the row to `dead` at once; `retryAfterMs` is the
 * other side's hint of when to come back; `rateLimited` says the other side refused for load, not because of this row
 * (see `createDispatcher` for what that changes). `deliveryErrorFrom` (./http.ts) builds one from an axios error.
 */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly retryAfterMs: number | null = null,
    readonly rateLimited: boolean = false,
  ) {
    super(message)
  }
}

/** What a handler learns about the row it delivers. */
export interface HandlerContext {
  rowId: number
  key: string
  /** This attempt's number, from 1 (rate-limited tries are not counted). */
  attempt: number
  /**
   * The external id a previous attempt already stored (null on the first try). A handler that finds one must not create
   * the thing again: the create went through, only the rest of the work (or the answer) was lost.
   */
  externalId: string | null
  /** Writes the external id to the row at once, outside any transaction, so a process killed right after keeps it. */
  saveExternalId(id: string): Promise<void>
}

/** A single-row topic handler: delivers one payload and returns the external id when the other side gives one. */
export type OutboxHandler = (payload: any, ctx: HandlerContext) => Promise<string | null | void>

/** The outcome of one row of a batch: delivered (with its external id when there is one), or failed with an error. */
export type BatchOutcome = { ok: true; externalId?: string | null } | { ok: false; error: unknown }

/**
 * A batch topic handler: gets up to `batchSize` claimed rows of its topic at once (e.g. Bitrix24 sends up to 50 calls in one
 * `batch` request) and answers one outcome per row, in the same order. Throwing fails every row of the batch with that error.
 */
export interface BatchHandler {
  batchSize: number
  handleBatch(rows: { payload: any; ctx: HandlerContext }[]): Promise<BatchOutcome[]>
}

export type TopicHandler = OutboxHandler | BatchHandler

export interface DrainResult {
  /** Rows claimed by this dispatcher (0: nothing was due, or other dispatchers took everything). */
  claimed: number
  sent: number
  failed: number
  /** Rows the other side refused for load; they come back later without an attempt counted. */
  throttled: number
}

export interface Dispatcher {
  /** Sends every due row once (up to `limit` single rows plus a batch per batch topic). */
  drainOnce(limit?: number): Promise<DrainResult>
  /**
   * Drains in rounds until nothing is due, a round only met rate limits, or the clock passes `untilMs`; returns the totals.
   */
  drain(o: { untilMs: number; limit?: number }): Promise<DrainResult & { rounds: number }>
  /** The topics this dispatcher has handlers for. */
  topics(): string[]
}

const isBatch = (h: TopicHandler): h is BatchHandler => typeof h === 'object' && typeof (h as BatchHandler).handleBatch === 'function'

/**
 * The outbox relay. Each row is claimed with a conditional update (a lease), so two dispatchers never send it at the same
 * time; a worker killed mid-send leaves a `sending` row whose lease runs out and is picked up again, and the external id a
 * handler stored with `ctx.saveExternalId` comes back to it in `ctx.externalId`, so the retry finishes the work instead of
 * creating a second copy. Failures back off with full jitter (or the server's hint); permanent errors and rows past
 * `maxAttempts` go to `dead` for /admin.
 *
 * Rate limits (429, 503 `QUERY_LIMIT_EXCEEDED`, `DeliveryError.rateLimited`) do not burn an attempt: the claim's attempt is
 * given back and `throttled` counts them instead. A rate-limit answer says the service is busy, not that the row is wrong;
 * counting it would let a burst of a thousand orders against a 2 requests/s portal send healthy rows to `dead`. The row waits
 * for the server's hint (or a short jittered backoff), its last error shows the refusal, and the topic pauses in this
 * process until then, so the rest of its queue does not hammer the service either. A row that is only ever refused stays
 * pending, visible in /admin; it is never dropped.
 */
export function createDispatcher(deps: {
  db: Db
  clock: Clock
  logger: Logger
  handlers: Record<string, TopicHandler>
  maxAttempts: number
  leaseMs?: number
  random?: () => number
}): Dispatcher {
  const { db, clock, logger } = deps
  const leaseMs = deps.leaseMs ?? 120_000
  const pausedUntil = new Map<string, number>()
  const now = () => clock.now().getTime()

  const contextOf = (row: OutboxRow): HandlerContext => ({
    rowId: row.id,
    key: row.idempotency_key,
    attempt: row.attempts + 1,
    externalId: row.external_id ?? null,
    saveExternalId: async (id: string) => {
      await saveExternalId(db, row.id, String(id), now())
      row.external_id = String(id)
    },
  })

  /** Records one row's outcome; `row` is as read before the claim. */
  async function settle(row: OutboxRow, outcome: BatchOutcome, tally: DrainResult): Promise<void> {
    const t = now()
    if (outcome.ok) {
      await markSent(db, row.id, t, outcome.externalId ?? null)
      tally.sent++
      return
    }
    const err = outcome.error
    const e = (err instanceof Error ? err : new Error(String(err))) as Partial<DeliveryError> & Error
    const message = e.message || String(err)
    if (e.rateLimited) {
      const next = nextThrottledAt({ now: t, throttled: (row.throttled ?? 0) + 1, retryAfterMs: e.retryAfterMs ?? null, random: deps.random })
      await markThrottled(db, row.id, t, row.attempts, message, next)
      pausedUntil.set(row.topic, Math.max(pausedUntil.get(row.topic) ?? 0, next))
      tally.throttled++
      logger.info({ outboxId: row.id, topic: row.topic, until: new Date(next).toISOString() }, 'outbox: rate-limited, waiting')
      return
    }
    const next = nextAttemptAt({
      now: t,
      attempts: row.attempts + 1,
      maxAttempts: deps.maxAttempts,
      permanent: e.permanent ?? false,
      retryAfterMs: e.retryAfterMs ?? null,
      random: deps.random,
    })
    await markFailed(db, row.id, t, message, next)
    tally.failed++
    logger.warn({ outboxId: row.id, topic: row.topic, attempt: row.attempts + 1, dead: next === null, err: message }, 'outbox delivery failed')
  }

  async function runSingle(row: OutboxRow, handler: OutboxHandler, tally: DrainResult): Promise<void> {
    let outcome: BatchOutcome
    try {
      const externalId = await handler(JSON.parse(row.payload), contextOf(row))
      outcome = { ok: true, externalId: externalId ?? null }
    } catch (error) {
      outcome = { ok: false, error }
    }
    await settle(row, outcome, tally)
  }

  async function runBatch(rows: OutboxRow[], handler: BatchHandler, tally: DrainResult): Promise<void> {
    let outcomes: BatchOutcome[]
    try {
      outcomes = await handler.handleBatch(rows.map((r) => ({ payload: JSON.parse(r.payload), ctx: contextOf(r) })))
    } catch (error) {
      outcomes = rows.map(() => ({ ok: false, error }))
    }
    for (let i = 0; i < rows.length; i++) {
      await settle(rows[i]!, outcomes[i] ?? { ok: false, error: new Error('the batch handler gave no outcome for this row') }, tally)
    }
  }

  /** Claims what it can of `rows`; the ones another dispatcher took first are skipped. */
  async function claimAll(rows: OutboxRow[]): Promise<OutboxRow[]> {
    const mine: OutboxRow[] = []
    for (const row of rows) if (await claim(db, row, now(), leaseMs)) mine.push(row)
    return mine
  }

  const active = (topic: string) => (pausedUntil.get(topic) ?? 0) <= now()

  const dispatcher: Dispatcher = {
    topics: () => Object.keys(deps.handlers),

    async drainOnce(limit = 50) {
      const tally: DrainResult = { claimed: 0, sent: 0, failed: 0, throttled: 0 }
      const singles = Object.keys(deps.handlers).filter((t) => !isBatch(deps.handlers[t]!) && active(t))
      const batches = Object.keys(deps.handlers).filter((t) => isBatch(deps.handlers[t]!) && active(t))
      for (const topic of batches) {
        const handler = deps.handlers[topic] as BatchHandler
        const size = Math.max(1, handler.batchSize)
        const rows = await claimAll(await dueRows(db, [topic], now(), size))
        if (!rows.length) continue
        tally.claimed += rows.length
        await runBatch(rows, handler, tally)
      }
      if (singles.length) {
        for (const row of await dueRows(db, singles, now(), limit)) {
          // A rate limit met earlier in this round pauses the rest of that topic.
          if (!active(row.topic)) continue
          const [mine] = await claimAll([row])
          if (!mine) continue
          tally.claimed++
          await runSingle(mine, deps.handlers[row.topic] as OutboxHandler, tally)
        }
      }
      return tally
    },

    async drain({ untilMs, limit }) {
      const total = { claimed: 0, sent: 0, failed: 0, throttled: 0, rounds: 0 }
      while (now() < untilMs) {
        const r = await dispatcher.drainOnce(limit)
        total.rounds++
        total.claimed += r.claimed
        total.sent += r.sent
        total.failed += r.failed
        total.throttled += r.throttled
        // Nothing due, or only rate-limit refusals: stop rather than spin; the next tick comes back after the pause.
        if (r.sent + r.failed === 0) break
      }
      return total
    },
  }
  return dispatcher
}
