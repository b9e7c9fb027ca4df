import { expect } from 'chai'
import request from 'supertest'
import { startApp, type TestApp } from '../../support/app.js'
import { buyer, createCompany } from '../../support/factories.js'
import { listRoutes } from '../../support/routes.js'

async function issue(b: Awaited<ReturnType<typeof buyer>>['browser'], name: string): Promise<string> {
  const res = await b.post('/company/api-tokens', { name })
  expect(res.status).to.equal(200)
  expect(res.headers['cache-control']).to.contain('no-store')
  return /data-issued-token>([^<]+)</.exec(res.text)![1]!
}

describe('buyer API and tokens', () => {
  let app: TestApp
  before(async () => {
    app = await startApp()
  })
  after(() => app.close())

  it('lets the owner issue a token shown once, stored only as a hash', async () => {
    const { browser, company } = await buyer(app)
    const token = await issue(browser, '1С: заказы')
    expect(token).to.match(/^b2b_[\w-]{40,}$/)
    const row = await app.c.db('api_tokens').where({ company_id: company.id }).first()
    expect(row.name).to.equal('1С: заказы')
    expect(row.token_hash).to.have.length(64)
    expect(JSON.stringify(row)).not.to.contain(token)
    const list = await browser.get('/company/api-tokens')
    expect(list.text).to.contain(token.slice(0, 12))
    expect(list.text).not.to.contain(token)
  })

  it('answers GET /api/v1/me with the user and the token company', async () => {
    const { browser, company, user } = await buyer(app)
    const token = await issue(browser, 'test')
    const res = await request(app.url).get('/api/v1/me').set('Authorization', `Bearer ${token}`)
    expect(res.status).to.equal(200)
    expect(res.body.user).to.include({ id: user.id, email: user.email })
    expect(res.body.user).not.to.have.property('password_hash')
    expect(res.body.company).to.include({ id: company.id, inn: company.inn, role: 'owner', status: 'unverified' })
    const used = await app.c.db('api_tokens').where({ company_id: company.id }).first()
    expect(used.last_used_at).to.be.a('number')
  })

  it('keeps the token company even when the session switches company', async () => {
    const { browser, user, company } = await buyer(app)
    const token = await issue(browser, 'first')
    const second = await createCompany(app, user.id)
    await browser.post('/companies/switch', { company_id: String(second.id) })
    const res = await request(app.url).get('/api/v1/me').set('Authorization', `Bearer ${token}`)
    expect(res.body.company.id).to.equal(company.id)
  })

  it('refuses missing, wrong and revoked tokens with 401 JSON', async () => {
    const none = await request(app.url).get('/api/v1/me')
    expect(none.status).to.equal(401)
    expect(none.headers['www-authenticate']).to.contain('Bearer')
    expect(none.body.error.message).to.contain('Authorization')
    const wrong = await request(app.url).get('/api/v1/me').set('Authorization', 'Bearer b2b_nope')
    expect(wrong.status).to.equal(401)
    const { browser, company } = await buyer(app)
    const token = await issue(browser, 'to revoke')
    const row = await app.c.db('api_tokens').where({ company_id: company.id }).first()
    expect((await browser.post(`/company/api-tokens/${row.id}/revoke`)).status).to.equal(303)
    expect((await request(app.url).get('/api/v1/me').set('Authorization', `Bearer ${token}`)).status).to.equal(401)
  })

  it('stops a token when its person leaves the company', async () => {
    const { browser, company, user } = await buyer(app)
    const token = await issue(browser, 'leaver')
    await app.c.db('company_members').where({ company_id: company.id, user_id: user.id }).delete()
    expect((await request(app.url).get('/api/v1/me').set('Authorization', `Bearer ${token}`)).status).to.equal(401)
  })

  it('lets only owners manage tokens', async () => {
    const { browser } = await buyer(app, { role: 'accountant' })
    expect((await browser.get('/company/api-tokens')).status).to.equal(403)
    expect((await browser.post('/company/api-tokens', { name: 'x' })).status).to.equal(403)
  })

  it('asks for a token name', async () => {
    const { browser } = await buyer(app)
    const res = await browser.post('/company/api-tokens', { name: '' })
    expect(res.status).to.equal(422)
    expect(res.text).to.contain('Назовите токен')
  })

  it('answers unknown API paths with JSON 404', async () => {
    const { browser } = await buyer(app)
    const token = await issue(browser, 'x')
    const res = await request(app.url).get('/api/v1/nothing').set('Authorization', `Bearer ${token}`)
    expect(res.status).to.equal(404)
    expect(res.body.error.status).to.equal(404)
  })

  it('describes every mounted API route in the OpenAPI document', async () => {
    const res = await request(app.url).get('/api/v1/openapi.json')
    expect(res.status).to.equal(200)
    expect(res.body.openapi).to.match(/^3\./)
    const described = Object.entries(res.body.paths as Record<string, Record<string, unknown>>).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} /api/v1${p.replace(/\{(\w+)\}/g, ':$1')}`),
    )
    const mounted = listRoutes(app.express)
      .filter((r) => r.path.startsWith('/api/v1/') && r.path !== '/api/v1/openapi.json')
      .map((r) => `${r.method} ${r.path}`)
    expect(mounted.length).to.be.greaterThan(0)
    for (const m of mounted) expect(described, m).to.include(m)
  })
})
