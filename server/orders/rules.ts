/**
 * Pure rules of orders: the state machine, payments and invoices per payer, what checkout refuses, shipments of a split
 * order and their money, merging, order numbers, the history's filters. No IO; `now` and the time zone are passed in.
 */

import { correctQty, formatQty, packagingRule } from '../catalog/rules.js'
import { formatRub, roundKopecks } from '../shared/money.js'
import { parseQtyMilli } from '../shared/quantity.js'
import type { InvoiceRow, OrderFilter, OrderStatus } from './types.js'

export const STATUSES: OrderStatus[] = [
  'pending', 'awaiting_payment', 'partly_paid', 'paid', 'assembling', 'partly_shipped', 'shipped', 'delivered', 'completed', 'cancelled',
]

/** The Russian names buyers and staff see (1C «Состояние заказа»). */
export const STATUS_LABELS: Record<OrderStatus, string> = {
  pending: 'ожидает обработки',
  awaiting_payment: 'ожидает оплаты',
  partly_paid: 'частично оплачен',
  paid: 'оплачен',
  assembling: 'собирается',
  partly_shipped: 'отгружен частично',
  shipped: 'отгружен',
  delivered: 'доставлен',
  completed: 'завершён',
  cancelled: 'отменён',
}

/**
 * Where each state may go. The main road is pending → awaiting_payment → partly_paid → paid → assembling →
 * (partly_shipped →) shipped → delivered → completed; a payment may arrive before the manager has processed the order, a
 * client on deferred payment is assembled before paying, and anything before shipment may be cancelled. Everything else
 * is refused.
 */
export const TRANSITIONS: Record<OrderStatus, readonly OrderStatus[]> = {
  pending: ['awaiting_payment', 'partly_paid', 'paid', 'cancelled'],
  awaiting_payment: ['partly_paid', 'paid', 'assembling', 'cancelled'],
  partly_paid: ['paid', 'assembling', 'cancelled'],
  paid: ['assembling', 'cancelled'],
  assembling: ['partly_shipped', 'shipped', 'cancelled'],
  partly_shipped: ['shipped'],
  shipped: ['delivered'],
  delivered: ['completed'],
  completed: [],
  cancelled: [],
}

/** Whether the machine allows `from` → `to`. */
export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return TRANSITIONS[from]?.includes(to) ?? false
}

/** Why `from` → `to` is refused (Russian), or null when it is allowed. */
export function transitionError(from: OrderStatus, to: OrderStatus): string | null {
  if (!STATUSES.includes(to)) return 'Нет такого состояния заказа'
  if (from === to) return `Заказ уже в состоянии «${STATUS_LABELS[to]}»`
  if (canTransition(from, to)) return null
  if (from === 'cancelled') return 'Заказ отменён: его состояние больше не меняется'
  if (from === 'completed') return 'Заказ завершён: его состояние больше не меняется'
  if (to === 'cancelled') return `Заказ в состоянии «${STATUS_LABELS[from]}» уже не отменить: товар отгружен`
  return `Из состояния «${STATUS_LABELS[from]}» нельзя перейти в «${STATUS_LABELS[to]}»`
}

/** Before shipment: the buyer may still cancel, split or change the order. */
const BEFORE_SHIPMENT: readonly OrderStatus[] = ['pending', 'awaiting_payment', 'partly_paid', 'paid', 'assembling']

export function canCancel(status: OrderStatus): boolean {
  return BEFORE_SHIPMENT.includes(status)
}

export function canSplit(status: OrderStatus): boolean {
  return BEFORE_SHIPMENT.includes(status)
}

/** Orders merge before the warehouse starts assembling them (a merge changes what is picked). */
const MERGEABLE: readonly OrderStatus[] = ['pending', 'awaiting_payment', 'partly_paid', 'paid']

export function canMerge(status: OrderStatus): boolean {
  return MERGEABLE.includes(status)
}

/** Still moving: not completed and not cancelled (the «открытые» filter of the history). */
export function isOpen(status: OrderStatus): boolean {
  return status !== 'completed' && status !== 'cancelled'
}

export type PaymentState = 'unpaid' | 'partly' | 'paid'

export const PAYMENT_LABELS: Record<PaymentState, string> = { unpaid: 'не оплачено', partly: 'оплачено частично', paid: 'оплачено' }

