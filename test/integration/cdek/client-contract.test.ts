import { expect } from 'chai'
import nock from 'nock'
import { createCdekClient } from '../../../server/integrations/cdek/client.js'
import { DeliveryError } from '../../../server/integrations/outbox/dispatcher.js'
import { createLogger } from '../../../server/logger.js'
import { manualClock } from '../../../server/shared/clock.js'
import type { CdekOrderRequest } from '../../../server/integrations/cdek/types.js'

/* Contract tests of the CDEK client against reference/cdek.md, with nock standing in for api.edu.cdek.ru. */
describe('CDEK client (nock contract, reference/cdek.md)', () => {
  const BASE = 'https://api.edu.cdek.ru'
  const ID = 'wqGwiQx0gg8mLtiEKsUinjVSICCjtTEP'
  const SECRET = 'RmAmgvSgSl1yirlz9QupbzOJVqhCxcP5'
  const clock = manualClock(new Date('2026-11-27T10:00:00Z'))
  const client = () => createCdekClient({ baseUrl: `${BASE}/v2`, clientId: ID, clientSecret: SECRET, timeoutMs: 2000, clock, logger: createLogger('silent') })
  const body: CdekOrderRequest = {
    type: 2,
    number: 'WS-1001-0-1',
    tariff_code: 136,
    from_location: { code: 44, address: 'г. Москва, ул. Складская, д. 1' },
    to_location: { address: 'г. Санкт-Петербург, Невский пр., д. 1' },
    sender: { company: 'ООО Опт', name: 'Иванов', phones: [{ number: '+79990000000' }] },
    recipient: { company: 'ООО Клиент', name: 'Петров', phones: [{ number: '+79991112233' }] },
    packages: [{ number: '1', weight: 5000, length: 40, width: 30, height: 20 }],
  }
  const tokenReply = (token: string) => ({ access_token: token, token_type: 'bearer', expires_in: 3599, scope: 'order:all payment:all', jti: '9adc' })
  const tokenScope = (token = 'jwt-1') =>
    nock(BASE)
      .post('/v2/oauth/token', (b) => b.grant_type === 'client_credentials' && b.client_id === ID && b.client_secret === SECRET)
      .matchHeader('content-type', /application\/x-www-form-urlencoded/)
      .reply(200, tokenReply(token))

  it('gets a token by client credentials (form body) and sends it as Bearer; creates an order that is ACCEPTED', async () => {
    tokenScope()
    const create = nock(BASE)
      .post('/v2/orders', (b) => b.number === 'WS-1001-0-1' && b.tariff_code === 136 && b.packages[0].weight === 5000)
      .matchHeader('authorization', 'Bearer jwt-1')
      .reply(202, { entity: { uuid: '72753031-1111' }, requests: [{ request_uuid: 'r1', type: 'CREATE', state: 'ACCEPTED', date_time: '2026-11-27T10:00:00+0000', errors: [], warnings: [] }] })
    const out = await client().createOrder(body)
    expect(out).to.deep.include({ uuid: '72753031-1111' })
    expect(out.request!.state).to.equal('ACCEPTED')
    expect(create.isDone()).to.equal(true)
  })

  it('caches the token until shortly before it expires, then takes a new one', async () => {
    const c = client()
    tokenScope('jwt-a')
    nock(BASE).get('/v2/orders/u1').matchHeader('authorization', 'Bearer jwt-a').twice().reply(200, { entity: { uuid: 'u1' }, requests: [] })
    await c.getOrder('u1')
    await c.getOrder('u1')
    clock.advance(3599_000)
    tokenScope('jwt-b')
    nock(BASE).get('/v2/orders/u1').matchHeader('authorization', 'Bearer jwt-b').reply(200, { entity: { uuid: 'u1' }, requests: [] })
    await c.getOrder('u1')
    expect(nock.isDone()).to.equal(true)
  })

  it('polls GET /v2/orders/{uuid}: first an empty cdek_number, then SUCCESSFUL with the track number', async () => {
    const c = client()
    tokenScope()
    nock(BASE)
      .get('/v2/orders/u2').reply(200, { entity: { uuid: 'u2', number: 'WS-1001-0-1', statuses: [{ code: 'ACCEPTED', name: 'Принят', date_time: '2026-11-27T10:00:01+0000' }] }, requests: [{ type: 'CREATE', state: 'WAITING' }] })
      .get('/v2/orders/u2').reply(200, { entity: { uuid: 'u2', cdek_number: '1234567890', statuses: [{ code: 'CREATED', name: 'Создан', date_time: '2026-11-27T10:00:05+0000' }] }, requests: [{ type: 'CREATE', state: 'SUCCESSFUL' }] })
    expect((await c.getOrder('u2')).entity!.cdek_number).to.equal(undefined)
    const second = await c.getOrder('u2')
    expect(second.entity!.cdek_number).to.equal('1234567890')
    expect(second.requests![0]!.state).to.equal('SUCCESSFUL')
  })

  it('reads an INVALID request with its errors from GET', async () => {
    tokenScope()
    nock(BASE).get('/v2/orders/u3').reply(200, { entity: { uuid: 'u3' }, requests: [{ type: 'CREATE', state: 'INVALID', errors: [{ code: 'v2_recipient_phone_empty', message: 'recipient.phones is empty' }] }] })
    const res = await client().getOrder('u3')
    expect(res.requests![0]).to.deep.include({ state: 'INVALID' })
  })

  it('on 401 takes a new token once and repeats the call; a second 401 is an error', async () => {
    const c = client()
    tokenScope('old')
    nock(BASE).get('/v2/orders/u4').matchHeader('authorization', 'Bearer old').reply(401, { requests: [{ state: 'INVALID', errors: [{ code: 'v2_token_expired' }] }] })
    tokenScope('new')
    nock(BASE).get('/v2/orders/u4').matchHeader('authorization', 'Bearer new').reply(200, { entity: { uuid: 'u4' }, requests: [] })
    expect((await c.getOrder('u4')).entity!.uuid).to.equal('u4')
    expect(nock.isDone()).to.equal(true)

    tokenScope('x1')
    nock(BASE).get('/v2/orders/u5').reply(401, {})
    tokenScope('x2')
    nock(BASE).get('/v2/orders/u5').reply(401, {})
    const c2 = client()
    const err = await c2.getOrder('u5').catch((e) => e)
    expect(err).to.be.instanceOf(DeliveryError)
    expect(err.permanent).to.equal(true)
    expect(nock.isDone()).to.equal(true)
  })

  it('turns a 400 with validation errors into a permanent error in Russian for the manager', async () => {
    tokenScope()
    nock(BASE)
      .post('/v2/orders')
      .reply(400, { requests: [{ type: 'CREATE', state: 'INVALID', errors: [{ code: 'v2_recipient_phone_empty', message: 'Recipient phone is empty' }, { code: 'v2_something_new', message: 'Поле packages[0].weight некорректно' }] }] })
    const err = await client().createOrder(body).catch((e) => e)
    expect(err).to.be.instanceOf(DeliveryError)
    expect(err.permanent).to.equal(true)
    expect(err.message).to.equal('СДЭК отклонил заявку: не указан телефон получателя (Recipient phone is empty); Поле packages[0].weight некорректно')
  })

  it('treats 5xx and 429 as retryable, with the Retry-After hint', async () => {
    tokenScope()
    nock(BASE).post('/v2/orders').reply(502, 'Bad Gateway').post('/v2/orders').reply(429, {}, { 'Retry-After': '30' })
    const c = client()
    const e5 = await c.createOrder(body).catch((e) => e)
    expect(e5).to.include({ permanent: false, rateLimited: false })
    const e429 = await c.createOrder(body).catch((e) => e)
    expect(e429).to.include({ permanent: false, rateLimited: true, retryAfterMs: 30_000 })
  })

  it('a wrong account gets a permanent error that names the configuration keys', async () => {
    nock(BASE).post('/v2/oauth/token').reply(401, { error: 'invalid_client' })
    const err = await client().getOrder('u6').catch((e) => e)
    expect(err).to.include({ permanent: true })
    expect(err.message).to.contain('CDEK_CLIENT_ID')
  })

  it('finds an order by our own number (im_number) before creating; not found is null', async () => {
    const c = client()
    tokenScope()
    nock(BASE)
      .get('/v2/orders').query({ im_number: 'WS-1001-0-1' }).reply(200, { entity: { uuid: 'found-1', number: 'WS-1001-0-1' }, requests: [] })
      .get('/v2/orders').query({ im_number: 'WS-404' }).reply(404, { requests: [{ state: 'INVALID', errors: [{ code: 'v2_entity_not_found', message: 'Entity not found' }] }] })
    expect((await c.findByNumber('WS-1001-0-1'))!.uuid).to.equal('found-1')
    expect(await c.findByNumber('WS-404')).to.equal(null)
  })

  it('subscribes the ORDER_STATUS webhook', async () => {
    tokenScope()
    nock(BASE).post('/v2/webhooks', { url: 'https://portal.example/hooks/cdek/s3cr3t-s3cr3t-s3cr3t', type: 'ORDER_STATUS' }).reply(200, { entity: { uuid: 'wh-1' }, requests: [{ state: 'SUCCESSFUL' }] })
    expect(await client().subscribeWebhook('https://portal.example/hooks/cdek/s3cr3t-s3cr3t-s3cr3t')).to.equal('wh-1')
  })

  it('lists the webhook subscriptions (GET /v2/webhooks), whichever shape the undocumented answer takes', async () => {
    const c = client()
    tokenScope()
    const hook = { uuid: 'wh-1', url: 'https://portal.example/hooks/cdek/x', type: 'ORDER_STATUS' }
    nock(BASE).get('/v2/webhooks').matchHeader('authorization', 'Bearer jwt-1').reply(200, [hook, { uuid: 'bad' }])
    expect(await c.listWebhooks()).to.deep.equal([hook])
    nock(BASE).get('/v2/webhooks').reply(200, { entity: [hook] })
    expect(await c.listWebhooks()).to.deep.equal([hook])
    nock(BASE).get('/v2/webhooks').reply(200, { entity: hook })
    expect(await c.listWebhooks()).to.deep.equal([hook])
    nock(BASE).get('/v2/webhooks').reply(200, [])
    expect(await c.listWebhooks()).to.deep.equal([])
  })
})
