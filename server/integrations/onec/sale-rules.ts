/**
 * Pure rules of the 1C order exchange (type=sale): how our orders are written for 1C (money, quantities, units, VAT, dates)
 * and how what 1C sends back maps to our order states (the status dictionary, «Оплачен», «Отгружен», deletion marks). No IO.
 */

import { STATUSES, TRANSITIONS } from '../../orders/rules.js'
import type { OrderStatus } from '../../orders/types.js'
import type { SaleDocument } from './sale-types.js'

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

/** Whether 1C marks the order deleted or cancelled. */
export function deletionWanted(doc: SaleDocument): boolean {
  return isTrue(doc.deleted) || isTrue(requisite(doc, 'ПометкаУдаления', 'Пометка удаления')) || isTrue(requisite(doc, 'Отменен', 'Отменён'))
}

/** 1C's payment: «Оплачен» (or «Заказ оплачен») true, or a payment document with a number and date. */
export function paymentOf(doc: SaleDocument): { no: string; date: string } | null {
  const no = requisite(doc, 'Номер оплаты по 1С', 'Номер оплаты по 1C', 'Номер оплаты').trim()
  const date = requisite(doc, 'Дата оплаты по 1С', 'Дата оплаты по 1C', 'Дата оплаты').trim()
  const flag = requisite(doc, 'Оплачен', 'Заказ оплачен')
  if (flag.trim() && !isTrue(flag)) return null
  if (isTrue(flag) || (no && date)) return { no, date }
  return null
}

/** 1C's shipment: «Отгружен» true, or a shipment document with a number and date. */
export function shipmentOf(doc: SaleDocument): { no: string; date: string } | null {
  const no = requisite(doc, 'Номер отгрузки по 1С', 'Номер отгрузки по 1C', 'Номер отгрузки').trim()
  const date = requisite(doc, 'Дата отгрузки по 1С', 'Дата отгрузки по 1C', 'Дата отгрузки').trim()
  const flag = requisite(doc, 'Отгружен', 'Заказ отгружен')
  if (flag.trim() && !isTrue(flag)) return null
  if (isTrue(flag) || (no && date)) return { no, date }
  return null
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
