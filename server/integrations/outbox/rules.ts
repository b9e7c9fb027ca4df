/** Pure retry policy of the outbox (reference/reliability-security.md §2.3, §3). */

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

/**
 * When to try again after the other side said "too many requests" for the `throttled`-th time in a row. Such an answer is
 * not a failure of the row (see the dispatcher), so it never leads to `dead`: the server's hint is taken as it is, otherwise
 * a short full-jitter backoff capped at one minute (the limits of Bitrix24 and MoySklad drain within seconds).
 */
export function nextThrottledAt(o: { now: number; throttled: number; retryAfterMs?: number | null; random?: () => number }): number {
  if (o.retryAfterMs != null && o.retryAfterMs >= 0) return o.now + Math.min(o.retryAfterMs, 60 * 60_000)
  const rnd = (o.random ?? Math.random)()
  return o.now + Math.max(500, Math.round(rnd * Math.min(60_000, 1_000 * 2 ** Math.min(o.throttled, 10))))
}

/**
 * A `Retry-After` header value in milliseconds from `now`: either delay-seconds («120») or an HTTP date («Wed, 21 Oct 2026
 * 07:28:00 GMT»), RFC 9110 §10.2.3. A date in the past gives 0; anything unreadable gives null (no hint).
 */
export function parseRetryAfter(value: string | string[] | number | null | undefined, now: number): number | null {
  const v = Array.isArray(value) ? value[0] : value
  if (v == null) return null
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? Math.round(v * 1000) : null
  const s = v.trim()
  if (s === '') return null
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000)
  // Only full HTTP dates: Date.parse would also read «1 2» or «tomorrow» on some engines.
  if (!/[A-Za-z]{3},?\s+\d{1,2}[\s-][A-Za-z]{3}[\s-]\d{2,4}\s+\d{2}:\d{2}:\d{2}\s+GMT/.test(s)) return null
  const t = Date.parse(s)
  if (Number.isNaN(t)) return null
  return Math.max(0, t - now)
}

/** What a failed HTTP call means for the outbox. */
export interface FailureClass {
  /** No retry will help (4xx other than 408/429): straight to `dead`. */
  permanent: boolean
  /** The other side is rate-limiting us: wait and try again without counting an attempt. */
  rateLimited: boolean
  /** The server's own hint, when it gave one. */
  retryAfterMs: number | null
}

/** Network-level error codes (Node and axios) that a later try may well get past. */
const TRANSIENT_CODES = new Set([
  'ECONNABORTED', 'ETIMEDOUT', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH',
  'ERR_SOCKET_CONNECTION_TIMEOUT', 'ERR_NETWORK', 'ETIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET',
])

/** The `error` code inside a body, as Bitrix24 (`{error}`) and others put it. */
function bodyError(body: unknown): string {
  if (body && typeof body === 'object') {
    const e = (body as { error?: unknown }).error
    if (typeof e === 'string') return e
  }
  return ''
}

/**
 * Classifies a failed call from what came back: the HTTP status (undefined when no answer came), headers, body and the
 * network error code. 429 and 503 `QUERY_LIMIT_EXCEEDED` are rate limits; 5xx, 408, timeouts and network errors are
 * transient; other 4xx are permanent. `Retry-After` (seconds or an HTTP date), `X-Lognex-Retry-After` (MoySklad, ms) and
 * Bitrix24's `time.operating_reset_at` (unix seconds, for 429 `OPERATION_TIME_LIMIT`) become the hint.
 */
export function classifyHttpFailure(o: {
  status?: number
  headers?: Record<string, unknown>
  body?: unknown
  code?: string
  now: number
}): FailureClass {
  const h = o.headers ?? {}
  // Header names are case-insensitive; axios lower-cases them, a hand-built object may not.
  const header = (name: string) => Object.entries(h).find(([k]) => k.toLowerCase() === name)?.[1]
  let retryAfterMs = parseRetryAfter(header('retry-after') as string | undefined, o.now)
  const lognex = Number(header('x-lognex-retry-after'))
  if (retryAfterMs == null && Number.isFinite(lognex) && lognex > 0) retryAfterMs = Math.round(lognex)
  const err = bodyError(o.body)
  if (retryAfterMs == null && err === 'OPERATION_TIME_LIMIT') {
    const reset = Number((o.body as { time?: { operating_reset_at?: unknown } })?.time?.operating_reset_at)
    if (Number.isFinite(reset) && reset > 0) retryAfterMs = Math.max(0, reset * 1000 - o.now)
  }
  const s = o.status
  if (s === undefined) return { permanent: false, rateLimited: false, retryAfterMs }
  if (s === 429 || (s === 503 && err === 'QUERY_LIMIT_EXCEEDED')) return { permanent: false, rateLimited: true, retryAfterMs }
  if (s >= 500 || s === 408) return { permanent: false, rateLimited: false, retryAfterMs }
  if (s >= 400) return { permanent: true, rateLimited: false, retryAfterMs: null }
  return { permanent: false, rateLimited: false, retryAfterMs }
}

/** True for a network error code worth another try (the classifier treats a missing answer as transient anyway). */
export function isTransientCode(code: string | undefined): boolean {
  return !!code && TRANSIENT_CODES.has(code)
}
