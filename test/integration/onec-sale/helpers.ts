import fs from 'node:fs'
import path from 'node:path'
import iconv from 'iconv-lite'
import { tmpRoot } from '../../support/hooks.js'
import { uniq } from '../../support/factories.js'
import type { TestApp } from '../../support/app.js'
import { createOnecSale } from '../../../server/integrations/onec/sale.js'
import { parseSaleBuffer } from '../../../server/integrations/onec/sale-parse.js'
import type { Config } from '../../../server/config.js'

/** The sale service over the test app's database and clock, with no cap on orders per query (the suite shares one database). */
export function saleService(app: TestApp, o: Partial<Config['onecSale']> = {}) {
  const config: Config = { ...app.config, onecSale: { ...app.config.onecSale, maxOrders: 1_000_000, ...o } }
  return createOnecSale({ db: app.c.db, clock: app.clock, orders: app.c.orders, config, logger: app.c.logger })
}

let sessions = 900_000 + Math.floor(Math.random() * 50_000)
/** A fresh exchange session id (the real ones come from onec_sessions; the sale bookkeeping only keys by the number). */
export const newSession = () => ++sessions

/** The numbers of the orders in a `mode=query` answer. */
export function numbersIn(body: Buffer): string[] {
  return parseSaleBuffer(body).map((d) => d.number)
}

export interface OnecParty {
  id?: string
  name: string
  inn?: string | null
  kpp?: string | null
  role: string
}

export interface OnecDoc {
  id?: string
  number: string
  date?: string
  number1c?: string
  date1c?: string
  deleted?: boolean
  operation?: string
  sum?: string
  parties?: OnecParty[]
  items?: { id?: string; sku?: string; name?: string; qty: string }[]
  requisites?: Record<string, string>
  /** Subordinate documents (`ПодчиненныеДокументы/ПодчиненныйДокумент`): 1C's payments and shipments of the order. */
  children?: OnecDoc[]
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;')

/** One document (or subordinate document) as 1C writes it, indented with tabs and CRLF as 1C does. */
function documentXml(d: OnecDoc, tag: string, indent: string): string {
  const i1 = `${indent}\t`
  const i2 = `${i1}\t`
  const reqs = Object.entries(d.requisites ?? {})
    .map(([k, v]) => `${i2}<ЗначениеРеквизита>\r\n${i2}\t<Наименование>${esc(k)}</Наименование>\r\n${i2}\t<Значение>${esc(v)}</Значение>\r\n${i2}</ЗначениеРеквизита>\r\n`)
    .join('')
  const parties = d.parties?.length
    ? `${i1}<Контрагенты>\r\n${d.parties
        .map((p) => `${i2}<Контрагент>\r\n${i2}\t<Ид>${esc(p.id ?? `cp-${p.inn ?? p.name}`)}</Ид>\r\n${i2}\t<Наименование>${esc(p.name)}</Наименование>\r\n${i2}\t<Роль>${esc(p.role)}</Роль>\r\n${i2}\t<ИНН>${esc(p.inn ?? '')}</ИНН>\r\n${i2}\t<КПП>${esc(p.kpp ?? '')}</КПП>\r\n${i2}</Контрагент>\r\n`)
        .join('')}${i1}</Контрагенты>\r\n`
    : ''
  const items = d.items?.length
    ? `${i1}<Товары>\r\n${d.items
        .map((t) => `${i2}<Товар>\r\n${i2}\t<Ид>${esc(t.id ?? '')}</Ид>\r\n${t.sku ? `${i2}\t<Артикул>${esc(t.sku)}</Артикул>\r\n` : ''}${i2}\t<Наименование>${esc(t.name ?? t.sku ?? '')}</Наименование>\r\n${i2}\t<БазоваяЕдиница Код="166">кг</БазоваяЕдиница>\r\n${i2}\t<Количество>${esc(t.qty)}</Количество>\r\n${i2}</Товар>\r\n`)
        .join('')}${i1}</Товары>\r\n`
    : ''
  const children = d.children?.length ? `${i1}<ПодчиненныеДокументы>\r\n${d.children.map((c) => documentXml(c, 'ПодчиненныйДокумент', i2)).join('')}${i1}</ПодчиненныеДокументы>\r\n` : ''
  return (
    `${indent}<${tag}>\r\n${i1}<Ид>${esc(d.id ?? d.number)}</Ид>\r\n` +
    (d.deleted !== undefined ? `${i1}<ПометкаУдаления>${d.deleted}</ПометкаУдаления>\r\n` : '') +
    `${i1}<Номер>${esc(d.number)}</Номер>\r\n` +
    (d.number1c ? `${i1}<Номер1С>${esc(d.number1c)}</Номер1С>\r\n` : '') +
    `${i1}<Дата>${esc(d.date ?? '2026-11-27')}</Дата>\r\n` +
    (d.date1c ? `${i1}<Дата1С>${esc(d.date1c)}</Дата1С>\r\n` : '') +
    `${i1}<ХозОперация>${esc(d.operation ?? 'Заказ товара')}</ХозОперация>\r\n${i1}<Роль>Продавец</Роль>\r\n${i1}<Валюта>руб</Валюта>\r\n${i1}<Курс>1</Курс>\r\n` +
    (d.sum !== undefined ? `${i1}<Сумма>${esc(d.sum)}</Сумма>\r\n` : '') +
    parties +
    items +
    `${i1}<ЗначенияРеквизитов>\r\n${reqs}${i1}</ЗначенияРеквизитов>\r\n` +
    children +
    `${indent}</${tag}>\r\n`
  )
}

/** A documents file as 1C's «Обмен с сайтом» sends it back (УТ 11 shape, reference §7), as bytes. */
export function documentsXml(docs: OnecDoc[], o: { encoding?: 'windows-1251' | 'utf-8'; namespace?: boolean; version?: string } = {}): Buffer {
  const enc = o.encoding ?? 'windows-1251'
  const ns = o.namespace === false ? '' : ' xmlns="urn:1C.ru:commerceml_210"'
  const body = docs.map((d) => documentXml(d, 'Документ', '\t')).join('')
  const text =
    `<?xml version="1.0" encoding="${enc === 'utf-8' ? 'UTF-8' : 'windows-1251'}"?>\r\n` +
    `<КоммерческаяИнформация${ns} ВерсияСхемы="${o.version ?? '2.08'}" ДатаФормирования="2026-11-27T10:00:00">\r\n${body}</КоммерческаяИнформация>\r\n`
  return enc === 'utf-8' ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]) : iconv.encode(text, 'win1251')
}

/** The same file written to a temporary file; returns its path. */
export function documentsFile(docs: OnecDoc[], o: { encoding?: 'windows-1251' | 'utf-8'; namespace?: boolean; version?: string } = {}): string {
  const dir = path.join(tmpRoot, 'onec-sale')
  fs.mkdirSync(dir, { recursive: true })
  const file = path.join(dir, `v8_${uniq()}_c.xml`)
  fs.writeFileSync(file, documentsXml(docs, o))
  return file
}
