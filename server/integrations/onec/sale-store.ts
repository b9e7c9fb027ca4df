/** SQL of the 1C order exchange: which orders to send, what a session sent, what 1C said back. Plain functions `fn(db, …)`. */

import type { Db } from '../../db/knex.js'
import { insertId, isUniqueViolation } from '../../db/dialect.js'
import type { OrderRow, OrderStatus } from '../../orders/types.js'
import type { SaleCompany, SaleOrder } from './sale-types.js'

/**
 * Orders 1C has not confirmed at their current version: never exported (and not cancelled before 1C ever saw them), or
 * changed on our side since. The version of an order is the id of its last event whose actor is not 1C: ids only grow and
 * an order's events are written under its row lock, so any change committed after a query's read has a larger id than the
 * version that query recorded (even in the same millisecond), and what 1C itself changed never makes an order «changed».
 * Read inside the query's transaction, so the versions and the documents written are one snapshot.
 */
export async function changedOrders(db: Db, limit: number): Promise<{ id: number; version: number }[]> {
  const ours = () => db('order_events as e').max('e.id').whereRaw('e.order_id = o.id').whereNot('e.actor_kind', 'onec')
  const rows: { id: number; version: number | null }[] = await db('orders as o')
    .leftJoin('onec_sale_orders as s', 's.order_id', 'o.id')
    .where((w) =>
      w
        .where((n) => n.whereNull('s.exported_version').whereNot('o.status', 'cancelled'))
        .orWhere((c) => c.whereNotNull('s.exported_version').where('s.exported_version', '<', ours())),
    )
    .orderBy('o.id')
    .limit(limit)
    .select('o.id', ours().as('version'))
  return rows.map((r) => ({ id: Number(r.id), version: Number(r.version ?? 0) }))
}

function company(r: Record<string, unknown>, prefix: string): SaleCompany {
  return {
    id: Number(r[`${prefix}id`]),
    name: String(r[`${prefix}name_short`] ?? ''),
    fullName: String(r[`${prefix}name_full`] ?? ''),
    inn: (r[`${prefix}inn`] as string | null) ?? null,
    kpp: (r[`${prefix}kpp`] as string | null) ?? null,
    legalAddress: String(r[`${prefix}legal_address`] ?? ''),
  }
}

const COMPANY_COLUMNS = ['id', 'name_short', 'name_full', 'inn', 'kpp', 'legal_address']

/** The orders with everything the writer needs, in id order. */
export async function saleOrders(db: Db, ids: number[]): Promise<SaleOrder[]> {
  if (!ids.length) return []
  const orders: Record<string, unknown>[] = await db('orders as o')
    .join('companies as c', 'c.id', 'o.company_id')
    .whereIn('o.id', ids)
    .orderBy('o.id')
    .select('o.*', ...COMPANY_COLUMNS.map((c) => `c.${c} as c_${c}`))
  const lines: Record<string, unknown>[] = await db('order_lines as l')
    .leftJoin('products as p', 'p.id', 'l.product_id')
    .whereIn('l.order_id', ids)
    .orderBy([{ column: 'l.order_id' }, { column: 'l.sort' }, { column: 'l.id' }])
    .select('l.*', 'p.external_id')
  const invoices: Record<string, unknown>[] = await db('order_invoices as i')
    .join('companies as c', 'c.id', 'i.payer_company_id')
    .whereIn('i.order_id', ids)
    .orderBy('i.id')
    .select('i.order_id', 'i.amount_kopecks', 'i.paid_kopecks', ...COMPANY_COLUMNS.map((c) => `c.${c} as c_${c}`))
  const shipments: Record<string, unknown>[] = await db('order_shipments').whereIn('order_id', ids).orderBy([{ column: 'order_id' }, { column: 'no' }]).select('id', 'order_id', 'no', 'planned_on', 'status')
  const shipLines: Record<string, unknown>[] = shipments.length
    ? await db('order_shipment_lines as sl')
        .join('order_lines as l', 'l.id', 'sl.order_line_id')
        .leftJoin('products as p', 'p.id', 'l.product_id')
        .whereIn('sl.shipment_id', shipments.map((x) => Number(x.id)))
        .orderBy([{ column: 'sl.shipment_id' }, { column: 'l.sort' }, { column: 'l.id' }])
        .select('sl.shipment_id', 'sl.qty_milli', 'l.sku', 'l.product_id', 'p.external_id')
    : []
  return orders.map((o) => {
    const id = Number(o.id)
    return {
      id,
      number: String(o.number),
      createdAt: Number(o.created_at),
      status: o.status as OrderStatus,
      totalKopecks: Number(o.total_kopecks),
      vatKopecks: Number(o.vat_kopecks),
      pointText: String(o.point_text ?? ''),
      clientRef: String(o.client_ref ?? ''),
      comment: String(o.comment ?? ''),
      buyer: company(o, 'c_'),
      lines: lines
        .filter((l) => Number(l.order_id) === id)
        .map((l) => ({
          externalId: (l.external_id as string | null) ?? null,
          productId: l.product_id === null ? null : Number(l.product_id),
          sku: String(l.sku),
          name: String(l.name),
          unit: String(l.unit),
          qtyMilli: Number(l.qty_milli),
          unitKopecks: Number(l.unit_kopecks),
          lineKopecks: Number(l.line_kopecks),
          vatRate: String(l.vat_rate),
          vatKopecks: Number(l.vat_kopecks),
        })),
      invoices: invoices
        .filter((i) => Number(i.order_id) === id)
        .map((i) => ({ payer: company(i, 'c_'), amountKopecks: Number(i.amount_kopecks), paidKopecks: Number(i.paid_kopecks) })),
      shipments: shipments
        .filter((x) => Number(x.order_id) === id)
        .map((x) => ({
          no: Number(x.no),
          plannedOn: String(x.planned_on),
          shipped: x.status === 'shipped',
          lines: shipLines
            .filter((l) => Number(l.shipment_id) === Number(x.id))
            .map((l) => ({ externalId: (l.external_id as string | null) ?? null, productId: l.product_id === null ? null : Number(l.product_id), sku: String(l.sku), qtyMilli: Number(l.qty_milli) })),
        })),
    }
  })
}

