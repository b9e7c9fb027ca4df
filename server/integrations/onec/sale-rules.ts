/**
 * Pure rules of the 1C order exchange (type=sale): how our orders are written for 1C (money, quantities, units, VAT, dates)
 * and how what 1C sends back maps to our order states (the status dictionary, «Оплачен», «Отгружен», deletion marks). No IO.
 */

import { STATUSES, TRANSITIONS } from '../../orders/rules.js'
import type { OrderStatus } from '../../orders/types.js'
import type { OnecPayment, OnecShipment, SaleDocument } from './sale-types.js'

/**
 * The default dictionary of 1C order statuses → our states. Keys are compared folded (lower case, ё = е, spaces collapsed,
 * a Bitrix-style «[N] » prefix removed); the one-letter keys are Bitrix status codes (`Статуса заказа ИД`), which УТ's
 * «Обмен с сайтом» echoes back. `ONEC_SALE_STATUS_MAP` (JSON) adds to and overrides it.
 */
export const DEFAULT_STATUS_MAP: Readonly<Record<string, OrderStatus>> = {
  n: 'pending',
  'принят': 'pending',
  'новый': 'pending',
  'не согласован': 'pending',
  'на согласовании': 'pending',
  'принят, ожидается оплата': 'awaiting_payment',
  'ожидается оплата': 'awaiting_payment',
  'ожидает оплаты': 'awaiting_payment',
  'ожидается предоплата': 'awaiting_payment',
  'ожидается предоплата до отгрузки': 'awaiting_payment',
  'к оплате': 'awaiting_payment',
  'согласован': 'awaiting_payment',
  o: 'awaiting_payment',
  'в обработке': 'awaiting_payment',
  'частично оплачен': 'partly_paid',
  p: 'paid',
  'оплачен': 'paid',
  'оплачен, формируется к отправке': 'paid',
  'к обеспечению': 'assembling',
  'ожидается обеспечение': 'assembling',
  'к отгрузке': 'assembling',
  'готов к отгрузке': 'assembling',
  'собирается': 'assembling',
  'в сборке': 'assembling',
  'комплектуется': 'assembling',
  'частично отгружен': 'partly_shipped',
  'отгружен частично': 'partly_shipped',
  'отгружен': 'shipped',
  'отправлен': 'shipped',
  'в пути': 'shipped',
  'доставлен': 'delivered',
  f: 'completed',
  'выполнен': 'completed',
  'закрыт': 'completed',
  'завершен': 'completed',
  'отменен': 'cancelled',
  'отклонен': 'cancelled',
}

/** A 1C status or dictionary key folded for comparison: «[N] Принят» → «принят», «Отменён» → «отменен». */
export function foldStatus(text: string): string {
  return text.replace(/^\s*\[[^\]]*\]\s*/, '').toLowerCase().replace(/ё/g, 'е').replace(/\s+/g, ' ').trim()
}

/** The dictionary in use: the defaults with the configured overrides on top. Throws on a value that is not our state. */
export function statusDictionary(overrides: Readonly<Record<string, string>>): Map<string, OrderStatus> {
  const dict = new Map<string, OrderStatus>()
  for (const [k, v] of Object.entries(DEFAULT_STATUS_MAP)) dict.set(foldStatus(k), v)
  for (const [k, v] of Object.entries(overrides)) {
    if (!STATUSES.includes(v as OrderStatus)) throw new Error(`ONEC_SALE_STATUS_MAP: «${k}» → «${v}» is not an order state (${STATUSES.join(', ')})`)
    dict.set(foldStatus(k), v as OrderStatus)
  }
  return dict
}

/** A requisite by any of its names (1C configurations spell them differently), '' when absent. */
export function requisite(doc: SaleDocument, ...names: string[]): string {
  const wanted = names.map((n) => n.toLowerCase())
  for (const [k, v] of Object.entries(doc.requisites)) if (wanted.includes(k.toLowerCase().replace(/ё/g, 'е'))) return v
  return ''
}

/** 1C's booleans: «true», «Да», «1». */
export function isTrue(text: string): boolean {
  return /^(true|да|1|истина|yes)$/i.test(text.trim())
}

