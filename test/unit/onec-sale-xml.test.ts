import { expect } from 'chai'
import iconv from 'iconv-lite'
import sax from 'sax'
import { writeSaleXml, saleContentType, escapeXml } from '../../server/integrations/onec/sale-xml.js'
import { parseSaleBuffer, detectEncoding } from '../../server/integrations/onec/sale-parse.js'
import type { SaleOrder } from '../../server/integrations/onec/sale-types.js'

/** A plain tree of the written XML (names, attributes, text), to check every element the reference requires. */
interface Node {
  name: string
  attrs: Record<string, string>
  text: string
  children: Node[]
}
function tree(xml: string): Node {
  const p = sax.parser(true, { trim: true })
  const root: Node = { name: '#', attrs: {}, text: '', children: [] }
  const stack = [root]
  p.onopentag = (n) => {
    const node: Node = { name: n.name, attrs: n.attributes as Record<string, string>, text: '', children: [] }
    stack.at(-1)!.children.push(node)
    stack.push(node)
  }
  p.ontext = (t) => {
    stack.at(-1)!.text += t
  }
  p.onclosetag = () => {
    stack.pop()
  }
  p.write(xml).close()
  return root.children[0]!
}
const child = (n: Node, name: string) => n.children.find((c) => c.name === name)
const at = (n: Node, ...path: string[]): Node => path.reduce((x, name) => {
  const c = child(x, name)
  if (!c) throw new Error(`no ${name} under ${x.name}`)
  return c
}, n)
const requisites = (n: Node) => Object.fromEntries(at(n, 'ЗначенияРеквизитов').children.map((r) => [at(r, 'Наименование').text, child(r, 'Значение')?.text ?? '']))

const buyer = { id: 7, name: 'ООО «Кофейня на Покровке»', fullName: 'Общество с ограниченной ответственностью «Кофейня на Покровке»', inn: '7701234567', kpp: '770101001', legalAddress: 'г Москва, ул Покровка, д 12' }
const ip = { id: 9, name: 'ИП Смирнова О. П.', fullName: 'Индивидуальный предприниматель Смирнова Ольга Петровна', inn: '503212345678', kpp: null, legalAddress: '' }
const order: SaleOrder = {
  id: 125,
  number: '000125',
  createdAt: Date.parse('2026-11-25T08:20:45Z'),
  status: 'awaiting_payment',
  totalKopecks: 5_085_000,
  vatKopecks: 916_967,
  pointText: 'Кофейня, г Москва, ул Покровка, д 12 (вход со двора)',
  clientRef: 'Кафе «Ромашка», заказ 15',
  comment: 'Доставка до 12:00 & позвонить за час — ☕',
  buyer,
  lines: [
    { externalId: 'c5b1e6f0-2a3d-11ee-a1b2-00155d0a1b07#f1e2d3c4', productId: 11, sku: 'GRN-ETH-30', name: 'Кофе зерновой Эфиопия Иргачеффе, мешок 30 кг', unit: 'кг', qtyMilli: 30_000, unitKopecks: 162_000, lineKopecks: 4_860_000, vatRate: '22', vatKopecks: 876_393 },
    { externalId: null, productId: 12, sku: 'CUP-250', name: 'Стакан бумажный 250 мл', unit: 'шт', qtyMilli: 1_500, unitKopecks: 15_000, lineKopecks: 225_000, vatRate: 'none', vatKopecks: 0 },
  ],
  invoices: [
    { payer: buyer, amountKopecks: 3_000_000, paidKopecks: 0 },
    { payer: ip, amountKopecks: 2_085_000, paidKopecks: 2_085_000 },
  ],
  shipments: [
    { no: 1, plannedOn: '2026-12-01', shipped: true, lines: [{ externalId: 'c5b1e6f0-2a3d-11ee-a1b2-00155d0a1b07#f1e2d3c4', productId: 11, sku: 'GRN-ETH-30', qtyMilli: 30_000 }] },
    { no: 2, plannedOn: '2026-12-08', shipped: false, lines: [{ externalId: null, productId: 12, sku: 'CUP-250', qtyMilli: 1_500 }] },
  ],
}
const opts = { timeZone: 'Europe/Moscow', now: Date.parse('2026-11-27T06:00:00Z') }

