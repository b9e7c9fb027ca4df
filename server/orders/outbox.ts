import type { Db } from '../db/knex.js'
import { enqueue } from '../integrations/outbox/store.js'
import type { Actor, InvoiceRow, OrderLineRow, OrderRow, OrderStatus } from './types.js'

/*
 * The order topics of the outbox (documented in server/orders/CONTEXT.md and the README). Each row is written in the same
 * transaction as the change it announces; the CRM and accounting integrations register handlers for these topics, and
 * until they do the rows wait in the queue (the dispatcher leaves topics without a handler untouched).
 */

export const ORDER_PLACED = 'order.placed'
export const ORDER_CHANGED = 'order.changed'
export const ORDER_CANCELLED = 'order.cancelled'

/** The order as every payload carries it. */
function summary(o: OrderRow) {
  return {
    id: o.id,
    number: o.number,
    company_id: o.company_id,
    status: o.status,
    total_kopecks: Number(o.total_kopecks),
    vat_kopecks: Number(o.vat_kopecks),
    point_id: o.point_id,
    point_text: o.point_text,
    client_ref: o.client_ref,
    comment: o.comment,
    source: o.source,
    created_at: new Date(Number(o.created_at)).toISOString(),
  }
}

/**
 * An actor as the outbox payloads carry it. `via` says which outside system made the change when that matters to the
 * integrations (`b24_deal`: the order followed its Bitrix24 deal's stage, so the CRM sync must not echo the stage back).
 */
export type OutboxActor = Actor & { via?: 'b24_deal' }

const actorOf = (a: OutboxActor) => ({ kind: a.kind, user_id: a.userId, ...(a.via ? { via: a.via } : {}) })

/** `order.placed`: the whole order, its lines and its invoices, once per order. */
export function enqueuePlaced(
  trx: Db,
  o: OrderRow,
  lines: Omit<OrderLineRow, 'id' | 'order_id' | 'sku_norm' | 'name_search'>[],
  invoices: { payerId: number; amountKopecks: number }[],
  actor: Actor,
  now: number,
): Promise<void> {
  return enqueue(trx, {
    topic: ORDER_PLACED,
    key: `${ORDER_PLACED}:${o.id}`,
    now,
    payload: {
      event: ORDER_PLACED,
      order: summary(o),
      lines: lines.map((l) => ({
        product_id: l.product_id,
        sku: l.sku,
        name: l.name,
        unit: l.unit,
        packaging: l.packaging_name || null,
        qty_milli: l.qty_milli,
        unit_kopecks: l.unit_kopecks,
        line_kopecks: l.line_kopecks,
        vat_rate: l.vat_rate,
        vat_kopecks: l.vat_kopecks,
        warehouse_id: l.warehouse_id,
        comment: l.comment,
      })),
      invoices: invoices.map((i) => ({ payer_company_id: i.payerId, amount_kopecks: i.amountKopecks })),
      actor: actorOf(actor),
      at: new Date(now).toISOString(),
    },
  })
}

/**
 * `order.changed` (a state, a payment, a split, a merge) or `order.cancelled`, keyed by the order event that recorded it,
 * so each change is announced once.
 */
export function enqueueChange(
  trx: Db,
  o: OrderRow,
  change: { kind: string; eventId: number; from: OrderStatus | null; to: OrderStatus | null; note: string; invoices?: Pick<InvoiceRow, 'payer_company_id' | 'amount_kopecks' | 'paid_kopecks'>[] },
  actor: Actor,
  now: number,
): Promise<void> {
  const topic = change.to === 'cancelled' ? ORDER_CANCELLED : ORDER_CHANGED
  return enqueue(trx, {
    topic,
    key: `${topic}:${o.id}:${change.eventId}`,
    now,
    payload: {
      event: topic,
      change: change.kind,
      order: { ...summary(o), status: change.to ?? o.status },
      from: change.from,
      to: change.to,
      note: change.note,
      ...(change.invoices ? { invoices: change.invoices.map((i) => ({ payer_company_id: i.payer_company_id, amount_kopecks: Number(i.amount_kopecks), paid_kopecks: Number(i.paid_kopecks) })) } : {}),
      actor: actorOf(actor),
      at: new Date(now).toISOString(),
    },
  })
}