/** The state 1C's status asks for (null: no status sent), or the unknown status text to report. */
export function statusTarget(doc: SaleDocument, dict: ReadonlyMap<string, OrderStatus>): { to: OrderStatus; label: string } | { unknown: string } | null {
  const label = requisite(doc, 'Статус заказа', 'Статус')
  const code = requisite(doc, 'Статуса заказа ИД', 'Статус заказа ИД', 'Статус заказа Ид')
  const bracket = /^\s*\[([^\]]+)\]/.exec(label)?.[1] ?? ''
  for (const key of [code, label, bracket]) {
    if (!key.trim()) continue
    const to = dict.get(foldStatus(key))
    if (to) return { to, label: label.trim() || code.trim() }
  }
  const shown = label.trim() || code.trim()
  return shown ? { unknown: shown } : null
}

/** Whether a payment or shipment document is marked deleted (or not posted: «Проведен» false) in 1C. */
function deletedDocument(doc: SaleDocument): boolean {
  const posted = requisite(doc, 'Проведен')
  return isTrue(doc.deleted) || isTrue(requisite(doc, 'ПометкаУдаления', 'Пометка удаления')) || (posted.trim() !== '' && !isTrue(posted))
}

/** Whether 1C marks the order deleted or cancelled. */
export function deletionWanted(doc: SaleDocument): boolean {
  return isTrue(doc.deleted) || isTrue(requisite(doc, 'ПометкаУдаления', 'Пометка удаления')) || isTrue(requisite(doc, 'Отменен', 'Отменён'))
}

/** A sum as 1C writes it («48 600,00», «12480.5», «5400») → kopecks; null when it is not a non-negative sum of money. */
export function parseKopecks(text: string): number | null {
  const t = text.replace(/[\s\u00a0\u202f]/g, '').replace(',', '.').replace(/(руб\.?|RUB|₽)$/i, '')
  const m = /^(\d{1,13})(?:\.(\d+))?$/.exec(t)
  if (!m) return null
  const frac = m[2] ?? ''
  if (/[1-9]/.test(frac.slice(2))) return null
  return Number(m[1]) * 100 + Number((frac + '00').slice(0, 2))
}

/** A quantity as 1C writes it («2.5», «1 500», «3,000») → thousandths; null when it is not a positive quantity. */
export function parseQtyMilli(text: string): number | null {
  const t = text.replace(/[\s\u00a0\u202f]/g, '').replace(',', '.')
  const m = /^(\d{1,12})(?:\.(\d+))?$/.exec(t)
  if (!m) return null
  const frac = m[2] ?? ''
  if (/[1-9]/.test(frac.slice(3))) return null
  const milli = Number(m[1]) * 1000 + Number((frac + '000').slice(0, 3))
  return milli > 0 ? milli : null
}

/** What makes a 1C document the same document when sent again: its number and the day of its date, folded. */
export function documentKey(no: string, date: string, fallback: string): string {
  const n = no.trim().toLowerCase().replace(/ё/g, 'е').replace(/\s+/g, '')
  const d = date.trim().slice(0, 10)
  return (n || d ? `${n}|${d}` : fallback).slice(0, 190)
}

/** 1C's flag as true, false, or null when it was not sent. */
function flag(text: string): boolean | null {
  return text.trim() ? isTrue(text) : null
}

const PAYMENT_OPERATION = /оплат|денег|денежн|плат[её]ж|поступлен/i
const SHIPMENT_OPERATION = /отпуск|отгруз|реализац/i

/** Whether a document (top-level or subordinate) is a payment, a shipment, or the order itself. */
export function documentKind(doc: SaleDocument): 'order' | 'payment' | 'shipment' | 'other' {
  if (!doc.operation || /заказ/i.test(doc.operation)) return 'order'
  if (PAYMENT_OPERATION.test(doc.operation)) return 'payment'
  if (SHIPMENT_OPERATION.test(doc.operation)) return 'shipment'
  return 'other'
}