/** What one session's `mode=query` sent (a repeated query in the session replaces it). */
export async function recordSent(db: Db, sessionId: number, sent: { id: number; version: number }[], now: number): Promise<void> {
  await db.transaction(async (trx) => {
    await trx('onec_sale_sent').where({ session_id: sessionId }).delete()
    for (let i = 0; i < sent.length; i += 200) {
      await trx('onec_sale_sent').insert(sent.slice(i, i + 200).map((s) => ({ session_id: sessionId, order_id: s.id, version: s.version, created_at: now })))
    }
  })
}

/** `mode=success`: what the session sent becomes exported at the version sent (never moving a version back). */
export async function commitSent(db: Db, sessionId: number, now: number): Promise<number> {
  return db.transaction(async (trx) => {
    const sent: { order_id: number; version: number }[] = await trx('onec_sale_sent').where({ session_id: sessionId }).select('order_id', 'version')
    for (const s of sent) {
      const version = Number(s.version)
      const row = await trx('onec_sale_orders').where({ order_id: s.order_id }).first('exported_version')
      if (!row) await trx('onec_sale_orders').insert({ order_id: s.order_id, exported_version: version, exported_at: now, updated_at: now })
      else if (row.exported_version === null || Number(row.exported_version) < version) {
        await trx('onec_sale_orders').where({ order_id: s.order_id }).update({ exported_version: version, exported_at: now, updated_at: now })
      }
    }
    await trx('onec_sale_sent').where({ session_id: sessionId }).delete()
    return sent.length
  })
}

function normOrder(r: Record<string, unknown> | undefined): OrderRow | undefined {
  if (!r) return undefined
  return { ...(r as unknown as OrderRow), id: Number(r.id), company_id: Number(r.company_id), total_kopecks: Number(r.total_kopecks), vat_kopecks: Number(r.vat_kopecks), created_at: Number(r.created_at), updated_at: Number(r.updated_at) }
}

/** An order by our number (any company: 1C sees them all). */
export async function orderByNumber(db: Db, number: string): Promise<OrderRow | undefined> {
  return normOrder(await db('orders').where({ number }).first())
}

/** An order by 1C's own number of it (a payment or shipment document of its own may name the order so). */
export async function orderByOnecNumber(db: Db, onecNumber: string): Promise<OrderRow | undefined> {
  return onecNumber ? normOrder(await db('orders').where({ onec_number: onecNumber }).orderBy('id', 'desc').first()) : undefined
}

/** An order by 1C's Ид of its document. */
export async function orderByOnecId(db: Db, onecId: string): Promise<OrderRow | undefined> {
  return normOrder(await db('orders').where({ onec_id: onecId }).first())
}

/**
 * Stores 1C's Ид and number of the order without touching `updated_at` (learning 1C's number is not a change to send
 * back). An Ид already held by another order is left alone. Returns whether anything changed.
 */
