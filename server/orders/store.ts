import type { Knex } from 'knex'
import type { Db } from '../db/knex.js'
import { insertId, isUniqueViolation, likeEscape } from '../db/dialect.js'
import { foldText, normalizeSku } from '../catalog/rules.js'
import { HISTORY_PAGE } from './rules.js'
import type { ActorKind, EventRow, InvoiceRow, InvoiceView, OrderFilter, OrderLineRow, OrderListRow, OrderRow, OrderStatus, ShipmentLineRow, ShipmentRow } from './types.js'

/** Every query of orders. Companies are always part of the key: a company's order is found only with its company's id. */

const num = (v: unknown) => (v === null || v === undefined ? v : Number(v))

function normOrder<T extends OrderRow>(r: T): T {
  return { ...r, total_kopecks: Number(r.total_kopecks), vat_kopecks: Number(r.vat_kopecks), created_at: Number(r.created_at), updated_at: Number(r.updated_at) }
}

function normLine(r: OrderLineRow): OrderLineRow {
  return {
    ...r,
    packaging_factor_milli: Number(r.packaging_factor_milli),
    qty_milli: Number(r.qty_milli),
    unit_kopecks: Number(r.unit_kopecks),
    line_kopecks: Number(r.line_kopecks),
    vat_kopecks: Number(r.vat_kopecks),
  }
}

function normInvoice<T extends InvoiceRow>(r: T): T {
  return { ...r, amount_kopecks: Number(r.amount_kopecks), paid_kopecks: Number(r.paid_kopecks), created_at: Number(r.created_at), updated_at: Number(r.updated_at) }
}

export type OrderWrite = Omit<OrderRow, 'id' | 'number' | 'merged_into_id' | 'onec_id' | 'onec_number' | 'b24_deal_id' | 'created_at' | 'updated_at'>

/** Inserts an order and gives it its number (from the id) in the same transaction. */
export async function insertOrder(trx: Db, w: OrderWrite, numberOf: (id: number) => string, now: number): Promise<OrderRow> {
  const placeholder = `new-${now}-${Math.random().toString(36).slice(2, 12)}`
  const id = await insertId(trx, 'orders', { ...w, number: placeholder, created_at: now, updated_at: now })
  await trx('orders').where({ id }).update({ number: numberOf(id) })
  return (await findById(trx, id))!
}

export type LineWrite = Omit<OrderLineRow, 'id' | 'order_id' | 'sku_norm' | 'name_search'>

/** Inserts the lines one by one (their ids are needed for the reservations); returns the ids in order. */
export async function insertLines(trx: Db, orderId: number, lines: LineWrite[]): Promise<number[]> {
  const ids: number[] = []
  for (const l of lines) ids.push(await insertId(trx, 'order_lines', { ...l, order_id: orderId, sku_norm: normalizeSku(l.sku).slice(0, 100), name_search: foldText(l.name).slice(0, 500) }))
  return ids
}

export async function insertInvoices(trx: Db, orderId: number, invoices: { payerId: number; amountKopecks: number; paidKopecks?: number }[], now: number): Promise<void> {
  if (!invoices.length) return
  await trx('order_invoices').insert(
    invoices.map((i) => ({ order_id: orderId, payer_company_id: i.payerId, amount_kopecks: i.amountKopecks, paid_kopecks: i.paidKopecks ?? 0, created_at: now, updated_at: now })),
  )
}

export async function insertEvent(
  trx: Db,
  e: { orderId: number; kind: string; from: OrderStatus | null; to: OrderStatus | null; actor: { kind: ActorKind; userId: number | null }; note?: string },
  now: number,
): Promise<number> {
  return insertId(trx, 'order_events', {
    order_id: e.orderId, kind: e.kind, from_status: e.from, to_status: e.to, actor_kind: e.actor.kind, actor_user_id: e.actor.userId, note: (e.note ?? '').slice(0, 1000), created_at: now,
  })
}

export async function findById(db: Db, id: number): Promise<OrderRow | undefined> {
  const r = await db('orders').where({ id }).first()
  return r ? normOrder(r) : undefined
}

/** The company's order by its number, or undefined (another company's order looks the same as none). */
export async function findByNumber(db: Db, companyId: number, number: string): Promise<OrderRow | undefined> {
  const r = await db('orders').where({ company_id: companyId, number }).first()
  return r ? normOrder(r) : undefined
}

