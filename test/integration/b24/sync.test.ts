import { expect } from 'chai'
import { startApp, type TestApp } from '../../support/app.js'
import { staff } from '../../support/factories.js'
import { orderingBuyer, placeOrder, stocked, warehouse } from '../orders/helpers.js'
import { b24Dispatcher, installSandbox, parkForeignRows, uninstallSandbox } from './helpers.js'
import { findLink } from '../../../b24-app/links.js'
import { saveSettings, DEFAULT_SETTINGS } from '../../../b24-app/settings-store.js'
import { enqueueCompanyChanged } from '../../../server/companies/outbox.js'

/*
 * The CRM sync end to end against the built-in emulator over real HTTP: a company verified in /admin becomes a CRM company
 * with requisites and the owner's contact; a placed order a deal with product rows in the configured pipeline and stage;
 * a status change moves the stage and adds a timeline comment.
 */
describe('b24 sync: companies and deals through the outbox (sandbox emulator)', () => {
  let app: TestApp
  let memberId: string
  before(async () => {
    app = await startApp()
    memberId = await installSandbox(app)
  })
  after(async () => {
    await uninstallSandbox(app)
    await app.close()
  })
  beforeEach(() => parkForeignRows(app))

  it('a verified company → crm.company.add with requisites (preset looked up) and the owner contact', async () => {
    const b = await orderingBuyer(app)
    await app.c.db('companies').where({ id: b.company.id }).update({ status: 'unverified', ogrn: '1027700132195', director_name: 'Иванов Иван' })
    const manager = await staff(app)
    const res = await manager.browser.post(`/admin/companies/${b.company.id}/verify`)
    expect(res.status).to.equal(303)
    const row = await app.c.db('outbox').where({ topic: 'company.verified' }).orderBy('id', 'desc').first()
    expect(JSON.parse(row.payload).company_id).to.equal(b.company.id)
    const { dispatcher } = b24Dispatcher(app)
    const r = await dispatcher.drainOnce()
    expect(r.sent).to.be.greaterThan(0)
    const coId = await findLink(app.c.db, 'company', b.company.id, memberId)
    expect(coId).to.be.a('string')
    const co = await app.c.db('sandbox_b24_companies').where({ id: Number(coId) }).first()
    expect(co.title).to.equal(b.company.name)
    expect(co.origin_id).to.equal(`b2b-company-${b.company.id}`)
    const rq = await app.c.db('sandbox_b24_requisites').where({ entity_type_id: 4, entity_id: Number(coId) })
    expect(rq).to.have.length(1)
    const rqFields = JSON.parse(rq[0].fields)
    expect(rqFields.RQ_INN).to.equal(b.company.inn)
    expect(rqFields.RQ_KPP).to.equal(b.company.kpp)
    expect(rqFields.RQ_OGRN).to.equal('1027700132195')
    expect(Number(rq[0].preset_id)).to.equal(1)
    const contacts = await app.c.db('sandbox_b24_contacts').where({ company_id: Number(coId) })
    expect(contacts).to.have.length(1)
    expect((await app.c.db('outbox').where({ id: row.id }).first()).external_id).to.equal(coId)
  })

  it('a placed order → a deal in the configured pipeline and stage with product rows; a status change → stage + comment', async () => {
    await saveSettings(app.c.db, memberId, { ...DEFAULT_SETTINGS, categoryId: 1, stageByStatus: { ...DEFAULT_SETTINGS.stageByStatus, pending: 'C1:NEW', paid: 'C1:EXECUTING' } }, Date.now())
    try {
      const b = await orderingBuyer(app)
      const wh = await warehouse(app)
      const p1 = await stocked(app, { warehouseId: wh, onHand: 100, price: 12_345, name: 'Кофе Бразилия', unit: 'кг' })
      const p2 = await stocked(app, { warehouseId: wh, onHand: 100, price: 500, name: 'Стакан бумажный', unit: 'шт' })
      const order = await placeOrder(app, b, [{ p: p1, qty: 3 }, { p: p2, qty: 10 }], wh, { comment: 'Позвонить перед доставкой' })
      const { dispatcher } = b24Dispatcher(app)
      await dispatcher.drainOnce()
      const dealId = await findLink(app.c.db, 'deal', order.id, memberId)
      expect(dealId).to.be.a('string')
      const deal = await app.c.db('sandbox_b24_deals').where({ id: Number(dealId) }).first()
      expect(deal.origin_id).to.equal(`b2b-order-${order.id}`)
      expect(Number(deal.category_id)).to.equal(1)
      expect(deal.stage_id).to.equal('C1:NEW')
      const f = JSON.parse(deal.fields)
      expect(Number(f.OPPORTUNITY)).to.equal(Number(order.total_kopecks) / 100)
      expect(f.COMMENTS).to.contain(`/admin/orders/${order.id}`)
      expect(Number(deal.company_id)).to.equal(Number(await findLink(app.c.db, 'company', b.company.id, memberId)))
      const rows = (await app.c.db('sandbox_b24_productrows').where({ deal_id: Number(dealId) }).orderBy('sort')).map((r) => JSON.parse(r.fields))
      expect(rows.map((r) => [r.PRODUCT_NAME.includes('Кофе Бразилия'), Number(r.PRICE), Number(r.QUANTITY)])).to.deep.equal([
        [true, 123.45, 3],
        [false, 5, 10],
      ])
      expect((await app.c.db('orders').where({ id: order.id }).first()).b24_deal_id).to.equal(dealId)

      await app.c.orders.transition(order.id, 'paid', { kind: 'staff', userId: null }, 'Оплата по выписке')
      await dispatcher.drainOnce()
      const moved = await app.c.db('sandbox_b24_deals').where({ id: Number(dealId) }).first()
      expect(moved.stage_id).to.equal('C1:EXECUTING')
      const comments = await app.c.db('sandbox_b24_comments').where({ entity_type: 'deal', entity_id: Number(dealId) })
      expect(comments.map((c) => JSON.parse(c.fields).COMMENT).join('\n')).to.contain('«оплачен»')
    } finally {
      await saveSettings(app.c.db, memberId, DEFAULT_SETTINGS, Date.now())
    }
  })

  it('the main bank account arrives as one bank detail of the requisite, once, through retries, edits and a lost requisite link', async () => {
    const b = await orderingBuyer(app)
    await app.c.db('companies').where({ id: b.company.id }).update({ status: 'unverified' })
    const bank = { bik: '044525225', account: '40703810238000002575', corr_account: '30101810400000000225', bank_name: 'ПАО Сбербанк', bank_city: 'Москва' }
    expect((await b.browser.post('/company/bank-accounts', bank)).status).to.equal(303)
    const manager = await staff(app)
    expect((await manager.browser.post(`/admin/companies/${b.company.id}/verify`)).status).to.equal(303)
    const { dispatcher } = b24Dispatcher(app)
    await dispatcher.drainOnce()
    const rqId = Number(await findLink(app.c.db, 'requisite', b.company.id, memberId))
    const details = () => app.c.db('sandbox_b24_bankdetails').where({ requisite_id: rqId }).orderBy('id')
    let rows = await details()
    expect(rows).to.have.length(1)
    expect(JSON.parse(rows[0].fields)).to.include({ RQ_BIK: bank.bik, RQ_ACC_NUM: bank.account, RQ_COR_ACC_NUM: bank.corr_account, RQ_BANK_NAME: 'ПАО Сбербанк' })

    // The same change sent again (a retry of the row after a lost answer) finds the bank detail: no second one.
    // Stamped a little in the past: a row is due from its own time, and the keys of the two resends differ.
    await app.c.db.transaction((trx) => enqueueCompanyChanged(trx, b.company.id, ['bank_accounts'], app.clock.now().getTime() - 5_000))
    await dispatcher.drainOnce()
    expect(await details()).to.have.length(1)

    // The buyer corrects the bank's name: the bank detail is updated in place.
    const id = (await app.c.db('company_bank_accounts').where({ company_id: b.company.id }).first()).id
    expect((await b.browser.post(`/company/bank-accounts/${id}`, { ...bank, bank_name: 'ПАО «Сбербанк России»' })).status).to.equal(303)
    await dispatcher.drainOnce()
    rows = await details()
    expect(rows).to.have.length(1)
    expect(JSON.parse(rows[0].fields).RQ_BANK_NAME).to.equal('ПАО «Сбербанк России»')

    // A requisite link lost to a crash: the requisite is found by XML_ID, its bank detail by the account number.
    await app.c.db('b24_links').where({ entity: 'requisite', our_id: String(b.company.id), member_id: memberId }).delete()
    await app.c.db.transaction((trx) => enqueueCompanyChanged(trx, b.company.id, ['bank_accounts'], app.clock.now().getTime() - 4_000))
    await dispatcher.drainOnce()
    expect(Number(await findLink(app.c.db, 'requisite', b.company.id, memberId))).to.equal(rqId)
    expect(await details()).to.have.length(1)
    expect(await app.c.db('sandbox_b24_requisites').where({ entity_id: Number(await findLink(app.c.db, 'company', b.company.id, memberId)) })).to.have.length(1)

    // The emulator's CRM page shows it.
    const page = await manager.browser.get('/sandbox/bitrix24')
    expect(page.text).to.contain(`БИК ${bank.bik}, р/с ${bank.account}`)
  })
})
