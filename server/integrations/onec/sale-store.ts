/** SQL of the 1C order exchange: which orders to send, what a session sent, what 1C said back. Plain functions `fn(db, …)`. */

import type { Db } from '../../db/knex.js'
import { insertId } from '../../db/dialect.js'
import type { OrderRow, OrderStatus } from '../../orders/types.js'
import type { SaleCompany, SaleOrder } from './sale-types.js'

/** Orders 1C has not confirmed at their current version: never exported (and not cancelled before it ever saw them), or changed since. */
export async function changedOrders(db: Db, limit: number): Promise<{ id: number; version: number }[]> {
  const rows: { id: number; updated_at: number }[] = await db('orders as o')
    .leftJoin('onec_sale_orders as s', 's.order_id', 'o.id')
    .where((w) =>
      w
        .where((n) => n.whereNull('s.exported_version').whereNot('o.status', 'cancelled'))
        .orWhere((c) => c.whereNotNull('s.exported_version').where('o.updated_at', '>', db.ref('s.exported_version'))),
    )
    .orderBy('o.id')
    .limit(limit)
    .select('o.id', 'o.updated_at')
  return rows.map((r) => ({ id: Number(r.id), version: Number(r.updated_at) }))
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
