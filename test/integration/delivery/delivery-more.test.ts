import { expect } from 'chai'
import nock from 'nock'
import request from 'supertest'
import { startApp, type TestApp } from '../../support/app.js'
import { staff, uniq } from '../../support/factories.js'
import { cdekWebhookJob } from '../../../jobs/delivery.js'
import { orderWithDelivery, splitAndShip } from './helpers.js'

const SECRET = 'test-cdek-secret-more-0123456789'
const requestOf = (app: TestApp, orderId: number, shipmentId: number | null = null) =>
  app.c.db('delivery_requests').where({ order_id: orderId }).andWhere((q) => (shipmentId === null ? q.whereNull('shipment_id') : q.where({ shipment_id: shipmentId }))).orderBy('id', 'desc').first()
const eventsOf = (app: TestApp, orderId: number) => app.c.db('order_events').where({ order_id: orderId }).orderBy('id')
const system = { kind: 'system' as const, userId: null }

/** CDEK's ORDER_STATUS webhook body for a request (reference/cdek.md §5). */
function hook(uuid: string, code: string, at: string) {
  return { type: 'ORDER_STATUS', date_time: at, uuid, attributes: { is_return: code.startsWith('RETURNED'), cdek_number: '5550002223', number: 'x', status_code: code, status_reason_code: '', status_date_time: at, city_name: 'Санкт-Петербург', city_code: '137' } }
}

