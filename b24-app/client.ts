import os from 'node:os'
import { randomUUID } from 'node:crypto'
import { AjaxError, ApiVersion, B24OAuth, EnumAppStatus, LoggerFactory, RefreshTokenError, SdkError } from '@bitrix24/b24jssdk'
import type { Db } from '../server/db/knex.js'
import type { Clock } from '../server/shared/clock.js'
import type { Logger } from '../server/logger.js'
import { DeliveryError } from '../server/integrations/outbox/dispatcher.js'
import type { RateLimiter, RateOpts } from '../server/integrations/outbox/rate-limit.js'
import { findInstall, markAuthFailed, releaseRefreshLease, saveTokens, takeRefreshLease, type B24Install } from './installs.js'

/*
 * The Bitrix24 REST client of the local app (reference/bitrix24.md §3, §4, §9). Every call:
 *  - reads the portal's install (tokens, endpoints) from the token store, so a refresh made by another process is seen;
 *  - takes a token of the portal's shared rate limiter (`b24:<member_id>`, 2/s, burst 50 by default) first;
 *  - goes through `B24OAuth` of @bitrix24/b24jssdk (axios underneath, so nock sees it), whose own limiter and retries are
 *    switched off: the outbox does the retrying, with the hints this client puts on its errors;
 *  - on `401 expired_token` the SDK refreshes and retries once; the refresh runs through `refreshTokens` below, under a
 *    lease on the install row, so two processes never spend the same refresh token, and the new pair is saved every time.
 * Errors come out as the outbox's `DeliveryError`: rate limits, 5xx and timeouts are transient (with a hint), everything
 * else is permanent with Bitrix24's own error text. `invalid_token`, `NO_AUTH_FOUND` and a refused refresh mark the install
 * as needing a reinstall.
 */

/** One batch command: the method and its params, as in `batch`'s `cmd` (params may use `$result[name][FIELD]`). */
export type BatchCommand = [method: string, params?: object]

/** A command's error inside a batch answer (`result_error`). */
export interface BatchCommandError {
  code: string
  message: string
}

export interface B24Client {
  /** Calls one REST method and returns its `result`. */
  call(memberId: string, method: string, params?: object): Promise<any>
  /**
   * Sends up to 50 commands as one `batch` request (one rate-limiter token, one request of the portal's bucket). Commands that
   * failed are in `errors` by their name, the others' results in `result`. With `halt` Bitrix24 stops at the first error.
   */
  batch(memberId: string, cmds: Record<string, BatchCommand>, opts?: { halt?: boolean }): Promise<{ result: Record<string, any>; errors: Record<string, BatchCommandError> }>
}

export interface B24ClientDeps {
  db: Db
  clock: Clock
  logger: Logger
  /** The local app's `client_id` / `client_secret` (the sandbox accepts any). */
  secret: { clientId: string; clientSecret: string }
  limiter: RateLimiter
  rate?: RateOpts
  /** How long one HTTP request may take. */
  timeoutMs?: number
  /** How long a call may wait for the rate limiter before it gives up with a rate-limited error (the outbox retries later). */
  maxWaitMs?: number
  /** How long a refresh lease lasts (a holder that died lets it run out). */
  refreshLeaseMs?: number
  /** Injected waiting (tests move a manual clock instead). */
  sleep?: (ms: number) => Promise<void>
}