/** How much of the invoices is paid: nothing, part, or all of it. */
export function paymentState(invoices: readonly Pick<InvoiceRow, 'amount_kopecks' | 'paid_kopecks'>[]): PaymentState {
  const amount = invoices.reduce((s, i) => s + Number(i.amount_kopecks), 0)
  const paid = invoices.reduce((s, i) => s + Math.min(Number(i.paid_kopecks), Number(i.amount_kopecks)), 0)
  if (paid <= 0) return amount <= 0 ? 'paid' : 'unpaid'
  return paid >= amount ? 'paid' : 'partly'
}

/**
 * The state a payment moves the order to: before assembling, a fully paid order becomes «оплачен», a partly paid one
 * «частично оплачен»; later states (deferred payment) keep their state. Null: no change.
 */
export function statusAfterPayment(status: OrderStatus, invoices: readonly Pick<InvoiceRow, 'amount_kopecks' | 'paid_kopecks'>[]): OrderStatus | null {
  if (!['pending', 'awaiting_payment', 'partly_paid'].includes(status)) return null
  const state = paymentState(invoices)
  const to: OrderStatus | null = state === 'paid' ? 'paid' : state === 'partly' ? 'partly_paid' : null
  return to && to !== status && canTransition(status, to) ? to : null
}

/** The number buyers see and type: the id with leading zeros («000123»). */
export function orderNumber(id: number): string {
  return String(id).padStart(6, '0')
}

/** What people type as a number («№ 123», «000123», « 123 ») in the form the orders store it, or '' when it is none. */
export function normalizeNumber(text: string): string {
  const digits = text.replace(/^\s*№?\s*/, '').trim()
  return /^\d{1,12}$/.test(digits) ? digits.padStart(6, '0') : ''
}

/**
 * VAT inside a price: line × rate ÷ (100 + rate), rounded half away from zero to the kopeck, once per line. «none» and
 * «0» carry no VAT.
 */
export function vatKopecks(lineKopecks: number, vatRate: string): number {
  const rate = Number(vatRate)
  if (!Number.isFinite(rate) || rate <= 0) return 0
  return roundKopecks((lineKopecks * rate) / (100 + rate))
}

/** Rubles as typed («12 345,67», «12345.6», «100») → kopecks; null for anything else. */
export function parseRubles(text: string): number | null {
  const t = text.replace(/[\s\u00a0\u202f₽]|руб\.?/g, '').replace(',', '.')
  if (!/^\d{1,12}(\.\d{0,2})?$/.test(t)) return null
  const [whole, frac = ''] = t.split('.')
  return Number(whole) * 100 + Number((frac + '00').slice(0, 2))
}

/** At most this many payers (invoices) per order. */
export const MAX_PAYERS = 10

/**
 * The invoices of an order: one per payer. Without a split, each cart's money goes to its cart's payer (one invoice when
 * every cart has the same payer). With a split, each payer gets its typed amount and at most one payer without an amount
 * gets the rest; the amounts must add up to the order's total exactly. Returns the invoices, or a Russian error.
 */
export function invoicesFor(
  totalKopecks: number,
  byCart: readonly { payerId: number; kopecks: number }[],
  split: readonly { companyId: number; amountKopecks: number | null }[],
): { invoices: { payerId: number; amountKopecks: number }[]; error: null } | { invoices: null; error: string } {
  if (!split.length) {
    const sums = new Map<number, number>()
    for (const c of byCart) sums.set(c.payerId, (sums.get(c.payerId) ?? 0) + c.kopecks)
    return { invoices: [...sums].map(([payerId, amountKopecks]) => ({ payerId, amountKopecks })), error: null }
  }
  if (split.length > MAX_PAYERS) return { invoices: null, error: `Не больше ${MAX_PAYERS} плательщиков в одном заказе` }
  if (new Set(split.map((s) => s.companyId)).size !== split.length) return { invoices: null, error: 'Каждый плательщик — одной строкой' }
  const open = split.filter((s) => s.amountKopecks === null)
  if (open.length > 1) return { invoices: null, error: 'Оставьте сумму пустой только у одного плательщика: ему достанется остаток' }
  if (split.some((s) => s.amountKopecks !== null && s.amountKopecks < 0)) return { invoices: null, error: 'Суммы плательщиков не могут быть отрицательными' }
  const typed = split.reduce((s, x) => s + (x.amountKopecks ?? 0), 0)
  const rest = totalKopecks - typed
  if (open.length === 1 && rest < 0) return { invoices: null, error: `Суммы плательщиков (${formatRub(typed)}) больше суммы заказа (${formatRub(totalKopecks)})` }
  if (open.length === 0 && rest !== 0) {
    return { invoices: null, error: `Суммы плательщиков (${formatRub(typed)}) должны составить сумму заказа ${formatRub(totalKopecks)}: ${rest > 0 ? `не распределено ${formatRub(rest)}` : `лишние ${formatRub(-rest)}`}` }
  }
  const invoices = split.map((s) => ({ payerId: s.companyId, amountKopecks: s.amountKopecks ?? rest })).filter((i) => i.amountKopecks > 0)
  if (!invoices.length) return { invoices: null, error: 'Укажите, кто платит за заказ' }
  return { invoices, error: null }
}