/** The company's orders with these numbers. */
export async function findByNumbers(db: Db, companyId: number, numbers: string[]): Promise<OrderRow[]> {
  if (!numbers.length) return []
  const rows: OrderRow[] = await db('orders').where({ company_id: companyId }).whereIn('number', numbers).orderBy('id')
  return rows.map(normOrder)
}

/**
 * Moves an order from one state to another if and only if it is still in `from` (a conditional update checked by affected
 * rows), so two people moving the same order at once cannot both succeed.
 */
export async function setStatus(trx: Db, id: number, from: OrderStatus, to: OrderStatus, now: number): Promise<boolean> {
  return Number(await trx('orders').where({ id, status: from }).update({ status: to, updated_at: now })) === 1
}

export async function updateOrder(trx: Db, id: number, patch: Partial<Pick<OrderRow, 'total_kopecks' | 'vat_kopecks' | 'comment' | 'merged_into_id' | 'status'>>, now: number): Promise<void> {
  await trx('orders').where({ id }).update({ ...patch, updated_at: now })
}

/** Takes the row lock of the orders (MySQL) or the write lock (SQLite) first, in id order, before reading them in a transaction. */
export async function touchOrders(trx: Db, ids: number[], now: number): Promise<void> {
  for (const id of [...ids].sort((a, b) => a - b)) await trx('orders').where({ id }).update({ updated_at: now })
}

export async function linesOf(db: Db, orderId: number): Promise<OrderLineRow[]> {
  const rows: OrderLineRow[] = await db('order_lines').where({ order_id: orderId }).orderBy([{ column: 'sort' }, { column: 'id' }])
  return rows.map(normLine)
}

/** Moves lines to another order, after its own lines (a merge). */
export async function moveLines(trx: Db, fromOrderId: number, toOrderId: number, sortOffset: number): Promise<void> {
  await trx('order_lines').where({ order_id: fromOrderId }).update({ order_id: toOrderId, sort: trx.raw('sort + ?', [sortOffset]) })
}

export async function invoicesOf(db: Db, orderId: number): Promise<InvoiceView[]> {
  const rows: InvoiceView[] = await db('order_invoices as i')
    .join('companies as c', 'c.id', 'i.payer_company_id')
    .where('i.order_id', orderId)
    .orderBy('i.id')
    .select('i.*', 'c.name_short as payer_name', 'c.inn as payer_inn')
  return rows.map(normInvoice)
}

export async function deleteInvoices(trx: Db, orderIds: number[]): Promise<void> {
  await trx('order_invoices').whereIn('order_id', orderIds).delete()
}

export async function findInvoice(db: Db, orderId: number, invoiceId: number): Promise<InvoiceRow | undefined> {
  const r = await db('order_invoices').where({ id: invoiceId, order_id: orderId }).first()
  return r ? normInvoice(r) : undefined
}

export async function setInvoicePaid(trx: Db, invoiceId: number, paidKopecks: number, now: number): Promise<void> {
  await trx('order_invoices').where({ id: invoiceId }).update({ paid_kopecks: paidKopecks, updated_at: now })
}

export async function payAllInvoices(trx: Db, orderId: number, now: number): Promise<void> {
  await trx('order_invoices').where({ order_id: orderId }).update({ paid_kopecks: trx.ref('amount_kopecks'), updated_at: now })
}

export async function eventsOf(db: Db, orderId: number): Promise<EventRow[]> {
  const rows: EventRow[] = await db('order_events as e')
    .leftJoin('users as u', 'u.id', 'e.actor_user_id')
    .where('e.order_id', orderId)
    .orderBy('e.id')
    .select('e.*', 'u.full_name as actor_name')
  return rows.map((r) => ({ ...r, created_at: Number(r.created_at) }))
}

export async function shipmentsOf(db: Db, orderId: number): Promise<{ shipments: ShipmentRow[]; lines: ShipmentLineRow[] }> {
  const shipments: ShipmentRow[] = await db('order_shipments').where({ order_id: orderId }).orderBy('no')
  const lines: ShipmentLineRow[] = shipments.length
    ? await db('order_shipment_lines').whereIn('shipment_id', shipments.map((s) => s.id)).orderBy('id').select('shipment_id', 'order_line_id', 'qty_milli')
    : []
  return { shipments: shipments.map((s) => ({ ...s, shipped_at: num(s.shipped_at) as number | null, delivered_at: num(s.delivered_at) as number | null })), lines: lines.map((l) => ({ ...l, qty_milli: Number(l.qty_milli) })) }
}

