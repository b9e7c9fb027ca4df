import { expect } from 'chai'
import nock from 'nock'
import { testDb } from '../../support/hooks.js'
import { createCompany, createUser, uniq } from '../../support/factories.js'
import { startApp, type TestApp } from '../../support/app.js'
import { createLogger } from '../../../server/logger.js'
import { manualClock } from '../../../server/shared/clock.js'
import { createRateLimiter } from '../../../server/integrations/outbox/rate-limit.js'
import { DeliveryError, type HandlerContext } from '../../../server/integrations/outbox/dispatcher.js'
import * as ordersStore from '../../../server/orders/store.js'
import * as companiesStore from '../../../server/companies/store.js'
import { orderNumber } from '../../../server/orders/rules.js'
import { createB24Client } from '../../../b24-app/client.js'
import { createB24Sync } from '../../../b24-app/sync.js'
import { findInstall, saveInstall } from '../../../b24-app/installs.js'
import { findLink, saveLink } from '../../../b24-app/links.js'
import { parseQuery } from '../../../server/sandbox/bitrix24.js'

/*
 * Contract tests of every call the CRM sync makes, against nock stubs shaped as reference/bitrix24.md §4.4 and §7: the
 * `batch` envelope (`halt`, `cmd` of `method?query` strings, `$result[...]` references) and its answer (`result`,
 * `result_error`, …), each method's parameters, the requisite preset lookup, per-command errors, the operating limit, a
 * refused refresh, and two processes refreshing one portal at once.
 */

const PORTAL = 'https://crm-contract.bitrix24.ru'
const OAUTH = 'https://oauth.bitrix24.tech'
const TIME = { start: 1764230400.1, finish: 1764230400.2, duration: 0.1, processing: 0.05, date_start: '2026-11-27T10:00:00+03:00', date_finish: '2026-11-27T10:00:00+03:00', operating: 0, operating_reset_at: 1764231000 }
const ok = (result: unknown) => ({ result, time: TIME })
/** A `batch` answer: results and errors by command name (PHP gives `[]` for an empty map). */
const batchAnswer = (result: Record<string, unknown>, errors: Record<string, { error: string; error_description: string }> = {}) =>
  ok({ result: Object.keys(result).length ? result : [], result_error: Object.keys(errors).length ? errors : [], result_total: [], result_next: [], result_time: [] })

/** The commands of a batch request body, decoded: name → [method, params]. */
function commands(body: any): Record<string, [string, any]> {
  const out: Record<string, [string, any]> = {}
  for (const [name, line] of Object.entries(body.cmd as Record<string, string>)) {
    const q = line.indexOf('?')
    out[name] = [q < 0 ? line : line.slice(0, q), parseQuery(q < 0 ? '' : line.slice(q + 1))]
  }
  return out
}

/** Expects one batch request and answers it; returns what was sent. */
function expectBatch(answer: (cmds: Record<string, [string, any]>) => unknown) {
  const seen: { body: any; cmds: Record<string, [string, any]> } = { body: null, cmds: {} }
  nock(PORTAL)
    .post(/^\/rest\/batch/)
    .query(true)
    .reply(200, (_u, body: any) => {
      seen.body = body
      seen.cmds = commands(body)
      return answer(seen.cmds)
    })
  return seen
}

const ctxOf = (attempt = 1, externalId: string | null = null) => {
  const saved: string[] = []
  const ctx: HandlerContext = { rowId: 1, key: 'k', attempt, externalId, saveExternalId: async (id) => void saved.push(id) }
  return { ctx, saved }
}