/** Our order number a payment or shipment document of its own names (1C's «Основание»: the order on the site). */
export function orderRefOf(doc: SaleDocument): string {
  return requisite(doc, 'Номер заказа на сайте', 'Номер заказа', 'Заказ на сайте', 'Заказ покупателя', 'Заказ', 'Основание').trim()
}

/** The payer a document names: a `Контрагент` with the role «Плательщик» (for a payment document, any but the seller), or requisites. */
function payerOf(doc: SaleDocument, ownDocument: boolean): OnecPayment['payer'] {
  const party = doc.parties.find((p) => /плательщ/i.test(p.role)) ?? (ownDocument ? doc.parties.find((p) => !/продав|получат/i.test(p.role)) : undefined)
  const inn = (party?.inn || requisite(doc, 'ИНН плательщика', 'Плательщик ИНН')).replace(/\D/g, '')
  const kpp = (party?.kpp || requisite(doc, 'КПП плательщика', 'Плательщик КПП')).replace(/\D/g, '')
  const id = party?.id ?? ''
  const name = party?.name || requisite(doc, 'Плательщик')
  return inn || id ? { inn, kpp, id, name } : null
}

/**
 * The payments 1C reports on an order document: each subordinate payment document (`ПодчиненныйДокумент` with a payment
 * `ХозОперация`: number, date, `Сумма`, payer), and the order's own requisites («Номер/Дата/Сумма оплаты по 1С», «Оплачен»,
 * a `Контрагент` with the role «Плательщик»). Requisites without a sum and with «Оплачен» true (or a number and date, as
 * УТ sends them) mean the order is paid in full; a sum with «Оплачен» false is a part payment; «Оплачен» false without a
 * sum is no payment. The same payment in both forms counts once.
 */
export function paymentsOf(doc: SaleDocument): OnecPayment[] {
  const out: OnecPayment[] = []
  const own = documentKind(doc) === 'payment'
  for (const d of own ? [doc] : doc.children.filter((c) => documentKind(c) === 'payment')) {
    const amount = d.sum ? parseKopecks(d.sum) : null
    out.push({
      key: documentKey(d.number, d.date, `doc:${d.id}`), no: d.number || d.id, date: d.date, amountKopecks: amount, payer: payerOf(d, true), paidFlag: null,
      ...(d.sum && amount === null ? { badAmount: d.sum } : {}), ...(deletedDocument(d) ? { deleted: true } : {}),
    })
  }
  if (own) return out
  const no = requisite(doc, 'Номер оплаты по 1С', 'Номер оплаты по 1C', 'Номер оплаты').trim()
  const date = requisite(doc, 'Дата оплаты по 1С', 'Дата оплаты по 1C', 'Дата оплаты').trim()
  const sumText = requisite(doc, 'Сумма оплаты по 1С', 'Сумма оплаты по 1C', ...(no || date ? ['Сумма оплаты'] : [])).trim()
  const paid = flag(requisite(doc, 'Оплачен', 'Заказ оплачен'))
  const amount = sumText ? parseKopecks(sumText) : null
  const key = documentKey(no, date, 'оплачен')
  const present = (sumText && (no || date)) || paid === true || (paid === null && no && date)
  if (present && !out.some((p) => p.key === key)) {
    out.push({ key, no, date, amountKopecks: amount, payer: payerOf(doc, false), paidFlag: paid, ...(sumText && amount === null ? { badAmount: sumText } : {}) })
  }
  return out
}

/** Our shipment number 1C echoes back: «2», «№ 2», «000123-2», «000123/2», «Отгрузка 2»; null for anything else. */
export function ourShipmentNo(text: string): number | null {
  const m = /^\s*(?:отгрузка\s*)?(?:№\s*)?(?:\d+\s*[-/]\s*)?(\d{1,2})\s*$/i.exec(text)
  const n = m ? Number(m[1]) : 0
  return n >= 1 ? n : null
}

/**
 * The shipments 1C reports on an order document: each subordinate shipment document (`ХозОперация` «Отпуск товара»,
 * «Реализация…»: number, date, its `Товары` with quantities, and «Номер отгрузки на сайте» when 1C echoes ours), and the
 * order's own requisites («Номер/Дата отгрузки по 1С», «Отгружен»). «Отгружен» true means the whole order has left.
 */
