import http from 'node:http'
import { pathToFileURL } from 'node:url'
import { loadConfig, type Config } from './config.js'
import { createLogger, type Logger } from './logger.js'
import { openDb, type Db } from './db/knex.js'
import { migrateLatest } from './db/migrations/index.js'
import { seedDemo } from './db/seeds/demo.js'
import { systemClock, type Clock } from './shared/clock.js'
import { buildApp, type AppDeps } from './app.js'
import { createPasswordHasher, type PasswordHasher } from './accounts/password.js'
import { createAccountsService } from './accounts/service.js'
import { createCompaniesService } from './companies/service.js'
import { createFilesService } from './files/service.js'
import { createPointsService } from './points/service.js'
import { createDocumentsService } from './documents/service.js'
import { createTokensService } from './api/service.js'
import { createAdminService } from './admin/service.js'
import { createPricingService } from './pricing/service.js'
import { createCartsService } from './carts/service.js'
import { createCatalogService } from './catalog/service.js'
import { createQuickOrderService } from './quickorder/service.js'
import { createStockService } from './stock/service.js'
import { createOrdersService } from './orders/service.js'
import { createDadataClient } from './integrations/dadata/client.js'
import type { DadataClient } from './integrations/dadata/types.js'
import { createDispatcher, type Dispatcher } from './integrations/outbox/dispatcher.js'
import { createRateLimiter, type RateLimiter } from './integrations/outbox/rate-limit.js'
import { createCdekClient } from './integrations/cdek/client.js'
import { createCdekSandbox } from './sandbox/cdek.js'
import { CDEK_ORDER_CREATE, DELIVERY_ORDER, createDeliveryService } from './delivery/service.js'
import { createMailHandler, MAIL_TOPIC } from './integrations/mail/index.js'
import { startScheduler } from '../jobs/scheduler.js'
import { createOnecService } from './integrations/onec/service.js'
import { createOnecSale, type OnecSale } from './integrations/onec/sale.js'
import { createImpersonationService } from './impersonation/service.js'
import { createB24Ui, B24_EVENT_TOPIC } from '../b24-app/ui.js'
import { createB24Client } from '../b24-app/client.js'
import { createB24Sync, type B24Sync } from '../b24-app/sync.js'
import { installSandboxApp } from '../b24-app/sandbox-install.js'
import { createB24Sandbox } from './sandbox/bitrix24.js'

export interface Container extends AppDeps {
  dispatcher: Dispatcher
  /** The per-service rate limiter shared through the database by the web process and the jobs (`b24:<member_id>`, `cdek`). */
  rateLimiter: RateLimiter
  hasher: PasswordHasher
  /** The 1C order exchange (type=sale) that `/1c/exchange` calls. */
  onecSale: OnecSale
  /** The Bitrix24 CRM sync: the outbox handlers of the company and order topics. */
  b24Sync: B24Sync
}

/**
 * The composition root: builds every client and service once from the config, with plain factory functions. Tests call it
 * too (with their own clock, database and a cheaper password hash), so production and tests wire the same graph.
 */
