import fs from 'node:fs'
import path from 'node:path'
import { expect } from 'chai'
import { detectEncoding, parseSaleBuffer, streamSaleFile } from '../../server/integrations/onec/sale-parse.js'
import { deletionWanted, onecRefs, paymentsOf, shipmentsOf, statusDictionary, statusTarget } from '../../server/integrations/onec/sale-rules.js'
import type { SaleDocument } from '../../server/integrations/onec/sale-types.js'
import { ROOT_DIR } from '../../server/config.js'

const fixtures = path.join(ROOT_DIR, 'test', 'fixtures', 'onec-sale')
const read = (name: string) => fs.readFileSync(path.join(fixtures, name))
const REAL = path.resolve(ROOT_DIR, '..', 'shared', 'fixtures', 'commerceml-real', 'argentcrusade-commerceml__documents-example.xml')
const dict = statusDictionary({})

describe('1C sale: the documents parser', () => {
  it('reads УТ 11 documents in windows-1251 (2.08, namespace commerceml_210, requisites only at the document level)', () => {
    const buf = read('ut11-documents-2.08-windows-1251.xml')
    expect(detectEncoding(buf)).to.equal('windows-1251')
    const [a, b, ...rest] = parseSaleBuffer(buf)
    expect(rest).to.have.length(0)
    expect(a).to.deep.include({ id: '3f1c2a9e-8d4b-11f0-9c2a-00155d0a1b07', number: '000125', date: '2026-11-25', operation: 'Заказ товара', sum: '48 600,00' })
    // The line's own «Статус заказа» requisite is not the order's.
    expect(a!.requisites['Статус заказа']).to.equal('К обеспечению')
    expect(a!.requisites['ОтветственныйМенеджер']).to.equal('Ёлкина Дарья Сергеевна')
    expect(onecRefs(a!)).to.deep.equal({ number: 'ЗЛ00-000871', date: '2026-11-25T11:24:03' })
    expect(paymentsOf(a!)).to.deep.equal([{ key: 'зл00-000312|2026-11-26', no: 'ЗЛ00-000312', date: '2026-11-26T09:10:00', amountKopecks: null, payer: null, paidFlag: true }])
    expect(shipmentsOf(a!)).to.deep.equal([])
    expect(a!.parties).to.deep.equal([{ id: a!.parties[0]!.id, name: 'ООО "Кофейня на Покровке"', inn: a!.parties[0]!.inn, kpp: a!.parties[0]!.kpp, role: 'Покупатель' }])
    expect(a!.items.map((i) => i.name)).to.deep.equal(['Кофе зерновой Эфиопия Иргачеффе, мешок 30 кг'])
    expect(statusTarget(a!, dict)).to.deep.equal({ to: 'assembling', label: 'К обеспечению' })
    expect(shipmentsOf(b!)).to.deep.equal([{ key: 'зл00-000540|2026-11-26', no: 'ЗЛ00-000540', date: '2026-11-26T15:30:00', ourNo: null, lines: [], wholeOrder: true }])
    expect(deletionWanted(a!)).to.equal(false)
  })

  it('reads УНФ documents in UTF-8 with a BOM (2.10, Номер1С/Дата1С elements, CDATA, a deletion mark, a non-order document)', () => {
    const docs = parseSaleBuffer(read('unf-documents-2.10-utf8-bom.xml'))
    expect(docs.map((d) => d.number)).to.deep.equal(['000140', '000141', 'ТД00-001210'])
    expect(onecRefs(docs[0]!)).to.deep.equal({ number: 'ТД00-001203', date: '2026-11-27' })
    expect(statusTarget(docs[0]!, dict)).to.deep.equal({ to: 'paid', label: 'P' })
    expect(deletionWanted(docs[0]!)).to.equal(false)
    expect(deletionWanted(docs[1]!)).to.equal(true)
    expect(docs[2]!.operation).to.equal('Отпуск товара')
  })

  it('reads the Bitrix attribute form without a namespace (2.05), never resolving the DTD’s entity', () => {
    const docs = parseSaleBuffer(read('bitrix-documents-2.05-no-namespace-windows-1251.xml'))
    expect(docs).to.have.length(2)
    expect(docs[0]).to.deep.include({ id: '000150', number: '000150', date: '2026-11-27', operation: 'Заказ товара', sum: '2100.00' })
    expect(statusTarget(docs[0]!, dict)).to.deep.equal({ to: 'completed', label: '[F] Выполнен' })
    expect(paymentsOf(docs[0]!)).to.deep.equal([{ key: 'оплачен', no: '', date: '', amountKopecks: null, payer: null, paidFlag: true }])
    expect(statusTarget(docs[1]!, dict)).to.deep.equal({ unknown: '[Z] На согласовании у директора' })
  })

  it('streams a file and stops when asked, counting only the documents handled', async () => {
    const file = path.join(fixtures, 'unf-documents-2.10-utf8-bom.xml')
    const seen: SaleDocument[] = []
    const out = await streamSaleFile(file, async (d, i) => (i < 2 ? (seen.push(d), true) : false))
    expect(out).to.deep.equal({ documents: 2, stopped: true })
    expect(seen.map((d) => d.number)).to.deep.equal(['000140', '000141'])
    const all = await streamSaleFile(file, async () => true)
    expect(all).to.deep.equal({ documents: 3, stopped: false })
  })

  it('refuses a broken file with a readable reason', async () => {
    expect(() => parseSaleBuffer(Buffer.from('<?xml version="1.0"?><КоммерческаяИнформация><Документ><Ид>1</Документ>'))).to.throw(/XML/)
    expect(() => parseSaleBuffer(Buffer.from('<?xml version="1.0" encoding="koi-9"?><a/>'))).to.throw(/кодировка/)
  })

  it('reads the genuine 1C documents export (shared fixtures)', function () {
    if (!fs.existsSync(REAL)) {
      console.log(`      skipped: ${REAL} is absent (genuine 1C export lives outside the repository)`)
      this.skip()
    }
    const docs = parseSaleBuffer(fs.readFileSync(REAL))
    expect(docs.map((d) => [d.id, d.number, d.number1c, d.date1c])).to.deep.equal([
      ['142', '142', 'ТДЦУ-000001', '2015-06-29'],
      ['235', '235', 'ТДЦУ-000002', '2015-06-29'],
    ])
    expect(docs[0]!.requisites['Проведен']).to.equal('true')
    expect(paymentsOf(docs[0]!).map((p) => [p.no, p.date, p.amountKopecks])).to.deep.equal([['ТДЦУ-000001', '2015-06-29T15:39:10', null]])
    expect(shipmentsOf(docs[0]!).map((x) => [x.no, x.date, x.wholeOrder])).to.deep.equal([['ТДЦУ-000003', '2015-06-29T17:32:27', false]])
    expect(shipmentsOf(docs[1]!)).to.deep.equal([])
    expect(statusTarget(docs[0]!, dict)).to.deep.equal({ to: 'paid', label: 'P' })
    expect(deletionWanted(docs[0]!)).to.equal(false)
  })
})