export function shipmentsOf(doc: SaleDocument): OnecShipment[] {
  const out: OnecShipment[] = []
  const own = documentKind(doc) === 'shipment'
  const whole = flag(requisite(doc, 'Отгружен', 'Заказ отгружен'))
  const echo = (d: SaleDocument) => ourShipmentNo(requisite(d, 'Номер отгрузки на сайте', 'Отгрузка на сайте', 'Номер отгрузки сайта'))
  for (const d of own ? [doc] : doc.children.filter((c) => documentKind(c) === 'shipment')) {
    const lines: OnecShipment['lines'] = []
    let bad: string | undefined
    for (const i of d.items) {
      const q = parseQtyMilli(i.qty)
      if (q === null) bad ??= `${i.sku || i.id || i.name}: количество «${i.qty}»`
      else lines.push({ id: i.id, sku: i.sku, name: i.name, qtyMilli: q })
    }
    out.push({ key: documentKey(d.number, d.date, `doc:${d.id}`), no: d.number || d.id, date: d.date, ourNo: echo(d), lines, wholeOrder: false, ...(bad ? { badLine: bad } : {}), ...(deletedDocument(d) ? { deleted: true } : {}) })
  }
  if (own) return out
  const no = requisite(doc, 'Номер отгрузки по 1С', 'Номер отгрузки по 1C', 'Номер отгрузки').trim()
  const date = requisite(doc, 'Дата отгрузки по 1С', 'Дата отгрузки по 1C', 'Дата отгрузки').trim()
  const ourNo = echo(doc)
  const key = documentKey(no, date, 'отгружен')
  const present = whole === true || (whole === null && no && date) || (whole === false && no && (date || ourNo !== null))
  if (present && !out.some((s) => s.key === key)) out.push({ key, no, date, ourNo, lines: [], wholeOrder: whole === true })
  else if (whole === true) out.forEach((s) => (s.wholeOrder = true))
  return out
}

/** An invoice as payment matching sees it: its payer's INN, KPP and the counterparty Ид we sent 1C, and what is still due. */
export interface InvoiceDue {
  id: number
  payerId: number
  inn: string | null
  kpp: string | null
  dueKopecks: number
}

/** Whether a payer 1C names is this invoice's payer: the same INN (and KPP when both are known), or the Ид we sent for it. */
export function samePayer(payer: NonNullable<OnecPayment['payer']>, inv: InvoiceDue): boolean {
  if (payer.id && payer.id === counterpartyId({ id: inv.payerId, inn: inv.inn, kpp: inv.kpp })) return true
  if (!payer.inn || !inv.inn || payer.inn !== inv.inn) return false
  return !payer.kpp || !inv.kpp || payer.kpp === inv.kpp
}

/** Where a payment goes: parts per invoice, the money that fits nowhere, and why (Russian), or null when all of it fits. */
export interface PaymentPlan {
  parts: { invoiceId: number; kopecks: number }[]
  leftoverKopecks: number
  reason: string | null
}

/**
 * Places a 1C payment on our invoices, as a supplier's accountant would:
 * - a payer 1C names pays only its own invoices (up to what is due); the rest is an overpayment, never someone else's
 *   invoice; a payer who is not a payer of the order pays nothing (reported);
 * - without a payer, the sum goes to the one open invoice, or to the invoice whose due equals it, or to all of them when
 *   it covers them all (the excess is an overpayment); a sum that matches no invoice of several is left to a person;
 * - without a sum, 1C says the order (or the named payer's part) is paid: every due is paid in full.
 * `amountKopecks` is what is left of the payment to place (a payment resumed after a crash places only its rest).
 */