describe('CDEK delivered / not delivered → the order (sandbox, real HTTP)', () => {
  let app: TestApp
  let manager: Awaited<ReturnType<typeof staff>>
  before(async () => {
    app = await startApp({ env: { CDEK_SANDBOX_DELAY_SECONDS: '3600', CDEK_WEBHOOK_SECRET: SECRET } })
    manager = await staff(app)
  })
  after(() => app.close())

  /** A request for the order (or shipment) created over HTTP and sent to the sandbox by the outbox. */
  async function sent(orderId: number, shipmentId: number | null) {
    const out = await app.c.delivery.createRequest({ orderId, shipmentId, actor: { kind: 'staff', userId: manager.user.id } })
    expect(out.ok, JSON.stringify(out)).to.equal(true)
    await app.c.dispatcher.drainOnce()
    const req = await requestOf(app, orderId, shipmentId)
    expect(req.cdek_uuid).to.be.a('string')
    return req
  }

  it('DELIVERED of a shipped, unsplit order moves it to «доставлен» through the state machine (event by the portal)', async () => {
    const { b, order } = await orderWithDelivery(app)
    for (const to of ['awaiting_payment', 'assembling', 'shipped'] as const) await app.c.orders.transition(order.id, to, { kind: 'staff', userId: manager.user.id })
    const req = await sent(order.id, null)
    // The emulator walks the order and POSTs each status to /hooks/cdek/:secret over HTTP.
    expect(await app.c.cdekSandbox!.advance(req.cdek_uuid, 'DELIVERED')).to.equal(true)
    expect(await requestOf(app, order.id)).to.include({ status: 'delivered', cdek_status: 'DELIVERED' })
    // The order learns it from the outbox row written with the status (a failure would be retried, never lost).
    const row = await app.c.db('outbox').where({ topic: 'delivery.order' }).andWhere('idempotency_key', 'like', `delivery.order:${req.id}:%`).first()
    expect(JSON.parse(row.payload)).to.deep.include({ orderId: order.id, shipmentId: null, state: 'delivered', code: 'DELIVERED' })
    expect((await app.c.db('orders').where({ id: order.id }).first()).status).to.equal('shipped')
    await app.c.dispatcher.drainOnce()
    expect(await app.c.db('outbox').where({ id: row.id }).first()).to.include({ status: 'sent' })
    expect((await app.c.db('orders').where({ id: order.id }).first()).status).to.equal('delivered')
    const last = (await eventsOf(app, order.id)).at(-1)
    expect(last).to.include({ kind: 'status', from_status: 'shipped', to_status: 'delivered', actor_kind: 'system' })
    expect(last.note).to.contain('СДЭК').and.contain('Вручён')
    // The status change goes out like any other (orders' own outbox topic), once.
    const changes = await app.c.db('outbox').where('payload', 'like', `%"to":"delivered"%`).andWhere('payload', 'like', `%${order.number}%`)
    expect(changes.length).to.be.greaterThan(0)
    const page = await b.browser.get(`/orders/${order.number}`)
    expect(page.text).to.contain('доставлен').and.contain('Вручён')
    // A repeated webhook changes nothing more.
    const again = await request(app.url).post(`/hooks/cdek/${SECRET}`).send(hook(req.cdek_uuid, 'DELIVERED', app.c.cdekSandbox!.orders().find((o) => o.uuid === req.cdek_uuid)!.statuses.at(-1)!.date_time))
    expect(again.body).to.deep.equal({ ok: true, applied: false })
    await app.c.dispatcher.drainOnce()
    expect((await eventsOf(app, order.id)).filter((e) => e.to_status === 'delivered')).to.have.length(1)
  })

  it('an impossible move (the order is still «новый» in the portal) is recorded in the order history, never forced', async () => {
    const { order } = await orderWithDelivery(app)
    const req = await sent(order.id, null)
    const res = await request(app.url).post(`/hooks/cdek/${SECRET}`).send(hook(req.cdek_uuid, 'POSTOMAT_RECEIVED', '2026-11-27T12:00:00+0300'))
    expect(res.body).to.deep.equal({ ok: true, applied: true })
    await app.c.dispatcher.drainOnce()
    expect(await requestOf(app, order.id)).to.include({ status: 'delivered', cdek_status: 'POSTOMAT_RECEIVED' })
    const o = await app.c.db('orders').where({ id: order.id }).first()
    expect(o.status).to.equal('pending')
    const last = (await eventsOf(app, order.id)).at(-1)
    expect(last).to.include({ kind: 'delivery', from_status: 'pending', to_status: 'pending', actor_kind: 'system' })
    expect(last.note).to.contain('Изъят из постамата клиентом').and.contain('заказ не переведён в «доставлен»')
    const staffPage = await manager.browser.get(`/admin/orders/${order.id}`)
    expect(staffPage.status).to.equal(200)
    expect(staffPage.text).to.contain('Доставка СДЭК').and.contain('заказ не переведён в «доставлен»')
  })

  it('a split order becomes «доставлен» only when its last shipment is delivered; each shipment shows «доставлена»', async () => {
    const { b, order } = await orderWithDelivery(app)
    const [s1, s2] = await splitAndShip(app, b, order)
    const r1 = await sent(order.id, s1.id)
    const r2 = await sent(order.id, s2.id)
    expect((await request(app.url).post(`/hooks/cdek/${SECRET}`).send(hook(r1.cdek_uuid, 'DELIVERED', '2026-11-28T10:00:00+0300'))).body.applied).to.equal(true)
    await app.c.dispatcher.drainOnce()
    expect((await app.c.db('orders').where({ id: order.id }).first()).status).to.equal('shipped')
    expect((await app.c.db('order_shipments').where({ id: s1.id }).first()).delivered_at).to.not.equal(null)
    expect((await app.c.db('order_shipments').where({ id: s2.id }).first()).delivered_at).to.equal(null)
    expect((await eventsOf(app, order.id)).at(-1).note).to.contain('доставлено отгрузок: 1 из 2')
    const mid = await b.browser.get(`/orders/${order.number}`)
    expect(mid.text).to.contain('data-shipment-delivered="1"').and.not.contain('data-shipment-delivered="2"')
    expect((await request(app.url).post(`/hooks/cdek/${SECRET}`).send(hook(r2.cdek_uuid, 'DELIVERED', '2026-11-29T10:00:00+0300'))).body.applied).to.equal(true)
    await app.c.dispatcher.drainOnce()
    expect((await app.c.db('orders').where({ id: order.id }).first()).status).to.equal('delivered')
    expect((await b.browser.get(`/orders/${order.number}`)).text).to.contain('data-shipment-delivered="2"')
  })

  it('NOT_DELIVERED and RETURNED_* are told to the buyer and staff in Russian and flagged on /admin/delivery', async () => {
    const { b, order } = await orderWithDelivery(app)
    const req = await sent(order.id, null)
    await request(app.url).post(`/hooks/cdek/${SECRET}`).send(hook(req.cdek_uuid, 'NOT_DELIVERED', '2026-11-27T12:00:00+0300'))
    await app.c.dispatcher.drainOnce()
    expect(await requestOf(app, order.id)).to.include({ status: 'not_delivered', cdek_status_name: 'Не вручён' })
    let page = await b.browser.get(`/orders/${order.number}`)
    expect(page.text).to.contain('Не вручён').and.contain('СДЭК не смог вручить груз. Менеджер свяжется с вами')
    expect((await eventsOf(app, order.id)).at(-1)).to.include({ kind: 'delivery' })
    expect((await eventsOf(app, order.id)).at(-1).note).to.contain('СДЭК не смог вручить груз')
    expect((await eventsOf(app, order.id)).at(-1).note).to.contain('(27.11.2026, 12:00)')
    // The outbox may run a row twice (a crash before it is marked sent): the history gets the note once.
    const row = await app.c.db('outbox').where({ topic: 'delivery.order' }).andWhere('idempotency_key', 'like', `delivery.order:${req.id}:%`).first()
    const count = (await eventsOf(app, order.id)).length
    await app.c.delivery.applyToOrder(JSON.parse(row.payload), { rowId: row.id, key: row.idempotency_key, attempt: 2, externalId: null, saveExternalId: async () => {} } as never)
    expect(await eventsOf(app, order.id)).to.have.length(count)

    await request(app.url).post(`/hooks/cdek/${SECRET}`).send(hook(req.cdek_uuid, 'RETURNED_TO_SENDER_CITY_WAREHOUSE_XYZ', '2026-11-28T12:00:00+0300'))
    await app.c.dispatcher.drainOnce()
    expect((await eventsOf(app, order.id)).at(-1).note).to.contain('груз возвращается отправителю')
    expect(await requestOf(app, order.id)).to.include({ status: 'not_delivered', cdek_status_name: 'Возвращается отправителю' })
    page = await b.browser.get(`/orders/${order.number}`)
    expect(page.text).to.contain('Возвращается отправителю').and.contain('Груз возвращается отправителю. Менеджер свяжется с вами')
    expect(page.text).to.not.contain('RETURNED_')
    expect((await app.c.db('orders').where({ id: order.id }).first()).status).to.equal('pending')

    const list = await manager.browser.get('/admin/delivery')
    expect(list.text).to.contain('data-delivery-attention').and.contain('Не доставлено или возвращается')
    expect(list.text).to.match(new RegExp(`data-delivery-id="${req.id}" data-delivery-state="not_delivered" class="delivery-problem"`))
    expect(list.text).to.contain('Груз возвращается отправителю: свяжитесь с покупателем')
  })

  it('in the sandbox the subscription needs nothing; the button checks it through the emulator and records it', async () => {
    let page = await manager.browser.get('/admin/delivery')
    expect(page.text).to.contain('Подписка на статусы СДЭК').and.contain('В песочнице подписка не нужна')
    const count = async () => Number((await app.c.db('cdek_webhook_checks').count({ n: '*' }).first())!.n)
    const before = await count()
    expect(await cdekWebhookJob(app.c)()).to.equal(true)
    expect(await count()).to.equal(before)
    const res = await manager.browser.post('/admin/delivery/webhook-check')
    expect(res.status).to.equal(303)
    const check = await app.c.db('cdek_webhook_checks').orderBy('id', 'desc').first()
    expect(check).to.include({ outcome: 'created', actor: `staff:${manager.user.id}`, url: `${app.config.publicUrl}/hooks/cdek/…` })
    page = await manager.browser.get('/admin/delivery')
    expect(page.text).to.contain('data-webhook-state="created"').and.contain('Подписка на статусы СДЭК оформлена')
    expect(page.text).to.not.contain(SECRET)
    // The second check finds it.
    await manager.browser.post('/admin/delivery/webhook-check')
    expect((await app.c.db('cdek_webhook_checks').orderBy('id', 'desc').first()).outcome).to.equal('present')
  })
})

