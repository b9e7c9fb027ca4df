import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import request from 'supertest'
import type { Express } from 'express'
import { loadConfig, type Config } from '../../server/config.js'
import { createLogger } from '../../server/logger.js'
import { compose, type Container } from '../../server/main.js'
import { buildApp } from '../../server/app.js'
import { createPasswordHasher } from '../../server/accounts/password.js'
import { createDadataClient } from '../../server/integrations/dadata/client.js'
import { manualClock, systemClock, type Clock } from '../../server/shared/clock.js'
import { testDb, tmpRoot } from './hooks.js'

export interface TestApp {
  url: string
  express: Express
  c: Container
  config: Config
  clock: Clock
  close(): Promise<void>
}

const hasher = createPasswordHasher(10, 4)

/**
 * Starts the real app on a random loopback port over the suite's database. `env` overrides configuration keys exactly as
 * an operator would set them (e.g. DADATA_TOKEN to talk to the real DaData URL that nock intercepts).
 */
export async function startApp(o: { env?: Record<string, string>; clock?: Clock } = {}): Promise<TestApp> {
  const server = http.createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as AddressInfo).port
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    UPLOAD_DIR: path.join(tmpRoot, 'uploads'),
    SESSION_SECRET: 'test-secret-test-secret-test-secret',
    // Every test logs in from 127.0.0.1; the per-IP brake has its own test with a low limit.
    LOGIN_IP_RATE_PER_MINUTE: '10000',
    ...o.env,
  })
  const logger = createLogger(config.logLevel)
  const clock = o.clock ?? systemClock
  const dadata = createDadataClient({
    get url() {
      return config.dadata.url
    },
    token: config.dadata.token ?? 'sandbox',
    timeoutMs: Math.min(config.dadata.timeoutMs, 1500),
    retries: config.dadata.retries,
    logger,
    sleep: async () => {},
  })
  const c = compose({ config, db: testDb(), logger, clock, hasher, dadata })
  const expressApp = buildApp(c)
  server.on('request', expressApp)
  return {
    url: `http://127.0.0.1:${port}`,
    express: expressApp,
    c,
    config,
    clock,
    close: () => new Promise((r) => server.close(() => r())),
  }
}

export { manualClock }

/** A person's browser: keeps cookies, reads CSRF tokens from pages and posts forms like a browser would. */
export class Browser {
  readonly agent: ReturnType<typeof request.agent>
  constructor(readonly app: TestApp) {
    this.agent = request.agent(app.url)
  }

  get(path: string) {
    return this.agent.get(path).redirects(0)
  }

  /** A CSRF token valid for the current session (any rendered form carries one). */
  async csrf(): Promise<string> {
    const res = await this.agent.get('/password/forgot')
    const m = /name="_csrf" value="([^"]+)"/.exec(res.text)
    if (!m) throw new Error('no CSRF token on the page')
    return m[1]!
  }

  /** Posts a urlencoded form with a fresh CSRF token (pass `_csrf: null` to send none). */
  async post(path: string, fields: Record<string, string | string[] | null> = {}) {
    const body: Record<string, string | string[]> = {}
    if (!('_csrf' in fields)) body._csrf = await this.csrf()
    for (const [k, v] of Object.entries(fields)) if (v !== null) body[k] = v
    return this.agent.post(path).type('form').send(body).redirects(0)
  }

  /**
   * Submits a multipart form as a browser does, with or without a chosen file (an empty file input still makes the request
   * multipart). The CSRF token goes into the action's query string, as the portal's upload forms send it, because it is
   * checked before the body is read.
   */
  async upload(path: string, fields: Record<string, string>, file?: { field: string; buffer: Buffer; name: string; type?: string }) {
    const token = await this.csrf()
    let req = this.agent.post(`${path}${path.includes('?') ? '&' : '?'}_csrf=${encodeURIComponent(token)}`).redirects(0)
    for (const [k, v] of Object.entries(fields)) req = req.field(k, v)
    return file ? req.attach(file.field, file.buffer, { filename: file.name, contentType: file.type ?? 'application/octet-stream' }) : req
  }

  async login(email: string, password: string) {
    const res = await this.post('/login', { email, password })
    if (res.status !== 303) throw new Error(`login failed: ${res.status}`)
    return res
  }
}
