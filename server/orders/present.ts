import { formatQty, milliText, stockLevel, stockText } from '../catalog/rules.js'
import { productUrl } from '../catalog/present.js'
import { formatRub, lineKopecks } from '../shared/money.js'
import { formatDate, formatDateTime } from '../shared/time.js'
import type { CartLineDetail } from '../carts/types.js'
import type { Prepared } from './checkout.js'
import { PAYMENT_LABELS, STATUSES, STATUS_LABELS, TRANSITIONS, canCancel, canMerge, canSplit, paymentState, type PaymentState } from './rules.js'
import type { OrdersService } from './service.js'
import type { EventRow, OrderFilter, OrderLineRow, OrderListRow, OrderStatus, ShortageLine } from './types.js'

/** View-models of the checkout, the history and the order pages, and the buyer API's order shapes. */

export const orderUrl = (number: string) => `/orders/${number}`

/** CSS modifier of a state's badge: waiting, money, moving, done, cancelled. */
const BADGE: Record<OrderStatus, string> = {
  pending: 'wait', awaiting_payment: 'money', partly_paid: 'money', paid: 'ok', assembling: 'move', partly_shipped: 'move', shipped: 'move', delivered: 'ok', completed: 'done', cancelled: 'cancel',
}

export function statusBadge(s: OrderStatus) {
  return { label: STATUS_LABELS[s], css: BADGE[s], code: s }
}

/** The payment badge; none for cancelled orders (nothing is due). */
function paymentBadge(state: PaymentState, status: OrderStatus) {
  if (status === 'cancelled') return null
  return { label: PAYMENT_LABELS[state], css: state === 'paid' ? 'ok' : state === 'partly' ? 'money' : 'unpaid' }
}

const ACTORS: Record<string, string> = { buyer: 'покупатель', api: 'покупатель через API', staff: 'менеджер', onec: '1С', b24: 'Битрикс24', system: 'портал' }

function eventView(e: EventRow, tz: string) {
  return {
    at: formatDateTime(e.created_at, tz),
    what: e.kind === 'placed' ? 'Заказ оформлен' : e.to_status && e.from_status !== e.to_status ? `${e.from_status ? `${STATUS_LABELS[e.from_status]} → ` : ''}${STATUS_LABELS[e.to_status]}` : { payment: 'Оплата', split: 'Разделён на отгрузки', merged: 'Объединение', repeated: 'Повтор', delivery: 'Доставка СДЭК' }[e.kind] ?? e.kind,
    who: `${ACTORS[e.actor_kind] ?? e.actor_kind}${e.actor_name ? `: ${e.actor_name}` : ''}`,
    note: e.note,
  }
}

/** Packagings in the count buyers type («2», «1,5»); base units for a line without a packaging. */
function countOf(qtyMilli: number, factorMilli: number): string {
  return milliText(factorMilli > 0 ? Math.round((qtyMilli * 1000) / factorMilli) : qtyMilli)
}

function lineView(l: OrderLineRow) {
  return {
    id: l.id,
    sku: l.sku,
    name: l.name,
    url: l.product_id ? productUrl(l.sku) : null,
    packaging: l.packaging_name || l.unit,
    count: countOf(l.qty_milli, l.packaging_factor_milli),
    qtyText: formatQty(l.qty_milli, l.unit),
    unitPrice: `${formatRub(l.unit_kopecks)}/${l.unit}`,
    packPrice: l.packaging_factor_milli > 0 ? formatRub(lineKopecks(l.unit_kopecks, l.packaging_factor_milli)) : null,
    total: formatRub(l.line_kopecks),
    vat: l.vat_rate === 'none' ? 'без НДС' : `НДС ${l.vat_rate} %: ${formatRub(l.vat_kopecks)}`,
    rule: l.rule_label,
    cart: l.source_cart_name,
    comment: l.comment,
  }
}

type Detail = Awaited<ReturnType<OrdersService['view']>>

/** A CDEK delivery of the order as the order page shows it (server/delivery/present.ts `deliveryForBuyer`). */
export interface OrderDelivery {
  shipmentId: number | null
  shipmentText: string
  track: string | null
  trackUrl: string | null
  status: string
  badge: string
  at: number
  /** CDEK could not deliver, or the parcel is returning: what the buyer should know, in Russian. */
  problem?: string | null
}

/**
 * The order page: facts, badges, what the buyer may do, invoices, lines, shipments (each with its CDEK track and status
 * when a delivery was requested), reservations and events.
 */