export async function saveOnecIds(db: Db, order: OrderRow, onecId: string | null, onecNumber: string | null): Promise<boolean> {
  const patch: Record<string, string> = {}
  if (onecNumber && onecNumber !== order.onec_number) patch.onec_number = onecNumber.slice(0, 64)
  if (onecId && onecId !== order.onec_id && !(await db('orders').where({ onec_id: onecId }).whereNot({ id: order.id }).first('id'))) patch.onec_id = onecId.slice(0, 191)
  if (!Object.keys(patch).length) return false
  await db('orders').where({ id: order.id }).update(patch)
  return true
}

export interface OnecFacts {
  onec_date: string
  payment_no: string
  payment_date: string
  shipment_no: string
  shipment_date: string
}

/** What 1C told us about an order beyond its state (its date, payment and shipment documents); '' leaves a value as it is. */
export async function saveFacts(db: Db, orderId: number, facts: Partial<OnecFacts>, now: number): Promise<boolean> {
  const patch: Record<string, string> = {}
  for (const [k, v] of Object.entries(facts)) if (v) patch[k] = v.slice(0, k.endsWith('_no') ? 64 : 32)
  if (!Object.keys(patch).length) return false
  const row = await db('onec_sale_orders').where({ order_id: orderId }).first()
  if (!row) {
    await db('onec_sale_orders').insert({ order_id: orderId, exported_version: null, exported_at: null, ...patch, updated_at: now })
    return true
  }
  const changed = Object.fromEntries(Object.entries(patch).filter(([k, v]) => row[k] !== v))
  if (!Object.keys(changed).length) return false
  await db('onec_sale_orders').where({ order_id: orderId }).update({ ...changed, updated_at: now })
  return true
}

export async function factsOf(db: Db, orderId: number): Promise<(OnecFacts & { exported_version: number | null }) | undefined> {
  const r = await db('onec_sale_orders').where({ order_id: orderId }).first()
  return r ? { ...r, exported_version: r.exported_version === null ? null : Number(r.exported_version) } : undefined
}

export interface ImportRow {
  id: number
  fingerprint: string
  documents_done: number
  done: boolean
  report: string
}

/** The import of one file in one session so far, or undefined before its first step. */
export async function findImport(db: Db, sessionId: number, file: string): Promise<ImportRow | undefined> {
  const r = await db('onec_sale_imports').where({ session_id: sessionId, file }).orderBy('id', 'desc').first()
  return r ? { id: Number(r.id), fingerprint: String(r.fingerprint), documents_done: Number(r.documents_done), done: Boolean(r.done), report: String(r.report) } : undefined
}

export async function startImport(db: Db, sessionId: number, file: string, fingerprint: string, report: string, now: number): Promise<number> {
  await db('onec_sale_imports').where({ session_id: sessionId, file }).delete()
  return insertId(db, 'onec_sale_imports', { session_id: sessionId, file, fingerprint, documents_done: 0, done: false, report, created_at: now, updated_at: now })
}

export async function saveImport(db: Db, id: number, documentsDone: number, done: boolean, report: string, now: number): Promise<void> {
  await db('onec_sale_imports').where({ id }).update({ documents_done: documentsDone, done, report, updated_at: now })
}

/* Payments and shipments 1C reported (migration 013). */

export interface PaymentRecord {
  id: number
  order_id: number
  pay_key: string
  amount_kopecks: number | null
  applied_kopecks: number
  leftover_kopecks: number
  state: 'pending' | 'applied' | 'over' | 'unmatched'
}

function normPayment(r: Record<string, unknown>): PaymentRecord {
  return {
    id: Number(r.id), order_id: Number(r.order_id), pay_key: String(r.pay_key), amount_kopecks: r.amount_kopecks === null ? null : Number(r.amount_kopecks),
    applied_kopecks: Number(r.applied_kopecks), leftover_kopecks: Number(r.leftover_kopecks), state: r.state as PaymentRecord['state'],
  }
}

/** The payment 1C reported on the order under this key, if it was recorded before. */
export async function findPayment(db: Db, orderId: number, key: string): Promise<PaymentRecord | undefined> {
  const r = await db('onec_sale_payments').where({ order_id: orderId, pay_key: key }).first()
  return r ? normPayment(r) : undefined
}

/**
 * Records a payment 1C reported, as `pending` until it is placed; returns it, or the one recorded before under the same key
 * (a replay, or another call that got there first).
 */
