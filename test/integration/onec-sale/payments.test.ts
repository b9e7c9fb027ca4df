import path from 'node:path'
import { expect } from 'chai'
import { manualClock, startApp, type TestApp } from '../../support/app.js'
import { tmpRoot } from '../../support/hooks.js'
import { createCompany, staff } from '../../support/factories.js'
import { ONEC_ENV, OnecClient } from '../../support/onec.js'
import { dropCartTypes } from '../carts/helpers.js'
import { memberOf, orderingBuyer, put, stocked, typedCart, warehouse } from '../orders/helpers.js'
import { documentsXml, type OnecDoc } from './helpers.js'

/*
 * 1C payments mapped to our invoices, driven exactly as 1C does: checkauth (Basic) → init → file (the documents 1C sends
 * back) → import until success, each exchange in a session of its own.
 */
describe('1C sale over /1c/exchange: payments mapped to the invoices of each payer', () => {
  let app: TestApp
  const clock = manualClock()
  before(async () => {
    app = await startApp({ clock, env: { ...ONEC_ENV, ONEC_DIR: path.join(tmpRoot, 'onec-sale-payments'), ONEC_ZIP: '0', ONEC_SALE_MAX_ORDERS: '1000000' } })
  })
  after(async () => {
    await dropCartTypes(app)
    await app.close()
  })

  /** An order of 1 000,00 ₽ (4 × 250 ₽) paid by two companies of the buyer: the ИП 300,00 ₽, the ООО the rest (700,00 ₽). */
  async function twoPayers() {
    const b = await orderingBuyer(app)
    const ip = await createCompany(app, b.user.id, { kind: 'ip', role: 'buyer', status: 'verified', name: 'ИП Плательщикова' })
    const w = await warehouse(app)
    const p = await stocked(app, { warehouseId: w, onHand: 50, price: 25_000 })
    clock.advance(1000)
    const c = await typedCart(app, b.company.id, w)
    await put(app, c.id, p, 4)
    const out = await app.c.orders.checkout(await memberOf(app, b.user.id, b.company.id), b.user.id, {
      cartIds: [c.id], pointId: '', comment: '', clientRef: '', source: 'web',
      payers: [{ companyId: ip.id, amountKopecks: 30_000 }, { companyId: b.company.id, amountKopecks: null }],
    }, { kind: 'buyer', userId: b.user.id })
    if (!out.ok) throw new Error(JSON.stringify(out))
    const company = await app.c.db('companies').where({ id: b.company.id }).first()
    return { order: out.order, ip: { id: ip.id, inn: String(ip.inn), name: 'ИП Плательщикова' }, ooo: { id: b.company.id, inn: String(company.inn), kpp: String(company.kpp), name: String(company.name_short) } }
  }

  /** One exchange as 1C makes it; returns 1C's last answer. */
  async function exchange(docs: OnecDoc[], o: { encoding?: 'windows-1251' | 'utf-8' } = {}) {
    const onec = new OnecClient(app, 'sale')
    expect((await onec.checkauth()).text).to.match(/^success/)
    await onec.init()
    return onec.sendDocuments(`v8_${Date.now()}_c.xml`, documentsXml(docs, o))
  }

  const invoices = async (orderId: number) =>
    (await app.c.db('order_invoices').where({ order_id: orderId }).orderBy('id')).map((i: Record<string, unknown>) => [Number(i.payer_company_id), Number(i.amount_kopecks), Number(i.paid_kopecks)])
  const status = async (orderId: number) => (await app.c.db('orders').where({ id: orderId }).first()).status
  const paymentRows = (orderId: number) => app.c.db('onec_sale_payments').where({ order_id: orderId }).orderBy('id')

  it('a payment document from the ИП pays only the ИП’s invoice (by payer): the order is «частично оплачен»; a replayed package pays nothing twice', async () => {
    const { order, ip, ooo } = await twoPayers()
    const docs: OnecDoc[] = [{
      id: `guid-${order.id}`, number: order.number,
      requisites: { 'Номер по 1С': 'ЗЛ00-001001', Проведен: 'true', Оплачен: 'false' },
      children: [{ id: `pay-${order.id}`, number: 'ЗЛ00-000777', date: '2026-11-27', operation: 'Выплата безналичных денег', sum: '300,00', parties: [{ name: ip.name, inn: ip.inn, role: 'Плательщик' }] }],
    }]
    const answer = await exchange(docs)
    expect(answer).to.match(/^success/)
    expect(answer).to.include('оплат из 1С: 1')
    expect(answer).not.to.include('не применено')
    expect(await invoices(order.id)).to.deep.equal([[ip.id, 30_000, 30_000], [ooo.id, 70_000, 0]])
    expect(await status(order.id)).to.equal('partly_paid')
    const [row] = await paymentRows(order.id)
    expect([row.onec_no, Number(row.amount_kopecks), Number(row.applied_kopecks), Number(row.leftover_kopecks), row.state, row.payer_inn]).to.deep.equal(['ЗЛ00-000777', 30_000, 30_000, 0, 'applied', ip.inn])
    const events = await app.c.db('order_events').where({ order_id: order.id, actor_kind: 'onec' }).orderBy('id')
    expect(events.map((e: { kind: string; to_status: string }) => `${e.kind}:${e.to_status}`)).to.deep.equal(['payment:pending', 'status:partly_paid'])

    // The same package again, in a new exchange (1C repeats a package whose answer it lost): nothing more is paid.
    const snapshot = async () => ({ invoices: await invoices(order.id), payments: (await paymentRows(order.id)).length, events: (await app.c.db('order_events').where({ order_id: order.id })).length })
    const before = await snapshot()
    clock.advance(1000)
    const again = await exchange(docs)
    expect(again).to.match(/^success/)
    expect(again).not.to.include('оплат из 1С')
    expect(await snapshot()).to.deep.equal(before)
  })

  it('a payment without a payer goes by amount: the invoice whose due equals it; the rest of the order follows; money beyond the invoices is recorded as an overpayment', async () => {
    const { order, ip, ooo } = await twoPayers()
    // 700,00 ₽ with no payer: exactly the ООО's due.
    const first = await exchange([{ number: order.number, requisites: { 'Номер оплаты по 1С': 'ЗЛ00-000801', 'Дата оплаты по 1С': '2026-11-27T10:00:00', 'Сумма оплаты по 1С': '700.00', Оплачен: 'false' } }])
    expect(first).not.to.include('не применено')
    expect(await invoices(order.id)).to.deep.equal([[ip.id, 30_000, 0], [ooo.id, 70_000, 70_000]])
    expect(await status(order.id)).to.equal('partly_paid')
    // 310,00 ₽ with no payer: the one open invoice (300,00 ₽) is paid, 10,00 ₽ is an overpayment, recorded and reported.
    clock.advance(1000)
    const second = await exchange([{ number: order.number, requisites: { 'Номер оплаты по 1С': 'ЗЛ00-000802', 'Дата оплаты по 1С': '2026-11-27T11:00:00', 'Сумма оплаты по 1С': '310,00', Оплачен: 'true' } }], { encoding: 'utf-8' })
    expect(second).to.include('не разнесено 10.00 руб.')
    expect(second).to.include(`заказ № ${order.number}: оплата ЗЛ00-000802 от 2026-11-27 на 310.00 руб.: переплата сверх счетов заказа; не разнесено 10.00 руб.`)
    expect(await invoices(order.id)).to.deep.equal([[ip.id, 30_000, 30_000], [ooo.id, 70_000, 70_000]])
    expect(await status(order.id)).to.equal('paid')
    const rows = await paymentRows(order.id)
    expect(rows.map((r: Record<string, unknown>) => [r.onec_no, Number(r.applied_kopecks), Number(r.leftover_kopecks), r.state])).to.deep.equal([
      ['ЗЛ00-000801', 70_000, 0, 'applied'],
      ['ЗЛ00-000802', 30_000, 1_000, 'over'],
    ])
  })

  it('leaves to a person a sum that matches no invoice, a payer who is not on the order, and a payment of a cancelled order: nothing paid, all recorded', async () => {
    const a = await twoPayers()
    const stranger = { name: 'ООО "Чужой"', inn: '7707083893', kpp: '773601001', role: 'Плательщик' }
    const answer = await exchange([
      { number: a.order.number, requisites: { 'Номер оплаты по 1С': 'ЗЛ00-000901', 'Дата оплаты по 1С': '2026-11-27', 'Сумма оплаты по 1С': '500.00' } },
      { number: a.order.number, children: [{ number: 'ЗЛ00-000902', date: '2026-11-27', operation: 'Выплата безналичных денег', sum: '300.00', parties: [stranger] }] },
    ])
    expect(answer).to.match(/^success/)
    expect(await invoices(a.order.id)).to.deep.equal([[a.ip.id, 30_000, 0], [a.ooo.id, 70_000, 0]])
    expect(await status(a.order.id)).to.equal('pending')
    const rows = await paymentRows(a.order.id)
    expect(rows.map((r: Record<string, unknown>) => [r.onec_no, Number(r.applied_kopecks), Number(r.leftover_kopecks), r.state])).to.deep.equal([
      ['ЗЛ00-000901', 0, 50_000, 'unmatched'],
      ['ЗЛ00-000902', 0, 30_000, 'unmatched'],
    ])
    expect(rows[0].note).to.include('разнесите оплату вручную')
    expect(rows[1].note).to.equal('плательщик ИНН 7707083893 (ООО "Чужой") не платит по этому заказу: оплата не разнесена')
    expect(answer).to.include('не разнесено 800.00 руб.')
    // The session's report in /admin/onec shows both payments, nothing lost: what is not placed, how much, and why.
    const manager = await staff(app)
    const page = await manager.browser.get('/admin/onec')
    expect(page.status).to.equal(200)
    expect(page.text).to.contain('Оплаты из 1С').and.contain('ЗЛ00-000901 от 2026-11-27').and.contain('ЗЛ00-000902 от 2026-11-27')
    expect(page.text).to.contain('не разнесена').and.contain('разнесите оплату вручную').and.contain('ИНН 7707083893')
    expect(page.text).to.contain('500\u00a0₽').and.contain('300\u00a0₽')
    expect(page.text).to.contain(`<a href="/admin/orders/${a.order.id}">№ ${a.order.number}</a>`)
    // They stay at the top, in «требуют разбора», whatever sessions follow, until a person marks them handled.
    for (const r of rows) expect(page.text).to.contain(`data-onec-sale-payment="${r.id}"`)
    expect((await manager.browser.post(`/admin/onec/payments/${rows[0].id}/settle`)).status).to.equal(303)
    const after = await manager.browser.get('/admin/onec')
    expect(after.text).to.contain('Оплата из 1С отмечена как разобранная')
    expect(after.text).not.to.contain(`data-onec-sale-payment="${rows[0].id}"`)
    expect(after.text).to.contain(`data-onec-sale-payment="${rows[1].id}"`)
    const settled = await app.c.db('onec_sale_payments').where({ id: rows[0].id }).first()
    expect(settled.state).to.equal('settled')
    expect(settled.note).to.match(/разнесите оплату вручную · разобрано: .+, \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/)
    // Twice is refused without harm; a buyer gets 404.
    expect((await manager.browser.post(`/admin/onec/payments/${rows[0].id}/settle`)).status).to.equal(303)
    expect((await manager.browser.get('/admin/onec')).text).to.contain('Это уже разобрано')
    expect((await (await orderingBuyer(app)).browser.post(`/admin/onec/payments/${rows[1].id}/settle`)).status).to.equal(404)
    expect((await app.c.db('onec_sale_payments').where({ id: rows[1].id }).first()).state).to.equal('unmatched')

    const b = await twoPayers()
    await app.c.orders.transition(b.order.id, 'cancelled', { kind: 'staff', userId: null })
    await exchange([{ number: b.order.number, requisites: { Оплачен: 'true', 'Номер оплаты по 1С': 'ЗЛ00-000903', 'Дата оплаты по 1С': '2026-11-27' } }])
    const [cancelled] = await paymentRows(b.order.id)
    expect([cancelled.state, cancelled.note]).to.deep.equal(['unmatched', 'заказ отменён на портале: деньги вернуть или зачесть'])
    expect(await invoices(b.order.id)).to.deep.equal([[b.ip.id, 30_000, 0], [b.ooo.id, 70_000, 0]])
  })

  it('«Оплачен» without a sum pays the named payer’s part in full (by INN and KPP), or the whole order when 1C names nobody', async () => {
    const a = await twoPayers()
    await exchange([{ number: a.order.number, parties: [{ name: a.ooo.name, inn: a.ooo.inn, kpp: a.ooo.kpp, role: 'Плательщик' }], requisites: { Оплачен: 'true', 'Номер оплаты по 1С': 'ЗЛ00-001100', 'Дата оплаты по 1С': '2026-11-27' } }])
    expect(await invoices(a.order.id)).to.deep.equal([[a.ip.id, 30_000, 0], [a.ooo.id, 70_000, 70_000]])
    expect(await status(a.order.id)).to.equal('partly_paid')
    const b = await twoPayers()
    await exchange([{ number: b.order.number, requisites: { Оплачен: 'true' } }])
    expect(await invoices(b.order.id)).to.deep.equal([[b.ip.id, 30_000, 30_000], [b.ooo.id, 70_000, 70_000]])
    expect(await status(b.order.id)).to.equal('paid')
  })

  it('a payment document of its own names the order (by our number or 1C’s) and pays its payer’s invoice; one naming no order is skipped', async () => {
    const { order, ip, ooo } = await twoPayers()
    await exchange([{ id: `guid-${order.id}`, number: order.number, number1c: `ЗЛ00-${order.id}` }])
    clock.advance(1000)
    const answer = await exchange([
      { id: 'pp-1', number: 'ЗЛ00-000315', operation: 'Выплата безналичных денег', sum: '700.00', parties: [{ name: ooo.name, inn: ooo.inn, kpp: ooo.kpp, role: 'Покупатель' }], requisites: { 'Номер заказа на сайте': order.number } },
      { id: 'pp-2', number: 'ЗЛ00-000316', operation: 'Выплата безналичных денег', sum: '300.00', parties: [{ name: ip.name, inn: ip.inn, role: 'Плательщик' }], requisites: { 'Номер заказа': `ЗЛ00-${order.id}` } },
      { id: 'pp-3', number: 'ЗЛ00-000317', operation: 'Выплата безналичных денег', sum: '1.00' },
    ])
    expect(answer).to.include('Документов: 3, заказов найдено: 2').and.include('пропущено (не заказы): 1').and.include('оплат из 1С: 2')
    expect(await invoices(order.id)).to.deep.equal([[ip.id, 30_000, 30_000], [ooo.id, 70_000, 70_000]])
    expect(await status(order.id)).to.equal('paid')
    // The payment document's Ид is not taken for the order's.
    expect((await app.c.db('orders').where({ id: order.id }).first()).onec_id).to.equal(`guid-${order.id}`)
  })

  it('a payment document 1C marks deleted (or not posted) is never placed; withdrawn after it was placed, it is reported for a person', async () => {
    const { order, ip, ooo } = await twoPayers()
    const pay = (deleted: boolean, posted = 'true'): OnecDoc => ({ number: 'ЗЛ00-001400', date: '2026-11-27', operation: 'Выплата безналичных денег', sum: '300.00', deleted, parties: [{ name: ip.name, inn: ip.inn, role: 'Плательщик' }], requisites: { Проведен: posted } })
    await exchange([{ number: order.number, children: [pay(false, 'false')] }])
    await exchange([{ ...pay(true), requisites: { 'Номер заказа на сайте': order.number } }])
    expect(await invoices(order.id)).to.deep.equal([[ip.id, 30_000, 0], [ooo.id, 70_000, 0]])
    expect(await paymentRows(order.id)).to.have.length(0)
    clock.advance(1000)
    await exchange([{ number: order.number, children: [pay(false)] }])
    expect(await invoices(order.id)).to.deep.equal([[ip.id, 30_000, 30_000], [ooo.id, 70_000, 0]])
    clock.advance(1000)
    const withdrawn = await exchange([{ number: order.number, children: [pay(true)] }])
    expect(withdrawn).to.include(`заказ № ${order.number}: оплата ЗЛ00-001400 от 2026-11-27 на 300.00 руб.: помечена на удаление (или не проведена) в 1С, а на портале уже разнесена 300.00 руб.: проверьте и сторнируйте вручную`)
    expect(await invoices(order.id)).to.deep.equal([[ip.id, 30_000, 30_000], [ooo.id, 70_000, 0]])
  })

  it('the same part payment arriving in two exchanges at once is placed once', async () => {
    const { order, ip, ooo } = await twoPayers()
    const docs: OnecDoc[] = [{ number: order.number, children: [{ number: 'ЗЛ00-001300', date: '2026-11-27', operation: 'Выплата безналичных денег', sum: '100.00', parties: [{ name: ip.name, inn: ip.inn, role: 'Плательщик' }] }] }]
    const answers = await Promise.all([exchange(docs), exchange(docs), exchange(docs)])
    for (const a of answers) expect(a).to.match(/^success/)
    expect(await invoices(order.id)).to.deep.equal([[ip.id, 30_000, 10_000], [ooo.id, 70_000, 0]])
    const [row] = await paymentRows(order.id)
    expect([Number(row.applied_kopecks), Number(row.leftover_kopecks), row.state]).to.deep.equal([10_000, 0, 'applied'])
    expect(await app.c.db('order_events').where({ order_id: order.id, kind: 'payment' })).to.have.length(1)
  })

  it('a payment interrupted after its first invoice places only its rest when the package comes again', async () => {
    const { order, ip, ooo } = await twoPayers()
    // What a crash between the two invoices leaves: the payment recorded as pending, its first part placed with it.
    const [ipInvoice] = await app.c.db('order_invoices').where({ order_id: order.id, payer_company_id: ip.id })
    const now = clock.now().getTime()
    const [paymentId] = await app.c.db('onec_sale_payments').insert({ order_id: order.id, pay_key: 'зл00-001200|2026-11-27', onec_no: 'ЗЛ00-001200', onec_date: '2026-11-27', amount_kopecks: 100_000, applied_kopecks: 0, leftover_kopecks: 0, state: 'pending', note: '', session_id: null, created_at: now, updated_at: now })
    await app.c.orders.pay(order.id, Number(ipInvoice.id), 30_000, { kind: 'onec', userId: null }, async (trx, k) => {
      await trx('onec_sale_payment_parts').insert({ payment_id: Number(paymentId), invoice_id: Number(ipInvoice.id), kopecks: k, created_at: now })
    })
    clock.advance(1000)
    const answer = await exchange([{ number: order.number, requisites: { 'Номер оплаты по 1С': 'ЗЛ00-001200', 'Дата оплаты по 1С': '2026-11-27', 'Сумма оплаты по 1С': '1000.00', Оплачен: 'true' } }])
    expect(answer).not.to.include('не применено')
    expect(await invoices(order.id)).to.deep.equal([[ip.id, 30_000, 30_000], [ooo.id, 70_000, 70_000]])
    const [row] = await paymentRows(order.id)
    expect([Number(row.applied_kopecks), Number(row.leftover_kopecks), row.state]).to.deep.equal([100_000, 0, 'applied'])
  })
})
