import { expect } from 'chai'
import request from 'supertest'
import { startApp, type TestApp } from '../../support/app.js'
import { buyer, createCompany, createProduct, createUser } from '../../support/factories.js'
import { JPEG_4x3, pdf } from '../../support/images.js'
import { fillPath, listRoutes, type RouteInfo } from '../../support/routes.js'
import { addToLine, insertCart } from '../../../server/carts/store.js'

/*
 * WSTG ATHZ-04: a person of company A gets 404 for every URL of company B's objects, and nothing of B changes. The routes
 * come from the router itself; a new route with a parameter fails this test until it is placed in the matrix below.
 */

/** Routes with parameters that are not company objects, and why. */
const NOT_COMPANY_OBJECTS: Record<string, string> = {
  '/password/reset/:token': 'a secret link, tested in sessions.test.ts',
  '/invitations/:token': 'a secret link, tested in companies.test.ts',
  '/invitations/:token/accept': 'a secret link, tested in companies.test.ts',
  '/b24/cabinet/:ticket': 'a one-time secret link of «Открыть кабинет клиента», tested in b24-ui/impersonation.test.ts',
  '/sandbox/bitrix24/rest/:method': "the Bitrix24 emulator's REST API (its own OAuth tokens, no session), tested in b24/sandbox.test.ts",
  '/sandbox/bitrix24/open/:kind/:id': "the Bitrix24 emulator's CRM cards, staff only, tested in b24/sandbox.test.ts",
  '/sandbox/bitrix24/deals/:id/stage': "the Bitrix24 emulator's deal stage form, staff only, tested in b24/sandbox.test.ts",
  '/sandbox/cdek/v2/orders/:uuid': "the CDEK emulator's API (its own Bearer tokens, no session), tested in delivery/delivery.test.ts",
  '/hooks/cdek/:secret': "CDEK's webhook, authenticated by the secret path (a wrong one is 404), tested in delivery/delivery.test.ts",
  '/supplier-documents/:id/download': "the supplier's own documents, shared by all verified buyers (documents.test.ts)",
  '/catalog/c/:id': 'the catalog is shared by all buyers, only prices differ (catalog tests)',
  '/catalog/p/:sku': 'the catalog is shared by all buyers, only prices differ (catalog tests)',
  '/catalog/row/:productId': 'the catalog is shared by all buyers, only prices differ (catalog tests)',
  '/catalog/images/:id': 'product pictures are shared by all buyers (onec/catalog-more.test.ts)',
  '/api/v1/products/:sku': 'the catalog is shared by all buyers, only prices differ (catalog API tests)',
  '/api/v1/carts/:id': 'buyer API with a Bearer token, not a session: isolation tested in carts/api.test.ts',
  '/api/v1/carts/:id/lines': 'buyer API with a Bearer token, not a session: isolation tested in carts/api.test.ts',
  '/api/v1/orders/:number': 'buyer API with a Bearer token, not a session: isolation tested in orders/api.test.ts',
}

interface Victim {
  companyId: number
  point: number
  bankAccount: number
  document: number
  member: number
  invitation: number
  token: number
  sessionKey: string
  cartLine: number
  cart: number
  order: string
}

