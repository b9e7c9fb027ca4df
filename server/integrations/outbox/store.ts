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

export async function markSent(db: Db, id: number, now: number, externalId: string | null): Promise<void> {
  await db('outbox').where({ id }).update({ status: 'sent', locked_until: null, last_error: null, external_id: externalId, updated_at: now })
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
  const n = await db('outbox').where({ id, status: 'dead' }).update({ status: 'pending', attempts: 0, next_attempt_at: now, updated_at: now })
  return n === 1
}

export function listRows(db: Db, statuses: string[], limit = 200): Promise<OutboxRow[]> {
  return db('outbox').whereIn('status', statuses).orderBy('id', 'desc').limit(limit)
}
