import type { Knex } from 'knex'
import type { Db } from '../db/knex.js'
import { insertId, isUniqueViolation } from '../db/dialect.js'
import type { DeliveryRequestRow, DeliveryStatusRow } from './types.js'

/** The order, its buyer company and delivery point, as a delivery request needs them. */
export interface OrderForDelivery {
  id: number
  number: string
  status: string
  company_id: number
  point_id: number | null
  point_text: string
  company_name: string
  director_name: string
  docs_phone: string
  docs_email: string
  point_address: string | null
  point_contact_name: string | null
  point_contact_phone: string | null
}

export function orderForDelivery(db: Db, orderId: number): Promise<OrderForDelivery | undefined> {
  return db('orders as o')
    .join('companies as c', 'c.id', 'o.company_id')
    .leftJoin('delivery_points as p', 'p.id', 'o.point_id')
    .where('o.id', orderId)
    .first(
      'o.id', 'o.number', 'o.status', 'o.company_id', 'o.point_id', 'o.point_text',
      'c.name_short as company_name', 'c.director_name', 'c.docs_phone', 'c.docs_email',
      'p.address as point_address', 'p.contact_name as point_contact_name', 'p.contact_phone as point_contact_phone',
    )
}

export async function orderIdByNumber(db: Db, number: string): Promise<number | null> {
  const row = await db('orders').where({ number }).first('id')
  return row ? Number(row.id) : null
}

export function shipmentsOf(db: Db, orderId: number): Promise<{ id: number; no: number; planned_on: string; status: string }[]> {
  return db('order_shipments').where({ order_id: orderId }).orderBy('no').select('id', 'no', 'planned_on', 'status')
}

/** A line of what ships (one shipment, or the whole order), with the product's weight and its packaging's sizes. */
export interface LineToShip {
  name: string
  sku: string
  qty_milli: number
  unit_kopecks: number
  weight_grams: number | null
  factor_milli: number | null
  length_cm: number | null
  width_cm: number | null
  height_cm: number | null
  weight_g: number | null
}

export function linesToShip(db: Db, orderId: number, shipmentId: number | null): Promise<LineToShip[]> {
  const q = db('order_lines as l')
    .leftJoin('products as pr', 'pr.id', 'l.product_id')
    .leftJoin('packagings as pk', 'pk.id', 'l.packaging_id')
    .where('l.order_id', orderId)
    .orderBy('l.sort')
    .orderBy('l.id')
  if (shipmentId !== null) q.join('order_shipment_lines as sl', 'sl.order_line_id', 'l.id').andWhere('sl.shipment_id', shipmentId)
  return q.select(
    'l.name', 'l.sku', shipmentId !== null ? 'sl.qty_milli' : 'l.qty_milli', 'l.unit_kopecks',
    'pr.weight_grams', 'pk.factor_milli', 'pk.length_cm', 'pk.width_cm', 'pk.height_cm', 'pk.weight_g',
  )
}

export async function insertRequest(db: Db, row: Omit<DeliveryRequestRow, 'id'>): Promise<number> {
  return insertId(db, 'delivery_requests', row)
}

export function requestById(db: Db, id: number): Promise<DeliveryRequestRow | undefined> {
  return db('delivery_requests').where({ id }).first()
}

export function requestByUuid(db: Db, uuid: string): Promise<DeliveryRequestRow | undefined> {
  return db('delivery_requests').where({ cdek_uuid: uuid }).first()
}

export function requestsOfOrder(db: Db, orderId: number): Promise<(DeliveryRequestRow & { shipment_no: number | null; order_number: string })[]> {
  return db('delivery_requests as d')
    .join('orders as o', 'o.id', 'd.order_id')
    .leftJoin('order_shipments as s', 's.id', 'd.shipment_id')
    .where('d.order_id', orderId)
    .orderBy('d.id')
    .select('d.*', 's.no as shipment_no', 'o.number as order_number')
}

/** The newest requests for /admin/delivery, optionally of one state. */
export function listRequests(db: Db, o: { status: string | null; limit: number }): Promise<(DeliveryRequestRow & { shipment_no: number | null; order_number: string; company_name: string })[]> {
  const q = db('delivery_requests as d')
    .join('orders as o', 'o.id', 'd.order_id')
    .join('companies as c', 'c.id', 'o.company_id')
    .leftJoin('order_shipments as s', 's.id', 'd.shipment_id')
  if (o.status) q.where('d.status', o.status)
  return q.orderBy('d.id', 'desc').limit(o.limit).select('d.*', 's.no as shipment_no', 'o.number as order_number', 'c.name_short as company_name')
}

export async function countByStatus(db: Db): Promise<Record<string, number>> {
  const rows: { status: string; n: number | string }[] = await db('delivery_requests').select('status').count({ n: '*' }).groupBy('status')
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]))
}

export async function updateRequest(db: Db, id: number, patch: Partial<DeliveryRequestRow>): Promise<void> {
  await db('delivery_requests').where({ id }).update(patch)
}

/** A conditional state move, checked by affected rows (two pollers, a poller and a webhook). */
export async function moveRequest(db: Db, id: number, from: string[], patch: Partial<DeliveryRequestRow>): Promise<boolean> {
  return Number(await db('delivery_requests').where({ id }).whereIn('status', from).update(patch)) === 1
}

/** Adds a status to the history; false when it is already there (a repeated webhook, a poll after the webhook). */
export async function insertStatus(db: Db, row: Omit<DeliveryStatusRow, 'id'>): Promise<number | null> {
  try {
    return await insertId(db, 'delivery_statuses', row)
  } catch (err) {
    if (isUniqueViolation(err)) return null
    throw err
  }
}

export function historyOf(db: Db, requestIds: number[]): Promise<DeliveryStatusRow[]> {
  if (!requestIds.length) return Promise.resolve([])
  return db('delivery_statuses').whereIn('request_id', requestIds).orderBy('at').orderBy('id')
}

/**
 * What the poll job asks CDEK about: requests still waiting for their track number last looked at before `acceptedBefore`,
 * and requests on the way last looked at before `movingBefore`.
 */
export function openRequests(db: Db, o: { acceptedBefore: number; movingBefore: number; limit: number }): Promise<DeliveryRequestRow[]> {
  const stale = (before: number) => (w: Knex.QueryBuilder) => w.whereNull('polled_at').orWhere('polled_at', '<', before)
  return db('delivery_requests')
    .whereNotNull('cdek_uuid')
    .andWhere((w) =>
      w
        .where((q) => q.where({ status: 'accepted' }).andWhere(stale(o.acceptedBefore)))
        .orWhere((q) => q.whereIn('status', ['created', 'in_transit', 'ready']).andWhere(stale(o.movingBefore))),
    )
    .orderBy('id')
    .limit(o.limit)
}

/** One check of the CDEK webhook subscription (migration 015). */
export interface WebhookCheckRow {
  id: number
  outcome: 'present' | 'created' | 'error'
  url: string
  cdek_uuid: string | null
  error: string | null
  actor: string
  checked_at: number
}

export async function insertWebhookCheck(db: Db, row: Omit<WebhookCheckRow, 'id'>): Promise<number> {
  return insertId(db, 'cdek_webhook_checks', row)
}

/** The newest check of the subscription, or undefined before the first. */
export async function lastWebhookCheck(db: Db): Promise<WebhookCheckRow | undefined> {
  const r = await db('cdek_webhook_checks').orderBy('checked_at', 'desc').orderBy('id', 'desc').first()
  return r ? { ...r, checked_at: Number(r.checked_at) } : undefined
}