describe('1C sale: the documents writer', () => {
  it('writes windows-1251 bytes with a matching prolog, Cyrillic intact and unencodable characters as references', () => {
    const buf = writeSaleXml([order], { ...opts, encoding: 'windows-1251' })
    expect(buf.subarray(0, 45).toString('latin1')).to.equal('<?xml version="1.0" encoding="windows-1251"?>')
    // «З» of «Заказ» is 0xC7 in windows-1251; no UTF-8 lead bytes of Cyrillic (0xD0/0xD1 followed by 0x80–0xBF pairs) spell it.
    expect(buf.includes(iconv.encode('<ХозОперация>Заказ товара</ХозОперация>', 'win1251'))).to.equal(true)
    expect(buf.includes(Buffer.from('Заказ товара', 'utf8'))).to.equal(false)
    const text = iconv.decode(buf, 'win1251')
    expect(text).to.include('позвонить за час — &#9749;')
    expect(text).to.include('&amp;')
    expect(saleContentType('windows-1251')).to.equal('application/xml; charset=windows-1251')
    expect(detectEncoding(buf)).to.equal('windows-1251')
  })

  it('writes UTF-8 with a BOM when configured', () => {
    const buf = writeSaleXml([order], { ...opts, encoding: 'utf-8' })
    expect([...buf.subarray(0, 3)]).to.deep.equal([0xef, 0xbb, 0xbf])
    expect(buf.subarray(3, 41).toString('utf8')).to.equal('<?xml version="1.0" encoding="UTF-8"?>')
    expect(buf.toString('utf8')).to.include('— ☕')
    expect(saleContentType('utf-8')).to.equal('application/xml; charset=utf-8')
  })

  for (const encoding of ['windows-1251', 'utf-8'] as const) {
    it(`round-trips through our own parser (${encoding})`, () => {
      const [doc, ...rest] = parseSaleBuffer(writeSaleXml([order, { ...order, id: 126, number: '000126', status: 'cancelled', invoices: [] }], { ...opts, encoding }))
      expect(rest).to.have.length(1)
      expect(rest[0]!.number).to.equal('000126')
      expect(rest[0]!.requisites['Отменен']).to.equal('true')
      expect(doc!.id).to.equal('000125')
      expect(doc!.number).to.equal('000125')
      expect(doc!.date).to.equal('2026-11-25')
      expect(doc!.operation).to.equal('Заказ товара')
      expect(doc!.sum).to.equal('50850.00')
      expect(doc!.requisites['Статус заказа']).to.equal('Ожидает оплаты')
      expect(doc!.requisites['Адрес доставки']).to.equal(order.pointText)
      expect(doc!.requisites['Комментарий покупателя']).to.equal(order.comment)
      expect(doc!.requisites['Метод оплаты']).to.equal('Безналичный расчёт по счёту')
      expect(doc!.requisites['Плательщик 2']).to.equal('ИП Смирнова О. П., ИНН 503212345678; сумма 20850.00; оплачено 20850.00')
      expect(doc!.requisites['Заказ оплачен']).to.equal('false')
      // Each shipment of a split order with the number 1C echoes back («Номер отгрузки на сайте»).
      expect(doc!.requisites['Отгрузка 1']).to.equal('000125-1; план 2026-12-01; отгружена; GRN-ETH-30 × 30')
      expect(doc!.requisites['Отгрузка 2']).to.equal('000125-2; план 2026-12-08; к отгрузке; CUP-250 × 1.5')
    })
  }

  it('has every element the reference requires, in 1C’s shapes', () => {
    const root = tree(iconv.decode(writeSaleXml([order], { ...opts, encoding: 'windows-1251' }), 'win1251'))
    expect(root.name).to.equal('КоммерческаяИнформация')
    expect(root.attrs['ВерсияСхемы']).to.equal('2.08')
    expect(root.attrs['ДатаФормирования']).to.equal('2026-11-27T09:00:00')
    const d = at(root, 'Документ')
    expect(['Ид', 'Номер', 'Дата', 'Время', 'ХозОперация', 'Роль', 'Валюта', 'Курс', 'Сумма'].map((n) => at(d, n).text)).to.deep.equal(['000125', '000125', '2026-11-25', '11:20:45', 'Заказ товара', 'Продавец', 'RUB', '1', '50850.00'])
    const [c1, c2] = at(d, 'Контрагенты').children
    expect([at(c1!, 'Ид').text, at(c1!, 'Наименование').text, at(c1!, 'Роль').text, at(c1!, 'ИНН').text, at(c1!, 'КПП').text]).to.deep.equal(['b2b-7701234567-770101001', buyer.name, 'Покупатель', '7701234567', '770101001'])
    expect([at(c2!, 'Роль').text, at(c2!, 'ИНН').text, child(c2!, 'КПП')]).to.deep.equal(['Плательщик', '503212345678', undefined])
    expect(at(d, 'Налоги', 'Налог', 'Сумма').text).to.equal('9169.67')
    const [t1, t2] = at(d, 'Товары').children
    expect(at(t1!, 'Ид').text).to.equal('c5b1e6f0-2a3d-11ee-a1b2-00155d0a1b07#f1e2d3c4')
    expect(at(t2!, 'Ид').text).to.equal('b2b-product-12')
    expect([at(t1!, 'Артикул').text, at(t1!, 'Наименование').text, at(t1!, 'ЦенаЗаЕдиницу').text, at(t1!, 'Количество').text, at(t1!, 'Сумма').text]).to.deep.equal(['GRN-ETH-30', order.lines[0]!.name, '1620.00', '30', '48600.00'])
    expect(at(t1!, 'БазоваяЕдиница').attrs).to.deep.include({ Код: '166', НаименованиеПолное: 'Килограмм' })
    expect(at(t1!, 'БазоваяЕдиница').text).to.equal('кг')
    expect(at(t2!, 'Количество').text).to.equal('1.5')
    expect(at(t2!, 'БазоваяЕдиница').attrs['Код']).to.equal('796')
    expect(at(t1!, 'СтавкиНалогов', 'СтавкаНалога', 'Ставка').text).to.equal('22')
    expect(at(t2!, 'СтавкиНалогов', 'СтавкаНалога', 'Ставка').text).to.equal('Без налога')
    expect(at(t1!, 'Налоги', 'Налог', 'Сумма').text).to.equal('8763.93')
    expect(requisites(t1!)['ВидНоменклатуры']).to.equal('Товар')
    expect(Object.keys(requisites(d))).to.include.members(['Статус заказа', 'Заказ оплачен', 'Отменен', 'Финальный статус', 'Метод оплаты', 'Адрес доставки', 'Плательщик 1', 'Плательщик 2'])
  })

  it('escapes markup and drops characters XML 1.0 forbids', () => {
    expect(escapeXml('a<b>&"\u0001\u00a0ё', 'windows-1251')).to.equal('a&lt;b&gt;&amp;&quot;\u00a0ё')
    expect(escapeXml('€ ₽ 😀', 'windows-1251')).to.equal('€ &#8381; &#128512;')
    expect(escapeXml('₽', 'utf-8')).to.equal('₽')
  })
})