export function presentOrder(d: Detail, tz: string, o: { canEdit: boolean; targets?: { value: string; label: string }[]; deliveries?: OrderDelivery[] } = { canEdit: false }) {
  const { order } = d
  const lineOf = new Map(d.lines.map((l) => [l.id, l]))
  const due = d.invoices.reduce((s, i) => s + Math.max(0, i.amount_kopecks - i.paid_kopecks), 0)
  return {
    title: `Заказ № ${order.number}`,
    order: {
      id: order.id,
      number: order.number,
      url: orderUrl(order.number),
      date: formatDateTime(order.created_at, tz),
      status: statusBadge(order.status),
      payment: paymentBadge(d.payment, order.status),
      total: formatRub(order.total_kopecks),
      vat: formatRub(order.vat_kopecks),
      due: order.status === 'cancelled' ? null : formatRub(due),
      point: order.point_text,
      clientRef: order.client_ref,
      comment: order.comment,
      source: order.source === 'api' ? 'через API' : 'на сайте',
      positions: d.lines.length,
      merged: order.merged_into_id !== null,
    },
    can: {
      cancel: o.canEdit && canCancel(order.status),
      split: o.canEdit && canSplit(order.status) && d.lines.length > 0 && !d.shipments.some((s) => s.status === 'shipped'),
      repeat: o.canEdit && d.lines.length > 0,
      merge: o.canEdit && canMerge(order.status),
    },
    targets: o.targets ?? [],
    deliveries: (o.deliveries ?? []).map((x) => ({ ...x, atText: formatDateTime(x.at, tz) })),
    invoices: d.invoices.map((i) => ({
      id: i.id,
      payer: i.payer_name,
      inn: i.payer_inn,
      amount: formatRub(i.amount_kopecks),
      paid: formatRub(i.paid_kopecks),
      due: formatRub(Math.max(0, i.amount_kopecks - i.paid_kopecks)),
      state: PAYMENT_LABELS[paymentState([i])],
    })),
    lines: d.lines.map(lineView),
    shipments: d.shipments.map((s) => ({
      id: s.id,
      no: s.no,
      plannedOn: formatDate(Date.parse(`${s.planned_on}T12:00:00Z`), tz),
      shipped: s.status === 'shipped',
      shippedAt: s.shipped_at ? formatDateTime(s.shipped_at, tz) : null,
      deliveredAt: s.delivered_at ? formatDateTime(s.delivered_at, tz) : null,
      total: formatRub(s.kopecks),
      delivery: (o.deliveries ?? []).find((x) => x.shipmentId === s.id) ?? null,
      lines: s.lines.map((x) => {
        const l = lineOf.get(x.order_line_id)
        return { sku: l?.sku ?? '', name: l?.name ?? '', count: l ? countOf(x.qty_milli, l.packaging_factor_milli) : '', packaging: l?.packaging_name || l?.unit || '', qtyText: formatQty(x.qty_milli, l?.unit ?? ''), total: formatRub(x.kopecks) }
      }),
    })),
    reservations: d.reservations.map((r) => ({
      sku: r.sku,
      name: r.product_name,
      forSku: lineOf.get(r.order_line_id)?.sku ?? '',
      component: lineOf.get(r.order_line_id)?.product_id !== r.product_id,
      warehouse: r.warehouse_name,
      qty: formatQty(r.qty_milli, r.base_unit),
      state: { active: 'в резерве', released: 'снят', consumed: 'отгружен' }[r.status],
    })),
    events: d.events.map((e) => eventView(e, tz)),
  }
}

/** A row of the history. */
function historyRow(r: OrderListRow & { company_name?: string }, tz: string) {
  const paid = r.paid_kopecks >= r.total_kopecks ? 'paid' : r.paid_kopecks > 0 ? 'partly' : 'unpaid'
  return {
    id: r.id,
    number: r.number,
    url: orderUrl(r.number),
    placedAt: formatDateTime(r.created_at, tz),
    status: statusBadge(r.status),
    payment: paymentBadge(paid, r.status),
    positions: r.positions,
    total: formatRub(r.total_kopecks),
    point: r.point_text,
    clientRef: r.client_ref,
    company: r.company_name ?? '',
    mergeable: canMerge(r.status),
  }
}

/** What the filters form shows as typed (the raw query values). */
export type FilterForm = Record<'number' | 'from' | 'to' | 'status' | 'product' | 'min' | 'max' | 'point' | 'payer', string>

type History = Awaited<ReturnType<OrdersService['history']>>