describe('CDEK webhook subscription against the real CDEK URL (nock)', () => {
  const BASE = 'https://api.edu.cdek.ru'
  const REAL_SECRET = 'real-cdek-secret-more-0123456789'
  let app: TestApp
  let manager: Awaited<ReturnType<typeof staff>>
  let wanted: string
  before(async () => {
    app = await startApp({ env: { CDEK_CLIENT_ID: 'client-id', CDEK_CLIENT_SECRET: 'client-secret', CDEK_BASE_URL: `${BASE}/v2`, CDEK_WEBHOOK_SECRET: REAL_SECRET } })
    manager = await staff(app)
    wanted = `${app.config.publicUrl}/hooks/cdek/${REAL_SECRET}`
  })
  afterEach(() => nock.cleanAll())
  after(() => app.close())
  const token = () => nock(BASE).post('/v2/oauth/token', /grant_type=client_credentials/).reply(200, { access_token: `jwt-${uniq()}`, token_type: 'bearer', expires_in: 3599 })
  const lastCheck = () => app.c.db('cdek_webhook_checks').orderBy('id', 'desc').first()

  it('the job lists first and subscribes ORDER_STATUS to PUBLIC_URL/hooks/cdek/<secret> when missing', async () => {
    token()
    const list = nock(BASE).get('/v2/webhooks').matchHeader('authorization', /^Bearer jwt-/).reply(200, [{ uuid: 'old-1', url: 'https://old.example/hook', type: 'ORDER_STATUS' }, { uuid: 'pf-1', url: wanted, type: 'PRINT_FORM' }])
    const sub = nock(BASE).post('/v2/webhooks', { url: wanted, type: 'ORDER_STATUS' }).matchHeader('authorization', /^Bearer jwt-/).reply(200, { entity: { uuid: 'wh-new-1' }, requests: [{ type: 'CREATE', state: 'ACCEPTED', errors: [] }] })
    expect(await cdekWebhookJob(app.c)()).to.equal(true)
    expect(list.isDone() && sub.isDone()).to.equal(true)
    expect(await lastCheck()).to.include({ outcome: 'created', cdek_uuid: 'wh-new-1', actor: 'job', error: null })
    const page = await manager.browser.get('/admin/delivery')
    expect(page.text).to.contain('data-webhook-state="created"').and.contain('задание по расписанию')
    // The test app's PUBLIC_URL is a loopback address: with real credentials the page warns that CDEK cannot reach it.
    expect(page.text).to.contain('data-webhook-warning').and.contain('СДЭК не достучится до локального адреса')
    expect(page.text).to.not.contain('песочница')
  })

  it('does not subscribe again when ours is there (idempotent), and the button says so', async () => {
    const list = nock(BASE).get('/v2/webhooks').reply(200, [{ uuid: 'wh-new-1', url: wanted, type: 'ORDER_STATUS' }])
    const res = await manager.browser.post('/admin/delivery/webhook-check')
    expect(res.status).to.equal(303)
    expect(list.isDone()).to.equal(true)
    expect(nock.pendingMocks()).to.deep.equal([])
    expect(await lastCheck()).to.include({ outcome: 'present', cdek_uuid: 'wh-new-1', actor: `staff:${manager.user.id}` })
    const page = await manager.browser.get('/admin/delivery')
    expect(page.text).to.contain('Подписка на статусы СДЭК есть').and.contain('уже была оформлена')
  })

  it('records a failure in Russian, shows «ошибка», and a held lease keeps a second run out', async () => {
    nock(BASE).get('/v2/webhooks').times(4).reply(503, 'unavailable')
    const res = await manager.browser.post('/admin/delivery/webhook-check')
    expect(res.status).to.equal(303)
    const check = await lastCheck()
    expect(check.outcome).to.equal('error')
    expect(check.error).to.equal('СДЭК не ответил: HTTP 503 unavailable')
    const page = await manager.browser.get('/admin/delivery')
    expect(page.text).to.contain('data-webhook-state="error"').and.contain('ошибка').and.contain('СДЭК не ответил: HTTP 503 unavailable')
    nock.cleanAll()
    // Another instance holds the lease: this run does nothing.
    await app.c.db('job_leases').insert({ job: 'cdek-webhook', lease_until: 0 }).onConflict('job').ignore()
    await app.c.db('job_leases').where({ job: 'cdek-webhook' }).update({ holder: 'other', lease_until: app.clock.now().getTime() + 60_000 })
    const before = (await app.c.db('cdek_webhook_checks').count({ n: '*' }).first())!.n
    expect(await cdekWebhookJob(app.c)()).to.equal(false)
    expect((await app.c.db('cdek_webhook_checks').count({ n: '*' }).first())!.n).to.equal(before)
    await app.c.db('job_leases').where({ job: 'cdek-webhook' }).update({ lease_until: 0 })
  })
})
