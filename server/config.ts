import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'

/** The project root: templates, assets and the default `var/` folder are resolved from here, never from the compiled file. */
export const ROOT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

const bool = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', ''])
  .transform((v) => v === '1' || v === 'true' || v === 'yes')

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  PUBLIC_URL: z.string().url().optional(),
  DATABASE_URL: z.string().default(path.join(ROOT_DIR, 'var', 'portal.sqlite')),
  SESSION_SECRET: z.string().min(16).optional(),
  COOKIE_SECURE: bool.optional(),
  SESSION_IDLE_MINUTES: z.coerce.number().int().positive().default(30),
  SESSION_ABSOLUTE_HOURS: z.coerce.number().int().positive().default(12),
  LOGIN_WINDOW_MINUTES: z.coerce.number().int().positive().default(60),
  LOGIN_MAX_FAILURES_ACCOUNT: z.coerce.number().int().positive().default(20),
  LOGIN_MAX_FAILURES_IP: z.coerce.number().int().positive().default(100),
  LOGIN_IP_RATE_PER_MINUTE: z.coerce.number().int().positive().default(30),
  DADATA_TOKEN: z.string().optional(),
  DADATA_URL: z.string().url().default('https://suggestions.dadata.ru/suggestions/api/4_1/rs'),
  DADATA_TIMEOUT_MS: z.coerce.number().int().positive().default(4000),
  DADATA_RETRIES: z.coerce.number().int().min(0).max(5).default(2),
  DADATA_CACHE_HOURS: z.coerce.number().int().min(0).default(24),
  SMTP_URL: z.string().optional(),
  MAIL_FROM: z.string().default('Кабинет оптового покупателя <noreply@b2b.local>'),
  ALLOW_SANDBOX: bool.default(false),
  UPLOAD_DIR: z.string().default(path.join(ROOT_DIR, 'var', 'uploads')),
  UPLOAD_MAX_MB: z.coerce.number().positive().default(10),
  COMPANY_UPLOAD_QUOTA_MB: z.coerce.number().positive().default(200),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SEED_DEMO: bool.default(true),
  DEMO_API_TOKEN: z.string().min(16).optional(),
  SUPPLIER_NAME: z.string().default('ООО «Зёрна и Листья»'),
  TIMEZONE: z.string().default('Europe/Moscow'),
  API_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(300),
  OUTBOX_INTERVAL_SECONDS: z.coerce.number().int().positive().default(5),
  OUTBOX_MAX_ATTEMPTS: z.coerce.number().int().positive().default(8),
  ORDER_MIN_SUM_RUB: z.coerce.number().min(0).max(1e9).default(0),
  // The 1C order exchange (type=sale): the encoding of mode=query, 1C order statuses → ours (JSON over the defaults), orders per query.
  ONEC_SALE_ENCODING: z.enum(['windows-1251', 'utf-8']).default('windows-1251'),
  ONEC_SALE_STATUS_MAP: z
    .string()
    .default('{}')
    .transform((text, ctx) => {
      try {
        const v: unknown = JSON.parse(text)
        if (v && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string')) return v as Record<string, string>
      } catch {
        // reported below
      }
      ctx.addIssue({ code: 'custom', message: 'a JSON object of 1C status → order state, e.g. {"Согласован":"awaiting_payment"}' })
      return z.NEVER
    }),
  ONEC_SALE_MAX_ORDERS: z.coerce.number().int().positive().default(500),
  ONEC_USER: z.string().optional(),
  ONEC_PASSWORD: z.string().optional(),
  ONEC_DIR: z.string().default(path.join(ROOT_DIR, 'var', 'onec')),
  ONEC_ZIP: bool.default(true),
  ONEC_FILE_LIMIT: z.coerce.number().int().positive().default(1_000_000),
  ONEC_MAX_UPLOAD_BYTES: z.coerce.number().int().positive().default(512 * 1024 * 1024),
  ONEC_ZIP_MAX_RATIO: z.coerce.number().positive().default(200),
  ONEC_ZIP_MAX_ENTRIES: z.coerce.number().int().positive().default(20_000),
  ONEC_STEP_SECONDS: z.coerce.number().positive().default(3),
  ONEC_BATCH_SIZE: z.coerce.number().int().positive().default(200),
  ONEC_MAX_FAILURES_IP: z.coerce.number().int().positive().default(10),
  ONEC_SESSION_HOURS: z.coerce.number().positive().default(12),
  ONEC_TOTAL_WAREHOUSE: z.string().default(''),
  ONEC_TERMS_PRICE_TYPE: z.string().default('ТипЦен'),
  ONEC_TERMS_DISCOUNT: z.string().default('Скидка'),
  // The Bitrix24 local app (issue 6): OAuth client of the local app (none: the built-in emulator), limits, timeouts.
  B24_CLIENT_ID: z.string().optional(),
  B24_CLIENT_SECRET: z.string().optional(),
  B24_RATE_PER_SEC: z.coerce.number().positive().max(50).default(2),
  B24_BURST: z.coerce.number().int().min(1).max(250).default(50),
  B24_TIMEOUT_SECONDS: z.coerce.number().positive().max(120).default(20),
  B24_MAX_WAIT_SECONDS: z.coerce.number().min(0).max(600).default(30),
  B24_ORDER_BATCH: z.coerce.number().int().min(1).max(500).default(100),
  // CDEK delivery requests (issue 6): credentials (none: the built-in sandbox), the webhook's secret path, what is sent.
  CDEK_CLIENT_ID: z.string().optional(),
  CDEK_CLIENT_SECRET: z.string().optional(),
  CDEK_BASE_URL: z.string().url().default('https://api.cdek.ru/v2'),
  CDEK_WEBHOOK_SECRET: z.string().min(16).optional(),
  CDEK_TIMEOUT_MS: z.coerce.number().int().positive().default(15_000),
  CDEK_ORDER_TYPE: z.coerce.number().int().min(1).max(2).default(2),
  CDEK_TARIFF_CODE: z.coerce.number().int().positive().default(136),
  CDEK_RATE_PER_SEC: z.coerce.number().positive().default(5),
  CDEK_POLL_MINUTES: z.coerce.number().positive().default(10),
  CDEK_SANDBOX_DELAY_SECONDS: z.coerce.number().min(0).default(5),
  CDEK_SENDER_COMPANY: z.string().optional(),
  CDEK_SENDER_NAME: z.string().default('Отдел логистики'),
  CDEK_SENDER_PHONE: z.string().default('+74950000000'),
  CDEK_SENDER_EMAIL: z.string().default(''),
  CDEK_SENDER_CITY_CODE: z.coerce.number().int().positive().default(44),
  CDEK_SENDER_ADDRESS: z.string().default('г. Москва, ул. Складская, д. 1'),
  CDEK_SHIPMENT_POINT: z.string().default(''),
  CDEK_BOX_CM: z
    .string()
    .default('40x30x30')
    .transform((text, ctx) => {
      const m = /^(\d{1,4})[xх×*](\d{1,4})[xх×*](\d{1,4})$/i.exec(text.trim())
      if (m) return { lengthCm: Number(m[1]), widthCm: Number(m[2]), heightCm: Number(m[3]) }
      ctx.addIssue({ code: 'custom', message: 'box size in cm as LxWxH, e.g. 40x30x30' })
      return z.NEVER
    }),
  CDEK_MAX_PLACE_KG: z.coerce.number().positive().default(30),
  // «Открыть кабинет клиента» and the Bitrix24 placements (issue 6).
  IMPERSONATION_MINUTES: z.coerce.number().int().positive().max(24 * 60).default(30),
  B24_PLACEMENT_TOKEN_MINUTES: z.coerce.number().int().positive().max(24 * 60).default(60),
  // Portal domains allowed to install the local app (comma-separated, e.g. «supplier.bitrix24.ru»): the install POST is unsigned.
  B24_DOMAINS: z.string().default(''),
})