/** Replaces an order's shipments with a new plan. */
export async function replaceShipments(trx: Db, orderId: number, plan: { no: number; plannedOn: string; lines: { lineId: number; qtyMilli: number }[] }[], now: number): Promise<void> {
  await trx('order_shipments').where({ order_id: orderId }).delete()
  for (const s of plan) {
    const id = await insertId(trx, 'order_shipments', { order_id: orderId, no: s.no, planned_on: s.plannedOn, status: 'planned', created_at: now, updated_at: now })
    if (s.lines.length) await trx('order_shipment_lines').insert(s.lines.map((l) => ({ shipment_id: id, order_line_id: l.lineId, qty_milli: l.qtyMilli })))
  }
}

export async function deleteShipments(trx: Db, orderIds: number[]): Promise<void> {
  await trx('order_shipments').whereIn('order_id', orderIds).delete()
}

/** Marks a planned shipment shipped; false when it was not planned (shipped already, or not this order's). */
export async function markShipmentShipped(trx: Db, orderId: number, shipmentId: number, now: number): Promise<boolean> {
  return Number(await trx('order_shipments').where({ id: shipmentId, order_id: orderId, status: 'planned' }).update({ status: 'shipped', shipped_at: now, updated_at: now })) === 1
}

export async function markAllShipped(trx: Db, orderId: number, now: number): Promise<void> {
  await trx('order_shipments').where({ order_id: orderId, status: 'planned' }).update({ status: 'shipped', shipped_at: now, updated_at: now })
}

/** Whether the order already has an event of this kind with exactly this note (a carrier's note retried by the outbox). */
export async function hasEvent(trx: Db, orderId: number, kind: string, note: string): Promise<boolean> {
  return !!(await trx('order_events').where({ order_id: orderId, kind, note: note.slice(0, 1000) }).first('id'))
}

/**
 * Marks shipments delivered by the carrier (CDEK), once: `shipmentId` null marks every shipment of the order (a request
 * that carried the whole order). Returns how many shipments the order has and how many of them are delivered now.
 */
export async function markShipmentsDelivered(trx: Db, orderId: number, shipmentId: number | null, now: number): Promise<{ total: number; delivered: number }> {
  const q = trx('order_shipments').where({ order_id: orderId }).whereNull('delivered_at')
  if (shipmentId !== null) q.andWhere({ id: shipmentId })
  await q.update({ delivered_at: now, updated_at: now })
  const rows: { delivered_at: number | string | null }[] = await trx('order_shipments').where({ order_id: orderId }).select('delivered_at')
  return { total: rows.length, delivered: rows.filter((r) => r.delivered_at !== null).length }
}

/** The conditions of the history's filters on `orders as o`. */
function applyFilter(db: Db, q: Knex.QueryBuilder, f: OrderFilter): Knex.QueryBuilder {
  if (f.number) {
    const digits = f.number.replace(/\D/g, '')
    if (digits) q.where('o.number', 'like', `%${likeEscape(digits)}%`)
    else q.whereRaw('1 = 0')
  }
  if (f.from !== null) q.where('o.created_at', '>=', f.from)
  if (f.to !== null) q.where('o.created_at', '<', f.to)
  if (f.status === 'open') q.whereNotIn('o.status', ['completed', 'cancelled'])
  else if (f.status) q.where('o.status', f.status)
  if (f.minKopecks !== null) q.where('o.total_kopecks', '>=', f.minKopecks)
  if (f.maxKopecks !== null) q.where('o.total_kopecks', '<=', f.maxKopecks)
  if (f.pointId !== null) q.where('o.point_id', f.pointId)
  if (f.payerId !== null) q.whereExists(db('order_invoices as fi').whereRaw('fi.order_id = o.id').where('fi.payer_company_id', f.payerId).select(db.raw('1')))
  if (f.product) {
    const sku = normalizeSku(f.product)
    const words = foldText(f.product).split(/\s+/).filter(Boolean).slice(0, 6)
    q.whereExists(
      db('order_lines as fl')
        .whereRaw('fl.order_id = o.id')
        .where((w) => {
          if (sku) w.orWhereRaw('fl.sku_norm LIKE ? ESCAPE ?', [`%${likeEscape(sku)}%`, '\\'])
          if (words.length) w.orWhere((n) => void words.forEach((word) => n.whereRaw('fl.name_search LIKE ? ESCAPE ?', [`%${likeEscape(word)}%`, '\\'])))
        })
        .select(db.raw('1')),
    )
  }
  return q
}

