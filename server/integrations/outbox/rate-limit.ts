import type { Db } from '../../db/knex.js'
import type { Clock } from '../../shared/clock.js'

/** How fast a key may go: `ratePerSec` tokens refill per second, at most `burst` saved up. */
export interface RateOpts {
  ratePerSec: number
  burst: number
}

export interface RateLimiter {
  /** Waits until a token of `key` is free and takes it. */
  acquire(key: string, opts: RateOpts): Promise<void>
  /** Takes a token when one is free right now; otherwise says how long until one will be (ms), taking nothing. */
  tryAcquire(key: string, opts: RateOpts): Promise<{ ok: true } | { ok: false; waitMs: number }>
}

const MICRO = 1_000_000

/**
 * A token bucket per key kept in the `rate_limits` table, so every process that calls a service (the web process, the jobs,
 * a second app instance) draws from the same bucket: Bitrix24 counts requests per portal and source IP, not per process
 * (reference/reliability-security.md §3.1: key `b24:<member_id>`, 2/s, burst ≤ 50).
 *
 * Taking a token reads the row, refills it for the time passed, and writes the new state back with a conditional update on
 * the state it read (`WHERE key = ? AND tokens_micro = ? AND refilled_at = ?`), checked by affected rows. Two processes that
 * read the same state both try to write it; only one update matches, the other reads again. No locking reads, so it is the
 * same on SQLite and MariaDB. Tokens are kept in millionths (integers compare exactly on both engines).
 *
 * `sleep` is injected so tests can move a manual clock instead of waiting.
 */
export function createRateLimiter(deps: { db: Db; clock: Clock; sleep?: (ms: number) => Promise<void> }): RateLimiter {
  const { db, clock } = deps
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)))

  async function attempt(key: string, o: RateOpts): Promise<{ ok: true } | { ok: false; waitMs: number }> {
    if (!(o.ratePerSec > 0) || !(o.burst >= 1)) throw new Error(`rate limit of ${key}: ratePerSec > 0 and burst ≥ 1 are required`)
    const burstMicro = Math.round(o.burst * MICRO)
    for (let tries = 0; tries < 50; tries++) {
      const now = clock.now().getTime()
      const row = (await db('rate_limits').where({ key }).first()) as { tokens_micro: number | string; refilled_at: number | string } | undefined
      if (!row) {
        // A new key starts with a full bucket less the token taken now; a concurrent first insert loses and reads again.
        try {
          await db('rate_limits').insert({ key, tokens_micro: burstMicro - MICRO, refilled_at: now })
          return { ok: true }
        } catch {
          continue
        }
      }
      const tokens = Number(row.tokens_micro)
      const at = Number(row.refilled_at)
      // A clock behind the stored time (another host's skew) refills nothing rather than going backwards.
      const elapsed = Math.max(0, now - at)
      const refilled = Math.min(burstMicro, tokens + Math.floor(elapsed * o.ratePerSec * 1000))
      const stamp = Math.max(now, at)
      if (refilled < MICRO) return { ok: false, waitMs: Math.max(1, Math.ceil((MICRO - refilled) / (o.ratePerSec * 1000))) }
      const n = await db('rate_limits')
        .where({ key, tokens_micro: row.tokens_micro, refilled_at: row.refilled_at })
        .update({ tokens_micro: refilled - MICRO, refilled_at: stamp })
      if (Number(n) === 1) return { ok: true }
    }
    // Heavy contention: let the caller come back shortly rather than spin.
    return { ok: false, waitMs: 5 }
  }

  return {
    tryAcquire: attempt,
    async acquire(key, opts) {
      for (;;) {
        const r = await attempt(key, opts)
        if (r.ok) return
        await sleep(r.waitMs)
      }
    },
  }
}
