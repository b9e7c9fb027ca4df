import { isAxiosError } from 'axios'
import { DeliveryError } from './dispatcher.js'
import { classifyHttpFailure, isTransientCode } from './rules.js'

/** A short text of what went wrong with an HTTP call, for the row's last error in /admin. */
function describe(status: number | undefined, body: unknown, fallback: string): string {
  let detail = ''
  if (typeof body === 'string') detail = body.slice(0, 300)
  else if (body && typeof body === 'object') {
    const b = body as { error?: unknown; error_description?: unknown; message?: unknown }
    detail = [b.error, b.error_description, b.message].filter((x) => typeof x === 'string' && x).join(': ')
    if (!detail) detail = JSON.stringify(body).slice(0, 300)
  }
  return status ? `HTTP ${status}${detail ? ` ${detail}` : ''}` : fallback
}

/**
 * Turns whatever an HTTP call threw (an axios error with or without a response, a timeout, a network error) into the
 * DeliveryError the dispatcher reads: permanent for 4xx other than 408/429, rate-limited for 429 and 503
 * `QUERY_LIMIT_EXCEEDED`, transient otherwise, with the server's `Retry-After` hint when it sent one. A DeliveryError
 * passes through unchanged; an unknown error is transient (a retry is cheap, a lost change is not).
 */
export function deliveryErrorFrom(err: unknown, now: number): DeliveryError {
  if (err instanceof DeliveryError) return err
  if (isAxiosError(err)) {
    const res = err.response
    const cls = classifyHttpFailure({
      status: res?.status,
      headers: (res?.headers ?? {}) as Record<string, unknown>,
      body: res?.data,
      code: err.code,
      now,
    })
    const msg = describe(res?.status, res?.data, `${err.code ?? 'network error'}: ${err.message}`)
    return new DeliveryError(msg, cls.permanent, cls.retryAfterMs, cls.rateLimited)
  }
  const e = err as { code?: string; message?: string }
  const message = e?.message ?? String(err)
  return new DeliveryError(isTransientCode(e?.code) ? `${e.code}: ${message}` : message, false)
}

/** The same for an answer that came back (a response object with status, headers and data) without throwing. */
export function deliveryErrorFromResponse(res: { status: number; headers?: Record<string, unknown>; data?: unknown }, now: number): DeliveryError {
  const cls = classifyHttpFailure({ status: res.status, headers: res.headers ?? {}, body: res.data, now })
  return new DeliveryError(describe(res.status, res.data, `HTTP ${res.status}`), cls.permanent, cls.retryAfterMs, cls.rateLimited)
}