/** A cart line as checkout checks it, with its product, packaging, the cart type's packagings and the line's price. */
export interface CheckLine {
  sku: string
  unit: string
  active: boolean
  qtyMilli: number
  packaging: { name: string; factor_milli: number; min_qty_milli: number; step_milli: number } | null
  /** Whether the cart's type sells the line's packaging. */
  allowedMatch: boolean
  unitKopecks: number | null
}

/**
 * Why a cart line cannot be ordered (Russian), or null: a product no longer sold, a packaging the cart's type does not
 * sell, a quantity below the minimum or off the step, no price. The server checks all of this again at checkout
 * whatever the page showed.
 */
export function lineProblem(l: CheckLine): string | null {
  if (!l.active) return 'товар больше не продаётся: уберите строку из корзины'
  if (!l.allowedMatch) return `упаковка «${l.packaging?.name ?? l.unit}» не продаётся в корзине этого типа: перенесите строку в другую корзину`
  if (l.qtyMilli <= 0) return 'укажите количество'
  const fixed = correctQty(l.qtyMilli, packagingRule(l.packaging), l.unit)
  if (fixed.qtyMilli !== l.qtyMilli) return `${formatQty(l.qtyMilli, l.unit)} заказать нельзя: ${fixed.note?.replace(/^Количество изменено на /, 'подойдёт ') ?? 'проверьте количество'}`
  if (l.unitKopecks === null) return 'у товара нет цены для вашей компании: уточните у менеджера'
  return null
}

/** Why the order sum is too small (Russian), or null. */
export function minimumSumError(totalKopecks: number, minKopecks: number): string | null {
  if (minKopecks <= 0 || totalKopecks >= minKopecks) return null
  return `Минимальная сумма заказа — ${formatRub(minKopecks)}; сейчас ${formatRub(totalKopecks)}, добавьте ещё на ${formatRub(minKopecks - totalKopecks)}`
}

/**
 * Shares of a line's money for each part of its quantity: each part but the last gets its proportional share rounded by
 * the one rule, the last gets what is left, so the shares always add up to the line exactly.
 */
export function allocateKopecks(lineKopecks: number, qtyMilli: number, parts: readonly number[]): number[] {
  const out: number[] = []
  let left = lineKopecks
  let lastNonZero = -1
  parts.forEach((p, i) => p > 0 && (lastNonZero = i))
  parts.forEach((p, i) => {
    if (p <= 0) return void out.push(0)
    if (i === lastNonZero) return void out.push(left)
    const share = qtyMilli > 0 ? roundKopecks((lineKopecks * p) / qtyMilli) : 0
    out.push(share)
    left -= share
  })
  return out
}

/** A line of an order as a split plan sees it. */
export interface SplitLine {
  id: number
  sku: string
  unit: string
  qtyMilli: number
  lineKopecks: number
  /** The smallest part a shipment can carry: one packaging (base units for a line without a packaging). */
  unitMilli: number
}

/** One shipment of a plan: its planned date and the quantity of each line (base-unit thousandths). */
export interface SplitPart {
  plannedOn: string
  qty: ReadonlyMap<number, number>
}

/** A calendar date 'YYYY-MM-DD' that exists, or null. */
export function parseDate(text: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim())
  if (!m) return null
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])))
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]) ? m[0] : null
}

/**
 * Checks a split plan: every line's parts add up to its quantity exactly, each part is a whole number of packagings,
 * every shipment carries something and has a date from `today` on, in date order. Returns the shipments with their
 * money (each line's money shared by `allocateKopecks`), or the Russian errors.
 */