export function planPayment(amountKopecks: number | null, payer: OnecPayment['payer'], invoices: readonly InvoiceDue[]): PaymentPlan {
  const fill = (list: readonly InvoiceDue[], amount: number | null) => {
    const parts: PaymentPlan['parts'] = []
    let left = amount ?? Infinity
    for (const i of list) {
      const k = Math.min(i.dueKopecks, left)
      if (k > 0) {
        parts.push({ invoiceId: i.id, kopecks: k })
        left -= k
      }
    }
    return { parts, left: amount === null ? 0 : left }
  }
  if (payer) {
    const theirs = invoices.filter((i) => samePayer(payer, i))
    if (!theirs.length) return { parts: [], leftoverKopecks: amountKopecks ?? 0, reason: `плательщик ${payer.inn ? `ИНН ${payer.inn}` : `Ид ${payer.id}`}${payer.name ? ` (${payer.name})` : ''} не платит по этому заказу: оплата не разнесена` }
    const { parts, left } = fill(theirs, amountKopecks)
    return { parts, leftoverKopecks: left, reason: left > 0 ? (parts.length ? 'переплата плательщика сверх его счёта' : 'счёт плательщика уже оплачен: переплата') : null }
  }
  const open = invoices.filter((i) => i.dueKopecks > 0)
  if (amountKopecks === null) return { parts: fill(open, null).parts, leftoverKopecks: 0, reason: null }
  const due = open.reduce((s, i) => s + i.dueKopecks, 0)
  if (!open.length) return { parts: [], leftoverKopecks: amountKopecks, reason: 'счета заказа уже оплачены: переплата' }
  const exact = open.find((i) => i.dueKopecks === amountKopecks)
  if (open.length === 1 || exact || amountKopecks >= due) {
    const { parts, left } = fill(exact ? [exact] : open, amountKopecks)
    return { parts, leftoverKopecks: left, reason: left > 0 ? 'переплата сверх счетов заказа' : null }
  }
  return { parts: [], leftoverKopecks: amountKopecks, reason: 'сумма не совпадает ни с одним из счетов плательщиков, а 1С не указала плательщика: разнесите оплату вручную' }
}

/** An order line as shipment matching sees it: how 1C may name its product (our Ид sent, 1C's Ид, article). */
export interface LineIdentity {
  lineId: number
  /** The product (or the article when the product is gone): lines of one product are compared together. */
  product: string
  ids: string[]
  sku: string
}

/** Folds an article for comparison. */
const foldSku = (s: string) => s.trim().toLowerCase().replace(/[\s-]+/g, '')

/** 1C's lines → quantities per product of our order, or the first line that is not in the order. */
export function onecLinesByProduct(lines: OnecShipment['lines'], ours: readonly LineIdentity[]): { qty: Map<string, number>; unknown: string | null } {
  const qty = new Map<string, number>()
  for (const l of lines) {
    const hit = ours.find((o) => l.id && o.ids.includes(l.id)) ?? ours.find((o) => l.sku && foldSku(o.sku) === foldSku(l.sku))
    if (!hit) return { qty, unknown: l.sku || l.id || l.name }
    qty.set(hit.product, (qty.get(hit.product) ?? 0) + l.qtyMilli)
  }
  return { qty, unknown: null }
}

/** Whether two quantity maps are the same (every product, every quantity). */
export function sameQuantities(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): boolean {
  const keys = new Set([...a.keys(), ...b.keys()])
  for (const k of keys) if ((a.get(k) ?? 0) !== (b.get(k) ?? 0)) return false
  return true
}

/** One of our shipments as matching sees it: number, state and quantities per product. */
export interface OurShipment {
  id: number
  no: number
  shipped: boolean
  qty: Map<string, number>
}

export type ShipmentMatch =
  | { kind: 'one'; shipmentId: number; no: number; by: 'номер' | 'строки' | 'единственная открытая' }
  | { kind: 'all'; by: string }
  | { kind: 'done'; reason: string }
  | { kind: 'none'; reason: string }

/**
 * Which of our shipments a 1C shipment is: the shipment whose number 1C echoes; else the open shipment with exactly 1C's
 * lines and quantities; else the single open shipment. An order not split into shipments is one shipment: 1C's lines
 * must then be the whole order. «Отгружен» (the whole order) with several open shipments and nothing more ships them all.
 * Anything else is left to a person, with the reason.
 */
