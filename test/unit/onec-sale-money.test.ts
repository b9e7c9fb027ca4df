import fs from 'node:fs'
import path from 'node:path'
import { expect } from 'chai'
import { parseSaleBuffer } from '../../server/integrations/onec/sale-parse.js'
import {
  documentKind, matchShipment, orderRefOf, ourShipmentNo, parseKopecks, parseQtyMilli, paymentsOf, planPayment, samePayer, shipmentsOf, type InvoiceDue, type LineIdentity, type OurShipment,
} from '../../server/integrations/onec/sale-rules.js'
import type { OnecShipment, SaleDocument } from '../../server/integrations/onec/sale-types.js'
import { ROOT_DIR } from '../../server/config.js'

const doc = (o: Partial<SaleDocument>): SaleDocument => ({ id: '', number: '', date: '', number1c: '', date1c: '', operation: 'Заказ товара', deleted: '', sum: '', requisites: {}, parties: [], items: [], children: [], ...o })

describe('1C sale: payments and shipments 1C reports (pure rules)', () => {
  it('reads a УТ file with subordinate payment and shipment documents and a payment document of its own', () => {
    const [order, own] = parseSaleBuffer(fs.readFileSync(path.join(ROOT_DIR, 'test', 'fixtures', 'onec-sale', 'ut11-payments-shipments-2.08-windows-1251.xml')))
    expect(order!.children.map((c) => [c.number, documentKind(c)])).to.deep.equal([['ЗЛ00-000312', 'payment'], ['ЗЛ00-000540', 'shipment']])
    expect(paymentsOf(order!)).to.deep.equal([
      { key: 'зл00-000312|2026-11-26', no: 'ЗЛ00-000312', date: '2026-11-26', amountKopecks: 3_000_000, paidFlag: null, payer: { inn: '503212345678', kpp: '', id: '0b3e7a52-11aa-11ef-8f00-00155d0a1b07', name: 'ИП Смирнова Ольга Петровна' } },
    ])
    expect(shipmentsOf(order!)).to.deep.equal([
      { key: 'зл00-000540|2026-11-27', no: 'ЗЛ00-000540', date: '2026-11-27', ourNo: 1, wholeOrder: false, lines: [{ id: 'c5b1e6f0-2a3d-11ee-a1b2-00155d0a1b07#f1e2d3c4', sku: 'GRN-ETH-30', name: 'Кофе зерновой Эфиопия Иргачеффе, мешок 30 кг', qtyMilli: 20_000 }] },
    ])
    // A payment document of its own names the order; its counterparty (not the seller) is the payer.
    expect([documentKind(own!), orderRefOf(own!)]).to.deep.equal(['payment', '000125'])
    expect(paymentsOf(own!).map((p) => [p.no, p.amountKopecks, p.payer?.inn, p.payer?.kpp])).to.deep.equal([['ЗЛ00-000315', 1_860_000, '7701234567', '770101001']])
  })

  it('reads the requisite forms: a sum with «Оплачен» false is a part payment, without a sum it is none; «Отгружен» true is the whole order', () => {
    expect(paymentsOf(doc({ requisites: { Оплачен: 'false' } }))).to.deep.equal([])
    expect(paymentsOf(doc({ requisites: { Оплачен: 'false', 'Номер оплаты по 1С': 'A-1', 'Дата оплаты по 1С': '2026-11-27T10:00:00', 'Сумма оплаты по 1С': '1 234,5' } })).map((p) => [p.key, p.amountKopecks, p.paidFlag]))
      .to.deep.equal([['a-1|2026-11-27', 123_450, false]])
    // «Сумма оплаты» alone (our own requisite, if echoed) is not a payment.
    expect(paymentsOf(doc({ requisites: { 'Сумма оплаты': '100.00' } }))).to.deep.equal([])
    expect(paymentsOf(doc({ requisites: { 'Номер оплаты по 1С': 'A-2', 'Сумма оплаты по 1С': '12,3a' } }))[0]!.badAmount).to.equal('12,3a')
    // The payer named in the requisites, or by a counterparty with the role «Плательщик».
    expect(paymentsOf(doc({ requisites: { Оплачен: 'true', 'ИНН плательщика': '7701234567' } }))[0]!.payer).to.deep.equal({ inn: '7701234567', kpp: '', id: '', name: '' })
    expect(paymentsOf(doc({ parties: [{ id: 'x', name: 'Покупатель', inn: '7700000000', kpp: '', role: 'Покупатель' }], requisites: { Оплачен: 'true' } }))[0]!.payer).to.equal(null)
    expect(shipmentsOf(doc({ requisites: { Отгружен: 'true' } }))).to.deep.equal([{ key: 'отгружен', no: '', date: '', ourNo: null, lines: [], wholeOrder: true }])
    expect(shipmentsOf(doc({ requisites: { Отгружен: 'false' } }))).to.deep.equal([])
    expect(shipmentsOf(doc({ requisites: { Отгружен: 'false', 'Номер отгрузки по 1С': 'Р-7', 'Номер отгрузки на сайте': '2' } }))[0]!.ourNo).to.equal(2)
    // A subordinate document marked deleted or not posted is withdrawn by 1C.
    const withdrawn = doc({ children: [doc({ operation: 'Реализация товаров', number: 'Р-8', deleted: 'true' }), doc({ operation: 'Выплата безналичных денег', number: 'П-9', sum: '1', requisites: { Проведен: 'false' } })] })
    expect([shipmentsOf(withdrawn)[0]!.deleted, paymentsOf(withdrawn)[0]!.deleted]).to.deep.equal([true, true])
  })

  it('reads 1C’s numbers: sums, quantities, our shipment number echoed', () => {
    expect([parseKopecks('48 600,00'), parseKopecks('12480.5'), parseKopecks('5400'), parseKopecks('0.10'), parseKopecks('1.005'), parseKopecks('1.000'), parseKopecks('-5'), parseKopecks('abc')]).to.deep.equal([4_860_000, 1_248_050, 540_000, 10, null, 100, null, null])
    expect([parseQtyMilli('2.5'), parseQtyMilli('20,000'), parseQtyMilli('1 500'), parseQtyMilli('0'), parseQtyMilli('0.0001')]).to.deep.equal([2_500, 20_000, 1_500_000, null, null])
    expect(['2', '№ 3', '000125-2', '000125/4', 'Отгрузка 5', '', 'ЗЛ00-000540', '0'].map(ourShipmentNo)).to.deep.equal([2, 3, 2, 4, 5, null, null, null])
  })

  const inv = (id: number, payerId: number, inn: string | null, due: number, kpp: string | null = null): InvoiceDue => ({ id, payerId, inn, kpp, dueKopecks: due })
  const two = [inv(1, 10, '503212345678', 30_000), inv(2, 20, '7701234567', 70_000, '770101001')]

  it('places a payment by payer first, then by amount, and leaves the rest to a person', () => {
    const ip = { inn: '503212345678', kpp: '', id: '', name: 'ИП' }
    expect(planPayment(30_000, ip, two)).to.deep.equal({ parts: [{ invoiceId: 1, kopecks: 30_000 }], leftoverKopecks: 0, reason: null })
    // The payer's own invoice only, never another payer's: the excess is an overpayment.
    expect(planPayment(50_000, ip, two)).to.deep.equal({ parts: [{ invoiceId: 1, kopecks: 30_000 }], leftoverKopecks: 20_000, reason: 'переплата плательщика сверх его счёта' })
    expect(planPayment(null, ip, two).parts).to.deep.equal([{ invoiceId: 1, kopecks: 30_000 }])
    expect(planPayment(10_000, { inn: '7707083893', kpp: '', id: '', name: '' }, two)).to.deep.include({ parts: [], leftoverKopecks: 10_000 })
    // KPP: the same INN with another KPP (a branch) is another payer; an empty KPP matches any.
    expect(samePayer({ inn: '7701234567', kpp: '770201001', id: '', name: '' }, two[1]!)).to.equal(false)
    expect(samePayer({ inn: '7701234567', kpp: '', id: '', name: '' }, two[1]!)).to.equal(true)
    expect(samePayer({ inn: '', kpp: '', id: 'b2b-7701234567-770101001', name: '' }, two[1]!)).to.equal(true)
    // Without a payer: the invoice whose due equals the sum, all of them when it covers them, else nobody.
    expect(planPayment(70_000, null, two).parts).to.deep.equal([{ invoiceId: 2, kopecks: 70_000 }])
    expect(planPayment(100_000, null, two).parts).to.deep.equal([{ invoiceId: 1, kopecks: 30_000 }, { invoiceId: 2, kopecks: 70_000 }])
    expect(planPayment(100_500, null, two)).to.deep.include({ leftoverKopecks: 500, reason: 'переплата сверх счетов заказа' })
    expect(planPayment(50_000, null, two)).to.deep.include({ parts: [], leftoverKopecks: 50_000 })
    expect(planPayment(null, null, two).parts).to.have.length(2)
    // One open invoice takes any sum up to its due (a part payment).
    expect(planPayment(10_000, null, [inv(1, 10, null, 0), inv(2, 20, null, 70_000)]).parts).to.deep.equal([{ invoiceId: 2, kopecks: 10_000 }])
    expect(planPayment(10_000, null, [inv(1, 10, null, 0)])).to.deep.equal({ parts: [], leftoverKopecks: 10_000, reason: 'счета заказа уже оплачены: переплата' })
  })

  it('matches a 1C shipment by our number, by lines, or the single open one; an order not split must be shipped whole', () => {
    const lines: LineIdentity[] = [{ lineId: 1, product: 'p1', ids: ['guid-1', 'b2b-product-1'], sku: 'GRN-ETH-30' }, { lineId: 2, product: 'p2', ids: ['b2b-product-2'], sku: 'TEA-01' }]
    const ours: OurShipment[] = [
      { id: 11, no: 1, shipped: false, qty: new Map([['p1', 6_000], ['p2', 4_000]]) },
      { id: 12, no: 2, shipped: false, qty: new Map([['p1', 4_000]]) },
    ]
    const whole = new Map([['p1', 10_000], ['p2', 4_000]])
    const s = (o: Partial<OnecShipment>): OnecShipment => ({ key: 'k', no: 'Р-1', date: '', ourNo: null, lines: [], wholeOrder: false, ...o })
    expect(matchShipment(s({ ourNo: 2 }), ours, whole, lines)).to.deep.equal({ kind: 'one', shipmentId: 12, no: 2, by: 'номер' })
    expect(matchShipment(s({ lines: [{ id: 'guid-1', sku: '', name: '', qtyMilli: 4_000 }] }), ours, whole, lines)).to.deep.equal({ kind: 'one', shipmentId: 12, no: 2, by: 'строки' })
    expect(matchShipment(s({ lines: [{ id: '', sku: 'grn eth 30', name: '', qtyMilli: 6_000 }, { id: 'x', sku: 'TEA-01', name: '', qtyMilli: 4_000 }] }), ours, whole, lines)).to.deep.include({ shipmentId: 11 })
    expect(matchShipment(s({ lines: [{ id: 'guid-1', sku: '', name: '', qtyMilli: 10_000 }, { id: 'b2b-product-2', sku: '', name: '', qtyMilli: 4_000 }] }), ours, whole, lines)).to.deep.equal({ kind: 'all', by: 'строки' })
    expect(matchShipment(s({}), ours, whole, lines).kind).to.equal('none')
    expect(matchShipment(s({ wholeOrder: true }), ours, whole, lines).kind).to.equal('all')
    expect(matchShipment(s({ ourNo: 3 }), ours, whole, lines)).to.deep.equal({ kind: 'none', reason: 'отгрузки 3 в заказе нет (отгрузок: 2)' })
    expect(matchShipment(s({ ourNo: 1, lines: [{ id: 'guid-1', sku: '', name: '', qtyMilli: 4_000 }] }), ours, whole, lines).kind).to.equal('none')
    const oneLeft = [{ ...ours[0]!, shipped: true }, ours[1]!]
    expect(matchShipment(s({}), oneLeft, whole, lines)).to.deep.equal({ kind: 'one', shipmentId: 12, no: 2, by: 'единственная открытая' })
    expect(matchShipment(s({ ourNo: 1 }), oneLeft, whole, lines)).to.deep.equal({ kind: 'done', reason: 'отгрузка 1 уже отгружена' })
    expect(matchShipment(s({}), [], whole, lines)).to.deep.equal({ kind: 'all', by: 'весь заказ' })
    expect(matchShipment(s({ lines: [{ id: 'guid-1', sku: '', name: '', qtyMilli: 10_000 }] }), [], whole, lines).kind).to.equal('none')
    expect(matchShipment(s({ badLine: 'TEA-01: количество «много»' }), ours, whole, lines)).to.deep.equal({ kind: 'none', reason: 'строка не прочитана: TEA-01: количество «много»' })
  })
})
