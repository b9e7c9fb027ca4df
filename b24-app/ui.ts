import type { Db } from '../server/db/knex.js'
import type { Clock } from '../server/shared/clock.js'
import type { Logger } from '../server/logger.js'
import type { OrdersService } from '../server/orders/service.js'
import type { AdminService } from '../server/admin/service.js'
import type { PricingService } from '../server/pricing/service.js'
import type { ImpersonationService } from '../server/impersonation/service.js'
import type { B24Client } from './client.js'
import type { RateLimiter, RateOpts } from '../server/integrations/outbox/rate-limit.js'
import { createStageNames } from './stage-names.js'
import { createB24Installer } from './install.js'
import { createB24Events, B24_EVENT_TOPIC } from './events.js'
import { createPlacementVerifier } from './placement-auth.js'
import { createPlacementPages, type DeliveryPort } from './placement.js'
import { createSettingsPage } from './settings-page.js'
import { getSettings } from './settings-store.js'
import { ourIdOf } from './links.js'
import type { B24RoutesDeps } from './routes.js'

export { B24_EVENT_TOPIC }

/**
 * Builds the app's own surface (install, events, placements, settings page) from the shared pieces: the REST client and
 * token store of b24-app, the orders/admin/pricing services, impersonation and (when wired) delivery. `main.ts` calls it
 * once and hands `routes` to `buildApp` and `eventHandler` to the outbox dispatcher.
 */
export function createB24Ui(deps: {
  db: Db
  clock: Clock
  logger: Logger
  client: B24Client
  /** The shared per-portal limiter and its rate: placement verification draws from the same `b24:<member_id>` bucket. */
  limiter: RateLimiter
  rate: RateOpts
  /** The most a tab waits for the limiter before it answers «Битрикс24 сейчас перегружен» (default 2 s). */
  verifyMaxWaitMs?: number
  /** Injected waiting for the limiter (tests). */
  sleep?: (ms: number) => Promise<void>
  orders: OrdersService
  admin: AdminService
  pricing: PricingService
  impersonation: ImpersonationService
  delivery?: DeliveryPort | null
  secret: string
  timezone: string
  tokenMs: number
  publicUrl: () => string
  /** The REST endpoint of a portal domain this app serves, or null (see install.ts). */
  endpointOf: (domain: string, protocol: 'http' | 'https') => string | null
}) {
  const { db, clock, logger, client } = deps
  const toId = (v: string | null) => (v && /^\d+$/.test(v) ? Number(v) : null)
  const links = {
    orderOfDeal: async (memberId: string, dealId: string) => toId(await ourIdOf(db, 'deal', dealId, memberId)),
    companyOfB24: async (memberId: string, b24CompanyId: string) => toId(await ourIdOf(db, 'company', b24CompanyId, memberId)),
  }
  const stageNames = createStageNames({ client, clock, logger })
  const events = createB24Events({
    db,
    clock,
    logger,
    client,
    stageNames,
    orders: deps.orders,
    orderOfDeal: links.orderOfDeal,
    async mappingOf(memberId) {
      const s = await getSettings(db, memberId)
      return { stageToStatus: s.statusByStage, statusToStage: s.stageByStatus, dealUpdateMovesOrder: true }
    },
  })
  const routes: B24RoutesDeps = {
    db,
    clock,
    secret: deps.secret,
    tokenMs: deps.tokenMs,
    installer: createB24Installer({ db, clock, logger, client, publicUrl: deps.publicUrl, endpointOf: deps.endpointOf }),
    events,
    verifier: createPlacementVerifier({ db, clock, logger, limiter: deps.limiter, rate: deps.rate, maxWaitMs: deps.verifyMaxWaitMs, sleep: deps.sleep }),
    pages: createPlacementPages({
      db,
      clock,
      timezone: deps.timezone,
      publicUrl: deps.publicUrl,
      orders: deps.orders,
      admin: deps.admin,
      pricing: deps.pricing,
      impersonation: deps.impersonation,
      links,
      delivery: deps.delivery ?? null,
    }),
    settings: createSettingsPage({ db, clock, logger, client, admin: deps.admin }),
  }
  return { routes, events, stageNames, eventHandler: (payload: any) => events.handle(payload) }
}

export type B24Ui = ReturnType<typeof createB24Ui>
