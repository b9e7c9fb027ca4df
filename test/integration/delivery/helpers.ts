import type { TestApp } from '../../support/app.js'
import { orderingBuyer, placeOrder, stocked, warehouse } from '../orders/helpers.js'
import { insertId } from '../../../server/db/dialect.js'

/** A buyer with a delivery point, two products (one in boxes with known sizes) and a placed order. */
export async function orderWithDelivery(app: TestApp, o: { phone?: string } = {}) {
  const b = await orderingBuyer(app)
  const t = app.clock.now().getTime()
  const pointId = await insertId(app.c.db, 'delivery_points', {
    company_id: b.company.id, name: 'Склад покупателя', address: 'г. Санкт-Петербург, Невский пр., д. 1', contact_name: 'Петров Пётр',
    contact_phone: o.phone ?? '+7 (999) 111-22-33', is_default: true, created_at: t, updated_at: t,
  })
  const wh = await warehouse(app)
  const boxed = await stocked(app, { warehouseId: wh, onHand: 100, unit: 'шт', factor: 12, name: 'Стакан 250 мл' })
  await app.c.db('products').where({ id: boxed.id }).update({ weight_grams: 50 })
  await app.c.db('packagings').where({ id: boxed.packagingId }).update({ length_cm: 30, width_cm: 20, height_cm: 15, weight_g: 700 })
  const loose = await stocked(app, { warehouseId: wh, onHand: 100, unit: 'кг', factor: 1, name: 'Кофе в зёрнах' })
  await app.c.db('products').where({ id: loose.id }).update({ weight_grams: 1000 })
  const order = await placeOrder(app, b, [{ p: boxed, qty: 24 }, { p: loose, qty: 5 }], wh, { pointId })
  return { b, order, pointId }
}


/**
 * Splits the order of `orderWithDelivery` into two shipments (12 boxes + 2 kg on 1 December, the rest on 10 December), moves
 * it to «собирается» and ships both; returns the shipments in order.
 */
export async function splitAndShip(app: TestApp, b: Awaited<ReturnType<typeof orderingBuyer>>, order: { id: number; number: string }) {
  const member = (await app.c.companies.forMember(b.user.id, b.company.id))!
  const lines = await app.c.db('order_lines').where({ order_id: order.id }).orderBy('id')
  const problems = await app.c.orders.split(member, b.user.id, order.number, [
    { plannedOn: '2026-12-01', qty: new Map([[lines[0].id, 12_000], [lines[1].id, 2_000]]) },
    { plannedOn: '2026-12-10', qty: new Map([[lines[0].id, 12_000], [lines[1].id, 3_000]]) },
  ])
  if (problems.length) throw new Error(`split refused: ${JSON.stringify(problems)}`)
  const shipments: { id: number }[] = await app.c.db('order_shipments').where({ order_id: order.id }).orderBy('no')
  const system = { kind: 'system' as const, userId: null }
  for (const to of ['awaiting_payment', 'assembling'] as const) await app.c.orders.transition(order.id, to, system)
  for (const s of shipments) await app.c.orders.shipShipment(order.id, s.id, system)
  return shipments
}