/** Company B with one object of every kind, made through the real HTTP routes. */
async function victim(app: TestApp): Promise<Victim> {
  const b = await buyer(app)
  const colleague = await createUser(app)
  await app.c.db('company_members').insert({ company_id: b.company.id, user_id: colleague.id, role: 'buyer', created_at: Date.now() })
  expect((await b.browser.upload('/company/points', { name: 'Точка Б', address: 'г Тверь', contact_name: 'Олег', contact_phone: '+79160000002', working_hours: '9-18' }, { field: 'photo', buffer: JPEG_4x3, name: 'p.jpg' })).status).to.equal(303)
  expect((await b.browser.post('/company/bank-accounts', { bik: '044525225', account: '40703810238000002575', corr_account: '30101810400000000225', bank_name: 'Банк Б', bank_city: 'Москва' })).status).to.equal(303)
  expect((await b.browser.upload('/company/documents', { doc_type: 'charter', title: 'Устав Б' }, { field: 'file', buffer: pdf(), name: 'u.pdf' })).status).to.equal(303)
  expect((await b.browser.post('/company/members/invite', { email: `inv${Date.now()}@test.local`, role: 'viewer' })).status).to.equal(303)
  expect((await b.browser.post('/company/api-tokens', { name: 'Б' })).status).to.equal(200)
  const product = await createProduct(app)
  expect((await b.browser.post('/cart/add', { [`qty[${product.id}]`]: '2', [`pack[${product.id}]`]: String(product.packagingId) })).status).to.equal(303)
  // An order placed from a cart of its own (no cart type, so nothing depends on other tests' types or stock).
  await app.c.db('companies').where({ id: b.company.id }).update({ status: 'verified' })
  const orderCart = await insertCart(app.c.db, b.company.id, { name: 'Для заказа', cart_type_id: null, client_ref: '', payer_company_id: null, point_id: null }, null, Date.now())
  await addToLine(app.c.db, orderCart, product.id, product.packagingId, 3000, Date.now())
  const placed = await b.browser.post('/checkout', { action: 'place', cart_id: String(orderCart) })
  expect(placed.status, placed.text).to.equal(303)
  const q = (t: string) => app.c.db(t).where({ company_id: b.company.id })
  const session = await app.c.db('sessions').where({ user_id: b.user.id }).first()
  return {
    companyId: b.company.id,
    point: (await q('delivery_points').first()).id,
    bankAccount: (await q('company_bank_accounts').first()).id,
    document: (await q('company_documents').first()).id,
    member: (await app.c.db('company_members').where({ company_id: b.company.id, user_id: colleague.id }).first()).id,
    invitation: (await q('invitations').first()).id,
    token: (await q('api_tokens').first()).id,
    sessionKey: session.sid.slice(0, 8),
    cartLine: (await app.c.db('cart_lines as l').join('carts as c', 'c.id', 'l.cart_id').where({ 'c.company_id': b.company.id }).first('l.id')).id,
    cart: (await q('carts').first()).id,
    order: (await q('orders').first()).number,
  }
}

/** Everything of company B that a request could change. */
async function stateOf(app: TestApp, v: Victim) {
  const q = (t: string) => app.c.db(t).where({ company_id: v.companyId }).orderBy('id')
  return {
    company: await app.c.db('companies').where({ id: v.companyId }).first(),
    points: await q('delivery_points'),
    bankAccounts: await q('company_bank_accounts'),
    documents: await q('company_documents'),
    files: await q('files'),
    members: await q('company_members'),
    invitations: await q('invitations'),
    carts: await q('carts'),
    cartLines: await app.c.db('cart_lines as l').join('carts as c', 'c.id', 'l.cart_id').where({ 'c.company_id': v.companyId }).select('l.*'),
    orders: await q('orders'),
    orderLines: await app.c.db('order_lines as l').join('orders as o', 'o.id', 'l.order_id').where({ 'o.company_id': v.companyId }).select('l.*'),
    orderEvents: await app.c.db('order_events as e').join('orders as o', 'o.id', 'e.order_id').where({ 'o.company_id': v.companyId }).select('e.*'),
    shipments: await app.c.db('order_shipments as s').join('orders as o', 'o.id', 's.order_id').where({ 'o.company_id': v.companyId }).select('s.*'),
    tokens: (await q('api_tokens')).map((t: { last_used_at: unknown }) => ({ ...t, last_used_at: null })),
    sessions: (await app.c.db('sessions').whereIn('user_id', app.c.db('company_members').where({ company_id: v.companyId }).select('user_id'))).map((s: { sid: string }) => s.sid),
  }
}

/** The id of B's object that a route pattern addresses; throws for a parametrised route nobody placed here. */
function targetOf(r: RouteInfo, v: Victim): string | number {
  const p = r.path
  if (p.startsWith('/company/points/')) return v.point
  if (p.startsWith('/company/bank-accounts/')) return v.bankAccount
  if (p.startsWith('/company/documents/')) return v.document
  if (p.startsWith('/company/members/')) return v.member
  if (p.startsWith('/company/invitations/')) return v.invitation
  if (p.startsWith('/company/api-tokens/')) return v.token
  if (p.startsWith('/account/sessions/')) return v.sessionKey
  if (p.startsWith('/cart/lines/')) return v.cartLine
  if (p.startsWith('/carts/')) return v.cart
  if (p.startsWith('/orders/')) return v.order
  if (p.startsWith('/admin/outbox/')) return 1
  if (p.startsWith('/admin/')) return v.companyId
  throw new Error(`${r.method} ${p} takes a parameter but is not in the tenant isolation matrix: add it to targetOf or NOT_COMPANY_OBJECTS`)
}

