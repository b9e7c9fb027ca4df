import axios, { isAxiosError, type AxiosInstance, type AxiosRequestConfig } from 'axios'
import type { Clock } from '../../shared/clock.js'
import type { Logger } from '../../logger.js'
import { DeliveryError } from '../outbox/dispatcher.js'
import { deliveryErrorFrom } from '../outbox/http.js'
import type { RateLimiter } from '../outbox/rate-limit.js'
import { invalidRequest, problemsText } from './map.js'
import type { CdekClient, CdekEntityResponse, CdekOrderEntity, CdekOrderRequest, CdekRequestInfo, CdekWebhook } from './types.js'

/** Renew the token this long before CDEK says it expires (clock skew, a slow request). */
const TOKEN_MARGIN_MS = 60_000

/**
 * The CDEK API v2 client (reference/cdek.md). The OAuth token (client credentials, ~1 h) is cached until shortly before it
 * expires and shared by concurrent calls; a 401 drops it and the call is repeated once with a new token. Every call first
 * takes a token of the shared rate limiter (key `cdek`). Failures come out as `DeliveryError`: a 400 with CDEK's errors is
 * permanent with the reasons in Russian, 5xx/timeouts/network errors are transient, 429 is a rate limit.
 *
 * `baseUrl` is read per call (a getter): the sandbox's URL is known only once the server listens.
 */
export function createCdekClient(deps: {
  readonly baseUrl: string
  clientId: string
  clientSecret: string
  timeoutMs: number
  clock: Clock
  logger: Logger
  limiter?: RateLimiter
  ratePerSec?: number
  http?: AxiosInstance
}): CdekClient {
  const http = deps.http ?? axios.create()
  let cached: { token: string; expiresAt: number } | null = null
  let inflight: Promise<string> | null = null
  const now = () => deps.clock.now().getTime()

  async function fetchToken(): Promise<string> {
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: deps.clientId, client_secret: deps.clientSecret })
    try {
      const res = await http.post(`${deps.baseUrl}/oauth/token`, form.toString(), {
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        timeout: deps.timeoutMs,
      })
      const body = res.data as { access_token?: string; expires_in?: number }
      if (!body?.access_token) throw new DeliveryError('СДЭК: ответ на запрос токена без access_token', false)
      cached = { token: body.access_token, expiresAt: now() + Math.max(60, Number(body.expires_in) || 3600) * 1000 - TOKEN_MARGIN_MS }
      return body.access_token
    } catch (err) {
      if (isAxiosError(err) && (err.response?.status === 401 || err.response?.status === 400)) {
        // Wrong account or password: nothing a retry will fix until someone changes the configuration.
        throw new DeliveryError(`СДЭК не выдал токен: неверные CDEK_CLIENT_ID / CDEK_CLIENT_SECRET (HTTP ${err.response.status})`, true)
      }
      throw deliveryErrorFrom(err, now())
    }
  }

  /** The cached token, or one fresh token shared by every caller waiting for it. */
  async function token(): Promise<string> {
    if (cached && cached.expiresAt > now()) return cached.token
    if (!inflight) inflight = fetchToken().finally(() => (inflight = null))
    return inflight
  }

  async function call<T>(config: AxiosRequestConfig): Promise<{ status: number; data: T }> {
    if (deps.limiter) await deps.limiter.acquire('cdek', { ratePerSec: deps.ratePerSec ?? 5, burst: 5 })
    for (let round = 0; ; round++) {
      const t = await token()
      try {
        const res = await http.request<T>({ ...config, url: `${deps.baseUrl}${config.url}`, timeout: deps.timeoutMs, headers: { ...config.headers, Authorization: `Bearer ${t}` } })
        return { status: res.status, data: res.data }
      } catch (err) {
        if (isAxiosError(err) && err.response?.status === 401 && round === 0) {
          // The token expired early or was revoked: one new token, one more try.
          if (cached?.token === t) cached = null
          deps.logger.info({ url: config.url }, 'cdek: 401, renewing the token')
          continue
        }
        if (isAxiosError(err) && err.response?.status === 400) {
          const body = err.response.data as CdekEntityResponse<unknown> | undefined
          const bad = invalidRequest(body?.requests) ?? body?.requests?.[0]
          throw new DeliveryError(problemsText(bad?.errors ?? (body as { errors?: [] } | undefined)?.errors), true)
        }
        throw deliveryErrorFrom(err, now())
      }
    }
  }

  return {
    async createOrder(body: CdekOrderRequest) {
      const res = await call<CdekEntityResponse<{ uuid: string }>>({ method: 'POST', url: '/orders', data: body })
      const request: CdekRequestInfo | null = res.data?.requests?.[0] ?? null
      return { uuid: res.data?.entity?.uuid ?? null, request }
    },

    async getOrder(uuid: string) {
      const res = await call<CdekEntityResponse<CdekOrderEntity>>({ method: 'GET', url: `/orders/${encodeURIComponent(uuid)}` })
      return res.data
    },

    async findByNumber(number: string) {
      try {
        const res = await call<CdekEntityResponse<CdekOrderEntity>>({ method: 'GET', url: '/orders', params: { im_number: number } })
        return res.data?.entity?.uuid ? res.data.entity : null
      } catch (err) {
        // «Not found» comes as a 400/404 with v2_entity_not_found: that is the answer "no such order yet".
        if (err instanceof DeliveryError && err.permanent && /не найдено|not found|HTTP 404/i.test(err.message)) return null
        throw err
      }
    },

    async subscribeWebhook(url: string, type = 'ORDER_STATUS') {
      const res = await call<CdekEntityResponse<{ uuid: string }>>({ method: 'POST', url: '/webhooks', data: { url, type } })
      return res.data?.entity?.uuid ?? null
    },

    async listWebhooks() {
      // The answer's shape is not documented (reference/cdek.md §5 [U]): a plain array, or the list under `entity`/`items`.
      const res = await call<unknown>({ method: 'GET', url: '/webhooks' })
      const d = res.data as { entity?: unknown; items?: unknown } | unknown[] | null
      const list = Array.isArray(d) ? d : Array.isArray(d?.entity) ? d.entity : Array.isArray(d?.items) ? d.items : d?.entity ? [d.entity] : []
      return (list as Partial<CdekWebhook>[])
        .filter((w) => w && typeof w.url === 'string')
        .map((w) => ({ uuid: String(w.uuid ?? ''), url: w.url!, type: String(w.type ?? '') }))
    },
  }
}