/** The history page: the filters as typed, the rows, and the pages. */
export function presentHistory(h: History, f: OrderFilter, form: FilterForm, tz: string, canEdit: boolean, query: string) {
  const pageUrl = (page: number) => `/orders?${new URLSearchParams({ ...Object.fromEntries(Object.entries(form).filter(([, v]) => v)), page: String(page) })}`
  return {
    title: 'Заказы',
    form,
    rows: h.rows.map((r) => historyRow(r, tz)),
    empty: !h.rows.length,
    filtered: query !== '',
    canEdit,
    statuses: [{ code: 'open', label: 'все открытые' }, ...STATUSES.map((s) => ({ code: s, label: STATUS_LABELS[s] }))].map((s) => ({ ...s, selected: s.code === form.status })),
    points: h.points.map((p) => ({ id: p.id, name: p.name, selected: String(p.id) === form.point })),
    payers: h.payers.map((p) => ({ id: p.id, name: p.name_short, selected: String(p.id) === form.payer })),
    prev: f.page > 1 ? pageUrl(f.page - 1) : null,
    next: h.hasMore ? pageUrl(f.page + 1) : null,
    page: f.page,
  }
}

/** The staff list of orders. */
export function presentAdminList(page: { rows: (OrderListRow & { company_name: string })[]; hasMore: boolean }, f: OrderFilter, form: FilterForm, tz: string) {
  return {
    title: 'Заказы',
    adminSection: 'orders',
    form,
    rows: page.rows.map((r) => ({ ...historyRow(r, tz), url: `/admin/orders/${r.id}` })),
    statuses: STATUSES.map((s) => ({ code: s, label: STATUS_LABELS[s], selected: s === form.status })),
    next: page.hasMore ? `/admin/orders?${new URLSearchParams({ ...Object.fromEntries(Object.entries(form).filter(([, v]) => v)), page: String(f.page + 1) })}` : null,
  }
}

/** The staff order page: the buyer's view plus the moves the machine allows, payments and shipments. */
export function presentAdminOrder(d: Awaited<ReturnType<OrdersService['viewForStaff']>>, tz: string, error: string | null) {
  const base = presentOrder(d, tz)
  return {
    ...base,
    adminSection: 'orders',
    company: d.company,
    error,
    moves: TRANSITIONS[d.order.status].map((s) => ({ code: s, label: STATUS_LABELS[s], danger: s === 'cancelled' })),
    payable: d.order.status !== 'cancelled',
  }
}

/** What the checkout form was sent with (kept on every error so nothing typed is lost). */
export interface CheckoutForm {
  cartIds: number[]
  pointId: string
  comment: string
  clientRef: string
  splitMode: 'carts' | 'manual'
  /** Payer company id → the amount as typed. */
  amounts: Record<string, string>
}

/**
 * The checkout page: the company's carts to choose from, the chosen carts' lines priced now with stock and problems,
 * the delivery point, the payers (by cart, or a split of typed amounts) and what went wrong.
 */
export function presentCheckout(
  p: {
    prepared: Prepared | null
    allCarts: { id: number; name: string; typeName: string; positions: number; clientRef: string }[]
    payers: { id: number; name_short: string; status: string }[]
    points: { id: number; name: string; address: string }[]
    stock: Map<string, number>
    form: CheckoutForm
    errors: Record<string, string>
    short: ShortageLine[]
    minSumKopecks: number
  },
) {
  const pr = p.prepared
  const problems = new Map((pr?.lines ?? []).map((l) => [`${l.cartId}:${l.lineId}`, l.message]))
  const shortOf = new Map(p.short.map((s) => [`${s.cartId}:${s.lineId}`, s.message]))
  const payerName = new Map(p.payers.map((c) => [c.id, c.name_short]))
  if (pr) payerName.set(pr.member.id, pr.member.name_short)
  const carts = (pr?.carts ?? []).map((c) => {
    const total = c.priced.lines.reduce((s, x) => s + (x.lineKopecks ?? 0), 0)
    return {
      id: c.cart.id,
      name: c.cart.name,
      typeName: c.type?.name ?? 'Обычная',
      warehouse: c.type?.warehouse_name ?? null,
      payer: payerName.get(c.cart.payer_company_id ?? pr!.member.id) ?? '',
      total: formatRub(total),
      lines: c.lines.map((l: CartLineDetail, i) => {
        const price = c.priced.lines[i]
        const pack = l.packaging_id === null ? null : pr!.packagings.get(l.packaging_id) ?? null
        const avail = c.type?.warehouse_id ? p.stock.get(`${c.type.warehouse_id}:${l.product_id}`) ?? 0 : null
        return {
          id: l.id,
          sku: l.sku,
          name: l.product_name,
          packaging: pack?.name ?? l.base_unit,
          count: countOf(l.qty_milli, pack?.factor_milli ?? 0),
          qtyText: formatQty(l.qty_milli, l.base_unit),
          unitPrice: price?.unitKopecks == null ? null : `${formatRub(price.unitKopecks)}/${l.base_unit}`,
          total: price?.lineKopecks == null ? null : formatRub(price.lineKopecks),
          stock:
            avail === null
              ? null
              : {
                  // As the warehouse shows itself to buyers: a quantity, or only «много / мало / под заказ».
                  text: stockText(c.type?.warehouse_show_mode ?? 'status', avail, l.base_unit, stockLevel(avail, c.type?.warehouse_low_packagings ?? 3, pack?.factor_milli ?? 1000)),
                  short: avail < l.qty_milli,
                },
          problem: problems.get(`${c.cart.id}:${l.id}`) ?? shortOf.get(`${c.cart.id}:${l.id}`) ?? null,
        }
      }),
    }
  })
  const chosen = new Set(p.form.cartIds)
  const byPayer = new Map<number, number>()
  for (const c of pr?.carts ?? []) {
    const id = c.cart.payer_company_id ?? pr!.member.id
    byPayer.set(id, (byPayer.get(id) ?? 0) + c.priced.lines.reduce((s, x) => s + (x.lineKopecks ?? 0), 0))
  }
  return {
    title: 'Оформление заказа',
    bodyClass: 'checkout-page',
    allCarts: p.allCarts.map((c) => ({ ...c, checked: chosen.has(c.id), empty: c.positions === 0 })),
    carts,
    total: formatRub(pr?.totalKopecks ?? 0),
    minSum: p.minSumKopecks > 0 ? formatRub(p.minSumKopecks) : null,
    form: p.form,
    manual: p.form.splitMode === 'manual',
    errors: p.errors,
    short: p.short.map((s) => s.message),
    byCartPayers: [...byPayer].map(([id, k]) => ({ name: payerName.get(id) ?? '', amount: formatRub(k) })),
    payers: p.payers.map((c) => ({ id: c.id, name: c.name_short, note: c.status === 'verified' ? '' : ' (не подтверждена)', amount: p.form.amounts[String(c.id)] ?? '' })),
    points: p.points.map((pt) => ({ id: pt.id, name: `${pt.name} — ${pt.address}`, selected: String(pt.id) === p.form.pointId })),
    cartPoint: pr?.point && !p.form.pointId ? `${pr.point.name} — ${pr.point.address}` : null,
    ready: !!pr && carts.length > 0,
  }
}

