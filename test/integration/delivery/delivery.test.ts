import { expect } from 'chai'
import nock from 'nock'
import request from 'supertest'
import { startApp, type TestApp } from '../../support/app.js'
import { staff, uniq } from '../../support/factories.js'
import { orderWithDelivery } from './helpers.js'

const requestOf = (app: TestApp, orderId: number) => app.c.db('delivery_requests').where({ order_id: orderId }).orderBy('id', 'desc').first()

describe('delivery requests to CDEK through the sandbox (real HTTP)', () => {
  let app: TestApp
  let manager: Awaited<ReturnType<typeof staff>>
  before(async () => {
    app = await startApp({ env: { CDEK_SANDBOX_DELAY_SECONDS: '3600', CDEK_WEBHOOK_SECRET: 'test-cdek-secret-0123456789' } })
    manager = await staff(app)
  })
  after(() => app.close())

  it('staff create a request with computed packages, the outbox sends it, the webhook brings the track, the buyer sees it', async () => {
    const { b, order } = await orderWithDelivery(app)
    const form = await manager.browser.get(`/admin/delivery/new?order=${order.number}`)
    expect(form.status).to.equal(200)
    // Two boxes of 12 (700 g each, 30×20×15) and one standard box with the 5 kg of loose coffee.
    expect(form.text).to.contain('name="weight_0" value="700"').and.contain('name="length_0" value="30"')
    expect(form.text).to.contain('name="weight_1" value="700"')
    expect(form.text).to.contain('name="weight_2" value="5000"').and.contain('name="length_2" value="40"')
    expect(form.text).to.contain('+7 (999) 111-22-33').and.contain('Невский')

    const res = await manager.browser.post('/admin/delivery', {
      order_id: String(order.id), shipment_id: '',
      weight_0: '700', length_0: '30', width_0: '20', height_0: '15',
      weight_1: '6200', length_1: '40', width_1: '30', height_1: '30',
      weight_2: '', length_2: '', width_2: '', height_2: '',
    })
    expect(res.status, res.text.slice(0, 500)).to.equal(303)
    expect(res.headers.location).to.equal('/admin/delivery')
    let req = await requestOf(app, order.id)
    expect(req).to.include({ status: 'queued', number: `${order.number}-0-${req.id}`, created_via: 'admin' })
    expect(JSON.parse(req.packages)).to.deep.equal([
      { weightG: 700, lengthCm: 30, widthCm: 20, heightCm: 15 },
      { weightG: 6200, lengthCm: 40, widthCm: 30, heightCm: 30 },
    ])
    const row = await app.c.db('outbox').where({ idempotency_key: `cdek.order.create:${req.id}` }).first()
    expect(row).to.include({ topic: 'cdek.order.create', status: 'pending' })
    expect(JSON.parse(row.payload).body).to.deep.include({ type: 2, tariff_code: 136, number: req.number })

    await app.c.dispatcher.drainOnce()
    req = await requestOf(app, order.id)
    expect(req.status).to.equal('accepted')
    expect(req.cdek_uuid).to.be.a('string')
    expect(await app.c.db('outbox').where({ id: row.id }).first()).to.include({ status: 'sent', external_id: req.cdek_uuid })
    const sent = app.c.cdekSandbox!.orders().find((x) => x.uuid === req.cdek_uuid)!
    expect(sent.body.recipient).to.deep.include({ company: b.company.name, name: 'Петров Пётр', phones: [{ number: '+79991112233' }] })
    expect(sent.body.to_location).to.deep.equal({ address: 'г. Санкт-Петербург, Невский пр., д. 1' })
    expect(sent.body.packages.map((p) => p.weight)).to.deep.equal([700, 6200])

    // The emulator assigns the track number and POSTs the ORDER_STATUS webhook to /hooks/cdek/:secret.
    await app.c.cdekSandbox!.flush()
    req = await requestOf(app, order.id)
    expect(req.status).to.equal('created')
    expect(req.cdek_number).to.match(/^\d{10}$/)
    expect(req.cdek_status).to.equal('CREATED')
    const statusRows = await app.c.db('outbox').where({ topic: 'delivery.status' }).andWhere('idempotency_key', 'like', `delivery.status:${req.id}:%`)
    expect(statusRows).to.have.length(1)
    expect(JSON.parse(statusRows[0].payload)).to.deep.include({ order_id: order.id, shipment_id: null, track_number: req.cdek_number, status_code: 'CREATED', status_name: 'Создан' })

    const page = await b.browser.get(`/orders/${order.number}`)
    expect(page.status).to.equal(200)
    expect(page.text).to.contain('Доставка СДЭК').and.contain(req.cdek_number)
    expect(page.text.replace(/&#x3D;/g, '=')).to.contain(`href="https://www.cdek.ru/ru/tracking?order_id=${req.cdek_number}"`)
    expect(page.text).to.contain('Создан')

    const list = await manager.browser.get('/admin/delivery')
    expect(list.text).to.contain(`data-delivery-id="${req.id}"`).and.contain(req.cdek_number)

    // The sandbox's «следующий статус» walks the order on; each step arrives by webhook.
    for (let i = 0; i < 5; i++) expect((await manager.browser.post(`/admin/delivery/${req.id}/sandbox-advance`)).status).to.equal(303)
    req = await requestOf(app, order.id)
    expect(req).to.include({ status: 'delivered', cdek_status: 'DELIVERED' })
    expect(await app.c.db('delivery_statuses').where({ request_id: req.id }).count({ n: '*' }).first()).to.satisfy((r: { n: unknown }) => Number(r.n) === 6)
    expect((await b.browser.get(`/orders/${order.number}`)).text).to.contain('Вручён')
  })

  it('keeps typed values and says in Russian what is wrong with a package', async () => {
    const { order } = await orderWithDelivery(app)
    const res = await manager.browser.post('/admin/delivery', {
      order_id: String(order.id), shipment_id: '',
      weight_0: 'пять', length_0: '30', width_0: '20', height_0: '0',
      city_code: 'Москва',
    })
    expect(res.status).to.equal(422)
    expect(res.text).to.contain('Вес места — целое число граммов от 1 до 1 000 000')
    expect(res.text).to.contain('Размер — целое число сантиметров от 1 до 1500')
    expect(res.text).to.contain('Код города СДЭК — число')
    expect(res.text).to.contain('name="weight_0" value="пять"').and.contain('value="Москва"')
    expect(await requestOf(app, order.id)).to.equal(undefined)
  })

  it('says when the recipient has no phone, and refuses a second live request for the same shipment', async () => {
    const noPhone = await orderWithDelivery(app, { phone: '' })
    await app.c.db('companies').where({ id: noPhone.b.company.id }).update({ docs_phone: '' })
    const out = await app.c.delivery.createRequest({ orderId: noPhone.order.id, shipmentId: null, actor: { kind: 'b24', userId: null } })
    expect(out.ok).to.equal(false)
    expect(!out.ok && out.errors.recipient).to.contain('телефон получателя')

    const { order } = await orderWithDelivery(app)
    const first = await app.c.delivery.createRequest({ orderId: order.id, shipmentId: null, packages: [{ weightG: 1000, lengthCm: 10, widthCm: 10, heightCm: 10 }], actor: { kind: 'b24', userId: null } })
    expect(first.ok).to.equal(true)
    expect(first.ok && first.request).to.deep.include({ status: 'queued', shipmentId: null, trackNumber: null })
    const again = await app.c.delivery.createRequest({ orderId: order.id, shipmentId: null, actor: { kind: 'b24', userId: null } })
    expect(again).to.deep.equal({ ok: false, errors: { shipment: 'Для этой отгрузки уже есть заявка в СДЭК' } })
    expect((await app.c.delivery.requestsForOrder(order.id)).map((r) => r.status)).to.deep.equal(['queued'])
  })

  it('needs a shipment of a split order, and a shipment of that order', async () => {
    const { b, order } = await orderWithDelivery(app)
    const member = (await app.c.companies.forMember(b.user.id, b.company.id))!
    const lines = await app.c.db('order_lines').where({ order_id: order.id }).orderBy('id')
    const errors = await app.c.orders.split(member, b.user.id, order.number, [
      { plannedOn: '2026-12-01', qty: new Map([[lines[0].id, 12_000], [lines[1].id, 2_000]]) },
      { plannedOn: '2026-12-10', qty: new Map([[lines[0].id, 12_000], [lines[1].id, 3_000]]) },
    ])
    expect(errors, JSON.stringify(errors)).to.deep.equal([])
    const shipments = await app.c.db('order_shipments').where({ order_id: order.id }).orderBy('no')
    expect(shipments).to.have.length(2)
    const form = await manager.browser.get(`/admin/delivery/new?order=${order.number}`)
    expect(form.text).to.contain(`name="shipment_id" value="${shipments[0].id}"`)
    const whole = await app.c.delivery.createRequest({ orderId: order.id, shipmentId: null, actor: { kind: 'staff', userId: manager.user.id } })
    expect(!whole.ok && whole.errors.shipment).to.equal('Заказ разделён на отгрузки: выберите отгрузку')
    const ok = await app.c.delivery.createRequest({ orderId: order.id, shipmentId: shipments[1].id, actor: { kind: 'staff', userId: manager.user.id } })
    expect(ok.ok).to.equal(true)
    expect(ok.ok && ok.request.shipmentNo).to.equal(2)
  })

  it('de-duplicates webhooks (status_code or code), ignores unknown orders, refuses a wrong secret', async () => {
    const { order } = await orderWithDelivery(app)
    const out = await app.c.delivery.createRequest({ orderId: order.id, shipmentId: null, actor: { kind: 'staff', userId: manager.user.id } })
    expect(out.ok).to.equal(true)
    await app.c.dispatcher.drainOnce()
    const req = await requestOf(app, order.id)
    const hook = (attrs: Record<string, unknown>) => ({ type: 'ORDER_STATUS', date_time: '2026-11-27T12:00:00+0300', uuid: req.cdek_uuid, attributes: { is_return: false, cdek_number: '5550001112', number: req.number, status_reason_code: '', status_date_time: '2026-11-27T12:00:00+0300', city_name: 'Москва', city_code: '44', ...attrs } })
    const url = '/hooks/cdek/test-cdek-secret-0123456789'
    const first = await request(app.url).post(url).send(hook({ status_code: 'RECEIVED_AT_SHIPMENT_WAREHOUSE' }))
    expect(first.status).to.equal(200)
    expect(first.body).to.deep.equal({ ok: true, applied: true })
    const dup = await request(app.url).post(url).send(hook({ status_code: 'RECEIVED_AT_SHIPMENT_WAREHOUSE' }))
    expect(dup.body).to.deep.equal({ ok: true, applied: false })
    const sameByCode = await request(app.url).post(url).send(hook({ code: 'RECEIVED_AT_SHIPMENT_WAREHOUSE' }))
    expect(sameByCode.body.applied).to.equal(false)
    const next = await request(app.url).post(url).send(hook({ code: 'ACCEPTED_AT_PICK_UP_POINT', status_date_time: '2026-11-28T09:00:00+0300' }))
    expect(next.body.applied).to.equal(true)
    const after = await requestOf(app, order.id)
    expect(after).to.include({ status: 'ready', cdek_status: 'ACCEPTED_AT_PICK_UP_POINT', cdek_number: '5550001112', cdek_status_name: 'Принят на склад до востребования' })
    expect(await app.c.db('delivery_statuses').where({ request_id: req.id }).orderBy('id').select('code', 'source')).to.deep.equal([
      { code: 'RECEIVED_AT_SHIPMENT_WAREHOUSE', source: 'webhook' },
      { code: 'ACCEPTED_AT_PICK_UP_POINT', source: 'webhook' },
    ])
    expect(await app.c.db('outbox').where({ topic: 'delivery.status' }).andWhere('idempotency_key', 'like', `delivery.status:${req.id}:%`).count({ n: '*' }).first()).to.satisfy((r: { n: unknown }) => Number(r.n) === 2)
    // An older status arriving late is kept in the history but does not move the request back.
    await request(app.url).post(url).send(hook({ status_code: 'TAKEN_BY_TRANSPORTER_FROM_SENDER_CITY', status_date_time: '2026-11-27T15:00:00+0300' }))
    expect((await requestOf(app, order.id)).cdek_status).to.equal('ACCEPTED_AT_PICK_UP_POINT')

    const unknown = await request(app.url).post(url).send({ ...hook({ status_code: 'DELIVERED' }), uuid: 'no-such-uuid' })
    expect(unknown.body).to.deep.equal({ ok: true, applied: false })

    const before = await app.c.db('delivery_statuses').count({ n: '*' }).first()
    const bad = await request(app.url).post('/hooks/cdek/wrong-secret-wrong-secret').send(hook({ status_code: 'DELIVERED', status_date_time: '2026-11-29T09:00:00+0300' }))
    expect(bad.status).to.equal(404)
    expect(await app.c.db('delivery_statuses').count({ n: '*' }).first()).to.deep.equal(before)
    expect((await requestOf(app, order.id)).status).to.equal('ready')
  })

  it('is staff-only: a buyer gets 404 on /admin/delivery', async () => {
    const { b } = await orderWithDelivery(app)
    expect((await b.browser.get('/admin/delivery')).status).to.equal(404)
  })
})

describe('the CDEK sandbox on its own timer', () => {
  let app: TestApp
  before(async () => {
    app = await startApp({ env: { CDEK_SANDBOX_DELAY_SECONDS: '0.005' } })
  })
  after(() => app.close())

  it('assigns the track number after its delay and posts the webhook to the default secret path by itself', async () => {
    const { order } = await orderWithDelivery(app)
    const out = await app.c.delivery.createRequest({ orderId: order.id, shipmentId: null, actor: { kind: 'b24', userId: null } })
    expect(out.ok).to.equal(true)
    await app.c.dispatcher.drainOnce()
    // The emulator's timer and its HTTP call run on their own: look every few ms, for at most two seconds.
    let req = await requestOf(app, order.id)
    for (let i = 0; i < 400 && !req.cdek_number; i++) {
      await new Promise((r) => setTimeout(r, 5))
      req = await requestOf(app, order.id)
    }
    expect(req).to.include({ status: 'created', cdek_status: 'CREATED', created_via: 'b24' })
    expect(req.cdek_number).to.match(/^\d{10}$/)
  })
})

describe('delivery requests against the real CDEK URL (nock): refusals, retries, lost answers, polling', () => {
  const BASE = 'https://api.edu.cdek.ru'
  let app: TestApp
  let manager: Awaited<ReturnType<typeof staff>>
  before(async () => {
    app = await startApp({ env: { CDEK_CLIENT_ID: 'client-id', CDEK_CLIENT_SECRET: 'client-secret', CDEK_BASE_URL: `${BASE}/v2`, CDEK_WEBHOOK_SECRET: 'real-cdek-secret-0123456789' } })
    manager = await staff(app)
  })
  after(() => app.close())
  const token = () => nock(BASE).post('/v2/oauth/token').reply(200, { access_token: `jwt-${uniq()}`, token_type: 'bearer', expires_in: 3599 })
  const rowOf = (id: number) => app.c.db('outbox').where({ idempotency_key: `cdek.order.create:${id}` }).first()

  it('runs no sandbox and shows CDEK’s 400 validation errors in Russian to the manager; the row goes dead', async () => {
    expect(app.c.cdekSandbox).to.equal(null)
    const { order } = await orderWithDelivery(app)
    const out = await app.c.delivery.createRequest({ orderId: order.id, shipmentId: null, actor: { kind: 'staff', userId: manager.user.id } })
    expect(out.ok).to.equal(true)
    token()
    nock(BASE).post('/v2/orders').reply(400, { requests: [{ type: 'CREATE', state: 'INVALID', errors: [{ code: 'v2_tariff_not_available', message: 'Tariff 136 is not available' }] }] })
    await app.c.dispatcher.drainOnce()
    const req = await requestOf(app, order.id)
    expect(req).to.include({ status: 'failed', active_key: null })
    expect(req.error).to.equal('СДЭК отклонил заявку: тариф недоступен для этого направления (Tariff 136 is not available)')
    expect(await rowOf(req.id)).to.include({ status: 'dead' })
    const page = await manager.browser.get('/admin/delivery?status=failed')
    expect(page.text).to.contain('тариф недоступен для этого направления')
    // The shipment is free again: a corrected request can be made.
    expect((await app.c.delivery.createRequest({ orderId: order.id, shipmentId: null, actor: { kind: 'staff', userId: manager.user.id } })).ok).to.equal(true)
  })

  it('retries a 5xx; after a lost answer the retry finds the order by our number instead of creating it twice', async () => {
    const { order } = await orderWithDelivery(app)
    const out = await app.c.delivery.createRequest({ orderId: order.id, shipmentId: null, actor: { kind: 'staff', userId: manager.user.id } })
    if (!out.ok) throw new Error('not created')
    token()
    nock(BASE).post('/v2/orders').reply(503, 'Service Unavailable')
    await app.c.dispatcher.drainOnce()
    let row = await rowOf(out.request.id)
    expect(row).to.include({ status: 'pending', attempts: 1 })
    expect((await requestOf(app, order.id)).status).to.equal('queued')
    // CDEK created the order but the answer was lost (a timeout): the retry searches by im_number first.
    await app.c.db('outbox').where({ id: row.id }).update({ next_attempt_at: 0 })
    let posts = 0
    nock(BASE).post('/v2/orders').reply(() => (posts++, [202, {}]))
    nock(BASE).get('/v2/orders').query({ im_number: out.request.number }).reply(200, { entity: { uuid: 'cdek-uuid-lost-answer', number: out.request.number }, requests: [{ state: 'ACCEPTED' }] })
    await app.c.dispatcher.drainOnce()
    row = await rowOf(out.request.id)
    expect(row).to.include({ status: 'sent', external_id: 'cdek-uuid-lost-answer', attempts: 2 })
    expect(posts).to.equal(0)
    expect(await requestOf(app, order.id)).to.include({ status: 'accepted', cdek_uuid: 'cdek-uuid-lost-answer' })
    nock.cleanAll()
  })

  it('the poll job reads the track number and statuses of accepted requests, once per interval', async () => {
    const { order } = await orderWithDelivery(app)
    const out = await app.c.delivery.createRequest({ orderId: order.id, shipmentId: null, actor: { kind: 'staff', userId: manager.user.id } })
    if (!out.ok) throw new Error('not created')
    token()
    nock(BASE).post('/v2/orders').reply(202, { entity: { uuid: 'poll-uuid-1' }, requests: [{ state: 'ACCEPTED', errors: [] }] })
    await app.c.dispatcher.drainOnce()
    // Other tests' open requests are asked too; answer them all "nothing new".
    nock(BASE).get(/\/v2\/orders\/(?!poll-uuid-1).+/).times(50).reply(200, { entity: {}, requests: [{ state: 'ACCEPTED' }] })
    nock(BASE)
      .get('/v2/orders/poll-uuid-1')
      .reply(200, {
        entity: { uuid: 'poll-uuid-1', cdek_number: '1098765432', statuses: [
          { code: 'RECEIVED_AT_SHIPMENT_WAREHOUSE', name: 'Принят на склад отправителя', date_time: '2026-11-27T11:00:00+0000', city: 'Москва' },
          { code: 'CREATED', name: 'Создан', date_time: '2026-11-27T10:00:00+0000', city: 'Москва' },
        ] },
        requests: [{ type: 'CREATE', state: 'SUCCESSFUL' }],
      })
    const r = await app.c.delivery.poll()
    expect(r.polled).to.be.at.least(1)
    const req = await requestOf(app, order.id)
    expect(req).to.include({ cdek_number: '1098765432', status: 'in_transit', cdek_status: 'RECEIVED_AT_SHIPMENT_WAREHOUSE' })
    expect(await app.c.db('delivery_statuses').where({ request_id: req.id }).orderBy('at').select('code', 'source')).to.deep.equal([
      { code: 'CREATED', source: 'poll' },
      { code: 'RECEIVED_AT_SHIPMENT_WAREHOUSE', source: 'poll' },
    ])
    // Polled just now: the next run leaves it alone until CDEK_POLL_MINUTES pass.
    nock.cleanAll()
    const again = await app.c.delivery.poll()
    expect(again.polled).to.equal(0)
  })
})
