import type { Db } from '../../db/knex.js'
import { isUniqueViolation } from '../../db/dialect.js'

export interface OutboxRow {
  id: number
  topic: string
  idempotency_key: string
  payload: string
  status: 'pending' | 'sending' | 'sent' | 'dead'
  attempts: number
  next_attempt_at: number
  locked_until: number | null
  last_error: string | null
  external_id: string | null
  /** Rate-limit answers met (they do not count as attempts). */
  throttled: number
  created_at: number
  updated_at: number
}

/**
 * Adds a row in the caller's transaction, so that the business change and the outbound call it causes commit together.
 * A second row with the same idempotency key is ignored: the first one already carries the intent.
 */
export async function enqueue(db: Db, row: { topic: string; key: string; payload: unknown; now: number }): Promise<void> {
  try {
    await db('outbox').insert({
      topic: row.topic,
      idempotency_key: row.key,
      payload: JSON.stringify(row.payload),
      status: 'pending',
      attempts: 0,
      next_attempt_at: row.now,
      created_at: row.now,
      updated_at: row.now,
    })
  } catch (err) {
    if (!isUniqueViolation(err)) throw err
  }
}

/**
 * Due rows of the given topics, oldest first: pending ones whose time has come and `sending` ones whose lease ran out (a
 * killed worker). Rows of topics the caller has no handler for stay untouched for a dispatcher that has one.
 */
export function dueRows(db: Db, topics: string[], now: number, limit: number): Promise<OutboxRow[]> {
  return db('outbox')
    .whereIn('topic', topics)
    .andWhere((w) =>
      w
        .where((q) => q.where({ status: 'pending' }).andWhere('next_attempt_at', '<=', now))
        .orWhere((q) => q.where({ status: 'sending' }).andWhere('locked_until', '<', now)),
    )
    .orderBy('id')
    .limit(limit)
}

/** Takes the lease on a row; false when another dispatcher took it first (conditional update checked by affected rows). */
export async function claim(db: Db, row: OutboxRow, now: number, leaseMs: number): Promise<boolean> {
  const n = await db('outbox')
    .where({ id: row.id, status: row.status, attempts: row.attempts })
    .update({ status: 'sending', locked_until: now + leaseMs, attempts: row.attempts + 1, updated_at: now })
  return n === 1
}

/** Marks a row delivered. An external id stored earlier (`saveExternalId`) is kept when the handler returns none. */
export async function markSent(db: Db, id: number, now: number, externalId: string | null): Promise<void> {
  await db('outbox')
    .where({ id })
    .update({ status: 'sent', locked_until: null, last_error: null, updated_at: now, ...(externalId != null ? { external_id: externalId } : {}) })
}

/** Stores the external id the moment a handler learns it (a later crash then cannot lose it). */
export async function saveExternalId(db: Db, id: number, externalId: string, now: number): Promise<void> {
  await db('outbox').where({ id }).update({ external_id: externalId.slice(0, 191), updated_at: now })
}

/**
 * The other side refused for load: back to pending at `nextAt` with the attempt the claim counted given back (`attempts`
 * is the count before the claim) and the refusal counted in `throttled`.
 */
export async function markThrottled(db: Db, id: number, now: number, attempts: number, error: string, nextAt: number): Promise<void> {
  await db('outbox')
    .where({ id })
    .update({
      status: 'pending',
      attempts,
      throttled: db.raw('throttled + 1'),
      next_attempt_at: nextAt,
      locked_until: null,
      last_error: error.slice(0, 2000),
      updated_at: now,
    })
}

export async function markFailed(db: Db, id: number, now: number, error: string, nextAt: number | null): Promise<void> {
  await db('outbox')
    .where({ id })
    .update({
      status: nextAt === null ? 'dead' : 'pending',
      next_attempt_at: nextAt ?? now,
      locked_until: null,
      last_error: error.slice(0, 2000),
      updated_at: now,
    })
}

/** Puts a dead row back in the queue (the «повторить» button in /admin). */
export async function retryDead(db: Db, id: number, now: number): Promise<boolean> {
  const n = await db('outbox').where({ id, status: 'dead' }).update({ status: 'pending', attempts: 0, throttled: 0, next_attempt_at: now, updated_at: now })
  return n === 1
}

/**
 * «повторить» for any row that failed: a dead row starts over with no attempts counted; a failed pending row (it has an
 * error and waits for its backoff) is simply due now, keeping its count. False when the row is neither (sent meanwhile, or
 * being sent right now).
 */
export async function retryNow(db: Db, id: number, now: number): Promise<boolean> {
  if (await retryDead(db, id, now)) return true
  const n = await db('outbox')
    .where({ id, status: 'pending' })
    .whereNotNull('last_error')
    .update({ next_attempt_at: now, updated_at: now })
  return n === 1
}

export function listRows(db: Db, statuses: string[], limit = 200): Promise<OutboxRow[]> {
  return db('outbox').whereIn('status', statuses).orderBy('id', 'desc').limit(limit)
}

/** The views of /admin/outbox: waiting (no error yet), failed (waiting after an error), being sent, dead, sent. */
export type OutboxView = 'pending' | 'failed' | 'sending' | 'dead' | 'sent'

/** Narrows a query to one view of the queue. */
function inView(q: ReturnType<Db>, view: OutboxView) {
  if (view === 'pending') return q.where({ status: 'pending' }).whereNull('last_error')
  if (view === 'failed') return q.where({ status: 'pending' }).whereNotNull('last_error')
  return q.where({ status: view })
}

/** Rows of one view, newest first, optionally of one topic. */
export function listView(db: Db, view: OutboxView, topic: string | null, limit = 200): Promise<OutboxRow[]> {
  const q = inView(db('outbox'), view)
  if (topic) q.andWhere({ topic })
  return q.orderBy('id', 'desc').limit(limit)
}

/** How many rows each view holds, optionally of one topic. */
export async function countViews(db: Db, topic: string | null): Promise<Record<OutboxView, number>> {
  const views: OutboxView[] = ['pending', 'failed', 'sending', 'dead', 'sent']
  const out = {} as Record<OutboxView, number>
  for (const v of views) {
    const q = inView(db('outbox'), v)
    if (topic) q.andWhere({ topic })
    const row = (await q.count({ n: '*' }).first()) as { n: number | string } | undefined
    out[v] = Number(row?.n ?? 0)
  }
  return out
}

/** Every topic the outbox has seen, for the filter. */
export async function topics(db: Db): Promise<string[]> {
  const rows: { topic: string }[] = await db('outbox').distinct('topic').orderBy('topic')
  return rows.map((r) => r.topic)
}
