import { expect } from 'chai'
import { startApp, type TestApp } from '../../support/app.js'
import { createCompany } from '../../support/factories.js'
import { dropCartTypes } from '../carts/helpers.js'
import { blend, memberOf, orderingBuyer, outboxOf, placeOrder, put, stockAt, stocked, typedCart, warehouse } from './helpers.js'

const kop = (rows: { [k: string]: unknown }[], col: string) => rows.reduce((s, r) => s + Number(r[col]), 0)

describe('split and merge of orders', () => {
  let app: TestApp
  before(async () => {
    app = await startApp()
  })
  after(async () => {
    await dropCartTypes(app)
    await app.close()
  })

  it('splits an order into two shipments by lines and quantities: quantities and money add up exactly', async () => {
    const b = await orderingBuyer(app)
    const w = await warehouse(app)
    const bags = await stocked(app, { warehouseId: w, onHand: 300, price: 33_333, factor: 30 }) // 9 999,90 ₽ a bag
    const cups = await stocked(app, { warehouseId: w, onHand: 5000, price: 777, unit: 'шт', factor: 50 })
    const tea = await stocked(app, { warehouseId: w, onHand: 50, price: 101, factor: 1 })
    const order = await placeOrder(app, b, [{ p: bags, qty: 90 }, { p: cups, qty: 150 }, { p: tea, qty: 7 }], w)
    const lines = await app.c.db('order_lines').where({ order_id: order.id }).orderBy('sort')
    const [l1, l2, l3] = lines.map((l: any) => Number(l.id))

    const form = await b.browser.get(`/orders/${order.number}/split`)
    expect(form.status).to.equal(200)
    const bad = await b.browser.post(`/orders/${order.number}/split`, { date1: '2099-03-01', date2: '2099-02-01', [`first[${l1}]`]: '1,5', [`first[${l2}]`]: 'два', [`first[${l3}]`]: '9' })
    expect(bad.status).to.equal(422)
    expect(bad.text).to.contain('вы ввели «два»').and.contain('value="1,5"').and.contain('value="2099-03-01"')
    const bad2 = await b.browser.post(`/orders/${order.number}/split`, { date1: '2099-03-01', date2: '2099-02-01', [`first[${l1}]`]: '1,5', [`first[${l2}]`]: '2', [`first[${l3}]`]: '9' })
    expect(bad2.status).to.equal(422)
    expect(bad2.text).to.contain('делите целыми упаковками по 30 кг').and.contain('в первую отгрузку больше, чем в заказе')
    expect(await app.c.db('order_shipments').where({ order_id: order.id })).to.have.length(0)

    const ok = await b.browser.post(`/orders/${order.number}/split`, { date1: '2099-03-01', date2: '2099-04-01', [`first[${l1}]`]: '1', [`first[${l2}]`]: '2', [`first[${l3}]`]: '0' })
    expect(ok.status, ok.text).to.equal(303)
    const shipments = await app.c.db('order_shipments').where({ order_id: order.id }).orderBy('no')
    expect(shipments.map((s: any) => [s.no, s.planned_on, s.status])).to.deep.equal([[1, '2099-03-01', 'planned'], [2, '2099-04-01', 'planned']])
    const sl = await app.c.db('order_shipment_lines').whereIn('shipment_id', shipments.map((s: any) => s.id))
    for (const l of lines) {
      expect(kop(sl.filter((x: any) => Number(x.order_line_id) === Number(l.id)), 'qty_milli'), l.sku).to.equal(Number(l.qty_milli))
    }
    const detail = await app.c.orders.view(await memberOf(app, b.user.id, b.company.id), order.number)
    expect(detail.shipments.map((s) => s.kopecks).reduce((x, y) => x + y, 0)).to.equal(order.total_kopecks)
    // 1 of 3 bags: a third of 2 999 970 kopecks; cups 100 of 150: two thirds of 116 550.
    expect(detail.shipments[0]!.kopecks).to.equal(999_990 + 77_700)
    const page = await b.browser.get(`/orders/${order.number}`)
    expect(page.text).to.contain('Отгрузка 1').and.contain('Отгрузка 2').and.contain('Разделён на отгрузки')
    expect((await outboxOf(app, order.id)).map((o: any) => JSON.parse(o.payload).change ?? 'placed')).to.deep.equal(['placed', 'split'])
    // A new plan replaces the old one while nothing is shipped.
    expect((await b.browser.post(`/orders/${order.number}/split`, { date1: '2099-03-05', date2: '2099-03-06', [`first[${l1}]`]: '2', [`first[${l2}]`]: '3', [`first[${l3}]`]: '7' })).status).to.equal(303)
    expect((await app.c.db('order_shipments').where({ order_id: order.id }).orderBy('no')).map((s: any) => s.planned_on)).to.deep.equal(['2099-03-05', '2099-03-06'])
    // Not after shipment.
    await app.c.db('orders').where({ id: order.id }).update({ status: 'shipped' })
    const late = await b.browser.post(`/orders/${order.number}/split`, { date1: '2099-03-05', date2: '2099-03-06', [`first[${l1}]`]: '1', [`first[${l2}]`]: '1', [`first[${l3}]`]: '1' })
    expect(late.status).to.equal(422)
    expect(late.text).to.contain('уже не разделить')
  })

  it('splits into three shipments from the form: the last takes the rest, the sums are checked across shipments', async () => {
    const b = await orderingBuyer(app)
    const w = await warehouse(app)
    const bags = await stocked(app, { warehouseId: w, onHand: 300, price: 10_000, factor: 30 })
    const order = await placeOrder(app, b, [{ p: bags, qty: 150 }], w)
    const [l1] = (await app.c.db('order_lines').where({ order_id: order.id })).map((l: any) => Number(l.id))
    const form = await b.browser.get(`/orders/${order.number}/split?parts=3`)
    expect(form.status).to.equal(200)
    expect(form.text).to.contain('name="date3"').and.contain(`name="q2[${l1}]"`).and.contain('Отгрузка 3: остальное')
    const over = await b.browser.post(`/orders/${order.number}/split`, { parts: '3', date1: '2099-03-01', date2: '2099-03-08', date3: '2099-03-15', [`first[${l1}]`]: '3', [`q2[${l1}]`]: '3' })
    expect(over.status).to.equal(422)
    expect(over.text).to.contain('в отгрузки 1–2 больше, чем в заказе').and.contain('name="date3" value="2099-03-15"')
    const ok = await b.browser.post(`/orders/${order.number}/split`, { parts: '3', date1: '2099-03-01', date2: '2099-03-08', date3: '2099-03-15', [`first[${l1}]`]: '1', [`q2[${l1}]`]: '2' })
    expect(ok.status, ok.text).to.equal(303)
    const shipments = await app.c.db('order_shipments').where({ order_id: order.id }).orderBy('no')
    const sl = await app.c.db('order_shipment_lines').whereIn('shipment_id', shipments.map((x: any) => x.id))
    expect(shipments.map((x: any) => [x.planned_on, Number(sl.find((y: any) => Number(y.shipment_id) === Number(x.id))?.qty_milli ?? 0)])).to.deep.equal([
      ['2099-03-01', 30_000],
      ['2099-03-08', 60_000],
      ['2099-03-15', 60_000],
    ])
    // The form opens with the saved plan's three shipments.
    const again = await b.browser.get(`/orders/${order.number}/split`)
    expect(again.text).to.contain('value="2099-03-15"').and.contain(`name="q2[${l1}]" value="2"`)
  })

  it('ships a split order shipment by shipment: each takes its share of the reservations off the stock, blends too, exactly', async () => {
    const b = await orderingBuyer(app)
    const w = await warehouse(app)
    const bags = await stocked(app, { warehouseId: w, onHand: 300, price: 33_333, factor: 30 })
    const lotA = await stocked(app, { warehouseId: w, onHand: 100, price: 1_000, factor: 1 })
    const lotB = await stocked(app, { warehouseId: w, onHand: 100, price: 1_000, factor: 1 })
    const mix = await blend(app, [[lotA.id, 0.6], [lotB.id, 0.4]])
    const order = await placeOrder(app, b, [{ p: bags, qty: 90 }, { p: mix, qty: 7 }], w)
    expect(await stockAt(app, w, bags.id)).to.deep.equal({ onHand: 300, reserved: 90 })
    expect(await stockAt(app, w, lotA.id)).to.deep.equal({ onHand: 100, reserved: 4.2 })
    const [l1, l2] = (await app.c.db('order_lines').where({ order_id: order.id }).orderBy('sort')).map((l: any) => Number(l.id))
    const ok = await b.browser.post(`/orders/${order.number}/split`, { date1: '2099-03-01', date2: '2099-04-01', [`first[${l1}]`]: '1', [`first[${l2}]`]: '3' })
    expect(ok.status, ok.text).to.equal(303)
    const staffActor = { kind: 'staff' as const, userId: b.user.id }
    await app.c.orders.transition(order.id, 'awaiting_payment', staffActor)
    await app.c.orders.transition(order.id, 'assembling', staffActor)
    const [s1, s2] = await app.c.db('order_shipments').where({ order_id: order.id }).orderBy('no')
    await app.c.orders.shipShipment(order.id, Number(s1.id), staffActor)
    // The first shipment: one bag (30 of 90 kg) and 3 of 7 kg of the blend (60 % / 40 % of it from the lots).
    expect(await stockAt(app, w, bags.id)).to.deep.equal({ onHand: 270, reserved: 60 })
    expect(await stockAt(app, w, lotA.id)).to.deep.equal({ onHand: 98.2, reserved: 2.4 })
    expect(await stockAt(app, w, lotB.id)).to.deep.equal({ onHand: 98.8, reserved: 1.6 })
    expect((await app.c.db('orders').where({ id: order.id }).first()).status).to.equal('partly_shipped')
    await app.c.orders.shipShipment(order.id, Number(s2.id), staffActor)
    expect(await stockAt(app, w, bags.id)).to.deep.equal({ onHand: 210, reserved: 0 })
    expect(await stockAt(app, w, lotA.id)).to.deep.equal({ onHand: 95.8, reserved: 0 })
    expect(await stockAt(app, w, lotB.id)).to.deep.equal({ onHand: 97.2, reserved: 0 })
    expect((await app.c.db('orders').where({ id: order.id }).first()).status).to.equal('shipped')
    expect(await app.c.db('order_reservations').where({ order_id: order.id, status: 'active' })).to.have.length(0)
  })

  it('merges not-yet-assembled orders: lines, reservations and invoices carried over exactly', async () => {
    const b = await orderingBuyer(app)
    const ip = await createCompany(app, b.user.id, { kind: 'ip', role: 'buyer', status: 'verified', name: 'ИП Слиянов' })
    const w = await warehouse(app)
    const a = await stocked(app, { warehouseId: w, onHand: 100, price: 12_345 })
    const c = await stocked(app, { warehouseId: w, onHand: 100, price: 999 })
    const first = await placeOrder(app, b, [{ p: a, qty: 3 }, { p: c, qty: 1 }], w, { comment: 'утром' })
    const cartB = await typedCart(app, b.company.id, w)
    await put(app, cartB.id, a, 2)
    await put(app, cartB.id, c, 5)
    const out = await app.c.orders.checkout(await memberOf(app, b.user.id, b.company.id), b.user.id, { cartIds: [cartB.id], pointId: '', comment: 'вечером', clientRef: '', payers: [{ companyId: ip.id, amountKopecks: 10_000 }, { companyId: b.company.id, amountKopecks: null }], source: 'web' }, { kind: 'buyer', userId: b.user.id })
    if (!out.ok) throw new Error('not placed')
    const second = out.order
    const third = await placeOrder(app, b, [{ p: c, qty: 2 }], w)
    await app.c.db('orders').where({ id: third.id }).update({ status: 'assembling' })
    const before = { a: await stockAt(app, w, a.id), c: await stockAt(app, w, c.id) }
    expect(before).to.deep.equal({ a: { onHand: 100, reserved: 5 }, c: { onHand: 100, reserved: 8 } })

    const refused = await b.browser.post('/orders/merge', { number: [first.number, third.number] })
    expect(refused.status).to.equal(303)
    expect((await b.browser.get('/orders')).text).to.contain(`Заказ № ${third.number} в состоянии «собирается»`)
    const stranger = await placeOrder(app, await orderingBuyer(app), [{ p: c, qty: 1 }], w)
    expect((await b.browser.post('/orders/merge', { number: [first.number, stranger.number] })).status).to.equal(404)
    before.c.reserved += 1

    const res = await b.browser.post('/orders/merge', { number: [second.number, first.number] })
    expect(res.status).to.equal(303)
    expect(res.headers.location).to.equal(`/orders/${first.number}`)
    const merged = await app.c.db('orders').where({ id: first.id }).first()
    const gone = await app.c.db('orders').where({ id: second.id }).first()
    expect(Number(merged.total_kopecks)).to.equal(first.total_kopecks + second.total_kopecks)
    expect(Number(merged.vat_kopecks)).to.equal(first.vat_kopecks + second.vat_kopecks)
    expect(merged.comment).to.equal('утром\nвечером')
    expect([gone.status, Number(gone.merged_into_id), Number(gone.total_kopecks)]).to.deep.equal(['cancelled', first.id, 0])
    const lines = await app.c.db('order_lines').where({ order_id: first.id }).orderBy('sort')
    expect(lines.map((l: any) => [Number(l.product_id), Number(l.qty_milli)])).to.deep.equal([[a.id, 3000], [c.id, 1000], [a.id, 2000], [c.id, 5000]])
    expect(kop(lines, 'line_kopecks')).to.equal(Number(merged.total_kopecks))
    const invoices = await app.c.db('order_invoices').where({ order_id: first.id }).orderBy('payer_company_id')
    expect(kop(invoices, 'amount_kopecks')).to.equal(Number(merged.total_kopecks))
    expect(invoices.map((i: any) => [Number(i.payer_company_id), Number(i.amount_kopecks)]).sort((x: number[], y: number[]) => x[0]! - y[0]!)).to.deep.equal(
      [[b.company.id, first.total_kopecks + second.total_kopecks - 10_000], [ip.id, 10_000]].sort((x, y) => x[0]! - y[0]!),
    )
    expect(await app.c.db('order_invoices').where({ order_id: second.id })).to.have.length(0)
    const reservations = await app.c.db('order_reservations').whereIn('order_id', [first.id, second.id])
    expect(reservations.every((r: any) => Number(r.order_id) === first.id && r.status === 'active')).to.equal(true)
    expect(reservations).to.have.length(4)
    expect({ a: await stockAt(app, w, a.id), c: await stockAt(app, w, c.id) }).to.deep.equal(before)
    expect((await outboxOf(app, first.id)).map((o: any) => o.topic)).to.deep.equal(['order.placed', 'order.changed'])
    expect((await outboxOf(app, second.id)).map((o: any) => o.topic)).to.deep.equal(['order.placed', 'order.cancelled'])
    const page = await b.browser.get(`/orders/${second.number}`)
    expect(page.text).to.contain(`Объединён в заказ № ${first.number}`)

    // Cancelling the merged order releases exactly what both held.
    await b.browser.post(`/orders/${first.number}/cancel`)
    expect(await stockAt(app, w, a.id)).to.deep.equal({ onHand: 100, reserved: 0 })
    expect(await stockAt(app, w, c.id)).to.deep.equal({ onHand: 100, reserved: 3 })
  })
})
