import { createHash } from 'node:crypto'
import type { Db } from '../server/db/knex.js'
import type { Clock } from '../server/shared/clock.js'
import type { Logger } from '../server/logger.js'
import type { RateLimiter, RateOpts } from '../server/integrations/outbox/rate-limit.js'
import { findInstall, type B24Install } from './installs.js'
import { rateKey } from './client.js'
import type { PlacementForm } from './ui-rules.js'

/** The Bitrix24 user a placement request was verified for. */
export interface PortalUser {
  id: string
  name: string
  admin: boolean
}

export type VerifyOutcome = { ok: true; install: B24Install; user: PortalUser } | { ok: false; status: 403 | 503; message: string }

/** What a tab answers when the portal's request budget has no token for it within `maxWaitMs`. */
export const PORTAL_BUSY_MESSAGE = 'Битрикс24 сейчас перегружен, обновите вкладку через минуту'

/**
 * Calls one REST method with a token the request brought (a placement's `AUTH_ID`, an event's `auth[access_token]`) against
 * the **stored** endpoint of the install, never a host named by the request (reference/bitrix24.md §6, §10.10: a forged
 * `DOMAIN` would otherwise receive the token). Returns the `result`, or null when Bitrix24 refuses the token.
 */
export async function callWithUserToken(install: Pick<B24Install, 'clientEndpoint'>, method: string, token: string, timeoutMs: number): Promise<any | null> {
  const url = `${install.clientEndpoint.replace(/\/+$/, '')}/${method}`
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ auth: token }),
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    })
    if (!res.ok) return null
    const body = (await res.json()) as { result?: unknown; error?: unknown }
    return body && !body.error && body.result !== undefined ? body.result : null
  } catch {
    return null
  }
}

/**
 * Trust for placement pages and the app page: the install of `member_id` must exist and be active, and `AUTH_ID` must be a
 * live token of that portal, proved by `app.info` (its `member_id` must match when the answer carries one) and `profile`
 * (who the user is) on the install's stored endpoint. A verified pair is remembered for `cacheMs`, so reopening a tab or
 * switching deals does not call the portal every time.
 *
 * Both calls take a token of the portal's shared bucket (`b24:<member_id>`, the same one the REST client and the outbox
 * use), since Bitrix24 counts them against the same limit. A tab never waits more than `maxWaitMs` in all for tokens: when
 * the bucket cannot give them in time, the tab answers 503 with `PORTAL_BUSY_MESSAGE` at once instead of hanging.
 */
export function createPlacementVerifier(deps: {
  db: Db
  clock: Clock
  logger: Logger
  limiter: RateLimiter
  rate: RateOpts
  /** The most a tab waits for rate-limit tokens, in all (default 2 s). */
  maxWaitMs?: number
  sleep?: (ms: number) => Promise<void>
  cacheMs?: number
  timeoutMs?: number
}) {
  const cacheMs = deps.cacheMs ?? 5 * 60_000
  const timeoutMs = deps.timeoutMs ?? 8_000
  const maxWaitMs = deps.maxWaitMs ?? 2_000
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)))

  /** Takes one token of the portal's bucket within what is left of the tab's budget; false when it would not come in time. */
  async function takeToken(memberId: string, budget: { waited: number }): Promise<boolean> {
    for (;;) {
      const r = await deps.limiter.tryAcquire(rateKey(memberId), deps.rate)
      if (r.ok) return true
      if (budget.waited + r.waitMs > maxWaitMs) return false
      await sleep(r.waitMs)
      budget.waited += r.waitMs
    }
  }
  const cache = new Map<string, { user: PortalUser; until: number }>()
  // Tokens the portal refused, for a minute: a flood of forged AUTH_IDs must not become a flood of calls to the portal.
  const refused = new Map<string, number>()
  const keyOf = (memberId: string, token: string) => createHash('sha256').update(`${memberId}\n${token}`).digest('hex')

  return {
    async verify(form: Pick<PlacementForm, 'memberId' | 'authId'>): Promise<VerifyOutcome> {
      const refuse = (message: string): VerifyOutcome => ({ ok: false, status: 403, message })
      const install = await findInstall(deps.db, form.memberId)
      if (!install || install.status !== 'active') return refuse('Приложение не установлено на этом портале Битрикс24')
      const now = deps.clock.now().getTime()
      const key = keyOf(form.memberId, form.authId)
      const hit = cache.get(key)
      if (hit && hit.until > now) return { ok: true, install, user: hit.user }
      if ((refused.get(key) ?? 0) > now) return refuse('Битрикс24 не подтвердил вход: откройте вкладку заново')
      const budget = { waited: 0 }
      const busy = (): VerifyOutcome => {
        deps.logger.warn({ memberId: form.memberId, waitedMs: budget.waited }, 'b24: placement verification found the portal rate limit exhausted')
        return { ok: false, status: 503, message: PORTAL_BUSY_MESSAGE }
      }
      if (!(await takeToken(form.memberId, budget))) return busy()
      const info = await callWithUserToken(install, 'app.info', form.authId, timeoutMs)
      const infoMember = info && typeof info === 'object' ? (info.member_id ?? info.MEMBER_ID) : undefined
      if (!info || (infoMember !== undefined && String(infoMember) !== form.memberId)) {
        if (refused.size > 10_000) refused.clear()
        refused.set(key, now + 60_000)
        deps.logger.warn({ memberId: form.memberId }, 'b24: placement token refused by the portal')
        return refuse('Битрикс24 не подтвердил вход: откройте вкладку заново')
      }
      if (!(await takeToken(form.memberId, budget))) return busy()
      const p = await callWithUserToken(install, 'profile', form.authId, timeoutMs)
      const user: PortalUser = {
        id: String(p?.ID ?? '0'),
        name: [p?.NAME, p?.LAST_NAME].filter((x) => typeof x === 'string' && x).join(' ') || `пользователь Битрикс24 № ${p?.ID ?? '?'}`,
        admin: p?.ADMIN === true || p?.ADMIN === 'Y' || p?.ADMIN === 'true',
      }
      if (cache.size > 5_000) cache.clear()
      cache.set(key, { user, until: now + cacheMs })
      return { ok: true, install, user }
    },
  }
}

export type PlacementVerifier = ReturnType<typeof createPlacementVerifier>
