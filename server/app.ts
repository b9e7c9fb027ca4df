import path from 'node:path'
import express, { type Express } from 'express'
import session from 'express-session'
import cookieParser from 'cookie-parser'
import helmet from 'helmet'
import { pinoHttp } from 'pino-http'
import { randomUUID } from 'node:crypto'
import type { Config } from './config.js'
import type { Db } from './db/knex.js'
import { engineOf, ping } from './db/knex.js'
import type { Logger } from './logger.js'
import type { Clock } from './shared/clock.js'
import { DbSessionStore } from './http/session-store.js'
import { createIdentityMiddleware } from './http/auth.js'
import { createCsrf } from './http/csrf.js'
import { createErrorHandler, notFoundHandler } from './http/errors.js'
import { setupViews, VIEWS_DIR } from './http/views.js'
import { createUploadGuard } from './http/uploads.js'
import type { AccountsService } from './accounts/service.js'
import type { CompaniesService } from './companies/service.js'
import type { FilesService } from './files/service.js'
import type { PointsService } from './points/service.js'
import type { DocumentsService } from './documents/service.js'
import type { TokensService } from './api/service.js'
import type { AdminService } from './admin/service.js'
import type { PricingService } from './pricing/service.js'
import type { CartsService } from './carts/service.js'
import { CART_FORM_PATHS, cartFormParser, cartsRoutes, miniCartLocals } from './carts/routes.js'
import { cartTypesAdminRoutes } from './carts/admin-routes.js'
import type { CatalogService } from './catalog/service.js'
import type { QuickOrderService } from './quickorder/service.js'
import type { OrdersService } from './orders/service.js'
import type { StockService } from './stock/service.js'
import { ORDER_FORM_PATHS, orderFormParser, ordersRoutes } from './orders/routes.js'
import { ordersAdminRoutes } from './orders/admin-routes.js'
import { QUICK_ORDER_FORM_PATHS, quickOrderFormParser, quickOrderRoutes } from './quickorder/routes.js'
import { CATALOG_FORM_PATHS, catalogFormParser, catalogRoutes } from './catalog/routes.js'
import { accountsRoutes } from './accounts/routes.js'
import { companiesRoutes } from './companies/routes.js'
import { pointsRoutes } from './points/routes.js'
import { documentsAdminRoutes, documentsRoutes } from './documents/routes.js'
import { tokensRoutes, apiRoutes } from './api/routes.js'
import { adminRoutes } from './admin/routes.js'
import { pricingAdminRoutes } from './pricing/routes.js'
import { catalogAdminRoutes } from './catalog/admin-routes.js'
import { sandboxApiRoutes, sandboxPageRoutes } from './sandbox/routes.js'
import type { OnecService } from './integrations/onec/service.js'
import { onecRoutes } from './integrations/onec/routes.js'
import { onecAdminRoutes } from './integrations/onec/admin-routes.js'
import type { DeliveryService } from './delivery/service.js'
import { cdekHookRoutes, deliveryAdminRoutes } from './delivery/routes.js'
import type { CdekSandbox } from './sandbox/cdek.js'
import type { B24Client } from '../b24-app/client.js'
import type { B24Sandbox } from './sandbox/bitrix24.js'
import { b24SandboxPageRoutes } from './sandbox/bitrix24-pages.js'
import type { ImpersonationService } from './impersonation/service.js'
import { impersonationRoutes } from './impersonation/routes.js'
import type { B24Ui } from '../b24-app/ui.js'
import { b24Routes } from '../b24-app/routes.js'

/** Everything the app needs, built once by the composition root (`main.ts`) or by the test support. */
export interface AppDeps {
  config: Config
  db: Db
  logger: Logger
  clock: Clock
  accounts: AccountsService
  companies: CompaniesService
  files: FilesService
  points: PointsService
  documents: DocumentsService
  tokens: TokensService
  admin: AdminService
  pricing: PricingService
  carts: CartsService
  catalog: CatalogService
  quickOrder: QuickOrderService
  stock: StockService
  orders: OrdersService
  onec: OnecService
  /** CDEK delivery requests (server/delivery). */
  delivery: DeliveryService
  /** The built-in CDEK emulator, or null when CDEK_CLIENT_ID/CDEK_CLIENT_SECRET are set. */
  cdekSandbox: CdekSandbox | null
  /** The Bitrix24 REST client (tokens, refresh, shared rate limit). */
  b24Client: B24Client
  /** The built-in Bitrix24 emulator, or null when B24_CLIENT_ID/B24_CLIENT_SECRET are set. */
  b24Sandbox: B24Sandbox | null
  impersonation: ImpersonationService
  /** The Bitrix24 local app's pages and handlers (`/b24/…`); absent when the app is not wired. */
  b24Ui?: B24Ui
}

