import { expect } from 'chai'
import request from 'supertest'
import { startApp, type TestApp } from '../../support/app.js'
import { createCompany, issueApiToken } from '../../support/factories.js'
import { dropCartTypes, linesOf } from '../carts/helpers.js'
import { orderingBuyer, put, setStock, stockAt, stocked, typedCart, warehouse } from './helpers.js'

/** Issues a buyer-API token in the cabinet, as an owner does. */
describe('buyer API: orders and Idempotency-Key', () => {
  let app: TestApp
  before(async () => {
    app = await startApp()
  })
  after(async () => {
    await dropCartTypes(app)
    await app.close()
  })

  const api = (token: string) => ({
    get: (path: string) => request(app.url).get(`/api/v1${path}`).set('Authorization', `Bearer ${token}`),
    post: (path: string, body: object, key?: string) => {
      const r = request(app.url).post(`/api/v1${path}`).set('Authorization', `Bearer ${token}`)
      return (key === undefined ? r : r.set('Idempotency-Key', key)).send(body)
    },
  })

  it('places an order from carts, lists it and returns it by number', async () => {
    const b = await orderingBuyer(app)
    const w = await warehouse(app)
    const a = await stocked(app, { warehouseId: w, onHand: 100, price: 15_000, factor: 2 })
    const c = await typedCart(app, b.company.id, w)
    await put(app, c.id, a, 4, 'с ЭДО')
    const t = api(await issueApiToken(b))
    const res = await t.post('/orders', { cart_ids: [c.id], comment: 'из 1С' })
    expect(res.status, JSON.stringify(res.body)).to.equal(201)
    expect(res.body).to.include({ status: 'pending', total_kopecks: 60_000, comment: 'из 1С', payment: 'unpaid' })
    expect(res.body.lines[0]).to.include({ sku: a.sku, qty: 4, unit_price_kopecks: 15_000, line_kopecks: 60_000, comment: 'с ЭДО' })
    expect(res.body.invoices).to.deep.equal([{ payer_company_id: b.company.id, payer: b.company.name, amount_kopecks: 60_000, paid_kopecks: 0 }])
    expect(res.body.reservations).to.have.length(1)
    expect(res.body.events[0]).to.include({ kind: 'placed', actor: 'api' })
    const list = await t.get('/orders')
    expect(list.body.items.map((o: { number: string }) => o.number)).to.deep.equal([res.body.number])
    expect((await t.get(`/orders/${res.body.number}`)).body.number).to.equal(res.body.number)
    expect((await t.get(`/orders?status=cancelled`)).body.items).to.deep.equal([])
    // Another company's token sees nothing of it.
    const other = api(await issueApiToken(await orderingBuyer(app)))
    expect((await other.get(`/orders/${res.body.number}`)).status).to.equal(404)
    expect((await other.get('/orders')).body.items).to.deep.equal([])
    expect((await other.post('/orders', { cart_ids: [c.id] })).status).to.equal(404)
  })

  it('places at most one order per Idempotency-Key: a repeat returns the same order, another body is refused', async () => {
    const b = await orderingBuyer(app)
    const w = await warehouse(app)
    const a = await stocked(app, { warehouseId: w, onHand: 100 })
    const c = await typedCart(app, b.company.id, w)
    await put(app, c.id, a, 5)
    const t = api(await issueApiToken(b))
    const first = await t.post('/orders', { cart_ids: [c.id], comment: 'раз' }, 'order-2026-11-27-0001')
    expect(first.status).to.equal(201)
    expect(first.headers['idempotent-replayed']).to.equal(undefined)
    const again = await t.post('/orders', { comment: 'раз', cart_ids: [c.id] }, 'order-2026-11-27-0001')
    expect(again.status).to.equal(201)
    expect(again.headers['idempotent-replayed']).to.equal('true')
    expect(again.body.number).to.equal(first.body.number)
    const changed = await t.post('/orders', { cart_ids: [c.id], comment: 'два' }, 'order-2026-11-27-0001')
    expect(changed.status).to.equal(422)
    expect(changed.body.error.message).to.contain('уже использован с другим запросом')
    expect(await app.c.db('orders').where({ company_id: b.company.id })).to.have.length(1)
    expect(await stockAt(app, w, a.id)).to.deep.equal({ onHand: 100, reserved: 5 })
    // Keys belong to a company: another company may use the same text.
    const other = await orderingBuyer(app)
    const oc = await typedCart(app, other.company.id, w)
    await put(app, oc.id, a, 1)
    expect((await api(await issueApiToken(other)).post('/orders', { cart_ids: [oc.id] }, 'order-2026-11-27-0001')).status).to.equal(201)
    expect((await t.post('/orders', { cart_ids: [c.id] }, 'a key with spaces')).status).to.equal(422)
  })

  it('lets concurrent requests with one key place one order', async () => {
    const b = await orderingBuyer(app)
    const w = await warehouse(app)
    const a = await stocked(app, { warehouseId: w, onHand: 100 })
    const c = await typedCart(app, b.company.id, w)
    await put(app, c.id, a, 5)
    const t = api(await issueApiToken(b))
    const all = await Promise.all(Array.from({ length: 6 }, () => t.post('/orders', { cart_ids: [c.id] }, 'burst-1')))
    const numbers = new Set(all.filter((r) => r.status === 201).map((r) => r.body.number))
    expect(numbers.size).to.equal(1)
    expect(all.every((r) => r.status === 201 || r.status === 409), all.map((r) => r.status).join(',')).to.equal(true)
    expect(await app.c.db('orders').where({ company_id: b.company.id })).to.have.length(1)
    expect(await stockAt(app, w, a.id)).to.deep.equal({ onHand: 100, reserved: 5 })
  })

  it('answers a shortage with 409 and every short line, and frees the key for a retry', async () => {
    const b = await orderingBuyer(app)
    const w = await warehouse(app)
    const a = await stocked(app, { warehouseId: w, onHand: 3 })
    const c = await typedCart(app, b.company.id, w)
    await put(app, c.id, a, 5)
    const t = api(await issueApiToken(b))
    const short = await t.post('/orders', { cart_ids: [c.id] }, 'retry-me')
    expect(short.status).to.equal(409)
    expect(short.body.error.short).to.have.length(1)
    expect(short.body.error.short[0]).to.include({ sku: a.sku, requested: 5, available: 3, warehouse_id: w })
    expect((await linesOf(app, c.id)).length).to.equal(1)
    await setStock(app, w, a.id, 10)
    const ok = await t.post('/orders', { cart_ids: [c.id] }, 'retry-me')
    expect(ok.status).to.equal(201)
  })

  it('refuses malformed bodies and companies that may not order with 422 and Russian messages', async () => {
    const b = await orderingBuyer(app)
    const w = await warehouse(app)
    const a = await stocked(app, { warehouseId: w, onHand: 10 })
    const c = await typedCart(app, b.company.id, w)
    await put(app, c.id, a, 5)
    const t = api(await issueApiToken(b))
    expect((await t.post('/orders', {})).body.error.fields.cart_ids).to.contain('cart_ids')
    expect((await t.post('/orders', { cart_ids: [c.id], payers: [{ company_id: 'x' }] })).status).to.equal(422)
    const ip = await createCompany(app, b.user.id, { kind: 'ip', role: 'buyer', status: 'verified' })
    const split = await t.post('/orders', { cart_ids: [c.id], payers: [{ company_id: ip.id, amount_kopecks: 10_000 }, { company_id: b.company.id, amount_kopecks: null }] })
    expect(split.status).to.equal(201)
    expect(split.body.invoices.map((i: { payer_company_id: number; amount_kopecks: number }) => [i.payer_company_id, i.amount_kopecks])).to.deep.equal([[ip.id, 10_000], [b.company.id, 40_000]])
    await app.c.db('companies').where({ id: b.company.id }).update({ status: 'blocked', blocked_reason: 'долг' })
    await put(app, c.id, a, 1)
    const blocked = await t.post('/orders', { cart_ids: [c.id] })
    expect(blocked.status).to.equal(422)
    expect(blocked.body.error.fields.company).to.contain('заблокирована поставщиком: долг')
  })
})
