import path from 'node:path'
import { expect } from 'chai'
import { manualClock, startApp, type TestApp } from '../../support/app.js'
import { tmpRoot } from '../../support/hooks.js'
import { ONEC_ENV, OnecClient } from '../../support/onec.js'
import { staff as staffUser } from '../../support/factories.js'
import { dropCartTypes } from '../carts/helpers.js'
import { memberOf, orderingBuyer, placeOrder, stockAt, stocked, warehouse } from '../orders/helpers.js'
import { documentsXml, type OnecDoc } from './helpers.js'

/*
 * 1C shipments matched to our split shipments, driven exactly as 1C does (checkauth → init → file → import loop): the
 * matched shipment is shipped (its reservations consumed), the others stay open, and the order is «отгружен» only when
 * every shipment is.
 */
describe('1C sale over /1c/exchange: shipments matched to the shipments of a split order', () => {
  let app: TestApp
  const clock = manualClock()
  const staff = { kind: 'staff' as const, userId: null }
  before(async () => {
    app = await startApp({ clock, env: { ...ONEC_ENV, ONEC_DIR: path.join(tmpRoot, 'onec-sale-shipments'), ONEC_ZIP: '0', ONEC_SALE_MAX_ORDERS: '1000000' } })
  })
  after(async () => {
    await dropCartTypes(app)
    await app.close()
  })

  /**
   * An order of 10 кг of coffee (a 1C product, Ид known) and 4 кг of tea (a portal product, matched by article), split into
   * shipment 1 = 6 кг coffee + 4 кг tea and shipment 2 = 4 кг coffee (unless `split` is false).
   */
  async function order(o: { split?: boolean } = {}) {
    const b = await orderingBuyer(app)
    const w = await warehouse(app)
    const coffee = await stocked(app, { warehouseId: w, onHand: 50, price: 100_000 })
    const tea = await stocked(app, { warehouseId: w, onHand: 20, price: 50_000 })
    const guid = `6f1e0a52-${coffee.id}-11ee-a1b2-00155d0a1b07`
    await app.c.db('products').where({ id: coffee.id }).update({ external_id: guid })
    clock.advance(1000)
    const placed = await placeOrder(app, b, [{ p: coffee, qty: 10 }, { p: tea, qty: 4 }], w)
    const [lc, lt] = (await app.c.db('order_lines').where({ order_id: placed.id }).orderBy('sort')).map((l: { id: number }) => Number(l.id))
    if (o.split !== false) {
      const errors = await app.c.orders.split(await memberOf(app, b.user.id, b.company.id), b.user.id, placed.number, [
        { plannedOn: '2099-03-01', qty: new Map([[lc!, 6_000], [lt!, 4_000]]) },
        { plannedOn: '2099-03-08', qty: new Map([[lc!, 4_000]]) },
      ])
      expect(errors).to.deep.equal([])
    }
    const shipments = await app.c.db('order_shipments').where({ order_id: placed.id }).orderBy('no')
    return { order: placed, w, coffee: { ...coffee, guid }, tea, s1: shipments[0]?.id as number | undefined, s2: shipments[1]?.id as number | undefined }
  }

  async function exchange(docs: OnecDoc[]) {
    const onec = new OnecClient(app, 'sale')
    expect((await onec.checkauth()).text).to.match(/^success/)
    await onec.init()
    return onec.sendDocuments(`v8_${Date.now()}_c.xml`, documentsXml(docs))
  }
  const shipmentStates = async (orderId: number) => (await app.c.db('order_shipments').where({ order_id: orderId }).orderBy('no')).map((s: { status: string }) => s.status)
  const status = async (orderId: number) => (await app.c.db('orders').where({ id: orderId }).first()).status

  it('ships exactly the shipment whose lines 1C sent (the second), leaves the first open; then the first by the number 1C echoes; «отгружен» only at the end', async () => {
    const o = await order()
    const realisation: OnecDoc = { id: 'real-540', number: 'ЗЛ00-000540', date: '2026-11-27', operation: 'Реализация товаров и услуг', items: [{ id: o.coffee.guid, name: 'Кофе', qty: '4,000' }] }
    const docs: OnecDoc[] = [{ id: `g-${o.order.id}`, number: o.order.number, requisites: { Отгружен: 'false' }, children: [realisation] }]
    const answer = await exchange(docs)
    expect(answer).to.match(/^success/)
    expect(answer).to.include('отгрузок из 1С: 1')
    expect(answer).not.to.include('не применено')
    expect(await shipmentStates(o.order.id)).to.deep.equal(['planned', 'shipped'])
    expect(await status(o.order.id)).to.equal('partly_shipped')
    // Only the second shipment's 4 кг of coffee left the stock; the first shipment's goods stay reserved.
    expect(await stockAt(app, o.w, o.coffee.id)).to.deep.equal({ onHand: 46, reserved: 6 })
    expect(await stockAt(app, o.w, o.tea.id)).to.deep.equal({ onHand: 20, reserved: 4 })
    const [rec] = await app.c.db('onec_sale_shipments').where({ order_id: o.order.id })
    expect([rec.onec_no, rec.state, Number(rec.shipment_id), rec.shipment_no, rec.note]).to.deep.equal(['ЗЛ00-000540', 'shipped', Number(o.s2), 2, 'отгрузка 2 (по строкам)'])

    // The same package again: nothing more leaves the stock.
    clock.advance(1000)
    const again = await exchange(docs)
    expect(again).not.to.include('отгрузок из 1С')
    expect(await stockAt(app, o.w, o.coffee.id)).to.deep.equal({ onHand: 46, reserved: 6 })

    // 1C echoes our shipment number (as the query sent it: «000123-1») with its own shipment document in the requisites.
    clock.advance(1000)
    const last = await exchange([{ number: o.order.number, requisites: { 'Номер отгрузки на сайте': `${o.order.number}-1`, 'Номер отгрузки по 1С': 'ЗЛ00-000541', 'Дата отгрузки по 1С': '2026-11-28T09:00:00', Отгружен: 'true', 'Статус заказа': 'Отгружен' } }])
    expect(last).not.to.include('не применено')
    expect(await shipmentStates(o.order.id)).to.deep.equal(['shipped', 'shipped'])
    expect(await status(o.order.id)).to.equal('shipped')
    expect(await stockAt(app, o.w, o.coffee.id)).to.deep.equal({ onHand: 40, reserved: 0 })
    expect(await stockAt(app, o.w, o.tea.id)).to.deep.equal({ onHand: 16, reserved: 0 })
    expect(await app.c.db('order_reservations').where({ order_id: o.order.id, status: 'active' })).to.have.length(0)
  })

  it('a status «Отгружен» next to a shipment document does not ship the shipments 1C did not name: they stay open, reported', async () => {
    const o = await order()
    // Shipment 1 by its lines: coffee by 1C's Ид, tea by its article.
    const answer = await exchange([{
      number: o.order.number, requisites: { 'Статус заказа': 'Отгружен' },
      children: [{ number: 'ЗЛ00-000600', date: '2026-11-27', operation: 'Отпуск товара', items: [{ id: o.coffee.guid, qty: '6' }, { id: 'some-1c-guid', sku: o.tea.sku, qty: '4' }] }],
    }])
    expect(await shipmentStates(o.order.id)).to.deep.equal(['shipped', 'planned'])
    expect(await status(o.order.id)).to.equal('partly_shipped')
    expect(answer).to.include(`заказ № ${o.order.number}: статус 1С «Отгружен», но открыто отгрузок: 1`)
    expect(await stockAt(app, o.w, o.coffee.id)).to.deep.equal({ onHand: 44, reserved: 4 })
  })

  it('leaves to a person a shipment it cannot match (two open, nothing named; lines that match none); the single open one is shipped', async () => {
    const o = await order()
    const answer = await exchange([
      { number: o.order.number, requisites: { 'Номер отгрузки по 1С': 'ЗЛ00-000700', 'Дата отгрузки по 1С': '2026-11-27', Отгружен: 'false' } },
      { number: o.order.number, children: [{ number: 'ЗЛ00-000701', date: '2026-11-27', operation: 'Реализация товаров', items: [{ id: o.coffee.guid, qty: '5' }] }] },
      { number: o.order.number, children: [{ number: 'ЗЛ00-000702', date: '2026-11-27', operation: 'Реализация товаров', items: [{ sku: 'НЕТ-ТАКОГО', qty: '1' }] }] },
    ])
    // 1C's log line holds 300 characters: the counts and the first reasons; every reason is recorded for /admin/onec.
    expect(answer).to.include('отгрузок из 1С: 3 (не сопоставлено 3)')
    expect(answer).to.include('открыто отгрузок: 2 (1, 2), а 1С не сообщила ни номер нашей отгрузки, ни строки')
    expect(await shipmentStates(o.order.id)).to.deep.equal(['planned', 'planned'])
    expect(await stockAt(app, o.w, o.coffee.id)).to.deep.equal({ onHand: 50, reserved: 10 })
    const recs = await app.c.db('onec_sale_shipments').where({ order_id: o.order.id }).orderBy('id')
    expect(recs.map((r: { onec_no: string; state: string; note: string }) => [r.onec_no, r.state, r.note])).to.deep.equal([
      ['ЗЛ00-000700', 'unmatched', 'открыто отгрузок: 2 (1, 2), а 1С не сообщила ни номер нашей отгрузки, ни строки'],
      ['ЗЛ00-000701', 'unmatched', 'строки 1С не совпадают ни с одной открытой отгрузкой (1, 2)'],
      ['ЗЛ00-000702', 'unmatched', 'товара «НЕТ-ТАКОГО» нет в заказе'],
    ])

    // They wait at the top of /admin/onec until the manager marks them handled.
    const manager = await staffUser(app)
    const page = await manager.browser.get('/admin/onec')
    for (const r of recs) expect(page.text).to.contain(`data-onec-sale-shipment="${r.id}"`)
    expect((await manager.browser.post(`/admin/onec/shipments/${recs[0].id}/settle`)).status).to.equal(303)
    expect((await manager.browser.get('/admin/onec')).text).not.to.contain(`data-onec-sale-shipment="${recs[0].id}"`)
    expect((await app.c.db('onec_sale_shipments').where({ id: recs[0].id }).first()).state).to.equal('settled')

    // The manager ships the first by hand; 1C's next shipment, with no lines, is the single open one.
    await app.c.orders.transition(o.order.id, 'awaiting_payment', staff)
    await app.c.orders.transition(o.order.id, 'assembling', staff)
    await app.c.orders.shipShipment(o.order.id, o.s1!, staff)
    clock.advance(1000)
    const next = await exchange([{ number: o.order.number, requisites: { 'Номер отгрузки по 1С': 'ЗЛ00-000703', 'Дата отгрузки по 1С': '2026-11-28' } }])
    expect(next).not.to.include('не применено')
    expect(await shipmentStates(o.order.id)).to.deep.equal(['shipped', 'shipped'])
    expect(await status(o.order.id)).to.equal('shipped')
    expect(await stockAt(app, o.w, o.coffee.id)).to.deep.equal({ onHand: 40, reserved: 0 })
  })

  it('an order not split is one shipment: shipped when 1C’s lines are the whole order, reported when they are a part of it', async () => {
    const part = await order({ split: false })
    const a = await exchange([{ number: part.order.number, children: [{ number: 'ЗЛ00-000800', date: '2026-11-27', operation: 'Реализация товаров', items: [{ id: part.coffee.guid, qty: '10' }] }] }])
    expect(a).to.include('1С отгрузила не весь заказ, а заказ не разделён на отгрузки')
    expect(await status(part.order.id)).to.equal('pending')
    expect(await stockAt(app, part.w, part.coffee.id)).to.deep.equal({ onHand: 50, reserved: 10 })
    const whole = await order({ split: false })
    const b = await exchange([{ number: whole.order.number, children: [{ number: 'ЗЛ00-000801', date: '2026-11-27', operation: 'Реализация товаров', items: [{ id: whole.coffee.guid, qty: '10' }, { sku: whole.tea.sku, qty: '4.000' }] }] }])
    expect(b).not.to.include('не применено')
    expect(await status(whole.order.id)).to.equal('shipped')
    expect(await stockAt(app, whole.w, whole.coffee.id)).to.deep.equal({ onHand: 40, reserved: 0 })
    expect(await stockAt(app, whole.w, whole.tea.id)).to.deep.equal({ onHand: 16, reserved: 0 })
  })
})
