import { expect } from 'chai'
import request from 'supertest'
import { startApp, type TestApp } from '../../support/app.js'
import { buyer, createUser } from '../../support/factories.js'
import { fillPath, listRoutes } from '../../support/routes.js'

/** Row counts of every table a form can change: a refused request must leave them all as they were. */
async function snapshot(app: TestApp) {
  const tables = ['users', 'companies', 'company_members', 'invitations', 'delivery_points', 'company_bank_accounts', 'company_documents', 'files', 'api_tokens', 'outbox', 'audit_log']
  const out: Record<string, number> = {}
  for (const t of tables) out[t] = Number((await app.c.db(t).count({ n: '*' }))[0]!.n)
  return out
}

describe('CSRF on every state-changing route, and security headers', () => {
  let app: TestApp
  before(async () => {
    app = await startApp()
  })
  after(() => app.close())

  it('refuses every POST without a CSRF token with 403 and changes nothing (routes read from the router)', async () => {
    const { browser, company, user } = await buyer(app)
    await app.c.db('users').where({ id: user.id }).update({ is_staff: true })
    const routes = listRoutes(app.express).filter(
      // /1c/exchange: 1C sends no CSRF token; it logs in with Basic at checkauth and then sends its exchange cookie (onec/safety.test.ts).
      // /sandbox/bitrix24/rest and /oauth: the Bitrix24 emulator's machine API, authenticated by its OAuth tokens (b24/sandbox.test.ts).
      // /hooks/cdek/:secret: CDEK's webhook, authenticated by its secret path; /sandbox/cdek/v2: the CDEK emulator's API (delivery.test.ts).
      (r) =>
        r.method !== 'GET' &&
        !r.path.startsWith('/api/v1') &&
        !r.path.startsWith('/sandbox/dadata') &&
        !r.path.startsWith('/sandbox/bitrix24/rest') &&
        !r.path.startsWith('/hooks/cdek/') &&
        !r.path.startsWith('/sandbox/cdek/v2') &&
        !r.path.startsWith('/sandbox/bitrix24/oauth') &&
        r.path !== '/1c/exchange',
    )
    expect(routes.length).to.be.greaterThan(15)
    for (const r of routes) {
      const before = await snapshot(app)
      const url = fillPath(r.path, r.path.includes(':token') ? 'tok' : company.id)
      const plain = await browser.agent.post(url).type('form').send({ name: 'x', email: 'x@y.z', role: 'viewer', company_id: String(company.id) }).redirects(0)
      expect(plain.status, `${r.method} ${r.path}`).to.equal(403)
      const multipart = await browser.agent.post(url).field('name', 'x').attach('file', Buffer.from('%PDF-1.4\n'), 'a.pdf').redirects(0)
      expect(multipart.status, `${r.method} ${r.path} multipart`).to.equal(403)
      expect(await snapshot(app), `${r.method} ${r.path}`).to.deep.equal(before)
    }
  })

  it('does not accept a query-string token on a urlencoded form', async () => {
    const { browser } = await buyer(app)
    const token = await browser.csrf()
    const res = await browser.agent.post(`/logout?_csrf=${token}`).type('form').send({}).redirects(0)
    expect(res.status).to.equal(403)
  })

  it('refuses a token from another session', async () => {
    const a = await buyer(app)
    const b = await buyer(app)
    const tokenOfA = await a.browser.csrf()
    const res = await b.browser.agent.post('/company/members/invite').type('form').send({ _csrf: tokenOfA, email: 'x@test.local', role: 'viewer' }).redirects(0)
    expect(res.status).to.equal(403)
    expect(res.text).to.contain('Форма устарела')
  })

  it('sends helmet headers and a strict CSP on pages', async () => {
    const res = await request(app.url).get('/login')
    expect(res.headers['content-security-policy']).to.contain("script-src 'self'")
    expect(res.headers['content-security-policy']).to.contain("frame-ancestors 'self'")
    expect(res.headers['x-frame-options']).to.equal('SAMEORIGIN')
    expect(res.headers['x-content-type-options']).to.equal('nosniff')
    expect(res.headers['referrer-policy']).to.equal('no-referrer')
    expect(res.headers['x-powered-by']).to.equal(undefined)
    expect(res.headers['x-request-id']).to.be.a('string')
  })

  it('answers unknown pages with a Russian 404', async () => {
    const res = await request(app.url).get('/no/such/page')
    expect(res.status).to.equal(404)
    expect(res.text).to.contain('Страница не найдена')
  })

  it('escapes what people type when it is shown again', async () => {
    const u = await createUser(app, { name: '<script>alert(1)</script>' })
    const b = (await buyer(app)).browser
    void u
    const res = await b.post('/register', { full_name: '<img src=x onerror=alert(1)>', email: 'bad' })
    expect(res.text).not.to.contain('<img src=x')
  })
})