export function compose(o: {
  config: Config
  db: Db
  logger: Logger
  clock?: Clock
  hasher?: PasswordHasher
  dadata?: DadataClient
}): Container {
  const { config, db, logger } = o
  const clock = o.clock ?? systemClock
  const hasher = o.hasher ?? createPasswordHasher()
  const dadata =
    o.dadata ??
    createDadataClient({
      // The sandbox URL is resolved per call, because a server on port 0 learns its port only after listening.
      get url() {
        return config.dadata.url
      },
      token: config.dadata.token ?? 'sandbox',
      timeoutMs: config.dadata.timeoutMs,
      retries: config.dadata.retries,
      logger,
    })
  const accounts = createAccountsService({ db, clock, config, hasher })
  const companies = createCompaniesService({ db, clock, config, logger, dadata, accounts })
  const files = createFilesService({ db, clock, config })
  const points = createPointsService({ db, clock, files })
  const documents = createDocumentsService({ db, clock, files })
  const tokens = createTokensService({ db, clock, accounts, companies })
  const admin = createAdminService({ db, clock, accounts, points })
  const pricing = createPricingService({ db, clock })
  const carts = createCartsService({ db, clock, pricing, points, companies })
  const catalog = createCatalogService({ db, clock, pricing })
  const quickOrder = createQuickOrderService({ db, pricing, carts })
  const stock = createStockService({ db })
  const orders = createOrdersService({ db, clock, timezone: config.timezone, minSumKopecks: config.orders.minSumKopecks, pricing, stock, carts, points, companies })
  const impersonation = createImpersonationService({ db, clock, ttlMs: config.impersonation.ttlMs })
  const onecSale = createOnecSale({ db, clock, orders, config, logger })
  const onec = createOnecService({ db, clock, config, logger, sale: onecSale, files })
  const rateLimiter = createRateLimiter({ db, clock })
  // Bitrix24: the emulator when no client id/secret is configured, the REST client (through the shared limiter), the CRM sync.
  const b24Sandbox = config.b24.sandbox ? createB24Sandbox({ db, clock, logger, baseUrl: () => config.b24.sandboxUrl }) : null
  const b24Client = createB24Client({
    db,
    clock,
    logger,
    secret: { clientId: config.b24.clientId, clientSecret: config.b24.clientSecret },
    limiter: rateLimiter,
    rate: { ratePerSec: config.b24.ratePerSec, burst: config.b24.burst },
    timeoutMs: config.b24.timeoutMs,
    maxWaitMs: config.b24.maxWaitMs,
  })
  const b24Sync = createB24Sync({ db, clock, logger, client: b24Client, publicUrl: config.publicUrl, batchSize: config.b24.orderBatch })
  // CDEK: the emulator when no credentials are configured (the real client talks to it over HTTP all the same).
  const cdekSandbox = config.cdek.sandbox
    ? createCdekSandbox({ delayMs: config.cdek.sandboxDelayMs, hookUrl: () => `http://127.0.0.1:${config.port}/hooks/cdek/${config.cdek.webhookSecret}`, clock, logger })
    : null
  const cdek = createCdekClient({
    get baseUrl() {
      return config.cdek.baseUrl
    },
    clientId: config.cdek.clientId,
    clientSecret: config.cdek.clientSecret,
    timeoutMs: config.cdek.timeoutMs,
    clock,
    logger,
    limiter: rateLimiter,
    ratePerSec: config.cdek.ratePerSec,
  })
  const delivery = createDeliveryService({ db, clock, logger, config, cdek, orders })
  // The Bitrix24 app's own pages (install, events, tabs, settings): installs come only from B24_DOMAINS, or the emulator.
  const b24Ui = createB24Ui({
    db,
    clock,
    logger,
    client: b24Client,
    limiter: rateLimiter,
    rate: { ratePerSec: config.b24.ratePerSec, burst: config.b24.burst },
    orders,
    admin,
    pricing,
    impersonation,
    delivery,
    secret: config.session.secret,
    timezone: config.timezone,
    tokenMs: config.b24Placement.tokenMs,
    publicUrl: () => config.publicUrl,
    endpointOf: (domain) => {
      if (config.b24.sandbox && domain === new URL(config.publicUrl).host.toLowerCase()) return `${config.b24.sandboxUrl}/rest/`
      return config.b24Placement.domains.includes(domain) ? `https://${domain}/rest/` : null
    },
  })
  const dispatcher = createDispatcher({
    db,
    clock,
    logger,
    maxAttempts: config.outbox.maxAttempts,
    handlers: { [B24_EVENT_TOPIC]: b24Ui.eventHandler, [CDEK_ORDER_CREATE]: delivery.sendToCdek, [DELIVERY_ORDER]: delivery.applyToOrder, [MAIL_TOPIC]: createMailHandler({ db, clock, smtpUrl: config.mail.smtpUrl, from: config.mail.from }), ...(config.b24.enabled ? b24Sync.handlers : {}) },
  })
  return { config, db, logger, clock, hasher, accounts, companies, files, points, documents, tokens, admin, pricing, carts, catalog, quickOrder, stock, orders, onecSale, onec, dispatcher, rateLimiter, delivery, cdekSandbox, impersonation, b24Client, b24Sandbox, b24Sync, b24Ui }
}

/** `npm start`: configuration → database (migrated, demo-seeded when empty) → app → listen → jobs. */
async function start(): Promise<void> {
  const config = loadConfig()
  const logger = createLogger(config.logLevel)
  const db = openDb(config.db)
  await migrateLatest(db)
  const container = compose({ config, db, logger })
  const seeded = config.seedDemo ? await seedDemo(container) : null
  const app = buildApp(container)
  const server = http.createServer(app)
  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve))
  // In sandbox mode the app installs itself into the built-in Bitrix24 emulator (tokens, placements, events).
  if (container.b24Sandbox) await installSandboxApp({ db, clock: container.clock, config, sandbox: container.b24Sandbox })
  const scheduler = startScheduler(container)
  logger.info({ url: config.publicUrl, db: config.db.client }, 'portal started')
  const lines = [
    '',
    `  Кабинет оптового покупателя: ${config.publicUrl}`,
    `  База данных: ${config.db.client === 'sqlite' ? config.db.filename : 'MySQL/MariaDB'}`,
  ]
  if (seeded) {
    lines.push('  Демо-входы:')
    for (const l of seeded.logins) lines.push(`    ${l.role.padEnd(28)} ${l.email} / ${l.password}`)
  }
  if (config.dadata.sandbox || config.mail.sandbox || config.cdek.sandbox || config.b24.sandbox) {
    lines.push(`  Песочница: ${[config.dadata.sandbox && 'DaData', config.mail.sandbox && `почта (${config.publicUrl}/sandbox/mail)`, config.cdek.sandbox && `СДЭК (${config.publicUrl}/admin/delivery)`, config.b24.sandbox && `Bitrix24 (${config.publicUrl}/sandbox/bitrix24)`].filter(Boolean).join(', ')}`)
  }
  process.stdout.write(lines.join('\n') + '\n\n')

  const stop = async (signal: string) => {
    logger.info({ signal }, 'stopping')
    scheduler.stop()
    server.close()
    await db.destroy()
    process.exit(0)
  }
  process.once('SIGINT', () => void stop('SIGINT'))
  process.once('SIGTERM', () => void stop('SIGTERM'))
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  start().catch((err) => {
    process.stderr.write(`Не удалось запустить портал: ${err instanceof Error ? err.message : String(err)}\n`)
    process.exit(1)
  })
}
