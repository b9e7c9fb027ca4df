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

export interface OnecDoc {
  id?: string
  number: string
  number1c?: string
  date1c?: string
  deleted?: boolean
  operation?: string
  requisites?: Record<string, string>
}

/**
 * A documents file as 1C's «Обмен с сайтом» sends it back (УТ 11 shape, reference §7), written to a temporary file.
 * Returns its path.
 */
export function documentsFile(docs: OnecDoc[], o: { encoding?: 'windows-1251' | 'utf-8'; namespace?: boolean; version?: string } = {}): string {
  const enc = o.encoding ?? 'windows-1251'
  const ns = o.namespace === false ? '' : ' xmlns="urn:1C.ru:commerceml_210"'
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;')
  const body = docs
    .map((d) => {
      const reqs = Object.entries(d.requisites ?? {})
        .map(([k, v]) => `\t\t\t<ЗначениеРеквизита>\r\n\t\t\t\t<Наименование>${esc(k)}</Наименование>\r\n\t\t\t\t<Значение>${esc(v)}</Значение>\r\n\t\t\t</ЗначениеРеквизита>\r\n`)
        .join('')
      return (
        `\t<Документ>\r\n\t\t<Ид>${esc(d.id ?? d.number)}</Ид>\r\n` +
        (d.deleted !== undefined ? `\t\t<ПометкаУдаления>${d.deleted}</ПометкаУдаления>\r\n` : '') +
        `\t\t<Номер>${esc(d.number)}</Номер>\r\n` +
        (d.number1c ? `\t\t<Номер1С>${esc(d.number1c)}</Номер1С>\r\n` : '') +
        `\t\t<Дата>2026-11-27</Дата>\r\n` +
        (d.date1c ? `\t\t<Дата1С>${esc(d.date1c)}</Дата1С>\r\n` : '') +
        `\t\t<ХозОперация>${esc(d.operation ?? 'Заказ товара')}</ХозОперация>\r\n\t\t<Роль>Продавец</Роль>\r\n\t\t<Валюта>руб</Валюта>\r\n\t\t<Курс>1</Курс>\r\n` +
        `\t\t<ЗначенияРеквизитов>\r\n${reqs}\t\t</ЗначенияРеквизитов>\r\n\t</Документ>\r\n`
      )
    })
    .join('')
  const text =
    `<?xml version="1.0" encoding="${enc === 'utf-8' ? 'UTF-8' : 'windows-1251'}"?>\r\n` +
    `<КоммерческаяИнформация${ns} ВерсияСхемы="${o.version ?? '2.08'}" ДатаФормирования="2026-11-27T10:00:00">\r\n${body}</КоммерческаяИнформация>\r\n`
  const bytes = enc === 'utf-8' ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]) : iconv.encode(text, 'win1251')
  const dir = path.join(tmpRoot, 'onec-sale')
  fs.mkdirSync(dir, { recursive: true })
  const file = path.join(dir, `v8_${uniq()}_c.xml`)
  fs.writeFileSync(file, bytes)
  return file
}
