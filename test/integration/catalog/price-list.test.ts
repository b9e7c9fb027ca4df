import { expect } from 'chai'
import ExcelJS from 'exceljs'
import { startApp, type TestApp } from '../../support/app.js'
import { buyer } from '../../support/factories.js'
import { unescapeHtml } from '../../support/html.js'
import { category, products, token, warehouse } from './fixtures.js'

/** Reads a binary response body whole. */
function binary(res: unknown, cb: (err: Error | null, body: Buffer) => void) {
  const stream = res as NodeJS.ReadableStream
  const chunks: Buffer[] = []
  stream.on('data', (c: Buffer) => chunks.push(c))
  stream.on('end', () => cb(null, Buffer.concat(chunks)))
}

/*
 * The personal price list: an XLSX streamed by exceljs, read back with exceljs. One row per product and packaging with
 * the company's prices per base unit and per packaging, minimum and step, VAT and stock as each warehouse shows it.
 */
describe('catalog: XLSX price list', () => {
  let app: TestApp
  let b: Awaited<ReturnType<typeof buyer>>
  const t = token()
  let top = 0
  let wh = 0
  let cups = 0
  before(async () => {
    app = await startApp()
    b = await buyer(app)
    top = await category(app, `Посуда ${t}`)
    const child = await category(app, 'Стаканы', top)
    wh = await warehouse(app, { name: `Склад ${t}`, mode: 'status', low: 3 })
    ;[cups] = await products(app, [
      { sku: `PL-CUP-${t}`, name: `Стакан 250 мл ${t}`, categoryId: child, price: 650,
        packs: [{ name: 'шт, кратно 12', factor: 1, min: 12, step: 12 }, { name: 'коробка 50 шт', factor: 50 }], stock: [{ warehouseId: wh, onHand: 1000 }] },
      { sku: `PL-LID-${t}`, name: `Крышка 80 мм ${t}`, categoryId: top, price: 250, stock: [{ warehouseId: wh, onHand: 10 }] },
    ])
  })
  after(() => app.close())

  const download = (url: string) => b.browser.get(url).buffer(true).parse(binary)

  const sheet = async (body: Buffer) => {
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.load(body as unknown as ArrayBuffer)
    const ws = wb.worksheets[0]!
    const rows: unknown[][] = []
    ws.eachRow((row) => rows.push((row.values as unknown[]).slice(1)))
    return rows
  }

  it('streams the company prices of one category as XLSX with a Cyrillic file name', async () => {
    const res = await download(`/catalog/price-list.xlsx?category=${top}`)
    expect(res.status).to.equal(200)
    expect(res.headers['content-type']).to.contain('spreadsheetml')
    const disposition = String(res.headers['content-disposition'])
    expect(disposition).to.match(/^attachment; filename="[^"]+\.xlsx"; filename\*=UTF-8''/)
    const name = decodeURIComponent(/filename\*=UTF-8''(.+)$/.exec(disposition)![1]!)
    expect(name).to.match(new RegExp(`^Прайс-лист .+ — Посуда ${t}, \\d\\d\\.\\d\\d\\.\\d{4}\\.xlsx$`))

    const rows = await sheet(res.body as Buffer)
    expect(String(rows[0]![0])).to.contain('Прайс-лист для')
    const head = rows[2]!
    expect(head.slice(0, 11)).to.deep.equal(['Раздел', 'Артикул', 'Наименование', 'Ед.', 'Упаковка', 'В упаковке', 'Мин. заказ', 'Кратность', 'Цена за ед., ₽', 'Цена за упаковку, ₽', 'НДС'])
    const col = head.indexOf(`Склад ${t}`)
    expect(col).to.be.greaterThan(10)
    const data = rows.slice(3)
    // The parent category first (tree order), then the child; a row per packaging.
    expect(data.map((r) => r[1])).to.deep.equal([`PL-LID-${t}`, `PL-CUP-${t}`, `PL-CUP-${t}`])
    expect(data[1]![0]).to.equal(`Посуда ${t} / Стаканы`)

    const unit = async (qtyMilli: number) => (await app.c.pricing.priceLines(b.company.id, [{ productId: cups, qtyMilli }])).lines[0]!.unitKopecks!
    const [piece, box] = [data[1]!, data[2]!]
    expect(piece.slice(3, 9)).to.deep.equal(['шт', 'шт, кратно 12', 1, 12, 12, (await unit(12_000)) / 100])
    expect(piece[9]).to.equal((await unit(12_000)) / 100)
    expect(box.slice(4, 8)).to.deep.equal(['коробка 50 шт', 50, undefined, 50])
    expect(box[9]).to.equal(((await unit(50_000)) * 50) / 100)
    expect(piece[10]).to.equal('22%')
    // 1 000 pcs against three default packagings of 1 pcs: «много»; 10 pcs of a box of 10: «мало».
    expect(piece[col]).to.equal('много')
    expect(data[0]![col]).to.equal('мало')
  })

  it('covers the whole catalog without a category and refuses an unknown one', async () => {
    const res = await download('/catalog/price-list.xlsx')
    expect(res.status).to.equal(200)
    const skus = (await sheet(res.body as Buffer)).map((r) => r[1])
    expect(skus).to.include(`PL-CUP-${t}`)
    expect(skus).to.include(`PL-LID-${t}`)
    expect((await b.browser.get('/catalog/price-list.xlsx?category=999999999')).status).to.equal(404)
  })

  it('is offered on the catalog page for the current category', async () => {
    const page = unescapeHtml((await b.browser.get(`/catalog/c/${top}`)).text)
    expect(page).to.contain(`href="/catalog/price-list.xlsx?category=${top}"`)
    expect(page).to.contain(`Прайс-лист раздела «Посуда ${t}»`)
  })
})