export function checkSplit(lines: readonly SplitLine[], parts: readonly SplitPart[], today: string) {
  const errors: string[] = []
  if (parts.length < 2) errors.push('Разделите заказ хотя бы на две отгрузки')
  if (parts.length > 10) errors.push('Не больше 10 отгрузок')
  parts.forEach((p, i) => {
    const date = parseDate(p.plannedOn)
    if (!date) errors.push(`Отгрузка ${i + 1}: укажите дату в формате ГГГГ-ММ-ДД`)
    else if (date < today) errors.push(`Отгрузка ${i + 1}: дата ${date} уже прошла`)
    else if (i > 0 && parseDate(parts[i - 1]!.plannedOn) && date < parts[i - 1]!.plannedOn) errors.push(`Отгрузка ${i + 1}: дата раньше, чем у отгрузки ${i}`)
    if (![...p.qty.values()].some((q) => q > 0)) errors.push(`Отгрузка ${i + 1}: нет ни одной строки`)
  })
  for (const l of lines) {
    const qs = parts.map((p) => p.qty.get(l.id) ?? 0)
    if (qs.some((q) => q < 0)) errors.push(`${l.sku}: количество не может быть отрицательным`)
    const sum = qs.reduce((s, q) => s + q, 0)
    if (sum !== l.qtyMilli) errors.push(`${l.sku}: по отгрузкам ${formatQty(sum, l.unit)}, а в заказе ${formatQty(l.qtyMilli, l.unit)}`)
    else if (l.unitMilli > 0 && qs.some((q) => q % l.unitMilli !== 0)) errors.push(`${l.sku}: делите целыми упаковками по ${formatQty(l.unitMilli, l.unit)}`)
  }
  if (errors.length) return { ok: false as const, errors }
  const shares = new Map(lines.map((l) => [l.id, allocateKopecks(l.lineKopecks, l.qtyMilli, parts.map((p) => p.qty.get(l.id) ?? 0))]))
  const shipments = parts.map((p, i) => ({
    no: i + 1,
    plannedOn: p.plannedOn,
    lines: lines.filter((l) => (p.qty.get(l.id) ?? 0) > 0).map((l) => ({ lineId: l.id, qtyMilli: p.qty.get(l.id)!, kopecks: shares.get(l.id)![i]! })),
  }))
  return { ok: true as const, shipments: shipments.map((s) => ({ ...s, kopecks: s.lines.reduce((x, l) => x + l.kopecks, 0) })) }
}

/** The split page offers from two to this many shipments (the plan itself allows up to 10). */
export const MAX_SPLIT_PARTS = 5

/**
 * A plan from the split form: for every shipment but the last, the packagings of each line typed into it (`typed[k]`,
 * empty = none); the last shipment takes what is left of every line. Whole packagings only; a line's shipments may not
 * hold more than the line. Errors are Russian, one per problem, and the plan is returned all the same (`checkSplit`
 * decides).
 */
export function partsPlan(
  lines: readonly (SplitLine & { factorMilli: number })[],
  typed: readonly ReadonlyMap<number, string>[],
  dates: readonly string[],
): { parts: SplitPart[]; errors: string[] } {
  const qty = dates.map(() => new Map<number, number>())
  const errors: string[] = []
  const before = typed.length === 1 ? 'в первую отгрузку' : `в отгрузки 1–${typed.length}`
  for (const l of lines) {
    let sum = 0
    typed.forEach((t, k) => {
      const text = (t.get(l.id) ?? '').trim()
      const count = text === '' ? 0 : parseQtyMilli(text)
      if (count === null) {
        errors.push(`${l.sku}: количество — число, например 2 или 1,5 (вы ввели «${text.slice(0, 20)}»)`)
        return
      }
      if (l.factorMilli > 0 && count % 1000 !== 0) errors.push(`${l.sku}: делите целыми упаковками по ${formatQty(l.factorMilli, l.unit)}`)
      const q = l.factorMilli > 0 ? Math.round((count * l.factorMilli) / 1000) : count
      qty[k]!.set(l.id, q)
      sum += q
    })
    if (sum > l.qtyMilli) errors.push(`${l.sku}: ${before} больше, чем в заказе (${formatQty(l.qtyMilli, l.unit)})`)
    qty[qty.length - 1]!.set(l.id, Math.max(0, l.qtyMilli - sum))
  }
  return { parts: dates.map((plannedOn, k) => ({ plannedOn, qty: qty[k]! })), errors }
}