/** One page of the company's orders (newest first) matching the filters, with positions and what is paid. */
export async function listOrders(db: Db, companyId: number | null, f: OrderFilter): Promise<{ rows: (OrderListRow & { company_name: string })[]; hasMore: boolean }> {
  const q = db('orders as o').join('companies as c', 'c.id', 'o.company_id')
  if (companyId !== null) q.where('o.company_id', companyId)
  applyFilter(db, q, f)
  const rows: (OrderListRow & { company_name: string })[] = await q
    .orderBy([{ column: 'o.created_at', order: 'desc' }, { column: 'o.id', order: 'desc' }])
    .limit(HISTORY_PAGE + 1)
    .offset((f.page - 1) * HISTORY_PAGE)
    .select(
      'o.*',
      'c.name_short as company_name',
      db('order_lines as l').whereRaw('l.order_id = o.id').count('*').as('positions'),
      db('order_invoices as i').whereRaw('i.order_id = o.id').sum('i.paid_kopecks').as('paid_kopecks'),
    )
  return {
    rows: rows.slice(0, HISTORY_PAGE).map((r) => ({ ...normOrder(r), positions: Number(r.positions), paid_kopecks: Number(r.paid_kopecks ?? 0) })),
    hasMore: rows.length > HISTORY_PAGE,
  }
}

/** Whether any of the order's shipments left the warehouse. */
export async function anyShipped(db: Db, orderId: number): Promise<boolean> {
  return !!(await db('order_shipments').where({ order_id: orderId, status: 'shipped' }).first('id'))
}

/** The payer companies that appear on the company's invoices (the history's «плательщик» filter). */
export async function payersOfCompany(db: Db, companyId: number): Promise<{ id: number; name_short: string }[]> {
  return db('order_invoices as i')
    .join('orders as o', 'o.id', 'i.order_id')
    .join('companies as c', 'c.id', 'i.payer_company_id')
    .where('o.company_id', companyId)
    .distinct('c.id', 'c.name_short')
    .orderBy('c.name_short')
}

/* Idempotency keys of the buyer API (POST /api/v1/orders). */

export interface IdempotencyRow {
  id: number
  company_id: number
  idem_key: string
  request_hash: string
  status: 'running' | 'done'
  order_id: number | null
  created_at: number
  updated_at: number
}

/** Claims a key for a request: true when this request owns it now; false when the key exists already. */
export async function claimKey(db: Db, companyId: number, key: string, hash: string, now: number): Promise<boolean> {
  try {
    await db('idempotency_keys').insert({ company_id: companyId, idem_key: key, request_hash: hash, status: 'running', order_id: null, created_at: now, updated_at: now })
    return true
  } catch (e) {
    if (isUniqueViolation(e)) return false
    throw e
  }
}

export async function findKey(db: Db, companyId: number, key: string): Promise<IdempotencyRow | undefined> {
  const r = await db('idempotency_keys').where({ company_id: companyId, idem_key: key }).first()
  return r ? { ...r, created_at: Number(r.created_at), updated_at: Number(r.updated_at) } : undefined
}

/** Takes over a key whose request died while running (its row is older than `staleBefore`); true when taken. */
export async function retakeStaleKey(db: Db, id: number, staleBefore: number, now: number): Promise<boolean> {
  return Number(await db('idempotency_keys').where({ id, status: 'running' }).andWhere('updated_at', '<', staleBefore).update({ updated_at: now })) === 1
}

/** Completes a key with the order it placed (in the order's own transaction). */
export async function completeKey(trx: Db, companyId: number, key: string, orderId: number, now: number): Promise<void> {
  await trx('idempotency_keys').where({ company_id: companyId, idem_key: key }).update({ status: 'done', order_id: orderId, updated_at: now })
}

/** Frees a key whose request placed nothing (refused or failed), so the client may send it again. */
export async function releaseKey(db: Db, companyId: number, key: string): Promise<void> {
  await db('idempotency_keys').where({ company_id: companyId, idem_key: key, status: 'running' }).delete()
}
