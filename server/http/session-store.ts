import session from 'express-session'
import type { Db } from '../db/knex.js'
import type { Clock } from '../shared/clock.js'

type Cb<T = void> = (err?: unknown, value?: T) => void

/**
 * Sessions in the database. Written here rather than taken from connect-session-knex because the portal needs a `user_id`
 * column (a person lists and ends their own sessions, a password change ends the others) and the injected clock (idle
 * expiry is tested without waiting). Idle expiry: `expires_at` moves forward on every request; absolute expiry is checked
 * by the auth middleware from `createdAt` in the data.
 */
export class DbSessionStore extends session.Store {
  /** When this process last moved each session's expiry forward, so that most requests skip the write altogether. */
  private readonly touched = new Map<string, number>()

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly idleMs: number,
  ) {
    super()
  }

  override get(sid: string, cb: Cb<session.SessionData | null>): void {
    this.db('sessions')
      .where({ sid })
      .first()
      .then((row) => {
        if (!row || Number(row.expires_at) <= this.clock.now().getTime()) return cb(undefined, null)
        cb(undefined, JSON.parse(row.data))
      }, cb)
  }

  override set(sid: string, sess: session.SessionData, cb?: Cb): void {
    const now = this.clock.now().getTime()
    const row = {
      data: JSON.stringify(sess),
      user_id: sess.userId ?? null,
      seen_at: now,
      expires_at: now + this.idleMs,
      ip: sess.ip ?? '',
      user_agent: (sess.userAgent ?? '').slice(0, 300),
    }
    this.db('sessions')
      .insert({ sid, created_at: now, ...row })
      .onConflict('sid')
      .merge(row)
      .then(() => cb?.(), (err) => cb?.(err))
  }

  override touch(sid: string, _sess: session.SessionData, cb?: Cb): void {
    const now = this.clock.now().getTime()
    // Idle expiry needs minute precision, not a write per request: refresh at most once a minute, and do not even ask the
    // database when this process did so less than a minute ago.
    const last = this.touched.get(sid)
    if (last !== undefined && last > now - 60_000 && last <= now) return void cb?.()
    if (this.touched.size >= 50_000) this.touched.clear()
    this.touched.set(sid, now)
    this.db('sessions')
      .where({ sid })
      .andWhere('seen_at', '<', now - 60_000)
      .update({ seen_at: now, expires_at: now + this.idleMs })
      .then(() => cb?.(), (err) => cb?.(err))
  }

  override destroy(sid: string, cb?: Cb): void {
    this.touched.delete(sid)
    this.db('sessions')
      .where({ sid })
      .delete()
      .then(() => cb?.(), (err) => cb?.(err))
  }
}

declare module 'express-session' {
  interface SessionData {
    userId?: number
    createdAt?: number
    currentCompanyId?: number | null
    ip?: string
    userAgent?: string
    flash?: { type: 'ok' | 'error' | 'info'; text: string }[]
    /** A manager viewing the cabinet as a company (issue 6) sets this; kept here so the banner logic has one home. */
    impersonating?: boolean
  }
}