/** An order as a merge checks it. */
export interface MergeOrder {
  id: number
  number: string
  status: OrderStatus
  shipped: boolean
}

/** Why these orders cannot merge (Russian), or null. */
export function mergeError(orders: readonly MergeOrder[]): string | null {
  if (orders.length < 2) return 'Отметьте хотя бы два заказа, которые нужно объединить'
  for (const o of orders) {
    if (!canMerge(o.status)) return `Заказ № ${o.number} в состоянии «${STATUS_LABELS[o.status]}»: объединять можно заказы, которые ещё не начали собирать`
    if (o.shipped) return `Заказ № ${o.number} частично отгружен`
  }
  return null
}

/**
 * The state of merged orders: «ожидает обработки» when any of them still waits for the manager, otherwise what the
 * merged invoices say (paid, partly paid or awaiting payment).
 */
export function mergedStatus(statuses: readonly OrderStatus[], invoices: readonly Pick<InvoiceRow, 'amount_kopecks' | 'paid_kopecks'>[]): OrderStatus {
  if (statuses.includes('pending')) return 'pending'
  const state = paymentState(invoices)
  return state === 'paid' ? 'paid' : state === 'partly' ? 'partly_paid' : 'awaiting_payment'
}

/** Invoices of merged orders: one per payer, amounts and payments added up. */
export function mergeInvoices(invoices: readonly Pick<InvoiceRow, 'payer_company_id' | 'amount_kopecks' | 'paid_kopecks'>[]) {
  const by = new Map<number, { payerId: number; amountKopecks: number; paidKopecks: number }>()
  for (const i of invoices) {
    const x = by.get(i.payer_company_id) ?? { payerId: i.payer_company_id, amountKopecks: 0, paidKopecks: 0 }
    x.amountKopecks += Number(i.amount_kopecks)
    x.paidKopecks += Number(i.paid_kopecks)
    by.set(i.payer_company_id, x)
  }
  return [...by.values()]
}

/** The calendar date of an instant in a time zone, 'YYYY-MM-DD'. */
export function dateIn(ms: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(new Date(ms))
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? ''
  return `${get('year')}-${get('month')}-${get('day')}`
}

/** The first millisecond of a calendar day in a time zone. */
export function dayStart(date: string, timeZone: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number]
  const guess = Date.UTC(y, m - 1, d)
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(guess))
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0)
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour') % 24, get('minute'), get('second'))
  return guess - (asUtc - guess)
}

/** A date `days` after 'YYYY-MM-DD'. */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number]
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10)
}

function first(v: unknown): string {
  const s = Array.isArray(v) ? v[0] : v
  return typeof s === 'string' ? s.trim() : ''
}

/** A positive id of at most twelve digits, or null. */
function idOf(s: string): number | null {
  return /^\d{1,12}$/.test(s) && Number(s) > 0 ? Number(s) : null
}

/** Orders per page of the history. */
export const HISTORY_PAGE = 50

/**
 * The history's filters from the query string: `number`, `from` / `to` (dates, the company's days), `status` (a state or
 * `open`), `product` (an article or words of a name), `min` / `max` (rubles), `point`, `payer`, `page`. Malformed values
 * are ignored, so a shared link always opens.
 */
export function parseOrderFilter(q: Record<string, unknown>, timeZone: string): OrderFilter {
  const from = parseDate(first(q.from))
  const to = parseDate(first(q.to))
  const status = first(q.status)
  const page = idOf(first(q.page)) ?? 1
  return {
    number: first(q.number).slice(0, 20),
    from: from ? dayStart(from, timeZone) : null,
    to: to ? dayStart(addDays(to, 1), timeZone) : null,
    status: status === 'open' ? 'open' : STATUSES.includes(status as OrderStatus) ? (status as OrderStatus) : null,
    product: first(q.product).slice(0, 100),
    minKopecks: parseRubles(first(q.min)),
    maxKopecks: parseRubles(first(q.max)),
    pointId: idOf(first(q.point)),
    payerId: idOf(first(q.payer)),
    page: Math.min(page, 10_000),
  }
}
