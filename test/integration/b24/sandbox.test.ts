import { expect } from 'chai'
import request from 'supertest'
import { startApp, type TestApp } from '../../support/app.js'
import { buyer, staff } from '../../support/factories.js'
import { installSandbox, uninstallSandbox } from './helpers.js'
import { createB24Client } from '../../../b24-app/client.js'
import { findInstall } from '../../../b24-app/installs.js'
import { DeliveryError } from '../../../server/integrations/outbox/dispatcher.js'
import { SANDBOX_MEMBER_ID } from '../../../server/sandbox/bitrix24.js'

/*
 * The Bitrix24 emulator answers like the reference (bitrix24.md §3, §4): the real client against it over HTTP, raw
 * requests for the error shapes, and its staff-only page that opens deal and company tabs as Bitrix24 does.
 */
describe('b24 sandbox: the emulator and its page', () => {
  let app: TestApp
  before(async () => {
    app = await startApp()
    await installSandbox(app)
  })
  after(async () => {
    app.c.b24Sandbox!.resetFaults()
    await uninstallSandbox(app)
    await app.close()
  })
  afterEach(() => app.c.b24Sandbox!.resetFaults())

  const client = () =>
    createB24Client({
      db: app.c.db,
      clock: app.clock,
      logger: app.c.logger,
      secret: { clientId: 'sandbox', clientSecret: 'sandbox' },
      limiter: app.c.rateLimiter,
      // The emulator's own bucket is under test here, so ours lets everything through.
      rate: { ratePerSec: 1000, burst: 1000 },
      timeoutMs: 3000,
    })
  const token = async () => (await findInstall(app.c.db, SANDBOX_MEMBER_ID))!.accessToken

  it('start-up install: an active install for the sandbox portal whose endpoints point at the emulator, tabs and events bound', async () => {
    const i = (await findInstall(app.c.db, SANDBOX_MEMBER_ID))!
    expect(i.status).to.equal('active')
    expect(i.clientEndpoint).to.equal(`${app.config.b24.sandboxUrl}/rest/`)
    expect(i.applicationToken).to.have.length(32)
    const bound = app.c.b24Sandbox!.bindings()
    expect(bound.placements.map((p) => p.placement)).to.have.members(['CRM_DEAL_DETAIL_TAB', 'CRM_COMPANY_DETAIL_TAB'])
    expect(bound.events.map((e) => e.event)).to.deep.equal(['ONCRMDEALUPDATE'])
  })

  it('expired_token → refresh on its OAuth endpoint → retry; the spent refresh token is refused afterwards', async () => {
    const before = (await findInstall(app.c.db, SANDBOX_MEMBER_ID))!
    await app.c.b24Sandbox!.expireTokens(SANDBOX_MEMBER_ID)
    const id = await client().call(SANDBOX_MEMBER_ID, 'crm.company.add', { fields: { TITLE: 'ООО «Обновление»' } })
    expect(id).to.be.a('number')
    const after = (await findInstall(app.c.db, SANDBOX_MEMBER_ID))!
    expect(after.accessToken).to.not.equal(before.accessToken)
    expect(after.refreshToken).to.not.equal(before.refreshToken)
    const again = await request(app.url)
      .post('/sandbox/bitrix24/oauth/token/')
      .type('form')
      .send({ grant_type: 'refresh_token', client_id: 'sandbox', client_secret: 'sandbox', refresh_token: before.refreshToken })
    expect(again.status).to.equal(400)
    expect(again.body.error).to.equal('invalid_grant')
  })

  it('a full bucket answers 503 QUERY_LIMIT_EXCEEDED, which the client reports as rate-limited', async () => {
    app.c.b24Sandbox!.setFaults({ bucket: { capacity: 2, drainPerSec: 0.0001 } })
    const c = client()
    await c.call(SANDBOX_MEMBER_ID, 'user.current')
    await c.call(SANDBOX_MEMBER_ID, 'user.current')
    const err = await c.call(SANDBOX_MEMBER_ID, 'user.current').catch((e) => e)
    expect(err).to.be.instanceOf(DeliveryError)
    expect(err.rateLimited).to.equal(true)
    expect(err.message).to.contain('QUERY_LIMIT_EXCEEDED')
  })

  it('answers errors in the reference shapes: no auth, unknown token, unknown method, uppercase FIELDS, a batch over 50', async () => {
    const t = await token()
    const none = await request(app.url).post('/sandbox/bitrix24/rest/crm.deal.get').send({ id: 1 })
    expect([none.status, none.body.error]).to.deep.equal([401, 'NO_AUTH_FOUND'])
    const bad = await request(app.url).post('/sandbox/bitrix24/rest/crm.deal.get').send({ id: 1, auth: 'nope' })
    expect([bad.status, bad.body.error]).to.deep.equal([401, 'invalid_token'])
    const unknown = await request(app.url).post('/sandbox/bitrix24/rest/crm.no.such').send({ auth: t })
    expect([unknown.status, unknown.body.error]).to.deep.equal([404, 'ERROR_METHOD_NOT_FOUND'])
    const upper = await request(app.url).post('/sandbox/bitrix24/rest/crm.timeline.comment.add').send({ auth: t, FIELDS: { ENTITY_ID: 1, ENTITY_TYPE: 'deal', COMMENT: 'x' } })
    expect(upper.status).to.equal(400)
    expect(upper.body.error_description).to.contain('fields')
    const cmd = Object.fromEntries(Array.from({ length: 51 }, (_v, i) => [`c${i}`, 'user.current']))
    const long = await request(app.url).post('/sandbox/bitrix24/rest/batch').send({ auth: t, halt: 0, cmd })
    expect([long.status, long.body.error]).to.deep.equal([400, 'ERROR_BATCH_LENGTH_EXCEEDED'])
  })

  it('batch: $result references, per-command errors, halt stops at the first error', async () => {
    const t = await token()
    const res = await request(app.url)
      .post('/sandbox/bitrix24/rest/batch')
      .send({
        auth: t,
        halt: 0,
        cmd: {
          co: 'crm.company.add?fields[TITLE]=%D0%9E%D0%9E%D0%9E%20%C2%AB%D0%9F%D0%B0%D0%BA%D0%B5%D1%82%C2%BB',
          d: 'crm.deal.add?fields[TITLE]=Deal&fields[COMPANY_ID]=$result[co]&fields[STAGE_ID]=NEW',
          bad: 'crm.deal.update?id=999999999&fields[TITLE]=x',
          r: 'crm.deal.productrows.set?id=$result[d]&rows[0][PRODUCT_NAME]=Cup&rows[0][PRICE]=5&rows[0][QUANTITY]=2',
        },
      })
    expect(res.status).to.equal(200)
    const { result, result_error } = res.body.result
    expect(result.co).to.be.a('number')
    expect(result.r).to.equal(true)
    expect(result_error.bad.error).to.equal('NOT_FOUND')
    const deal = await app.c.db('sandbox_b24_deals').where({ id: result.d }).first()
    expect(Number(deal.company_id)).to.equal(result.co)
    const halted = await request(app.url)
      .post('/sandbox/bitrix24/rest/batch')
      .send({ auth: t, halt: 1, cmd: { a: 'crm.deal.get?id=999999999', b: 'user.current' } })
    expect(Object.keys(halted.body.result.result_error)).to.deep.equal(['a'])
    expect(halted.body.result.result).to.deep.equal([])
  })

  it('the page is for supplier staff only; it lists deals with rows and comments and opens the deal tab as Bitrix24 does', async () => {
    const sb = app.c.b24Sandbox!
    const co = (await sb.invoke(SANDBOX_MEMBER_ID, 'crm.company.add', { fields: { TITLE: 'ООО «Ромашка»' } })) as number
    const deal = (await sb.invoke(SANDBOX_MEMBER_ID, 'crm.deal.add', { fields: { TITLE: 'Заказ № 000777 — ООО «Ромашка»', COMPANY_ID: co, STAGE_ID: 'NEW', OPPORTUNITY: 1500 } })) as number
    await sb.invoke(SANDBOX_MEMBER_ID, 'crm.deal.productrows.set', { id: deal, rows: [{ PRODUCT_NAME: 'KF-1 Кофе', PRICE: 750, QUANTITY: 2, MEASURE_NAME: 'кг' }] })
    await sb.invoke(SANDBOX_MEMBER_ID, 'crm.timeline.comment.add', { fields: { ENTITY_ID: deal, ENTITY_TYPE: 'deal', COMMENT: 'Статус заказа: «оплачен»' } })

    expect((await request(app.url).get('/sandbox/bitrix24')).status).to.equal(404)
    const b = await buyer(app)
    expect((await b.browser.get('/sandbox/bitrix24')).status).to.equal(404)
    expect((await b.browser.get(`/sandbox/bitrix24/open/deal/${deal}`)).status).to.equal(404)
    const m = await staff(app)
    expect((await m.browser.get('/admin')).text, 'the staff navigation links the sandbox').to.contain('href="/sandbox/bitrix24"')
    const page = await m.browser.get('/sandbox/bitrix24')
    expect(page.status).to.equal(200)
    expect(page.text).to.contain('Песочница Bitrix24')
    expect(page.text).to.contain('Заказ № 000777')
    expect(page.text).to.contain('KF-1 Кофе')
    expect(page.text).to.contain('Статус заказа: «оплачен»')
    expect(page.text).to.contain(`/sandbox/bitrix24/open/deal/${deal}`)
    expect(page.text).to.contain('Открыть вкладку сделки')
    expect(page.text).to.contain('Открыть вкладку компании')

    const open = await m.browser.get(`/sandbox/bitrix24/open/deal/${deal}`)
    expect(open.status).to.equal(200)
    const action = /<form method="post" action="([^"]+)" target="b24-placement"/.exec(open.text)![1]!.replace(/&amp;/g, '&').replace(/&#x3D;/g, '=')
    const url = new URL(action)
    expect(url.pathname).to.equal('/b24/placement')
    expect(url.searchParams.get('DOMAIN')).to.equal(new URL(app.config.publicUrl).host)
    expect(url.searchParams.get('PROTOCOL')).to.equal('0')
    expect(url.searchParams.get('LANG')).to.equal('ru')
    expect(url.searchParams.get('APP_SID')).to.have.length(32)
    const field = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(open.text)?.[1]?.replace(/&quot;/g, '"').replace(/&#x3D;/g, '=')
    expect(field('PLACEMENT')).to.equal('CRM_DEAL_DETAIL_TAB')
    expect(field('PLACEMENT_OPTIONS')).to.equal(JSON.stringify({ ID: String(deal) }))
    expect(field('member_id')).to.equal(SANDBOX_MEMBER_ID)
    expect(field('status')).to.equal('L')
    expect(field('AUTH_EXPIRES')).to.equal('3600')
    // The AUTH_ID it posts is a live token of the sandbox portal: a placement handler can check it with app.info.
    const info = await request(app.url).post('/sandbox/bitrix24/rest/app.info').send({ auth: field('AUTH_ID') })
    expect(info.body.result.INSTALLED).to.equal(true)
    expect(info.body.result.member_id).to.equal(SANDBOX_MEMBER_ID)
    expect(field('REFRESH_ID')).to.have.length(32)

    const company = await m.browser.get(`/sandbox/bitrix24/open/company/${co}`)
    expect(company.text).to.contain('CRM_COMPANY_DETAIL_TAB')

    const moved = await m.browser.post(`/sandbox/bitrix24/deals/${deal}/stage`, { stage: 'WON' })
    expect(moved.status).to.equal(303)
    expect((await app.c.db('sandbox_b24_deals').where({ id: deal }).first()).stage_id).to.equal('WON')
    const wrong = await m.browser.post(`/sandbox/bitrix24/deals/${deal}/stage`, { stage: 'NO_SUCH' })
    expect(wrong.status).to.not.equal(303)
  })
})
