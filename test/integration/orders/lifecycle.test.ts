import { expect } from 'chai'
import { startApp, type TestApp } from '../../support/app.js'
import { staff } from '../../support/factories.js'
import { dropCartTypes } from '../carts/helpers.js'
import { STATUSES, TRANSITIONS } from '../../../server/orders/rules.js'
import type { OrderStatus } from '../../../server/orders/types.js'
import { Validation } from '../../../server/shared/errors.js'
import { memberOf, orderingBuyer, outboxOf, placeOrder, stockAt, stocked, warehouse } from './helpers.js'

describe('order lifecycle', () => {
  let app: TestApp
  before(async () => {
    app = await startApp()
  })
  after(async () => {
    await dropCartTypes(app)
    await app.close()
  })

  it('allows exactly the transitions of the machine, each recorded with its actor and an outbox row', async function () {
    this.timeout(120_000)
    const b = await orderingBuyer(app)
    const w = await warehouse(app)
    const p = await stocked(app, { warehouseId: w, onHand: 1000 })
    const manager = await staff(app)
    const order = await placeOrder(app, b, [{ p, qty: 1 }], w)
    let checked = 0
    for (const from of STATUSES) {
      for (const to of STATUSES) {
        await app.c.db('orders').where({ id: order.id }).update({ status: from })
        const events = Number((await app.c.db('order_events').where({ order_id: order.id }).count({ n: '*' }))[0]!.n)
        const allowed = TRANSITIONS[from].includes(to)
        try {
          await app.c.orders.transition(order.id, to, { kind: 'staff', userId: manager.user.id }, `проверка ${from}→${to}`)
          expect(allowed, `${from} → ${to} went through`).to.equal(true)
          const last = await app.c.db('order_events').where({ order_id: order.id }).orderBy('id', 'desc').first()
          expect([last.from_status, last.to_status, last.actor_kind, Number(last.actor_user_id), last.note]).to.deep.equal([from, to, 'staff', manager.user.id, `проверка ${from}→${to}`])
          const row = await app.c.db('outbox').where({ idempotency_key: `${to === 'cancelled' ? 'order.cancelled' : 'order.changed'}:${order.id}:${last.id}` }).first()
          expect(JSON.parse(row.payload)).to.include({ from, to })
          expect((await app.c.db('orders').where({ id: order.id }).first()).status).to.equal(to)
        } catch (e) {
          if (!(e instanceof Validation)) throw e
          expect(allowed, `${from} → ${to} refused: ${e.message}`).to.equal(false)
          expect((await app.c.db('orders').where({ id: order.id }).first()).status).to.equal(from)
          expect(Number((await app.c.db('order_events').where({ order_id: order.id }).count({ n: '*' }))[0]!.n)).to.equal(events)
        }
        checked++
      }
    }
    expect(checked).to.equal(100)
  })

  it('lets the buyer cancel before shipment and releases the reservations exactly', async () => {
    const b = await orderingBuyer(app)
    const w = await warehouse(app)
    const a = await stocked(app, { warehouseId: w, onHand: 30 })
    const c = await stocked(app, { warehouseId: w, onHand: 30 })
    const first = await placeOrder(app, b, [{ p: a, qty: 7 }, { p: c, qty: 2 }], w)
    const second = await placeOrder(app, b, [{ p: a, qty: 5 }], w)
    expect(await stockAt(app, w, a.id)).to.deep.equal({ onHand: 30, reserved: 12 })
    const res = await b.browser.post(`/orders/${first.number}/cancel`, { reason: 'клиент передумал' })
    expect(res.status).to.equal(303)
    expect(await stockAt(app, w, a.id)).to.deep.equal({ onHand: 30, reserved: 5 })
    expect(await stockAt(app, w, c.id)).to.deep.equal({ onHand: 30, reserved: 0 })
    const rows = await app.c.db('order_reservations').where({ order_id: first.id })
    expect(rows.every((r: any) => r.status === 'released')).to.equal(true)
    const page = await b.browser.get(`/orders/${first.number}`)
    expect(page.text).to.contain('отменён').and.contain('клиент передумал').and.contain('снят')
    const outbox = await outboxOf(app, first.id)
    expect(outbox.map((o: any) => o.topic)).to.deep.equal(['order.placed', 'order.cancelled'])
    // A second cancel is refused with the reason; nothing is released twice.
    const again = await b.browser.post(`/orders/${first.number}/cancel`)
    expect(again.status).to.equal(303)
    expect((await b.browser.get(`/orders/${first.number}`)).text).to.contain('Заказ уже в состоянии «отменён»')
    expect(await stockAt(app, w, a.id)).to.deep.equal({ onHand: 30, reserved: 5 })
    // After shipment the buyer cannot cancel.
    await app.c.db('orders').where({ id: second.id }).update({ status: 'shipped' })
    await b.browser.post(`/orders/${second.number}/cancel`)
    expect((await app.c.db('orders').where({ id: second.id }).first()).status).to.equal('shipped')
    const viewer = await orderingBuyer(app, 'viewer')
    expect((await viewer.browser.post(`/orders/${second.number}/cancel`)).status).to.equal(404)
  })

  it('moves through payments per invoice and shipments, consuming the reservations when shipped', async () => {
    const b = await orderingBuyer(app)
    const w = await warehouse(app)
    const a = await stocked(app, { warehouseId: w, onHand: 40, price: 10_000, factor: 2 })
    const order = await placeOrder(app, b, [{ p: a, qty: 10 }], w)
    const manager = await staff(app)
    const to = (s: OrderStatus) => manager.browser.post(`/admin/orders/${order.id}/status`, { status: s })
    expect((await to('awaiting_payment')).status).to.equal(303)
    const invoice = await app.c.db('order_invoices').where({ order_id: order.id }).first()
    expect((await manager.browser.post(`/admin/orders/${order.id}/invoices/${invoice.id}/pay`, { amount: '400' })).status).to.equal(303)
    expect((await app.c.db('orders').where({ id: order.id }).first()).status).to.equal('partly_paid')
    expect((await b.browser.get(`/orders/${order.number}`)).text).to.contain('частично оплачен').and.contain('600\u00a0₽')
    expect((await manager.browser.post(`/admin/orders/${order.id}/invoices/${invoice.id}/pay`, { amount: '600' })).status).to.equal(303)
    expect((await app.c.db('orders').where({ id: order.id }).first()).status).to.equal('paid')
    const refused = await to('delivered')
    expect(refused.status).to.equal(422)
    expect(refused.text).to.contain('Из состояния «оплачен» нельзя перейти в «доставлен»')
    expect((await to('assembling')).status).to.equal(303)
    // A split plan: the buyer takes 3 packagings now, 2 later.
    const split = await b.browser.post(`/orders/${order.number}/split`, { date1: '2099-01-10', date2: '2099-02-10', [`first[${(await app.c.db('order_lines').where({ order_id: order.id }).first()).id}]`]: '3' })
    expect(split.status, split.text).to.equal(303)
    const shipments = await app.c.db('order_shipments').where({ order_id: order.id }).orderBy('no')
    expect((await manager.browser.post(`/admin/orders/${order.id}/shipments/${shipments[0].id}/ship`)).status).to.equal(303)
    expect((await app.c.db('orders').where({ id: order.id }).first()).status).to.equal('partly_shipped')
    // The first shipment's goods left the warehouse: 6 of the 10 reserved are consumed, 4 stay reserved for the second.
    expect(await stockAt(app, w, a.id)).to.deep.equal({ onHand: 34, reserved: 4 })
    expect((await manager.browser.post(`/admin/orders/${order.id}/shipments/${shipments[1].id}/ship`)).status).to.equal(303)
    expect((await app.c.db('orders').where({ id: order.id }).first()).status).to.equal('shipped')
    expect(await stockAt(app, w, a.id)).to.deep.equal({ onHand: 30, reserved: 0 })
    expect((await to('delivered')).status).to.equal(303)
    expect((await to('completed')).status).to.equal(303)
    const events = await app.c.db('order_events').where({ order_id: order.id }).orderBy('id')
    expect(events.map((e: any) => `${e.kind}:${e.to_status}:${e.actor_kind}`)).to.deep.equal([
      'placed:pending:buyer', 'status:awaiting_payment:staff', 'payment:awaiting_payment:staff', 'status:partly_paid:staff', 'payment:partly_paid:staff',
      'status:paid:staff', 'status:assembling:staff', 'split:assembling:buyer', 'status:partly_shipped:staff', 'status:shipped:staff', 'status:delivered:staff', 'status:completed:staff',
    ])
    const admin = await manager.browser.get(`/admin/orders/${order.id}`)
    expect(admin.text).to.contain('завершён').and.contain('Состояние заказа больше не меняется')
    const list = await manager.browser.get(`/admin/orders?number=${order.number}`)
    expect(list.text, list.text.slice(0, 3000)).to.contain(`№ ${order.number}`)
    // Buyers never reach the staff pages.
    expect((await b.browser.get(`/admin/orders/${order.id}`)).status).to.equal(404)
  })

  it('keeps two concurrent moves of one order from both succeeding', async () => {
    const b = await orderingBuyer(app)
    const w = await warehouse(app)
    const a = await stocked(app, { warehouseId: w, onHand: 40 })
    const order = await placeOrder(app, b, [{ p: a, qty: 4 }], w)
    const member = await memberOf(app, b.user.id, b.company.id)
    const results = await Promise.allSettled([
      app.c.orders.cancel(member, b.user.id, order.number),
      app.c.orders.cancel(member, b.user.id, order.number),
      app.c.orders.transition(order.id, 'awaiting_payment', { kind: 'staff', userId: null }),
    ])
    expect(results.filter((r) => r.status === 'fulfilled').length).to.be.at.most(2)
    expect(await app.c.db('order_events').where({ order_id: order.id, kind: 'cancelled' })).to.have.length(1)
    expect(await stockAt(app, w, a.id)).to.deep.equal({ onHand: 40, reserved: 0 })
  })
})
