/** Shapes of orders: rows as the store returns them, the checkout's input and outcomes, and the history filter. */

import type { ShortLine } from '../stock/types.js'

/** The order's state (see `rules.ts` for the transitions and the Russian names). */
export type OrderStatus =
  | 'pending'
  | 'awaiting_payment'
  | 'partly_paid'
  | 'paid'
  | 'assembling'
  | 'partly_shipped'
  | 'shipped'
  | 'delivered'
  | 'completed'
  | 'cancelled'

/** Who or what caused a change: the buyer on the site or through the API, supplier staff, 1C, Bitrix24, the portal itself. */
export type ActorKind = 'buyer' | 'api' | 'staff' | 'onec' | 'b24' | 'system'

export interface Actor {
  kind: ActorKind
  userId: number | null
}

export interface OrderRow {
  id: number
  number: string
  company_id: number
  status: OrderStatus
  point_id: number | null
  point_text: string
  client_ref: string
  comment: string
  total_kopecks: number
  vat_kopecks: number
  created_by: number | null
  source: 'web' | 'api'
  merged_into_id: number | null
  onec_id: string | null
  onec_number: string | null
  b24_deal_id: string | null
  created_at: number
  updated_at: number
}

export interface OrderLineRow {
  id: number
  order_id: number
  product_id: number | null
  sku: string
  name: string
  sku_norm: string
  name_search: string
  unit: string
  packaging_id: number | null
  packaging_name: string
  packaging_factor_milli: number
  qty_milli: number
  unit_kopecks: number
  line_kopecks: number
  vat_rate: string
  vat_kopecks: number
  rule_label: string
  warehouse_id: number | null
  source_cart_id: number | null
  source_cart_name: string
  cart_type_id: number | null
  comment: string
  sort: number
}

export interface InvoiceRow {
  id: number
  order_id: number
  payer_company_id: number
  amount_kopecks: number
  paid_kopecks: number
  onec_id: string | null
  created_at: number
  updated_at: number
}

/** An invoice with its payer's name, for pages. */
export interface InvoiceView extends InvoiceRow {
  payer_name: string
  payer_inn: string | null
}

export interface EventRow {
  id: number
  order_id: number
  kind: string
  from_status: OrderStatus | null
  to_status: OrderStatus | null
  actor_kind: ActorKind
  actor_user_id: number | null
  actor_name: string | null
  note: string
  created_at: number
}

export interface ShipmentRow {
  id: number
  order_id: number
  no: number
  planned_on: string
  status: 'planned' | 'shipped'
  shipped_at: number | null
  /** When the carrier (CDEK) reported it handed over (migration 015). */
  delivered_at?: number | null
}

export interface ShipmentLineRow {
  shipment_id: number
  order_line_id: number
  qty_milli: number
}

/** An order in the history list, with what the filters and badges need. */
export interface OrderListRow extends OrderRow {
  positions: number
  paid_kopecks: number
}

/** What the checkout form (or the API) asks for. Amounts are typed text on the page; the API sends kopecks. */
export interface CheckoutInput {
  cartIds: number[]
  /** '' keeps the carts' point; otherwise an id of the company's delivery points as typed. */
  pointId: string
  comment: string
  clientRef: string
  /** Empty: invoices follow the carts' payers. Otherwise the split: payer company id → amount in kopecks (null: the rest). */
  payers: { companyId: number; amountKopecks: number | null }[]
  source: 'web' | 'api'
  /** The buyer API's Idempotency-Key and the hash of its request body. */
  idempotency?: { key: string; hash: string }
}

/** A line that checkout refuses (a rule, not stock): its cart, article and the Russian reason. */
export interface LineProblem {
  cartId: number
  lineId: number | null
  sku: string
  message: string
}

/** What checkout returns: the order, or every reason it was refused, as values (never a 500). */
export type CheckoutOutcome =
  | { ok: true; order: OrderRow; replayed: boolean }
  | { ok: false; kind: 'invalid'; errors: Record<string, string>; lines: LineProblem[] }
  | { ok: false; kind: 'shortage'; short: ShortageLine[] }

/** A short line as the buyer sees it. */
export interface ShortageLine extends ShortLine {
  cartId: number
  lineId: number
  cartName: string
  sku: string
  name: string
  unit: string
  /** Russian: «GRN-ETH: нужно 120 кг, доступно 60 кг на складе «Подольск»». */
  message: string
}

/** The history's filters, as parsed from the query string. */
export interface OrderFilter {
  number: string
  from: number | null
  to: number | null
  status: OrderStatus | 'open' | null
  product: string
  minKopecks: number | null
  maxKopecks: number | null
  pointId: number | null
  payerId: number | null
  page: number
}
