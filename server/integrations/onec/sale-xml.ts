/**
 * Writes the CommerceML 2 documents file that `mode=query` answers: one `Документ` per order («Заказ товара») with the buyer
 * and the payers, the lines with 1C's own product Ид, VAT, and the order's state, payment, delivery address and comment as
 * requisites. The bytes are windows-1251 (1C's own default) or UTF-8 with a BOM, and the prolog says which (reference §6,
 * pitfall 1). A character windows-1251 cannot hold is written as a character reference, so nothing turns into «?».
 */

import iconv from 'iconv-lite'
import { STATUS_LABELS } from '../../orders/rules.js'
import type { SaleCompany, SaleOrder } from './sale-types.js'
import { ONEC_STATUS_TEXT, counterpartyId, dateTimeIn, money, quantity, unitCode, unitPrice, vatRateText } from './sale-rules.js'

export type SaleEncoding = 'windows-1251' | 'utf-8'

export const SCHEMA_VERSION = '2.08'

const encodable = new Map<number, boolean>()

/** Whether windows-1251 holds this code point (memoised: the alphabet is small). */
function in1251(code: number): boolean {
  let ok = encodable.get(code)
  if (ok === undefined) {
    const ch = String.fromCodePoint(code)
    ok = iconv.decode(iconv.encode(ch, 'win1251'), 'win1251') === ch
    encodable.set(code, ok)
  }
  return ok
}

/** Text escaped for XML 1.0: markup characters, control characters dropped, and (for windows-1251) references for the rest. */
export function escapeXml(text: string, encoding: SaleEncoding): string {
  let out = ''
  for (const ch of text) {
    const code = ch.codePointAt(0)!
    if (ch === '&') out += '&amp;'
    else if (ch === '<') out += '&lt;'
    else if (ch === '>') out += '&gt;'
    else if (ch === '"') out += '&quot;'
    else if (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) continue
    else if (code === 0xfffe || code === 0xffff) continue
    else if (encoding === 'windows-1251' && code > 0x7f && !in1251(code)) out += `&#${code};`
    else out += ch
  }
  return out
}

/** A tiny indenting writer, so the document reads well in 1C's exchange log. */
class Xml {
  private parts: string[] = []
  private depth = 0
  constructor(private readonly encoding: SaleEncoding) {}
  open(name: string, attrs: Record<string, string> = {}): this {
    this.parts.push(`${'  '.repeat(this.depth)}<${name}${this.attrs(attrs)}>\n`)
    this.depth++
    return this
  }
  close(name: string): this {
    this.depth--
    this.parts.push(`${'  '.repeat(this.depth)}</${name}>\n`)
    return this
  }
  leaf(name: string, value: string, attrs: Record<string, string> = {}): this {
    this.parts.push(`${'  '.repeat(this.depth)}<${name}${this.attrs(attrs)}>${escapeXml(value, this.encoding)}</${name}>\n`)
    return this
  }
  requisite(name: string, value: string): this {
    return this.open('ЗначениеРеквизита').leaf('Наименование', name).leaf('Значение', value).close('ЗначениеРеквизита')
  }
  private attrs(attrs: Record<string, string>): string {
    return Object.entries(attrs).map(([k, v]) => ` ${k}="${escapeXml(v, this.encoding)}"`).join('')
  }
  toString(): string {
    return this.parts.join('')
  }
}

function counterparty(x: Xml, c: SaleCompany, role: string): void {
  x.open('Контрагент')
  x.leaf('Ид', counterpartyId(c))
  x.leaf('Наименование', c.name)
  x.leaf('Роль', role)
  x.leaf('ПолноеНаименование', c.fullName || c.name)
  x.leaf('ОфициальноеНаименование', c.fullName || c.name)
  if (c.inn) x.leaf('ИНН', c.inn)
  if (c.kpp) x.leaf('КПП', c.kpp)
  if (c.legalAddress) x.open('АдресРегистрации').leaf('Представление', c.legalAddress).close('АдресРегистрации')
  x.close('Контрагент')
}