export async function claimPayment(
  db: Db,
  p: { orderId: number; key: string; no: string; date: string; amountKopecks: number | null; payer: { inn: string; kpp: string; name: string } | null; sessionId: number },
  now: number,
): Promise<{ record: PaymentRecord; fresh: boolean }> {
  try {
    await db('onec_sale_payments').insert({
      order_id: p.orderId, pay_key: p.key, onec_no: p.no.slice(0, 64), onec_date: p.date.slice(0, 32), amount_kopecks: p.amountKopecks, applied_kopecks: 0, leftover_kopecks: 0,
      payer_inn: (p.payer?.inn ?? '').slice(0, 12), payer_kpp: (p.payer?.kpp ?? '').slice(0, 9), payer_name: (p.payer?.name ?? '').slice(0, 300), state: 'pending', note: '', session_id: p.sessionId, created_at: now, updated_at: now,
    })
    return { record: (await findPayment(db, p.orderId, p.key))!, fresh: true }
  } catch (err) {
    if (!isUniqueViolation(err)) throw err
    return { record: (await findPayment(db, p.orderId, p.key))!, fresh: false }
  }
}

/** What of a payment is already on our invoices (its parts, each written with the payment it made). */
export async function placedKopecks(db: Db, paymentId: number): Promise<number> {
  const r = await db('onec_sale_payment_parts').where({ payment_id: paymentId }).sum({ k: 'kopecks' }).first()
  return Number(r?.k ?? 0)
}

/** One part of a payment placed on an invoice; called inside the transaction of the payment itself. */
export async function insertPart(trx: Db, paymentId: number, invoiceId: number, kopecks: number, now: number): Promise<void> {
  await trx('onec_sale_payment_parts').insert({ payment_id: paymentId, invoice_id: invoiceId, kopecks, created_at: now })
}

/** The outcome of a payment once placed. */
export async function finishPayment(db: Db, id: number, o: { applied: number; leftover: number; state: PaymentRecord['state']; note: string }, now: number): Promise<void> {
  await db('onec_sale_payments').where({ id }).update({ applied_kopecks: o.applied, leftover_kopecks: o.leftover, state: o.state, note: o.note.slice(0, 500), updated_at: now })
}

/** The order's invoices with their payers' INN and KPP and what is still due, in invoice order. */
export async function invoiceDues(db: Db, orderId: number): Promise<{ id: number; payerId: number; inn: string | null; kpp: string | null; dueKopecks: number; name: string }[]> {
  const rows: Record<string, unknown>[] = await db('order_invoices as i').join('companies as c', 'c.id', 'i.payer_company_id').where('i.order_id', orderId).orderBy('i.id').select('i.id', 'i.payer_company_id', 'i.amount_kopecks', 'i.paid_kopecks', 'c.inn', 'c.kpp', 'c.name_short')
  return rows.map((r) => ({
    id: Number(r.id), payerId: Number(r.payer_company_id), inn: (r.inn as string | null) ?? null, kpp: (r.kpp as string | null) ?? null,
    dueKopecks: Math.max(0, Number(r.amount_kopecks) - Number(r.paid_kopecks)), name: String(r.name_short ?? ''),
  }))
}

/** The order's lines as shipment matching names them: the product (or article), the Ид we send and 1C's own, the article. */
export async function lineIdentities(db: Db, orderId: number): Promise<{ lineId: number; product: string; ids: string[]; sku: string; qtyMilli: number }[]> {
  const rows: Record<string, unknown>[] = await db('order_lines as l').leftJoin('products as p', 'p.id', 'l.product_id').where('l.order_id', orderId).orderBy([{ column: 'l.sort' }, { column: 'l.id' }]).select('l.id', 'l.product_id', 'l.sku', 'l.qty_milli', 'p.external_id')
  return rows.map((r) => {
    const productId = r.product_id === null ? null : Number(r.product_id)
    const ids = [r.external_id ? String(r.external_id) : '', productId !== null ? `b2b-product-${productId}` : `b2b-product-${String(r.sku)}`].filter(Boolean)
    return { lineId: Number(r.id), product: productId !== null ? `p${productId}` : `sku:${String(r.sku)}`, ids, sku: String(r.sku), qtyMilli: Number(r.qty_milli) }
  })
}

/** Whether the shipment 1C reported under this key was recorded before (in this state, when given). */
export async function shipmentRecorded(db: Db, orderId: number, key: string, state?: 'shipped'): Promise<boolean> {
  const q = db('onec_sale_shipments').where({ order_id: orderId, ship_key: key })
  if (state) q.where({ state })
  return !!(await q.first('id'))
}