/** An order in the buyer API. */
export function apiOrder(d: Detail) {
  const o = d.order
  return {
    number: o.number,
    status: o.status,
    status_text: STATUS_LABELS[o.status],
    payment: d.payment,
    created_at: new Date(o.created_at).toISOString(),
    total_kopecks: o.total_kopecks,
    vat_kopecks: o.vat_kopecks,
    point_id: o.point_id,
    point: o.point_text,
    client_ref: o.client_ref,
    comment: o.comment,
    merged_into: o.merged_into_id,
    lines: d.lines.map((l) => ({
      id: l.id,
      product_id: l.product_id,
      sku: l.sku,
      name: l.name,
      unit: l.unit,
      packaging: l.packaging_id || l.packaging_name ? { id: l.packaging_id, name: l.packaging_name, factor: l.packaging_factor_milli / 1000 } : null,
      qty: l.qty_milli / 1000,
      unit_price_kopecks: l.unit_kopecks,
      line_kopecks: l.line_kopecks,
      vat_rate: l.vat_rate,
      vat_kopecks: l.vat_kopecks,
      warehouse_id: l.warehouse_id,
      comment: l.comment,
    })),
    invoices: d.invoices.map((i) => ({ payer_company_id: i.payer_company_id, payer: i.payer_name, amount_kopecks: i.amount_kopecks, paid_kopecks: i.paid_kopecks })),
    shipments: d.shipments.map((s) => ({ no: s.no, planned_on: s.planned_on, status: s.status, total_kopecks: s.kopecks, lines: s.lines.map((x) => ({ line_id: x.order_line_id, qty: x.qty_milli / 1000, kopecks: x.kopecks })) })),
    reservations: d.reservations.map((r) => ({ line_id: r.order_line_id, product_id: r.product_id, sku: r.sku, warehouse_id: r.warehouse_id, qty: r.qty_milli / 1000, status: r.status })),
    events: d.events.map((e) => ({ at: new Date(e.created_at).toISOString(), kind: e.kind, from: e.from_status, to: e.to_status, actor: e.actor_kind, note: e.note })),
  }
}

/** An order in the buyer API's list. */
export function apiOrderSummary(r: OrderListRow) {
  return {
    number: r.number,
    status: r.status,
    status_text: STATUS_LABELS[r.status],
    created_at: new Date(r.created_at).toISOString(),
    total_kopecks: r.total_kopecks,
    paid_kopecks: r.paid_kopecks,
    positions: r.positions,
    point: r.point_text,
    client_ref: r.client_ref,
  }
}