export type Env = z.infer<typeof schema>

/** The typed configuration every module receives; nothing else reads `process.env`. */
export interface Config {
  env: Env['NODE_ENV']
  port: number
  host: string
  publicUrl: string
  db: { client: 'sqlite'; filename: string } | { client: 'mysql'; url: string }
  session: { secret: string; secureCookie: boolean; cookieName: string; idleMs: number; absoluteMs: number }
  login: { windowMs: number; maxFailuresAccount: number; maxFailuresIp: number; ipRatePerMinute: number }
  dadata: { token: string | null; url: string; timeoutMs: number; retries: number; cacheMs: number; sandbox: boolean }
  mail: { smtpUrl: string | null; from: string; sandbox: boolean }
  uploads: { dir: string; maxBytes: number; companyQuotaBytes: number }
  logLevel: Env['LOG_LEVEL']
  seedDemo: boolean
  demoApiToken: string | null
  supplierName: string
  timezone: string
  outbox: { intervalSeconds: number; maxAttempts: number }
  api: { ratePerMinute: number }
  /** Checkout: the smallest order sum (kopecks; 0: none). */
  orders: { minSumKopecks: number }
  /** The 1C order exchange: the encoding of `mode=query`, 1C status → order state overrides, orders per query. */
  onecSale: { encoding: 'windows-1251' | 'utf-8'; statusMap: Record<string, string>; maxOrders: number }
  /** CDEK delivery requests: the API (or the built-in sandbox at /sandbox/cdek), the webhook secret and what a request sends. */
  cdek: {
    clientId: string
    clientSecret: string
    /** Resolved per call: without credentials it points at this very process's sandbox. */
    baseUrl: string
    sandbox: boolean
    webhookSecret: string
    timeoutMs: number
    orderType: number
    tariffCode: number
    ratePerSec: number
    pollMs: number
    sandboxDelayMs: number
    sender: { company: string; name: string; phone: string; email: string; cityCode: number; address: string; shipmentPoint: string }
    box: { lengthCm: number; widthCm: number; heightCm: number }
    maxPlaceG: number
  }
  /** «Открыть кабинет клиента»: how long a manager's read-only view of a company's cabinet lasts. */
  impersonation: { ttlMs: number }
  /** Bitrix24 placement pages: how long the signed placement token (the pages' CSRF equivalent) stays valid. */
  b24Placement: { tokenMs: number; domains: string[] }
  /**
   * The Bitrix24 local app's REST side. `sandbox`: no client id/secret, so the built-in emulator at `/sandbox/bitrix24` stands
   * in for the portal (never in production unless ALLOW_SANDBOX=1); `sandboxUrl` is where this process reaches it.
   */
  b24: {
    clientId: string
    clientSecret: string
    sandbox: boolean
    /** Bitrix24 is in use: credentials configured, or the emulator stands in (otherwise no CRM handler takes the topics). */
    enabled: boolean
    sandboxUrl: string
    ratePerSec: number
    burst: number
    timeoutMs: number
    maxWaitMs: number
    orderBatch: number
  }
  /** The 1C CommerceML exchange (`/1c/exchange`); `user` null: the endpoint refuses every login. */
  onec: {
    user: string | null
    password: string | null
    dir: string
    zip: boolean
    fileLimit: number
    maxUploadBytes: number
    zipMaxRatio: number
    zipMaxEntries: number
    stepMs: number
    /** Items committed per transaction during an import step. */
    batchSize: number
    maxFailuresIp: number
    sessionMs: number
    /** 1C Склад/Ид that receives a total `Количество` sent without warehouses ('' : a warehouse «Склад 1С» made on demand). */
    totalWarehouse: string
    /** Counterparty requisites (by Наименование) that carry a company's price type (Ид or name) and personal discount, %. */
    terms: { priceType: string; discount: string }
  }
}