/** Records a shipment 1C reported (in the transaction that ships it, when it ships one); false when recorded before. */
export async function recordShipment(
  db: Db,
  r: { orderId: number; key: string; no: string; date: string; shipmentId: number | null; shipmentNo: number | null; lines: unknown; state: 'shipped' | 'already' | 'unmatched'; note: string; sessionId: number },
  now: number,
): Promise<boolean> {
  try {
    await db('onec_sale_shipments').insert({
      order_id: r.orderId, ship_key: r.key, onec_no: r.no.slice(0, 64), onec_date: r.date.slice(0, 32), shipment_id: r.shipmentId, shipment_no: r.shipmentNo,
      lines: JSON.stringify(r.lines), state: r.state, note: r.note.slice(0, 500), session_id: r.sessionId, created_at: now,
    })
    return true
  } catch (err) {
    if (isUniqueViolation(err)) return false
    throw err
  }
}

/** What `/admin/onec` shows of the order exchange sessions: each file's report, and the payments and shipments 1C reported. */
export async function saleReportsOf(db: Db, sessionIds: number[]) {
  if (!sessionIds.length) return { imports: [], payments: [], shipments: [] }
  const imports: { session_id: number; file: string; done: boolean; report: string; documents_done: number }[] = await db('onec_sale_imports').whereIn('session_id', sessionIds).orderBy('id').select('session_id', 'file', 'done', 'report', 'documents_done')
  const payments: Record<string, unknown>[] = await db('onec_sale_payments as p')
    .join('orders as o', 'o.id', 'p.order_id')
    .whereIn('p.session_id', sessionIds)
    .orderBy('p.id')
    .select('p.id', 'p.session_id', 'o.id as order_id', 'o.number', 'p.onec_no', 'p.onec_date', 'p.amount_kopecks', 'p.applied_kopecks', 'p.leftover_kopecks', 'p.payer_inn', 'p.payer_name', 'p.state', 'p.note')
  const shipments: Record<string, unknown>[] = await db('onec_sale_shipments as s')
    .join('orders as o', 'o.id', 's.order_id')
    .whereIn('s.session_id', sessionIds)
    .orderBy('s.id')
    .select('s.id', 's.session_id', 'o.id as order_id', 'o.number', 's.onec_no', 's.onec_date', 's.shipment_no', 's.state', 's.note')
  return { imports: imports.map((i) => ({ ...i, session_id: Number(i.session_id), done: Boolean(i.done), documents_done: Number(i.documents_done) })), payments, shipments }
}

/** Payments and shipments 1C reported that still need a person (money not placed, shipments matched to none), newest first. */
export async function openIssues(db: Db, limit: number) {
  const payments: Record<string, unknown>[] = await db('onec_sale_payments as p')
    .join('orders as o', 'o.id', 'p.order_id')
    .whereIn('p.state', ['over', 'unmatched'])
    .orderBy('p.id', 'desc')
    .limit(limit)
    .select('p.id', 'p.session_id', 'o.id as order_id', 'o.number', 'p.onec_no', 'p.onec_date', 'p.amount_kopecks', 'p.applied_kopecks', 'p.leftover_kopecks', 'p.payer_inn', 'p.payer_name', 'p.state', 'p.note')
  const shipments: Record<string, unknown>[] = await db('onec_sale_shipments as s')
    .join('orders as o', 'o.id', 's.order_id')
    .where('s.state', 'unmatched')
    .orderBy('s.id', 'desc')
    .limit(limit)
    .select('s.id', 's.session_id', 'o.id as order_id', 'o.number', 's.onec_no', 's.onec_date', 's.shipment_no', 's.state', 's.note')
  return { payments, shipments }
}

/**
 * A person has handled a payment or shipment that needed one (placed or refunded the money by hand, shipped or split the
 * order): it leaves the list, its record says who and when. False when it was not open (handled already).
 */
export async function settleIssue(db: Db, kind: 'payment' | 'shipment', id: number, by: string, now: number): Promise<boolean> {
  const table = kind === 'payment' ? 'onec_sale_payments' : 'onec_sale_shipments'
  const open = kind === 'payment' ? ['over', 'unmatched'] : ['unmatched']
  const row = await db(table).where({ id }).whereIn('state', open).first('note')
  if (!row) return false
  const note = `${String(row.note ?? '')} · разобрано: ${by}, ${new Date(now).toISOString().slice(0, 16).replace('T', ' ')} UTC`.slice(0, 500)
  const patch: Record<string, unknown> = { state: 'settled', note }
  if (kind === 'payment') patch.updated_at = now
  return Number(await db(table).where({ id }).whereIn('state', open).update(patch)) === 1
}