/** One order as a `Документ`. */
function documentOf(x: Xml, o: SaleOrder, timeZone: string): void {
  const at = dateTimeIn(o.createdAt, timeZone)
  const paid = o.invoices.reduce((s, i) => s + i.paidKopecks, 0)
  x.open('Документ')
  x.leaf('Ид', o.number)
  x.leaf('Номер', o.number)
  x.leaf('Дата', at.date)
  x.leaf('ХозОперация', 'Заказ товара')
  x.leaf('Роль', 'Продавец')
  x.leaf('Валюта', 'RUB')
  x.leaf('Курс', '1')
  x.leaf('Сумма', money(o.totalKopecks))
  x.open('Контрагенты')
  counterparty(x, o.buyer, 'Покупатель')
  // A payer other than the buyer (an order paid part by the ИП, part by the ООО) is a counterparty of its own.
  const seen = new Set([o.buyer.id])
  for (const i of o.invoices) {
    if (seen.has(i.payer.id)) continue
    seen.add(i.payer.id)
    counterparty(x, i.payer, 'Плательщик')
  }
  x.close('Контрагенты')
  x.leaf('Время', at.time)
  x.leaf('Комментарий', [o.comment, o.clientRef && `Клиент: ${o.clientRef}`].filter(Boolean).join('\n'))
  x.open('Налоги').open('Налог').leaf('Наименование', 'НДС').leaf('УчтеноВСумме', 'true').leaf('Сумма', money(o.vatKopecks)).close('Налог').close('Налоги')
  x.open('Товары')
  for (const l of o.lines) {
    const u = unitCode(l.unit)
    const rate = vatRateText(l.vatRate)
    x.open('Товар')
    x.leaf('Ид', l.externalId ?? `b2b-product-${l.productId ?? l.sku}`)
    x.leaf('Артикул', l.sku)
    x.leaf('Наименование', l.name)
    x.leaf('БазоваяЕдиница', l.unit, { Код: u.code, НаименованиеПолное: u.full, МеждународноеСокращение: u.intl })
    x.leaf('ЦенаЗаЕдиницу', unitPrice(l.unitKopecks))
    x.leaf('Количество', quantity(l.qtyMilli))
    x.leaf('Сумма', money(l.lineKopecks))
    x.open('СтавкиНалогов').open('СтавкаНалога').leaf('Наименование', 'НДС').leaf('Ставка', rate).close('СтавкаНалога').close('СтавкиНалогов')
    x.open('Налоги').open('Налог').leaf('Наименование', 'НДС').leaf('УчтеноВСумме', 'true').leaf('Сумма', money(l.vatKopecks)).leaf('Ставка', rate).close('Налог').close('Налоги')
    x.open('ЗначенияРеквизитов').requisite('ВидНоменклатуры', 'Товар').requisite('ТипНоменклатуры', 'Товар').close('ЗначенияРеквизитов')
    x.close('Товар')
  }
  x.close('Товары')
  x.open('ЗначенияРеквизитов')
  x.requisite('Статус заказа', ONEC_STATUS_TEXT[o.status])
  x.requisite('Статус заказа на сайте', o.status)
  x.requisite('Заказ оплачен', String(o.invoices.length > 0 && o.invoices.every((i) => i.paidKopecks >= i.amountKopecks)))
  x.requisite('Сумма оплаты', money(paid))
  x.requisite('Отменен', String(o.status === 'cancelled'))
  x.requisite('Финальный статус', String(o.status === 'completed' || o.status === 'cancelled'))
  x.requisite('Доставка разрешена', String(o.status !== 'cancelled'))
  x.requisite('Метод оплаты', 'Безналичный расчёт по счёту')
  x.requisite('Адрес доставки', o.pointText)
  if (o.clientRef) x.requisite('Клиент покупателя', o.clientRef)
  if (o.comment) x.requisite('Комментарий покупателя', o.comment)
  // Each payer's share of a multi-payer order: 1C issues one «Счёт на оплату» per payer.
  if (o.invoices.length > 1 || (o.invoices[0] && o.invoices[0].payer.id !== o.buyer.id)) {
    o.invoices.forEach((i, n) => {
      const req = [i.payer.name, i.payer.inn && `ИНН ${i.payer.inn}`, i.payer.kpp && `КПП ${i.payer.kpp}`].filter(Boolean).join(', ')
      x.requisite(`Плательщик ${n + 1}`, `${req}; сумма ${money(i.amountKopecks)}; оплачено ${money(i.paidKopecks)}`)
    })
  }
  // A split order's shipments, so that 1C can name the one it shipped back («Номер отгрузки на сайте» = «000125-2»).
  for (const sh of o.shipments) {
    const lines = sh.lines.map((l) => `${l.sku} × ${quantity(l.qtyMilli)}`).join(', ')
    x.requisite(`Отгрузка ${sh.no}`, `${o.number}-${sh.no}; план ${sh.plannedOn}; ${sh.shipped ? 'отгружена' : 'к отгрузке'}; ${lines}`)
  }
  x.requisite('Состояние заказа', STATUS_LABELS[o.status])
  x.close('ЗначенияРеквизитов')
  x.close('Документ')
}

/** The whole file for `mode=query`, encoded. `now` is the moment written as `ДатаФормирования`. */
export function writeSaleXml(orders: readonly SaleOrder[], o: { encoding: SaleEncoding; timeZone: string; now: number }): Buffer {
  const at = dateTimeIn(o.now, o.timeZone)
  const x = new Xml(o.encoding)
  x.open('КоммерческаяИнформация', { xmlns: 'urn:1C.ru:commerceml_2', ВерсияСхемы: SCHEMA_VERSION, ДатаФормирования: `${at.date}T${at.time}` })
  for (const order of orders) documentOf(x, order, o.timeZone)
  x.close('КоммерческаяИнформация')
  const text = `<?xml version="1.0" encoding="${o.encoding === 'utf-8' ? 'UTF-8' : 'windows-1251'}"?>\n${x.toString()}`
  return o.encoding === 'utf-8' ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]) : iconv.encode(text, 'win1251')
}

/** The Content-Type of the file in this encoding. */
export function saleContentType(encoding: SaleEncoding): string {
  return `application/xml; charset=${encoding === 'utf-8' ? 'utf-8' : 'windows-1251'}`
}