export const MAX_BATCH = 50
const HOLDER = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`

/** The rate-limiter key of a portal (shared with every other caller of the same portal). */
export const rateKey = (memberId: string) => `b24:${memberId}`

/** Error codes that mean the tokens are gone for good: the portal's admin must reinstall the app. */
const REINSTALL_CODES = new Set(['invalid_token', 'NO_AUTH_FOUND', 'invalid_grant', 'invalid_client', 'PORTAL_DELETED', 'INVALID_CREDENTIALS'])

/** Thrown from inside the SDK's refresh hook; carried out through the SDK's own error wrapping. */
class RefreshRefused extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

export function createB24Client(deps: B24ClientDeps): B24Client {
  const { db, clock, logger } = deps
  const rate = deps.rate ?? { ratePerSec: 2, burst: 50 }
  const timeoutMs = deps.timeoutMs ?? 20_000
  const maxWaitMs = deps.maxWaitMs ?? 30_000
  const leaseMs = deps.refreshLeaseMs ?? 30_000
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)))
  const now = () => clock.now().getTime()

  /** Waits for a token of the portal's bucket, up to `maxWaitMs`; past that the row goes back to the queue. */
  async function takeToken(memberId: string): Promise<void> {
    let waited = 0
    for (;;) {
      const r = await deps.limiter.tryAcquire(rateKey(memberId), rate)
      if (r.ok) return
      if (waited + r.waitMs > maxWaitMs) {
        throw new DeliveryError(`Bitrix24: лимит запросов портала исчерпан (${rate.ratePerSec}/с), повтор через ${Math.ceil(r.waitMs / 1000)} с`, false, r.waitMs, true)
      }
      await sleep(r.waitMs)
      waited += r.waitMs
    }
  }

  async function activeInstall(memberId: string): Promise<B24Install> {
    const install = await findInstall(db, memberId)
    if (!install || install.status !== 'active') {
      throw new DeliveryError(`Bitrix24: приложение не установлено на портале ${memberId}`, true)
    }
    if (install.authError) {
      throw new DeliveryError(`Bitrix24: портал ${install.domain} отозвал доступ приложения (${install.authError}); переустановите приложение`, true)
    }
    return install
  }

  /**
   * The SDK checks `expires` against the machine's clock before each call and refreshes when it has passed. The app only
   * refreshes when Bitrix24 answers `expired_token` (reference §3: never on a timer), so the SDK is told the token is good
   * for the rest of its life as this process's clock sees it, and at least a minute.
   */
  const sdkExpires = (i: { expiresAt: number }) => Math.floor(Date.now() / 1000) + Math.max(60, Math.floor((i.expiresAt - now()) / 1000))

  const oauthParams = (i: B24Install) => ({
    applicationToken: i.applicationToken ?? '',
    userId: 0,
    memberId: i.memberId,
    accessToken: i.accessToken,
    refreshToken: i.refreshToken,
    expires: sdkExpires(i),
    expiresIn: 3600,
    scope: i.scope,
    domain: i.domain,
    // Without the trailing slash, so the SDK's `${endpoint}/${method}` is `/rest/method`, not `/rest//method`.
    clientEndpoint: i.clientEndpoint.replace(/\/+$/, ''),
    serverEndpoint: i.serverEndpoint,
    status: EnumAppStatus.Local,
  })

  const handlerPayload = (i: B24Install) => ({
    access_token: i.accessToken,
    refresh_token: i.refreshToken,
    expires: String(sdkExpires(i)),
    expires_in: '3600',
    client_endpoint: i.clientEndpoint.replace(/\/+$/, ''),
    server_endpoint: i.serverEndpoint,
    member_id: i.memberId,
    scope: i.scope,
    status: EnumAppStatus.Local,
    domain: i.domain,
  })

  /** A quiet SDK client: no client-side warning, a null logger, no limiter or retries of its own. */
  function sdkClient(i: B24Install): B24OAuth {
    const b24 = new B24OAuth(oauthParams(i), deps.secret, {
      restrictionParams: {
        rateLimit: { burstLimit: 1_000_000, drainRate: 1_000_000, adaptiveEnabled: false },
        adaptiveConfig: { enabled: false, thresholdPercent: 100, coefficient: 0, maxDelay: 0 },
        operatingLimit: { windowMs: 600_000, limitMs: 1_000_000_000, heavyPercent: 100 },
        maxRetries: 1,
        retryDelay: 0,
        retryOnNetworkError: false,
      },
    })
    b24.offClientSideWarning()
    b24.setLogger(LoggerFactory.createNullLogger())
    b24.getHttpClient(ApiVersion.v2).ajaxClient.defaults.timeout = timeoutMs
    return b24
  }

  /**
   * Refreshes the portal's tokens once for everyone: under the row's lease, and only if the token that expired is still the
   * stored one (otherwise another process refreshed meanwhile and its pair is used). The refresh itself is the SDK's
   * (`B24OAuth` → form-encoded POST to `<server_endpoint>/oauth/token/`), and the new pair is saved before anything uses it.
   */
  async function refreshTokens(memberId: string, staleAccessToken: string): Promise<B24Install> {
    // Waiting for another holder's refresh is waiting for its HTTP call: real time, whatever clock the lease is kept in.
    const deadline = Date.now() + leaseMs
    for (let round = 0; ; round++) {
      const cur = await activeInstall(memberId)
      if (cur.accessToken !== staleAccessToken) return cur
      if (await takeRefreshLease(db, memberId, HOLDER, now(), leaseMs)) {
        // The lease is given back when the refresh itself settles, not when this caller stops waiting for it: a refresh
        // whose answer is late may still rotate the pair, and nobody else may spend the old refresh token meanwhile.
        let release: Promise<void> = Promise.resolve()
        try {
          const fresh = await activeInstall(memberId)
          if (fresh.accessToken !== staleAccessToken) return fresh
          const tmp = sdkClient(fresh)
          let saved: B24Install | null = null
          tmp.setCallbackRefreshAuth(async ({ b24OAuthParams: p }) => {
            const t = now()
            const next = {
              accessToken: p.accessToken,
              refreshToken: p.refreshToken,
              expiresAt: p.expires > 0 ? p.expires * 1000 : t + (p.expiresIn || 3600) * 1000,
              clientEndpoint: p.clientEndpoint || undefined,
              serverEndpoint: p.serverEndpoint || undefined,
              scope: p.scope || undefined,
            }
            await saveTokens(db, memberId, next, t)
            saved = {
              ...fresh,
              accessToken: next.accessToken,
              refreshToken: next.refreshToken,
              expiresAt: next.expiresAt,
              clientEndpoint: next.clientEndpoint ?? fresh.clientEndpoint,
              serverEndpoint: next.serverEndpoint ?? fresh.serverEndpoint,
              scope: next.scope ?? fresh.scope,
            }
          })
          const refreshing = tmp.auth.refreshAuth()
          release = refreshing.then(
            () => undefined,
            () => undefined,
          )
          try {
            await withTimeout(refreshing, timeoutMs)
          } catch (err) {
            const code = err instanceof SdkError ? String(err.code) : ''
            const msg = err instanceof Error ? err.message : String(err)
            if (err instanceof RefreshTokenError && REINSTALL_CODES.has(code)) {
              // A refresh token spent by a refresh whose answer came late (or by another holder of an expired lease)
              // is not a revoked app: if the stored pair changed meanwhile, it is the good one.
              const again = await rotatedSince(memberId, fresh.refreshToken)
              if (again) return again
              await markAuthFailed(db, memberId, `${code}: ${msg}`, now())
              throw new RefreshRefused(code, `Bitrix24 отказал в обновлении токена (${code}: ${msg}); переустановите приложение`)
            }
            throw new DeliveryError(`Bitrix24: не удалось обновить токен (${code || 'ошибка'}: ${msg})`, false)
          }
          logger.info({ memberId }, 'b24: tokens refreshed')
          return saved ?? (await activeInstall(memberId))
        } finally {
          void release.then(() => releaseRefreshLease(db, memberId, HOLDER)).catch(() => {})
        }
      }
      // Another process refreshes right now: wait for its pair.
      if (Date.now() > deadline) throw new DeliveryError('Bitrix24: токены портала обновляет другой процесс, повтор позже', false, 1_000)
      await new Promise((r) => setTimeout(r, Math.min(200, 10 * (round + 1))))
    }
  }

  /** The install if its refresh token is no longer `used` (someone saved a newer pair), waiting briefly for a late save. */
  async function rotatedSince(memberId: string, used: string): Promise<B24Install | null> {
    for (let i = 0; i < 20; i++) {
      const cur = await findInstall(db, memberId)
      if (cur && cur.refreshToken !== used) return cur
      await new Promise((r) => setTimeout(r, 25))
    }
    return null
  }

  /** Runs one SDK request with the portal's tokens, refresh hook and error mapping. */
  async function run<T>(memberId: string, method: string, fn: (b24: B24OAuth) => Promise<T>): Promise<T> {
    const install = await activeInstall(memberId)
    await takeToken(memberId)
    const b24 = sdkClient(install)
    // Which 401 made the SDK ask for a refresh: only `expired_token` may refresh; `invalid_token` is final.
    let lastAuthCode = ''
    b24.getHttpClient(ApiVersion.v2).ajaxClient.interceptors.response.use(undefined, (err: { response?: { status?: number; data?: { error?: unknown } } }) => {
      if (err?.response?.status === 401) lastAuthCode = String(err.response.data?.error ?? '')
      return Promise.reject(err)
    })
    b24.setCustomRefreshAuth(async () => {
      if (lastAuthCode && lastAuthCode !== 'expired_token') {
        await markAuthFailed(db, memberId, lastAuthCode, now())
        throw new RefreshRefused(lastAuthCode, `Bitrix24 отклонил токен (${lastAuthCode}); переустановите приложение`)
      }
      // The refresh hook is also the only place where the retry's token is taken from; it counts as a request too.
      const fresh = await refreshTokens(memberId, install.accessToken)
      await takeToken(memberId)
      return handlerPayload(fresh)
    })
    try {
      return await fn(b24)
    } catch (err) {
      throw await toDeliveryError(memberId, method, err)
    }
  }

  /** Maps whatever the SDK threw to the outbox's error, marking the install when its tokens are dead. */
  async function toDeliveryError(memberId: string, method: string, err: unknown): Promise<DeliveryError> {
    if (err instanceof DeliveryError) return err
    const inner = (err as { originalError?: unknown })?.originalError
    if (inner instanceof DeliveryError) return inner
    if (inner instanceof RefreshRefused || err instanceof RefreshRefused) {
      const r = (inner instanceof RefreshRefused ? inner : err) as RefreshRefused
      return new DeliveryError(r.message, true)
    }
    if (err instanceof AjaxError || err instanceof SdkError) {
      const code = String(err.code)
      const status = Number(err.status) || 0
      const text = `Bitrix24 ${method}: ${code}${err.message && err.message !== code ? ` — ${err.message}` : ''}`
      const body = (inner as { response?: { data?: { time?: { operating_reset_at?: number } }; headers?: Record<string, unknown> } })?.response
      if (code === 'QUERY_LIMIT_EXCEEDED' || (status === 503 && code !== 'OVERLOAD_LIMIT')) {
        return new DeliveryError(text, false, Math.ceil(1000 / rate.ratePerSec), true)
      }
      if (code === 'OPERATION_TIME_LIMIT' || status === 429) {
        const reset = Number(body?.data?.time?.operating_reset_at)
        const hint = Number.isFinite(reset) && reset > 0 ? Math.max(1_000, reset * 1000 - Date.now()) : 60_000
        return new DeliveryError(text, false, hint, true)
      }
      if (code === 'OVERLOAD_LIMIT') return new DeliveryError(`${text} (портал заблокировал приложение за нагрузку)`, false, 15 * 60_000)
      if (REINSTALL_CODES.has(code)) {
        await markAuthFailed(db, memberId, code, now())
        return new DeliveryError(`${text}; переустановите приложение`, true)
      }
      if (code === 'expired_token') return new DeliveryError(text, false, 1_000)
      if (code === 'REQUEST_TIMEOUT' || code === 'NETWORK_ERROR' || code === 'ECONNABORTED' || code === 'ETIMEDOUT' || code === 'ECONNRESET' || code === 'ECONNREFUSED') {
        return new DeliveryError(`${text} (нет ответа)`, false)
      }
      if (status >= 500 || status === 408 || status === 0) return new DeliveryError(text, false)
      return new DeliveryError(text, true)
    }
    return new DeliveryError(`Bitrix24 ${method}: ${err instanceof Error ? err.message : String(err)}`, false)
  }

  return {
    call(memberId, method, params = {}) {
      return run(memberId, method, async (b24) => {
        const res = await b24.actions.v2.call.make({ method, params: params as Record<string, unknown> })
        if (!res.isSuccess) throw firstError(res.getErrors())
        return res.getData()?.result
      })
    },

    async batch(memberId, cmds, opts = {}) {
      const names = Object.keys(cmds)
      if (names.length === 0) return { result: {}, errors: {} }
      if (names.length > MAX_BATCH) throw new DeliveryError(`Bitrix24 batch: ${names.length} команд, не больше ${MAX_BATCH}`, true)
      return run(memberId, 'batch', async (b24) => {
        const calls: Record<string, { method: string; params: object }> = {}
        for (const n of names) calls[n] = { method: cmds[n]![0], params: cmds[n]![1] ?? {} }
        const res = await b24.actions.v2.batch.make({ calls, options: { isHaltOnError: !!opts.halt, returnAjaxResult: true } })
        const data = (res.getData() ?? {}) as Record<string, { isSuccess: boolean; getData(): { result: unknown } | undefined; getErrors(): Iterable<unknown> }>
        const result: Record<string, any> = {}
        const errors: Record<string, BatchCommandError> = {}
        for (const n of names) {
          const r = data[n]
          if (!r) continue
          if (r.isSuccess) result[n] = r.getData()?.result
          else {
            const e = firstError(r.getErrors()) as { code?: unknown; message?: string }
            errors[n] = { code: String(e.code ?? 'ERROR'), message: e.message ?? '' }
          }
        }
        // A whole-batch failure (halt, or an answer the SDK could not read) without per-command detail.
        if (!res.isSuccess && Object.keys(errors).length === 0) throw firstError(res.getErrors())
        return { result, errors }
      })
    },
  }
}

function firstError(errors: Iterable<unknown>): unknown {
  for (const e of errors) return e
  return new Error('unknown error')
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([
    p,
    new Promise<T>((_r, reject) => {
      timer = setTimeout(() => reject(new SdkError({ code: 'REQUEST_TIMEOUT', description: 'Request timeout exceeded', status: 408 })), ms)
    }),
  ]).finally(() => clearTimeout(timer))
}