const FORM = { qty: '5', name: 'x', role: 'owner', email: 'x@test.local', address: 'x', reason: 'x', doc_type: 'charter', title: 'x', kpp: '770101001' }

describe('tenant isolation matrix (WSTG ATHZ-04)', function () {
  this.timeout(120_000)
  let app: TestApp
  before(async () => {
    app = await startApp()
  })
  after(() => app.close())

  it('gives a person of company A 404 on every object route of company B and changes nothing', async () => {
    const v = await victim(app)
    const a = await buyer(app)
    const routes = listRoutes(app.express).filter((r) => r.path.includes(':') && !NOT_COMPANY_OBJECTS[r.path])
    expect(routes.length).to.be.greaterThan(20)
    const before = await stateOf(app, v)
    const failures: string[] = []
    for (const r of routes) {
      const url = fillPath(r.path, targetOf(r, v))
      const res =
        r.method === 'GET'
          ? await a.browser.get(url)
          : r.path.includes('/points/') && r.method === 'POST' && !/delete|default/.test(r.path)
            ? await a.browser.upload(url, FORM, { field: 'photo', buffer: JPEG_4x3, name: 'x.jpg' })
            : await a.browser.post(url, FORM)
      if (res.status !== 404) failures.push(`${r.method} ${url} → ${res.status}`)
    }
    expect(failures).to.deep.equal([])
    expect(await stateOf(app, v)).to.deep.equal(before)
  })

  it('scopes by the current company: a person with two companies gets 404 for the other one until they switch', async () => {
    const a = await buyer(app)
    const second = await createCompany(app, a.user.id, { role: 'owner' })
    await a.browser.post('/companies/switch', { company_id: String(second.id) })
    expect((await a.browser.upload('/company/points', { name: 'Точка второй', address: 'г Тула', contact_name: 'Анна', contact_phone: '+79160000003' })).status).to.equal(303)
    const pointId = (await app.c.db('delivery_points').where({ company_id: second.id }).first()).id
    await a.browser.post('/companies/switch', { company_id: String(a.company.id) })
    expect((await a.browser.get(`/company/points/${pointId}/edit`)).status).to.equal(404)
    expect((await a.browser.get(`/company/points/${pointId}.json`)).status).to.equal(404)
    expect((await a.browser.post(`/company/points/${pointId}/delete`)).status).to.equal(404)
    expect(await app.c.db('delivery_points').where({ id: pointId }).first()).to.not.equal(undefined)
    await a.browser.post('/companies/switch', { company_id: String(second.id) })
    expect((await a.browser.get(`/company/points/${pointId}/edit`)).status).to.equal(200)
  })

  it('scopes the API by the token company', async () => {
    const v = await victim(app)
    const a = await buyer(app)
    const page = await a.browser.post('/company/api-tokens', { name: 'A' })
    const token = /data-issued-token>([^<]+)</.exec(page.text)![1]!
    const me = await request(app.url).get('/api/v1/me').set('Authorization', `Bearer ${token}`)
    expect(me.body.company.id).to.equal(a.company.id)
    expect(me.body.company.id).not.to.equal(v.companyId)
  })

  it('lists only the own company objects on every list page', async () => {
    const v = await victim(app)
    const a = await buyer(app)
    for (const url of ['/company/points', '/company/documents', '/company/members', '/company/api-tokens', '/company', '/quick-order']) {
      const res = await a.browser.get(url)
      expect(res.status, url).to.equal(200)
      expect(res.text, url).not.to.contain('Точка Б')
      expect(res.text, url).not.to.contain('Устав Б')
      expect(res.text, url).not.to.contain(`/company/points/${v.point}/`)
      expect(res.text, url).not.to.contain('Банк Б')
      expect(res.text, url).not.to.contain(`/company/bank-accounts/${v.bankAccount}/`)
    }
  })
})