export function matchShipment(s: OnecShipment, ours: readonly OurShipment[], wholeOrder: ReadonlyMap<string, number>, lines: readonly LineIdentity[]): ShipmentMatch {
  if (s.badLine) return { kind: 'none', reason: `строка не прочитана: ${s.badLine}` }
  const sent = s.lines.length ? onecLinesByProduct(s.lines, lines) : null
  if (sent?.unknown) return { kind: 'none', reason: `товара «${sent.unknown}» нет в заказе` }
  const open = ours.filter((x) => !x.shipped)
  if (!ours.length) {
    if (sent && !sameQuantities(sent.qty, wholeOrder)) return { kind: 'none', reason: '1С отгрузила не весь заказ, а заказ не разделён на отгрузки: разделите его или отметьте отгрузку вручную' }
    return { kind: 'all', by: sent ? 'строки' : 'весь заказ' }
  }
  if (s.ourNo !== null) {
    const x = ours.find((o) => o.no === s.ourNo)
    if (!x) return { kind: 'none', reason: `отгрузки ${s.ourNo} в заказе нет (отгрузок: ${ours.length})` }
    if (sent && !sameQuantities(sent.qty, x.qty)) return { kind: 'none', reason: `строки 1С не совпадают с отгрузкой ${x.no}` }
    return x.shipped ? { kind: 'done', reason: `отгрузка ${x.no} уже отгружена` } : { kind: 'one', shipmentId: x.id, no: x.no, by: 'номер' }
  }
  if (sent) {
    const x = open.find((o) => sameQuantities(sent.qty, o.qty))
    if (x) return { kind: 'one', shipmentId: x.id, no: x.no, by: 'строки' }
    const done = ours.find((o) => o.shipped && sameQuantities(sent.qty, o.qty))
    if (done) return { kind: 'done', reason: `отгрузка ${done.no} уже отгружена` }
    if (open.length && sameQuantities(sent.qty, sumQuantities(open))) return { kind: 'all', by: 'строки' }
    return { kind: 'none', reason: `строки 1С не совпадают ни с одной открытой отгрузкой (${open.map((o) => o.no).join(', ') || 'открытых нет'})` }
  }
  if (!open.length) return { kind: 'done', reason: 'все отгрузки уже отгружены' }
  if (open.length === 1) return { kind: 'one', shipmentId: open[0]!.id, no: open[0]!.no, by: 'единственная открытая' }
  if (s.wholeOrder) return { kind: 'all', by: '«Отгружен»: весь заказ' }
  return { kind: 'none', reason: `открыто отгрузок: ${open.length} (${open.map((o) => o.no).join(', ')}), а 1С не сообщила ни номер нашей отгрузки, ни строки` }
}

/** Quantities of several shipments together. */
export function sumQuantities(list: readonly { qty: ReadonlyMap<string, number> }[]): Map<string, number> {
  const out = new Map<string, number>()
  for (const x of list) for (const [k, v] of x.qty) out.set(k, (out.get(k) ?? 0) + v)
  return out
}

/** 1C's number and date of its own order document (elements `Номер1С`/`Дата1С` or the requisites «Номер по 1С»/«Дата по 1С»). */
export function onecRefs(doc: SaleDocument): { number: string; date: string } {
  return {
    number: (doc.number1c || requisite(doc, 'Номер по 1С', 'Номер по 1C')).trim(),
    date: (doc.date1c || requisite(doc, 'Дата по 1С', 'Дата по 1C')).trim(),
  }
}

/** Place of each state on the main road; a 1C status behind ours is old news, not a move back. */
const RANK: Record<OrderStatus, number> = {
  pending: 0, awaiting_payment: 1, partly_paid: 2, paid: 3, assembling: 4, partly_shipped: 5, shipped: 6, delivered: 7, completed: 8, cancelled: 9,
}

/** Whether our order is already at or past `to` on the main road (nothing to do). */
export function reached(current: OrderStatus, to: OrderStatus): boolean {
  if (to === 'cancelled') return current === 'cancelled'
  if (current === 'cancelled') return false
  return RANK[current] >= RANK[to]
}

/**
 * The shortest walk of legal transitions from `from` to `to`, never through «отменён» (e.g. paid → assembling → shipped when
 * 1C reports a shipment of a paid order); null when the machine has none.
 */