/** Builds the Express app without listening (tests drive it directly). */
export function buildApp(deps: AppDeps): Express {
  const { config, db, logger, clock } = deps
  const app = express()
  app.disable('x-powered-by')
  app.set('trust proxy', 'loopback')
  setupViews(app, config.timezone, config.env !== 'development')
  app.locals.supplierName = config.supplierName
  app.locals.sandbox = { dadata: config.dadata.sandbox, mail: config.mail.sandbox, cdek: config.cdek.sandbox, b24: config.b24.sandbox, any: config.dadata.sandbox || config.mail.sandbox || config.cdek.sandbox || config.b24.sandbox }

  app.use(
    pinoHttp({
      logger,
      genReqId: (req, res) => {
        const id = (req.headers['x-request-id'] as string | undefined)?.slice(0, 64) || randomUUID()
        res.setHeader('X-Request-Id', id)
        return id
      },
      autoLogging: { ignore: (req) => req.url?.startsWith('/assets/') ?? false },
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
      // Lean request lines: no headers, so cookies and tokens never reach the log.
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url.replace(/([?&]_csrf=)[^&]*/, '$1…') }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    }),
  )
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          'img-src': ["'self'", 'data:', 'blob:'],
          // On plain-http development hosts an upgrade directive would break every asset.
          'upgrade-insecure-requests': config.session.secureCookie ? [] : null,
        },
      },
      strictTransportSecurity: config.session.secureCookie,
    }),
  )

  app.get('/healthz', async (_req, res) => {
    await ping(db)
    res.json({ status: 'ok', db: engineOf(db) })
  })
  app.use('/assets', express.static(path.join(VIEWS_DIR, 'assets'), { maxAge: config.env === 'production' ? '7d' : 0, index: false }))

  // Machine-to-machine surfaces: no session cookie, no CSRF; authenticated their own way.
  app.use('/sandbox/dadata', express.json({ limit: '20kb' }), sandboxApiRoutes(deps))
  if (deps.b24Sandbox) {
    app.use('/sandbox/bitrix24', express.json({ limit: '5mb' }), express.urlencoded({ extended: false, limit: '5mb', parameterLimit: 10_000 }), deps.b24Sandbox.apiRoutes())
  }
  app.use('/api/v1', express.json({ limit: '1mb' }), apiRoutes(deps))
  // 1C reads the raw body itself (file chunks), so no body parser runs before it.
  app.use(onecRoutes(deps))
  if (deps.cdekSandbox) app.use('/sandbox/cdek', deps.cdekSandbox.router)
  app.use(cdekHookRoutes(deps))
  // Bitrix24 posts from its own domain without our cookies: install, events, placements and their actions prove themselves.
  if (deps.b24Ui) app.use(b24Routes(deps.b24Ui.routes))

  app.use(cookieParser())
  app.use(CATALOG_FORM_PATHS, catalogFormParser)
  app.use(CART_FORM_PATHS, cartFormParser)
  app.use(QUICK_ORDER_FORM_PATHS, quickOrderFormParser)
  app.use(ORDER_FORM_PATHS, orderFormParser)
  app.use(express.urlencoded({ extended: false, limit: '200kb', parameterLimit: 200 }))
  app.use(express.json({ limit: '200kb' }))
  app.use(
    session({
      name: config.session.cookieName,
      secret: config.session.secret,
      store: new DbSessionStore(db, clock, config.session.idleMs),
      resave: false,
      saveUninitialized: false,
      rolling: true,
      unset: 'destroy',
      cookie: { httpOnly: true, sameSite: 'lax', secure: config.session.secureCookie, path: '/', maxAge: config.session.idleMs },
    }),
  )
  app.use(createIdentityMiddleware(deps))
  const csrf = createCsrf(config)
  app.use(csrf.token)
  app.use(csrf.protect)
  app.use(miniCartLocals(deps))
  const upload = createUploadGuard(config.uploads.maxBytes)

  app.use(impersonationRoutes(deps))
  app.use(accountsRoutes(deps))
  app.use(companiesRoutes(deps))
  app.use(pointsRoutes({ ...deps, upload }))
  app.use(documentsRoutes({ ...deps, upload }))
  app.use(tokensRoutes(deps))
  app.use(cartsRoutes(deps))
  app.use(catalogRoutes(deps))
  app.use(quickOrderRoutes({ ...deps, upload }))
  app.use(ordersRoutes(deps))
  app.use('/admin', adminRoutes({ ...deps, upload }))
  app.use('/admin', documentsAdminRoutes({ ...deps, upload }))
  app.use('/admin', pricingAdminRoutes(deps))
  app.use('/admin', catalogAdminRoutes(deps))
  app.use('/admin', cartTypesAdminRoutes(deps))
  app.use('/admin', ordersAdminRoutes(deps))
  app.use('/admin', onecAdminRoutes(deps))
  app.use('/admin', deliveryAdminRoutes(deps))
  app.use('/sandbox', sandboxPageRoutes(deps))
  app.use('/sandbox', b24SandboxPageRoutes(deps))

  app.use(notFoundHandler)
  app.use(createErrorHandler(logger))
  return app
}