describe('b24 sync: contract of every CRM call (nock)', () => {
  const db = () => testDb()
  const clock = manualClock()
  const logger = createLogger('silent')
  let memberId: string
  let app: TestApp
  before(async () => {
    app = await startApp({ clock })
  })
  after(() => app.close())

  const sleep = async (ms: number) => {
    clock.advance(ms)
    await new Promise((r) => setTimeout(r, 2))
  }
  const clientOf = () =>
    createB24Client({ db: db(), clock, logger, secret: { clientId: 'local.contract', clientSecret: 's' }, limiter: createRateLimiter({ db: db(), clock }), sleep, timeoutMs: 1000 })
  const syncOf = () => createB24Sync({ db: db(), clock, logger, client: clientOf(), publicUrl: 'https://b2b.example.ru' })

  beforeEach(async () => {
    memberId = `contract-${uniq()}`
    // Only this portal is installed while a test runs (the handlers sync to every active install).
    await db()('b24_installs').update({ status: 'uninstalled' })
    await saveInstall(
      db(),
      {
        memberId,
        domain: 'crm-contract.bitrix24.ru',
        clientEndpoint: `${PORTAL}/rest/`,
        serverEndpoint: `${OAUTH}/rest/`,
        accessToken: 'acc-1',
        refreshToken: 'ref-1',
        expiresAt: clock.now().getTime() + 3_600_000,
        applicationToken: 'app',
        scope: 'crm,placement,task',
      },
      clock.now().getTime(),
    )
  })
  afterEach(async () => {
    await db()('b24_installs').where({ member_id: memberId }).update({ status: 'uninstalled' })
  })

  async function company(o: { kind?: 'legal' | 'ip' } = {}) {
    const u = await createUser(app, { name: 'Петрова Анна Сергеевна' })
    const c = await createCompany(app, u.id, { status: 'verified', kind: o.kind })
    await db()('companies').where({ id: c.id }).update({ ogrn: o.kind === 'ip' ? '304500116000157' : '1027700132195', docs_phone: '+74950000000' })
    return { ...c, userId: u.id }
  }

  it('company: search by ORIGIN_ID/XML_ID, preset looked up by XML_ID, then company + requisite + contact in one halting batch', async () => {
    const c = await company()
    const search = expectBatch(() => batchAnswer({ co: [], rq: [], ct: [] }))
    let presetBody: any
    nock(PORTAL)
      .post(/^\/rest\/crm\.requisite\.preset\.list/)
      .query(true)
      .reply(200, (_u, b) => {
        presetBody = b
        // Ids differ per portal: the lookup must not assume 1.
        return ok([
          { ID: '7', NAME: 'Физ. лицо', XML_ID: '#CRM_REQUISITE_PRESET_DEF_RU_PERSON#', ACTIVE: 'Y', COUNTRY_ID: '1' },
          { ID: '8', NAME: 'Организация', XML_ID: '#CRM_REQUISITE_PRESET_DEF_RU_COMPANY#', ACTIVE: 'Y', COUNTRY_ID: '1' },
          { ID: '9', NAME: 'ИП', XML_ID: '#CRM_REQUISITE_PRESET_DEF_RU_INDIVIDUAL#', ACTIVE: 'Y', COUNTRY_ID: '1' },
        ])
      })
    const writes = expectBatch(() => batchAnswer({ co: 501, rq: 601, ct: 701 }))
    const { ctx, saved } = ctxOf()
    const out = await syncOf().handlers['company.verified']!.handleBatch([{ payload: { company_id: c.id }, ctx }])
    expect(out[0]).to.deep.equal({ ok: true, externalId: '501' })
    expect(saved).to.deep.equal(['501'])

    expect(search.body.auth).to.equal('acc-1')
    expect(search.cmds.co).to.deep.equal(['crm.company.list', { filter: { ORIGIN_ID: `b2b-company-${c.id}` }, select: ['ID'], start: '-1' }])
    expect(search.cmds.rq![0]).to.equal('crm.requisite.list')
    expect(search.cmds.rq![1].filter).to.deep.equal({ XML_ID: `b2b-company-${c.id}` })
    expect(search.cmds.ct![1].filter.ORIGIN_ID).to.equal(`b2b-contact-${c.id}-${c.userId}`)
    expect(presetBody.select).to.include('XML_ID')

    expect(String(writes.body.halt)).to.equal('1')
    const [coMethod, co] = writes.cmds.co!
    expect(coMethod).to.equal('crm.company.add')
    expect(co.fields).to.include({ TITLE: c.name, COMPANY_TYPE: 'CUSTOMER', ORIGINATOR_ID: 'b2b-portal', ORIGIN_ID: `b2b-company-${c.id}` })
    expect(co.fields.PHONE).to.deep.equal([{ VALUE: '+74950000000', VALUE_TYPE: 'WORK' }])
    expect(co.params).to.deep.equal({ REGISTER_SONET_EVENT: 'N' })
    const [rqMethod, rq] = writes.cmds.rq!
    expect(rqMethod).to.equal('crm.requisite.add')
    expect(rq.fields).to.include({ ENTITY_TYPE_ID: '4', ENTITY_ID: '$result[co]', PRESET_ID: '8', RQ_INN: c.inn, RQ_KPP: c.kpp, RQ_OGRN: '1027700132195', XML_ID: `b2b-company-${c.id}` })
    const [ctMethod, ct] = writes.cmds.ct!
    expect(ctMethod).to.equal('crm.contact.add')
    expect(ct.fields).to.include({ LAST_NAME: 'Петрова', NAME: 'Анна', SECOND_NAME: 'Сергеевна', COMPANY_ID: '$result[co]' })

    expect(await findLink(db(), 'company', c.id, memberId)).to.equal('501')
    expect(await findLink(db(), 'requisite', c.id, memberId)).to.equal('601')
    expect(await findLink(db(), 'contact', `${c.id}:${c.userId}`, memberId)).to.equal('701')
    expect(nock.isDone()).to.equal(true)
  })

  it('company.changed on a linked company: crm.company.update and crm.requisite.update (ИП: RQ_OGRNIP)', async () => {
    const c = await company({ kind: 'ip' })
    const t = clock.now().getTime()
    await saveLink(db(), 'company', c.id, memberId, 11, t)
    await saveLink(db(), 'requisite', c.id, memberId, 12, t)
    await saveLink(db(), 'contact', `${c.id}:${c.userId}`, memberId, 13, t)
    const writes = expectBatch(() => batchAnswer({ cou: true, rqu: true }))
    const out = await syncOf().handlers['company.changed']!.handleBatch([{ payload: { company_id: c.id }, ctx: ctxOf().ctx }])
    expect(out[0]!.ok).to.equal(true)
    expect(writes.cmds.cou![0]).to.equal('crm.company.update')
    expect(writes.cmds.cou![1].id).to.equal('11')
    expect(writes.cmds.rqu![0]).to.equal('crm.requisite.update')
    expect(writes.cmds.rqu![1]).to.deep.include({ id: '12' })
    expect(writes.cmds.rqu![1].fields).to.include({ RQ_INN: c.inn, RQ_OGRNIP: '304500116000157' })
    expect(writes.cmds.rqu![1].fields).to.not.have.property('RQ_KPP')
  })

  async function linkedCompany() {
    const c = await company()
    const t = clock.now().getTime()
    await saveLink(db(), 'company', c.id, memberId, 21, t)
    await saveLink(db(), 'requisite', c.id, memberId, 22, t)
    await saveLink(db(), 'contact', `${c.id}:${c.userId}`, memberId, 23, t)
    return c
  }

  async function order(companyId: number, status: 'pending' | 'paid' = 'pending') {
    const o = await ordersStore.insertOrder(
      db(),
      { company_id: companyId, status, point_id: null, point_text: 'г Москва, ул Тверская, 1', client_ref: 'PO-7', comment: '', total_kopecks: 3_703_500, vat_kopecks: 0, created_by: null, source: 'web' },
      orderNumber,
      clock.now().getTime(),
    )
    return o
  }
  const placedPayload = (o: { id: number; number: string; company_id: number }) => ({
    order: { id: o.id, number: o.number, company_id: o.company_id, status: 'pending', total_kopecks: 3_703_500, point_text: 'г Москва, ул Тверская, 1', client_ref: 'PO-7', comment: '' },
    lines: [
      { sku: 'KF-1', name: 'Кофе Бразилия', unit: 'кг', packaging: 'Мешок 30 кг', qty_milli: 30_000, unit_kopecks: 123_450, line_kopecks: 3_703_500, vat_rate: '22' },
      { sku: 'ST-2', name: 'Стакан', unit: 'шт', packaging: null, qty_milli: 0, unit_kopecks: 0, line_kopecks: 0, vat_rate: 'none' },
    ],
  })

  it('order.placed, first attempt: crm.deal.add and crm.deal.productrows.set by $result in one batch; the id is stored at once', async () => {
    const c = await linkedCompany()
    const o = await order(c.id)
    const sent = expectBatch((cmds) => batchAnswer({ [Object.keys(cmds)[0]!]: 9001, [Object.keys(cmds)[1]!]: true }))
    const { ctx, saved } = ctxOf(1)
    const out = await syncOf().handlers['order.placed']!.handleBatch([{ payload: placedPayload(o), ctx }])
    expect(out[0]).to.deep.equal({ ok: true, externalId: '9001' })
    const [add, rows] = Object.values(sent.cmds)
    expect(add![0]).to.equal('crm.deal.add')
    expect(add![1].fields).to.include({ CATEGORY_ID: '0', STAGE_ID: 'NEW', COMPANY_ID: '21', OPPORTUNITY: '37035', CURRENCY_ID: 'RUB', ORIGIN_ID: `b2b-order-${o.id}`, IS_MANUAL_OPPORTUNITY: 'Y' })
    expect(add![1].fields.CONTACT_IDS).to.deep.equal(['23'])
    expect(add![1].fields.COMMENTS).to.contain(`https://b2b.example.ru/admin/orders/${o.id}`)
    expect(rows![0]).to.equal('crm.deal.productrows.set')
    expect(rows![1].id).to.match(/^\$result\[d\d+\]$/)
    expect(rows![1].rows[0]).to.include({ PRODUCT_ID: '0', PRODUCT_NAME: 'KF-1 Кофе Бразилия (Мешок 30 кг)', PRICE: '1234.5', QUANTITY: '30', TAX_RATE: '22', TAX_INCLUDED: 'Y', MEASURE_NAME: 'кг' })
    expect(rows![1].rows[1]).to.not.have.property('TAX_RATE')
    expect(saved).to.deep.equal(['9001'])
    expect(await findLink(db(), 'deal', o.id, memberId)).to.equal('9001')
  })

  it('order.placed, a retry: crm.deal.list by ORIGIN_ID finds the deal a lost answer created; update + rows, no second deal', async () => {
    const c = await linkedCompany()
    const o = await order(c.id)
    const search = expectBatch((cmds) => batchAnswer({ [Object.keys(cmds)[0]!]: [{ ID: '9100' }] }))
    const writes = expectBatch((cmds) => batchAnswer(Object.fromEntries(Object.keys(cmds).map((k) => [k, true]))))
    const { ctx, saved } = ctxOf(2)
    const out = await syncOf().handlers['order.placed']!.handleBatch([{ payload: placedPayload(o), ctx }])
    expect(out[0]).to.deep.equal({ ok: true, externalId: '9100' })
    const [s] = Object.values(search.cmds)
    expect(s).to.deep.equal(['crm.deal.list', { filter: { ORIGIN_ID: `b2b-order-${o.id}` }, select: ['ID'], start: '-1' }])
    expect(Object.values(writes.cmds).map((x) => x[0])).to.deep.equal(['crm.deal.update', 'crm.deal.productrows.set'])
    expect(Object.values(writes.cmds).map((x) => x[1].id)).to.deep.equal(['9100', '9100'])
    expect(saved).to.deep.equal(['9100'])
  })

  it('a per-command error in the batch answer fails that order with the Bitrix24 text; the others go through', async () => {
    const c = await linkedCompany()
    const o1 = await order(c.id)
    const o2 = await order(c.id)
    expectBatch((cmds) => {
      const [d1, r1, d2, r2] = Object.keys(cmds)
      return batchAnswer({ [d1!]: 9201, [r1!]: true }, { [d2!]: { error: 'ERROR_CORE', error_description: 'Стадия не найдена' }, [r2!]: { error: 'ERROR_BATCH_REFERENCE', error_description: 'No result' } })
    })
    const out = await syncOf().handlers['order.placed']!.handleBatch([
      { payload: placedPayload(o1), ctx: ctxOf().ctx },
      { payload: placedPayload(o2), ctx: ctxOf().ctx },
    ])
    expect(out[0]).to.deep.equal({ ok: true, externalId: '9201' })
    expect(out[1]!.ok).to.equal(false)
    const err = (out[1] as { error: DeliveryError }).error
    expect(err).to.be.instanceOf(DeliveryError)
    expect(err.permanent).to.equal(true)
    expect(err.message).to.contain('crm.deal.add').and.contain('Стадия не найдена')
  })

  it('order.changed: crm.deal.update with the stage of the order now, crm.timeline.comment.add with lowercase fields; a retry looks for the comment first', async () => {
    const c = await linkedCompany()
    const o = await order(c.id, 'paid')
    await saveLink(db(), 'deal', o.id, memberId, 9300, clock.now().getTime())
    const payload = { change: 'status', from: 'pending', to: 'paid', note: 'Оплата по выписке', order: { id: o.id, number: o.number, total_kopecks: 3_703_500 } }
    const first = expectBatch((cmds) => batchAnswer(Object.fromEntries(Object.keys(cmds).map((k) => [k, k.startsWith('c') ? 77 : true]))))
    const { ctx, saved } = ctxOf(1)
    const out = await syncOf().handlers['order.changed']!.handleBatch([{ payload, ctx }])
    expect(out[0]).to.deep.equal({ ok: true, externalId: '77' })
    const sent = Object.values(first.cmds)
    expect(sent[0]).to.deep.equal(['crm.deal.update', { id: '9300', fields: { STAGE_ID: 'EXECUTING', OPPORTUNITY: '37035' }, params: { REGISTER_SONET_EVENT: 'N' } }])
    expect(sent[1]![0]).to.equal('crm.timeline.comment.add')
    expect(sent[1]![1].fields).to.include({ ENTITY_ID: '9300', ENTITY_TYPE: 'deal' })
    expect(sent[1]![1].fields.COMMENT).to.contain('«оплачен»').and.contain('Оплата по выписке')
    expect(saved).to.deep.equal(['77'])

    // The same change again after a lost answer: the comment is there already, so only the deal is updated.
    const text = sent[1]![1].fields.COMMENT
    const list = expectBatch((cmds) => batchAnswer({ [Object.keys(cmds)[0]!]: [{ ID: '77', COMMENT: text }] }))
    const again = expectBatch((cmds) => batchAnswer(Object.fromEntries(Object.keys(cmds).map((k) => [k, true]))))
    const out2 = await syncOf().handlers['order.changed']!.handleBatch([{ payload, ctx: ctxOf(2).ctx }])
    expect(out2[0]!.ok).to.equal(true)
    expect(Object.values(list.cmds)[0]).to.deep.equal(['crm.timeline.comment.list', { filter: { ENTITY_ID: '9300', ENTITY_TYPE: 'deal' }, select: ['ID', 'COMMENT'] }])
    expect(Object.values(again.cmds).map((x) => x[0])).to.deep.equal(['crm.deal.update'])
  })

  it('delivery.status (as server/delivery enqueues it): a timeline comment on the order\'s deal with the status and track number', async () => {
    const c = await linkedCompany()
    const o = await order(c.id, 'paid')
    await saveLink(db(), 'deal', o.id, memberId, 9400, clock.now().getTime())
    const sent = expectBatch((cmds) => batchAnswer({ [Object.keys(cmds)[0]!]: 88 }))
    const payload = { order_id: o.id, shipment_id: null, request_id: 5, track_number: '1234567890', cdek_number: '1234567890', status_code: 'DELIVERED', status_name: 'Вручен', city: 'Москва', state: 'delivered', at: '2026-11-27T10:00:00.000Z' }
    const out = await syncOf().handlers['delivery.status']!.handleBatch([{ payload, ctx: ctxOf(1).ctx }])
    expect(out[0]).to.deep.equal({ ok: true, externalId: '88' })
    const [method, params] = Object.values(sent.cmds)[0]!
    expect(method).to.equal('crm.timeline.comment.add')
    expect(params.fields).to.deep.equal({ ENTITY_ID: '9400', ENTITY_TYPE: 'deal', COMMENT: 'СДЭК: Вручен, Москва; трек-номер 1234567890' })
  })

  it('429 OPERATION_TIME_LIMIT: rate-limited, with the hint from time.operating_reset_at', async () => {
    const reset = Math.floor(Date.now() / 1000) + 120
    nock(PORTAL).post(/^\/rest\/batch/).query(true).reply(429, { error: 'OPERATION_TIME_LIMIT', error_description: 'Method is blocked due to operation time limit.', time: { ...TIME, operating_reset_at: reset } })
    const err = await clientOf().batch(memberId, { a: ['crm.deal.list', {}] }).catch((e) => e)
    expect(err).to.be.instanceOf(DeliveryError)
    expect(err.rateLimited).to.equal(true)
    expect(err.retryAfterMs).to.be.within(100_000, 121_000)
  })

  it('500 and a timeout are transient; NO_AUTH_FOUND is permanent and marks the install', async () => {
    const client = clientOf()
    nock(PORTAL).post(/^\/rest\/crm\.deal\.get/).query(true).reply(500, { error: 'INTERNAL_SERVER_ERROR', error_description: 'Internal server error' })
    const e500 = await client.call(memberId, 'crm.deal.get', { id: 1 }).catch((e) => e)
    expect(e500.permanent).to.equal(false)
    nock(PORTAL).post(/^\/rest\/crm\.deal\.get/).query(true).delay(1500).reply(200, ok({}))
    const eTimeout = await client.call(memberId, 'crm.deal.get', { id: 1 }).catch((e) => e)
    expect(eTimeout).to.be.instanceOf(DeliveryError)
    expect(eTimeout.permanent).to.equal(false)
    expect(eTimeout.message).to.contain('нет ответа')
    nock(PORTAL).post(/^\/rest\/crm\.deal\.get/).query(true).reply(401, { error: 'NO_AUTH_FOUND', error_description: 'Wrong authorization data' })
    const eAuth = await client.call(memberId, 'crm.deal.get', { id: 1 }).catch((e) => e)
    expect(eAuth.permanent).to.equal(true)
    expect((await findInstall(db(), memberId))!.authError).to.equal('NO_AUTH_FOUND')
  })

  it('a refresh refused with invalid_grant: permanent, the install needs a reinstall, later calls stop at once', async () => {
    nock(PORTAL).post(/^\/rest\/crm\.deal\.get/).query(true).reply(401, { error: 'expired_token', error_description: 'The access token provided has expired.' })
    nock(OAUTH).post('/oauth/token/').reply(400, { error: 'invalid_grant', error_description: 'Invalid refresh token' })
    const err = await clientOf().call(memberId, 'crm.deal.get', { id: 1 }).catch((e) => e)
    expect(err).to.be.instanceOf(DeliveryError)
    expect(err.permanent).to.equal(true)
    expect((await findInstall(db(), memberId))!.authError).to.contain('invalid_grant')
    const later = await clientOf().call(memberId, 'crm.deal.get', { id: 1 }).catch((e) => e)
    expect(later.permanent).to.equal(true)
    expect(later.message).to.contain('переустановите')
  })

  it('two processes meet expired_token at once: one refresh (under the lease), both retry with the new token', async () => {
    const a = clientOf()
    const b = clientOf()
    nock(PORTAL).post(/^\/rest\/crm\.deal\.get/).query(true).times(2).reply(401, { error: 'expired_token', error_description: 'expired' })
    let refreshes = 0
    nock(OAUTH)
      .post('/oauth/token/')
      .delay(40)
      .reply(200, () => {
        refreshes++
        return { access_token: 'acc-2', refresh_token: 'ref-2', expires: Math.floor(clock.now().getTime() / 1000) + 3600, expires_in: 3600, client_endpoint: `${PORTAL}/rest/`, server_endpoint: `${OAUTH}/rest/`, member_id: memberId, scope: 'crm', status: 'L', domain: 'oauth.bitrix24.tech' }
      })
    const auths: string[] = []
    nock(PORTAL)
      .post(/^\/rest\/crm\.deal\.get/)
      .query(true)
      .times(2)
      .reply(200, (_u, body: any) => {
        auths.push(body.auth)
        return ok({ ID: '1' })
      })
    const [ra, rb] = await Promise.all([a.call(memberId, 'crm.deal.get', { id: 1 }), b.call(memberId, 'crm.deal.get', { id: 1 })])
    expect(ra).to.deep.equal({ ID: '1' })
    expect(rb).to.deep.equal({ ID: '1' })
    expect(refreshes).to.equal(1)
    expect(auths).to.deep.equal(['acc-2', 'acc-2'])
    const saved = await findInstall(db(), memberId)
    expect([saved!.accessToken, saved!.refreshToken]).to.deep.equal(['acc-2', 'ref-2'])
  })

  // ---- bank details (the company's main bank account on its requisite) ----

  const SBER = { bik: '044525225', account: '40703810238000002575', corr_account: '30101810400000000225', bank_name: 'ПАО Сбербанк', bank_city: 'Москва' }
  const SBER_DETAIL = { NAME: 'ПАО Сбербанк, Москва', RQ_BANK_NAME: 'ПАО Сбербанк', RQ_BIK: '044525225', RQ_ACC_NUM: '40703810238000002575', RQ_COR_ACC_NUM: '30101810400000000225' }
  const withBank = async (companyId: number) => companiesStore.insertBankAccount(db(), companyId, SBER, true, clock.now().getTime())
  const presets = () =>
    nock(PORTAL)
      .post(/^\/rest\/crm\.requisite\.preset\.list/)
      .query(true)
      .reply(200, ok([{ ID: '8', NAME: 'Организация', XML_ID: '#CRM_REQUISITE_PRESET_DEF_RU_COMPANY#', ACTIVE: 'Y', COUNTRY_ID: '1' }]))

  it('bank detail, new requisite: crm.requisite.bankdetail.add on $result[rq], last in the halting batch', async () => {
    const c = await company()
    await withBank(c.id)
    expectBatch(() => batchAnswer({ co: [], rq: [], ct: [] }))
    presets()
    const writes = expectBatch(() => batchAnswer({ co: 501, rq: 601, ct: 701, bd: 801 }))
    const out = await syncOf().handlers['company.verified']!.handleBatch([{ payload: { company_id: c.id }, ctx: ctxOf().ctx }])
    expect(out[0]).to.deep.equal({ ok: true, externalId: '501' })
    expect(Object.keys(writes.cmds)).to.deep.equal(['co', 'rq', 'ct', 'bd'])
    expect(String(writes.body.halt)).to.equal('1')
    const [method, params] = writes.cmds.bd!
    expect(method).to.equal('crm.requisite.bankdetail.add')
    expect(params.fields).to.deep.equal({ ...SBER_DETAIL, ENTITY_ID: '$result[rq]' })
    expect(nock.isDone()).to.equal(true)
  })

  it('bank detail, linked requisite: crm.requisite.bankdetail.list by ENTITY_ID and RQ_ACC_NUM, then add when it is missing', async () => {
    const c = await linkedCompany()
    await withBank(c.id)
    const search = expectBatch(() => batchAnswer({ bd: [] }))
    const writes = expectBatch(() => batchAnswer({ cou: true, rqu: true, bd: 802 }))
    const out = await syncOf().handlers['company.changed']!.handleBatch([{ payload: { company_id: c.id }, ctx: ctxOf().ctx }])
    expect(out[0]!.ok).to.equal(true)
    expect(search.cmds.bd).to.deep.equal([
      'crm.requisite.bankdetail.list',
      { filter: { ENTITY_ID: '22', RQ_ACC_NUM: SBER.account }, select: ['ID', 'ENTITY_ID', 'NAME', 'RQ_BANK_NAME', 'RQ_BIK', 'RQ_ACC_NUM', 'RQ_COR_ACC_NUM'], start: '-1' },
    ])
    expect(writes.cmds.bd).to.deep.equal(['crm.requisite.bankdetail.add', { fields: { ...SBER_DETAIL, ENTITY_ID: '22' } }])
  })

  it('bank detail found unchanged: nothing sent for it; found with another bank name: crm.requisite.bankdetail.update by its id', async () => {
    const c = await linkedCompany()
    await withBank(c.id)
    expectBatch(() => batchAnswer({ bd: [{ ID: '77', ENTITY_ID: '22', ...SBER_DETAIL }] }))
    const same = expectBatch(() => batchAnswer({ cou: true, rqu: true }))
    expect((await syncOf().handlers['company.changed']!.handleBatch([{ payload: { company_id: c.id }, ctx: ctxOf().ctx }]))[0]!.ok).to.equal(true)
    expect(Object.keys(same.cmds)).to.deep.equal(['cou', 'rqu'])

    expectBatch(() => batchAnswer({ bd: [{ ID: '77', ENTITY_ID: '22', ...SBER_DETAIL, RQ_BANK_NAME: 'Сбербанк России', NAME: 'Сбербанк России' }] }))
    const changed = expectBatch(() => batchAnswer({ cou: true, rqu: true, bdu: true }))
    expect((await syncOf().handlers['company.changed']!.handleBatch([{ payload: { company_id: c.id }, ctx: ctxOf().ctx }]))[0]!.ok).to.equal(true)
    expect(changed.cmds.bdu).to.deep.equal(['crm.requisite.bankdetail.update', { id: '77', fields: SBER_DETAIL }])
    expect(nock.isDone()).to.equal(true)
  })

  it('bank detail, requisite found by XML_ID on a retry: the bank detail is looked up before anything is added', async () => {
    const c = await company()
    await withBank(c.id)
    const t = clock.now().getTime()
    await saveLink(db(), 'company', c.id, memberId, 31, t)
    await saveLink(db(), 'contact', `${c.id}:${c.userId}`, memberId, 33, t)
    const search = expectBatch(() => batchAnswer({ rq: [{ ID: '32', ENTITY_ID: '31' }] }))
    const bankSearch = expectBatch(() => batchAnswer({ bd: [{ ID: '78', ENTITY_ID: '32', ...SBER_DETAIL }] }))
    const writes = expectBatch(() => batchAnswer({ cou: true, rqu: true }))
    const out = await syncOf().handlers['company.verified']!.handleBatch([{ payload: { company_id: c.id }, ctx: ctxOf(2).ctx }])
    expect(out[0]!.ok).to.equal(true)
    expect(Object.keys(search.cmds)).to.deep.equal(['rq'])
    expect(bankSearch.cmds.bd![1].filter).to.deep.equal({ ENTITY_ID: '32', RQ_ACC_NUM: SBER.account })
    expect(Object.keys(writes.cmds)).to.deep.equal(['cou', 'rqu'])
    expect(await findLink(db(), 'requisite', c.id, memberId)).to.equal('32')
  })

  it('bank detail refused (a per-command error): the row fails with the Bitrix24 text, the company, requisite and contact ids are kept', async () => {
    const c = await company()
    await withBank(c.id)
    expectBatch(() => batchAnswer({ co: [], rq: [], ct: [] }))
    presets()
    expectBatch(() => batchAnswer({ co: 511, rq: 611, ct: 711 }, { bd: { error: 'ERROR_ARGUMENT', error_description: 'Неверный БИК' } }))
    const out = await syncOf().handlers['company.verified']!.handleBatch([{ payload: { company_id: c.id }, ctx: ctxOf().ctx }])
    expect(out[0]!.ok).to.equal(false)
    const err = (out[0] as { error: DeliveryError }).error
    expect(err).to.be.instanceOf(DeliveryError)
    expect(err.message).to.contain('crm.requisite.bankdetail.add').and.contain('Неверный БИК')
    expect(await findLink(db(), 'company', c.id, memberId)).to.equal('511')
    expect(await findLink(db(), 'requisite', c.id, memberId)).to.equal('611')
    expect(await findLink(db(), 'contact', `${c.id}:${c.userId}`, memberId)).to.equal('711')
  })
})