/**
 * Reads and validates the environment. Throws with every bad key listed, so a misconfigured server never starts half-way.
 * Production refuses built-in sandboxes (no DaData token, no SMTP) unless `ALLOW_SANDBOX=1` says so explicitly.
 */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  const parsed = schema.safeParse(source)
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`)
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`)
  }
  const e = parsed.data
  const production = e.NODE_ENV === 'production'
  if (production && !e.SESSION_SECRET) throw new Error('Invalid configuration:\n  SESSION_SECRET is required in production')
  const secureCookie = e.COOKIE_SECURE ?? production
  const dadataSandbox = !e.DADATA_TOKEN
  const mailSandbox = !e.SMTP_URL
  if (production && (dadataSandbox || mailSandbox) && !e.ALLOW_SANDBOX) {
    const which = [dadataSandbox && 'DADATA_TOKEN', mailSandbox && 'SMTP_URL'].filter(Boolean).join(', ')
    throw new Error(`Invalid configuration:\n  ${which} not set: production refuses the built-in sandbox unless ALLOW_SANDBOX=1`)
  }
  const cdekSandbox = !e.CDEK_CLIENT_ID || !e.CDEK_CLIENT_SECRET
  if (production && cdekSandbox && !e.ALLOW_SANDBOX) {
    throw new Error('Invalid configuration:\n  CDEK_CLIENT_ID, CDEK_CLIENT_SECRET not set: production refuses the CDEK sandbox unless ALLOW_SANDBOX=1')
  }
  if (production && !cdekSandbox && !e.CDEK_WEBHOOK_SECRET) throw new Error('Invalid configuration:\n  CDEK_WEBHOOK_SECRET is required with CDEK credentials')
  const publicUrl = (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, '')
  const db: Config['db'] = /^mysql2?:\/\//.test(e.DATABASE_URL)
    ? { client: 'mysql', url: e.DATABASE_URL }
    : { client: 'sqlite', filename: e.DATABASE_URL.replace(/^sqlite:(\/\/)?/, '') }
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    publicUrl,
    db,
    session: {
      secret: e.SESSION_SECRET ?? 'development-only-session-secret-change-me',
      secureCookie,
      // The __Host- prefix makes the browser refuse the cookie unless it is Secure, host-only and Path=/.
      cookieName: secureCookie ? '__Host-sid' : 'sid',
      idleMs: e.SESSION_IDLE_MINUTES * 60_000,
      absoluteMs: e.SESSION_ABSOLUTE_HOURS * 3_600_000,
    },
    login: {
      windowMs: e.LOGIN_WINDOW_MINUTES * 60_000,
      maxFailuresAccount: e.LOGIN_MAX_FAILURES_ACCOUNT,
      maxFailuresIp: e.LOGIN_MAX_FAILURES_IP,
      ipRatePerMinute: e.LOGIN_IP_RATE_PER_MINUTE,
    },
    dadata: {
      token: e.DADATA_TOKEN ?? null,
      // Without a token the real client talks to the built-in sandbox served by this very process.
      url: dadataSandbox ? `http://127.0.0.1:${e.PORT}/sandbox/dadata` : e.DADATA_URL.replace(/\/$/, ''),
      timeoutMs: e.DADATA_TIMEOUT_MS,
      retries: e.DADATA_RETRIES,
      cacheMs: e.DADATA_CACHE_HOURS * 3_600_000,
      sandbox: dadataSandbox,
    },
    mail: { smtpUrl: e.SMTP_URL ?? null, from: e.MAIL_FROM, sandbox: mailSandbox },
    uploads: {
      dir: path.resolve(e.UPLOAD_DIR),
      maxBytes: Math.round(e.UPLOAD_MAX_MB * 1024 * 1024),
      companyQuotaBytes: Math.round(e.COMPANY_UPLOAD_QUOTA_MB * 1024 * 1024),
    },
    logLevel: e.LOG_LEVEL,
    seedDemo: e.SEED_DEMO,
    demoApiToken: e.DEMO_API_TOKEN ?? null,
    supplierName: e.SUPPLIER_NAME,
    timezone: e.TIMEZONE,
    outbox: { intervalSeconds: e.OUTBOX_INTERVAL_SECONDS, maxAttempts: e.OUTBOX_MAX_ATTEMPTS },
    api: { ratePerMinute: e.API_RATE_LIMIT_PER_MINUTE },
    orders: { minSumKopecks: Math.round(e.ORDER_MIN_SUM_RUB * 100) },
    onecSale: { encoding: e.ONEC_SALE_ENCODING, statusMap: e.ONEC_SALE_STATUS_MAP, maxOrders: e.ONEC_SALE_MAX_ORDERS },
    cdek: {
      clientId: e.CDEK_CLIENT_ID ?? 'sandbox',
      clientSecret: e.CDEK_CLIENT_SECRET ?? 'sandbox',
      baseUrl: cdekSandbox ? `http://127.0.0.1:${e.PORT}/sandbox/cdek/v2` : e.CDEK_BASE_URL.replace(/\/$/, ''),
      sandbox: cdekSandbox,
      webhookSecret: e.CDEK_WEBHOOK_SECRET ?? 'sandbox-cdek-webhook-secret',
      timeoutMs: e.CDEK_TIMEOUT_MS,
      orderType: e.CDEK_ORDER_TYPE,
      tariffCode: e.CDEK_TARIFF_CODE,
      ratePerSec: e.CDEK_RATE_PER_SEC,
      pollMs: Math.round(e.CDEK_POLL_MINUTES * 60_000),
      sandboxDelayMs: Math.round(e.CDEK_SANDBOX_DELAY_SECONDS * 1000),
      sender: {
        company: e.CDEK_SENDER_COMPANY ?? e.SUPPLIER_NAME,
        name: e.CDEK_SENDER_NAME,
        phone: e.CDEK_SENDER_PHONE,
        email: e.CDEK_SENDER_EMAIL,
        cityCode: e.CDEK_SENDER_CITY_CODE,
        address: e.CDEK_SENDER_ADDRESS,
        shipmentPoint: e.CDEK_SHIPMENT_POINT,
      },
      box: e.CDEK_BOX_CM,
      maxPlaceG: Math.round(e.CDEK_MAX_PLACE_KG * 1000),
    },
    impersonation: { ttlMs: e.IMPERSONATION_MINUTES * 60_000 },
    b24Placement: {
      tokenMs: e.B24_PLACEMENT_TOKEN_MINUTES * 60_000,
      domains: e.B24_DOMAINS.split(',').map((d) => d.trim().toLowerCase()).filter(Boolean),
    },
    b24: {
      clientId: e.B24_CLIENT_ID || 'sandbox',
      clientSecret: e.B24_CLIENT_SECRET || 'sandbox',
      sandbox: !(e.B24_CLIENT_ID && e.B24_CLIENT_SECRET) && (!production || e.ALLOW_SANDBOX),
      enabled: !!(e.B24_CLIENT_ID && e.B24_CLIENT_SECRET) || !production || e.ALLOW_SANDBOX,
      sandboxUrl: `http://127.0.0.1:${e.PORT}/sandbox/bitrix24`,
      ratePerSec: e.B24_RATE_PER_SEC,
      burst: e.B24_BURST,
      timeoutMs: Math.round(e.B24_TIMEOUT_SECONDS * 1000),
      maxWaitMs: Math.round(e.B24_MAX_WAIT_SECONDS * 1000),
      orderBatch: e.B24_ORDER_BATCH,
    },
    onec: {
      user: e.ONEC_USER || null,
      password: e.ONEC_PASSWORD || null,
      dir: path.resolve(e.ONEC_DIR),
      zip: e.ONEC_ZIP,
      fileLimit: e.ONEC_FILE_LIMIT,
      maxUploadBytes: e.ONEC_MAX_UPLOAD_BYTES,
      zipMaxRatio: e.ONEC_ZIP_MAX_RATIO,
      zipMaxEntries: e.ONEC_ZIP_MAX_ENTRIES,
      stepMs: Math.round(e.ONEC_STEP_SECONDS * 1000),
      batchSize: e.ONEC_BATCH_SIZE,
      maxFailuresIp: e.ONEC_MAX_FAILURES_IP,
      sessionMs: Math.round(e.ONEC_SESSION_HOURS * 3_600_000),
      totalWarehouse: e.ONEC_TOTAL_WAREHOUSE,
      terms: { priceType: e.ONEC_TERMS_PRICE_TYPE, discount: e.ONEC_TERMS_DISCOUNT },
    },
  }
}
