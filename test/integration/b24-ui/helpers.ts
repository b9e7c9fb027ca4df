import http from 'node:http'
import type { AddressInfo } from 'node:net'
import nock from 'nock'
import { startApp, type TestApp } from '../../support/app.js'
import { buildApp } from '../../../server/app.js'
import { createB24Client } from '../../../b24-app/client.js'
import { createB24Ui, type B24Ui } from '../../../b24-app/ui.js'
import { saveInstall } from '../../../b24-app/installs.js'
import { saveLink } from '../../../b24-app/links.js'
import type { DeliveryPort } from '../../../b24-app/placement.js'
import { uniq } from '../../support/factories.js'
import type { Clock } from '../../../server/shared/clock.js'

/*
 * The portal app with the Bitrix24 app's pages mounted over a REST client that talks to a nock'd portal
 * (`https://b2b-ui.bitrix24.ru`), shaped as reference/bitrix24.md §2, §5, §6 and §11 describe it.
 */

export const DOMAIN = 'b2b-ui.bitrix24.ru'
export const PORTAL = `https://${DOMAIN}`

/** A success answer as Bitrix24 shapes it: the result and the timing block. */
export const ok = (result: unknown) => ({ result, time: { start: 1764230400.1, finish: 1764230400.2, duration: 0.1, processing: 0.05, operating: 0, operating_reset_at: 1764231000 } })

/** The REST path of a method on the portal, with or without the doubled slash (toolchain.md). */
export const rest = (method: string) => new RegExp(`^/rest/+${method.replace(/\./g, '\\.')}(\\?.*)?$`)

export interface B24TestApp extends TestApp {
  ui: B24Ui
}

export async function startB24App(o: { delivery?: DeliveryPort; clock?: Clock; env?: Record<string, string>; rate?: { ratePerSec: number; burst: number }; sleep?: (ms: number) => Promise<void> } = {}): Promise<B24TestApp> {
  const base = await startApp({ clock: o.clock, env: o.env })
  const server = http.createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const c = base.c
  const client = createB24Client({ db: c.db, clock: base.clock, logger: c.logger, secret: { clientId: 'local.test', clientSecret: 'secret' }, limiter: c.rateLimiter, sleep: async () => {}, timeoutMs: 2000 })
  const ui = createB24Ui({
    db: c.db,
    clock: base.clock,
    logger: c.logger,
    client,
    limiter: c.rateLimiter,
    rate: o.rate ?? { ratePerSec: 2, burst: 50 },
    sleep: o.sleep,
    orders: c.orders,
    admin: c.admin,
    pricing: c.pricing,
    impersonation: c.impersonation,
    delivery: o.delivery ?? null,
    secret: base.config.session.secret,
    timezone: base.config.timezone,
    tokenMs: 3_600_000,
    publicUrl: () => url,
    endpointOf: (domain) => (domain === DOMAIN ? `${PORTAL}/rest/` : null),
  })
  const expressApp = buildApp({ ...c, b24Ui: ui })
  server.on('request', expressApp)
  return {
    ...base,
    url,
    express: expressApp,
    ui,
    close: async () => {
      await new Promise<void>((r) => server.close(() => r()))
      await base.close()
    },
  }
}

/** An installed portal (as the install POST leaves it) with its own member_id and application token. */
export async function installed(app: TestApp, o: { applicationToken?: string | null } = {}) {
  const memberId = `m${uniq()}`
  const applicationToken = o.applicationToken === undefined ? `app-${uniq()}` : o.applicationToken
  await saveInstall(
    app.c.db,
    { memberId, domain: DOMAIN, clientEndpoint: `${PORTAL}/rest/`, serverEndpoint: 'https://oauth.bitrix.info/rest/', accessToken: `acc-${uniq()}`, refreshToken: `ref-${uniq()}`, expiresAt: app.clock.now().getTime() + 3_600_000, applicationToken, scope: 'crm,placement' },
    app.clock.now().getTime(),
  )
  return { memberId, applicationToken }
}

/** Links a deal or a CRM company of the portal to our order or company, as the sync does. */
export function link(app: TestApp, entity: 'deal' | 'company', ourId: number, memberId: string, b24Id: number) {
  return saveLink(app.c.db, entity, ourId, memberId, b24Id, app.clock.now().getTime())
}

/** Stubs the two calls that verify a placement's AUTH_ID on the stored portal (`app.info`, `profile`). */
export function portalAccepts(authId: string, user: { ID: string; NAME: string; LAST_NAME: string; ADMIN: boolean } = { ID: '7', NAME: 'Ирина', LAST_NAME: 'Менеджерова', ADMIN: false }) {
  const bodyHas = (b: unknown) => (b as { auth?: string })?.auth === authId
  return nock(PORTAL)
    .post(rest('app.info'), bodyHas)
    .reply(200, ok({ ID: 12, CODE: 'local.test', VERSION: 1, STATUS: 'L', INSTALLED: true }))
    .post(rest('profile'), bodyHas)
    .reply(200, ok(user))
}

/** The form body Bitrix24 posts to a placement handler (§6). */
export function placementBody(memberId: string, authId: string, placement: string, id: number | string) {
  return { AUTH_ID: authId, AUTH_EXPIRES: '3600', REFRESH_ID: `r-${uniq()}`, member_id: memberId, status: 'L', PLACEMENT: placement, PLACEMENT_OPTIONS: JSON.stringify({ ID: String(id) }) }
}

/** The signed placement token of a rendered placement page. */
export function tokenOf(html: string): string {
  const m = /name="_pt" value="([^"]+)"/.exec(html)
  if (!m) throw new Error('no placement token on the page')
  return m[1]!
}