export function pathTo(from: OrderStatus, to: OrderStatus): OrderStatus[] | null {
  if (from === to) return []
  const prev = new Map<OrderStatus, OrderStatus>()
  const queue: OrderStatus[] = [from]
  while (queue.length) {
    const s = queue.shift()!
    for (const n of TRANSITIONS[s]) {
      if (prev.has(n) || n === from || (n === 'cancelled' && to !== 'cancelled')) continue
      prev.set(n, s)
      if (n === to) {
        const path: OrderStatus[] = [n]
        for (let p = s; p !== from; p = prev.get(p)!) path.unshift(p)
        return path
      }
      queue.push(n)
    }
  }
  return null
}

/** The status text 1C sees for our state (`Статус заказа`). */
export const ONEC_STATUS_TEXT: Record<OrderStatus, string> = {
  pending: 'Принят',
  awaiting_payment: 'Ожидает оплаты',
  partly_paid: 'Частично оплачен',
  paid: 'Оплачен',
  assembling: 'Собирается',
  partly_shipped: 'Отгружен частично',
  shipped: 'Отгружен',
  delivered: 'Доставлен',
  completed: 'Завершён',
  cancelled: 'Отменён',
}

/** Kopecks as CommerceML money: 1234567 → «12345.67». */
export function money(kopecks: number): string {
  const sign = kopecks < 0 ? '-' : ''
  const a = Math.abs(kopecks)
  return `${sign}${Math.floor(a / 100)}.${String(a % 100).padStart(2, '0')}`
}

/** Thousandths as a CommerceML quantity: 1500 → «1.5», 2000 → «2». */
export function quantity(milli: number): string {
  const sign = milli < 0 ? '-' : ''
  const a = Math.abs(milli)
  const frac = String(a % 1000).padStart(3, '0').replace(/0+$/, '')
  return `${sign}${Math.floor(a / 1000)}${frac ? `.${frac}` : ''}`
}

/** The price per base unit as sent: kopecks, or the exact line sum ÷ quantity when the line was rounded. */
export function unitPrice(unitKopecks: number): string {
  return money(unitKopecks)
}

/** ОКЕИ of our base units (1C matches units by code). */
export function unitCode(unit: string): { code: string; full: string; intl: string } {
  switch (unit.trim().toLowerCase().replace(/\.$/, '')) {
    case 'кг':
      return { code: '166', full: 'Килограмм', intl: 'KGM' }
    case 'г':
      return { code: '163', full: 'Грамм', intl: 'GRM' }
    case 'л':
      return { code: '112', full: 'Литр', intl: 'LTR' }
    case 'м':
      return { code: '006', full: 'Метр', intl: 'MTR' }
    case 'упак':
      return { code: '778', full: 'Упаковка', intl: 'NMP' }
    default:
      return { code: '796', full: 'Штука', intl: 'PCE' }
  }
}

/** The VAT rate as 1C writes it: «22», «10», «0», or «Без налога». */
export function vatRateText(rate: string): string {
  return rate === 'none' || rate === '' ? 'Без налога' : rate
}

/** Date and time of an instant in the supplier's time zone, as CommerceML wants them: «2026-11-27», «12:05:00». */
export function dateTimeIn(ms: number, timeZone: string): { date: string; time: string } {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(ms))
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '00'
  return { date: `${get('year')}-${get('month')}-${get('day')}`, time: `${get('hour')}:${get('minute')}:${get('second')}` }
}

/** Our id for a counterparty 1C has never seen: INN and KPP when known (1C matches them), else the company id. */
export function counterpartyId(c: { id: number; inn: string | null; kpp: string | null }): string {
  return c.inn ? `b2b-${c.inn}${c.kpp ? `-${c.kpp}` : ''}` : `b2b-company-${c.id}`
}

/** Whether our order number and 1C's Ид are the same thing (1C kept our number as the document's Ид). */
export function sameNumber(onecId: string, number: string): boolean {
  const a = onecId.replace(/^0+/, '')
  const b = number.replace(/^0+/, '')
  return a !== '' && a === b
}
