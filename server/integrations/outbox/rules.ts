/** Pure retry policy of the outbox (reference/reliability-security.md §2.3). */

/**
 * When to try again after `attempts` failed attempts, or null to give up (the row goes to `dead`). Full jitter:
 * random(0, min(cap, base · 2^attempt)); a server hint (Retry-After) wins when present. `random` is injected for tests.
 */
export function nextAttemptAt(o: {
  now: number
  attempts: number
  maxAttempts: number
  permanent: boolean
  retryAfterMs?: number | null
  baseMs?: number
  capMs?: number
  random?: () => number
}): number | null {
  if (o.permanent || o.attempts >= o.maxAttempts) return null
  if (o.retryAfterMs != null && o.retryAfterMs >= 0) return o.now + o.retryAfterMs
  const base = o.baseMs ?? 5_000
  const cap = o.capMs ?? 15 * 60_000
  const rnd = (o.random ?? Math.random)()
  return o.now + Math.max(1_000, Math.round(rnd * Math.min(cap, base * 2 ** o.attempts)))
}
