import { expect } from 'chai'
import nock from 'nock'
import request from 'supertest'
import { DOMAIN, PORTAL, installed, link, ok, rest, startB24App, type B24TestApp } from './helpers.js'
import { orderingBuyer, placeOrder, stocked, warehouse } from '../orders/helpers.js'
import { findInstall } from '../../../b24-app/installs.js'
import { saveSettings, getSettings } from '../../../b24-app/settings-store.js'
import { B24_EVENT_TOPIC } from '../../../b24-app/ui.js'
import { uniq } from '../../support/factories.js'

/*
 * The install POST and the event endpoint with real-shaped form bodies (reference/bitrix24.md §2.1, §5): placements and
 * events bound with the new token, reinstall onto the same row, 403 for unknown portals and wrong tokens with nothing
 * changed, fast answers queued in the outbox with dedupe, and the deal → order move through the state machine.
 */

describe('b24 app: install and events', () => {
  let app: B24TestApp
  before(async () => {
    app = await startB24App()
  })
  after(() => app.close())

  const countOutbox = async () => Number((await app.c.db('outbox').where({ topic: B24_EVENT_TOPIC }).count({ n: '*' }))[0]!.n)

  function installBody(memberId: string, auth: string, appToken = `app-${memberId}`) {
    return { AUTH_ID: auth, AUTH_EXPIRES: '3600', REFRESH_ID: `ref-${auth}`, SERVER_ENDPOINT: 'https://oauth.bitrix.info/rest/', APPLICATION_TOKEN: appToken, APPLICATION_SCOPE: 'crm,placement', member_id: memberId, status: 'L', PLACEMENT: 'DEFAULT' }
  }

  function expectBinds(auth: string) {
    const bound: string[] = []
    const scope = nock(PORTAL)
      .post(rest('app.info'), (b) => b.auth === auth)
      .reply(200, ok({ ID: 12, CODE: 'local.test', STATUS: 'L', INSTALLED: false }))
      .post(rest('placement.bind'), (b) => b.auth === auth && b.HANDLER === `${app.url}/b24/placement` && bound.push(b.PLACEMENT) > 0)
      .times(2)
      .reply(200, ok(true))
      .post(rest('event.bind'), (b) => b.auth === auth && b.handler === `${app.url}/b24/events` && bound.push(b.event) > 0)
      .times(2)
      .reply(200, ok(true))
    return { scope, bound }
  }

  it('installs: saves the tokens by member_id, binds both tabs and both events, finishes with installFinish in a frameable page', async () => {
    const memberId = `m${uniq()}`
    const { scope, bound } = expectBinds('auth-1')
    const res = await request(app.url).post(`/b24/install?DOMAIN=${DOMAIN}&PROTOCOL=1&LANG=ru&APP_SID=abc`).type('form').send(installBody(memberId, 'auth-1'))
    expect(res.status, res.text).to.equal(200)
    expect(scope.isDone()).to.equal(true)
    expect(bound.sort()).to.deep.equal(['CRM_COMPANY_DETAIL_TAB', 'CRM_DEAL_DETAIL_TAB', 'ONAPPUNINSTALL', 'ONCRMDEALUPDATE'])
    expect(res.text).to.contain('Приложение установлено').and.contain('/assets/js/b24-install.js').and.contain('/b24/assets/b24jssdk.js')
    expect(res.headers['content-security-policy']).to.contain(`frame-ancestors 'self' ${PORTAL}`).and.contain("script-src 'self'")
    expect(res.headers['x-frame-options']).to.equal(undefined)
    const i = await findInstall(app.c.db, memberId)
    expect(i).to.include({ domain: DOMAIN, clientEndpoint: `${PORTAL}/rest/`, accessToken: 'auth-1', refreshToken: 'ref-auth-1', applicationToken: `app-${memberId}`, status: 'active' })

    // Reinstall: the same row with the new tokens, everything bound again.
    const again = expectBinds('auth-2')
    const re = await request(app.url).post(`/b24/install?DOMAIN=${DOMAIN}&PROTOCOL=1`).type('form').send(installBody(memberId, 'auth-2'))
    expect(re.status).to.equal(200)
    expect(re.text).to.contain('Приложение переустановлено')
    expect(again.scope.isDone()).to.equal(true)
    expect(Number((await app.c.db('b24_installs').where({ member_id: memberId }).count({ n: '*' }))[0]!.n)).to.equal(1)
    expect((await findInstall(app.c.db, memberId))!.accessToken).to.equal('auth-2')

    // The shipped script file is served with the page's own origin.
    const js = await request(app.url).get('/assets/js/b24-install.js')
    expect(js.status).to.equal(200)
    expect(js.text).to.contain('installFinish')
  })

  it('refuses an install whose AUTH_ID the configured portal does not accept, changing nothing', async () => {
    const memberId = `m${uniq()}`
    nock(PORTAL).post(rest('app.info')).reply(401, { error: 'invalid_token', error_description: 'The access token provided is invalid.' })
    const res = await request(app.url).post(`/b24/install?DOMAIN=${DOMAIN}&PROTOCOL=1`).type('form').send(installBody(memberId, 'forged'))
    expect(res.status).to.equal(403)
    expect(res.text).to.contain('не подтвердил установку')
    expect(await findInstall(app.c.db, memberId)).to.equal(null)
  })

  it('refuses an install from a domain the configuration does not name, and a body that is not an install', async () => {
    const memberId = `m${uniq()}`
    const res = await request(app.url).post('/b24/install?DOMAIN=evil.example.com&PROTOCOL=1').type('form').send(installBody(memberId, 'x'))
    expect(res.status).to.equal(403)
    expect(res.text).to.contain('evil.example.com')
    expect(await findInstall(app.c.db, memberId)).to.equal(null)
    expect((await request(app.url).post('/b24/install').type('form').send({ hello: 'world' })).status).to.equal(403)
    // Not a form at all (multipart, JSON): still a refusal, never an error.
    expect((await request(app.url).post('/b24/install').field('member_id', 'x').attach('f', Buffer.from('x'), 'a.txt')).status).to.equal(403)
    for (const path of ['/b24/events', '/b24/placement', '/b24/app', '/b24/placement/action', '/b24/app/save']) {
      expect((await request(app.url).post(path).send({ member_id: 'abcd', AUTH_ID: 'x' })).status, path).to.equal(403)
      expect((await request(app.url).post(path).field('member_id', 'abcd').attach('f', Buffer.from('x'), 'a.txt')).status, path).to.equal(403)
    }
  })

  it('events: unknown member or wrong token → 403 and nothing queued; the right token → 200 at once, queued once per delivery', async () => {
    const { memberId, applicationToken } = await installed(app)
    const body = (token: string, member = memberId, ts = '1736405807') => ({
      event: 'ONCRMDEALUPDATE', event_handler_id: '201', data: { FIELDS: { ID: '759' } }, ts,
      auth: { access_token: 'x', expires_in: '3600', scope: 'crm', domain: DOMAIN, server_endpoint: 'https://oauth.bitrix.info/rest/', status: 'L', client_endpoint: `${PORTAL}/rest/`, member_id: member, application_token: token },
    })
    const before = await countOutbox()
    expect((await request(app.url).post('/b24/events').type('form').send(body(applicationToken!, `m${uniq()}`))).status).to.equal(403)
    expect((await request(app.url).post('/b24/events').type('form').send(body(`${applicationToken}x`))).status).to.equal(403)
    expect((await request(app.url).post('/b24/events').type('form').send(body(''))).status).to.equal(403)
    expect(await countOutbox()).to.equal(before)
    const res = await request(app.url).post('/b24/events').type('form').send(body(applicationToken!))
    expect(res.status).to.equal(200)
    expect(await countOutbox()).to.equal(before + 1)
    // The same delivery again (Bitrix24 or a proxy repeating it) is one row.
    await request(app.url).post('/b24/events').type('form').send(body(applicationToken!))
    expect(await countOutbox()).to.equal(before + 1)
    const row = await app.c.db('outbox').where({ topic: B24_EVENT_TOPIC }).orderBy('id', 'desc').first()
    expect(JSON.parse(row.payload)).to.deep.include({ memberId, event: 'ONCRMDEALUPDATE', id: '759' })
    // Once that row is handled, a delivery with the same second-resolution ts is a later change and is queued again.
    await app.c.db('outbox').where({ id: row.id }).update({ status: 'sent' })
    await request(app.url).post('/b24/events').type('form').send(body(applicationToken!))
    expect(await countOutbox()).to.equal(before + 2)
  })

  it('stores the application_token from the first event when the install POST had none, once the event proves itself on the stored portal', async () => {
    const { memberId } = await installed(app, { applicationToken: null })
    const scope = nock(PORTAL).post(rest('app.info'), (b) => b.auth === 'event-access').reply(200, ok({ INSTALLED: true }))
    const body = { event: 'ONCRMDEALUPDATE', data: { FIELDS: { ID: '5' } }, ts: '1', auth: { access_token: 'event-access', member_id: memberId, application_token: 'first-token', domain: 'evil.example.com' } }
    expect((await request(app.url).post('/b24/events').type('form').send(body)).status).to.equal(200)
    expect(scope.isDone()).to.equal(true)
    expect((await findInstall(app.c.db, memberId))!.applicationToken).to.equal('first-token')
    // From now on only that token passes.
    expect((await request(app.url).post('/b24/events').type('form').send({ ...body, auth: { ...body.auth, application_token: 'other' } })).status).to.equal(403)
  })

  it('ONAPPUNINSTALL: a wrong token changes nothing; the right one marks the install uninstalled and later requests are refused', async () => {
    const { memberId, applicationToken } = await installed(app)
    const un = (token: string) => ({ event: 'ONAPPUNINSTALL', data: { CLEAN: '0' }, ts: '2', auth: { member_id: memberId, application_token: token, domain: DOMAIN } })
    expect((await request(app.url).post('/b24/events').type('form').send(un('forged'))).status).to.equal(403)
    expect((await findInstall(app.c.db, memberId))!.status).to.equal('active')
    expect((await request(app.url).post('/b24/events').type('form').send(un(applicationToken!))).status).to.equal(200)
    expect((await findInstall(app.c.db, memberId))!.status).to.equal('uninstalled')
    expect((await app.c.db('audit_log').where({ action: 'b24.uninstalled' }).orderBy('id', 'desc').first()).details).to.contain(memberId)
    const again = await request(app.url).post('/b24/events').type('form').send({ event: 'ONCRMDEALUPDATE', data: { FIELDS: { ID: '1' } }, auth: { member_id: memberId, application_token: applicationToken } })
    expect(again.status).to.equal(403)
  })

  describe('ONCRMDEALUPDATE → the order', () => {
    async function linkedOrder() {
      const { memberId } = await installed(app)
      const wh = await warehouse(app)
      const p = await stocked(app, { warehouseId: wh, onHand: 100 })
      const b = await orderingBuyer(app)
      const order = await placeOrder(app, b, [{ p, qty: 2 }], wh)
      const dealId = 9000 + Math.floor(Math.random() * 100000)
      await link(app, 'deal', order.id, memberId, dealId)
      return { memberId, order, dealId }
    }
    const dealGet = (dealId: number, stage: string) => nock(PORTAL).post(rest('crm.deal.get'), (b) => String(b.id) === String(dealId)).reply(200, ok({ ID: String(dealId), STAGE_ID: stage, CATEGORY_ID: '0' }))
    const statusOf = async (id: number) => (await app.c.db('orders').where({ id }).first()).status

    it('moves the order along the mapping through the state machine, with Bitrix24 as the actor, via the outbox', async () => {
      const { memberId, order, dealId } = await linkedOrder()
      const s = await getSettings(app.c.db, memberId)
      await saveSettings(app.c.db, memberId, { ...s, statusByStage: { PREPARATION: 'awaiting_payment', WON: 'completed' } }, app.clock.now().getTime())
      const scope = dealGet(dealId, 'PREPARATION')
      const res = await app.ui.events.processEvent({ memberId, event: 'ONCRMDEALUPDATE', id: String(dealId) })
      expect(res).to.equal('moved to awaiting_payment')
      expect(scope.isDone()).to.equal(true)
      expect(await statusOf(order.id)).to.equal('awaiting_payment')
      const ev = await app.c.db('order_events').where({ order_id: order.id, to_status: 'awaiting_payment' }).first()
      expect(ev.actor_kind).to.equal('b24')
      expect(ev.note).to.contain(String(dealId))
    })

    it('does not bounce our own sync back: a deal in the stage of the order state changes nothing', async () => {
      const { memberId, order, dealId } = await linkedOrder()
      const s = await getSettings(app.c.db, memberId)
      // «ожидает оплаты» and «частично оплачен» share nothing, but our sync put the pending order's deal into NEW,
      // and NEW is mapped back to a different state: the echo must still be ignored.
      await saveSettings(app.c.db, memberId, { ...s, statusByStage: { NEW: 'awaiting_payment' } }, app.clock.now().getTime())
      dealGet(dealId, s.stageByStatus.pending)
      expect(await app.ui.events.processEvent({ memberId, event: 'ONCRMDEALUPDATE', id: String(dealId) })).to.match(/^no change/)
      expect(await statusOf(order.id)).to.equal('pending')
    })

    it('records an impossible transition instead of forcing it', async () => {
      const { memberId, order, dealId } = await linkedOrder()
      const s = await getSettings(app.c.db, memberId)
      await saveSettings(app.c.db, memberId, { ...s, statusByStage: { WON: 'completed' } }, app.clock.now().getTime())
      dealGet(dealId, 'WON')
      expect(await app.ui.events.processEvent({ memberId, event: 'ONCRMDEALUPDATE', id: String(dealId) })).to.match(/^refused/)
      expect(await statusOf(order.id)).to.equal('pending')
      const a = await app.c.db('audit_log').where({ action: 'b24.status_refused', company_id: order.company_id }).first()
      expect(JSON.parse(a.details)).to.include({ order: order.number, deal: String(dealId), stage: 'WON' })
    })

    it('runs through the dispatcher: the queued event is processed by the b24.event handler', async () => {
      const { memberId, order, dealId } = await linkedOrder()
      const { applicationToken } = { applicationToken: (await findInstall(app.c.db, memberId))!.applicationToken }
      const s = await getSettings(app.c.db, memberId)
      await saveSettings(app.c.db, memberId, { ...s, statusByStage: { PREPAYMENT_INVOICE: 'paid' } }, app.clock.now().getTime())
      const res = await request(app.url).post('/b24/events').type('form').send({ event: 'ONCRMDEALUPDATE', data: { FIELDS: { ID: String(dealId) } }, ts: '77', auth: { member_id: memberId, application_token: applicationToken } })
      expect(res.status).to.equal(200)
      expect(await statusOf(order.id)).to.equal('pending') // answered before any processing
      dealGet(dealId, 'PREPAYMENT_INVOICE')
      const { createDispatcher } = await import('../../../server/integrations/outbox/dispatcher.js')
      const d = createDispatcher({ db: app.c.db, clock: app.clock, logger: app.c.logger, maxAttempts: 3, handlers: { [B24_EVENT_TOPIC]: app.ui.eventHandler } })
      await d.drainOnce()
      expect(await statusOf(order.id)).to.equal('paid')
      const row = await app.c.db('outbox').where({ idempotency_key: `${B24_EVENT_TOPIC}:${memberId}:ONCRMDEALUPDATE:${dealId}:77` }).first()
      expect(row.status).to.equal('sent')
    })
  })
})
