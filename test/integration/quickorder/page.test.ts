import { expect } from 'chai'
import ExcelJS from 'exceljs'
import { startApp, type TestApp } from '../../support/app.js'
import { buyer } from '../../support/factories.js'
import { pdf } from '../../support/images.js'
import { companyLines, fixture, pageRows, quickCatalog, resultForm, type QuickCatalog } from './helpers.js'

const NBSP = '\u00a0'

/** An order spreadsheet as a buyer's Excel saves it: a title row, a header, numbers, a formula, an empty quantity. */
async function orderXlsx(): Promise<Buffer> {
  const wb = new ExcelJS.Workbook()
  const ws = wb.addWorksheet('Заказ')
  ws.addRow(['Заказ кофейни «На углу» на 14.03'])
  ws.addRow(['Артикул', 'Наименование', 'Упаковка', 'Кол-во'])
  ws.addRow(['GRN-ETH-YIR', 'Кофе зелёный арабика Эфиопия Иргачеффе Коке', 'мешок 60 кг', 1])
  ws.addRow(['', 'Стакан бумажный 250 мл, двойная стенка, белый', 'коробка 50 шт', { formula: '2+2', result: 4 }])
  ws.addRow(['TEA-TGY', 'Чай Те Гуань Инь', 'кг, от 1 кг', 1.5])
  ws.addRow(['RST-BRA-SER-M', 'Кофе в зёрнах Бразилия Серрадо, обжарка средняя под эспрессо', 'пачка 1 кг', null])
  return Buffer.from(await wb.xlsx.writeBuffer())
}

describe('quick order page', function () {
  this.timeout(60_000)
  let app: TestApp
  let cat: QuickCatalog
  before(async () => {
    app = await startApp()
    cat = await quickCatalog(app)
  })
  after(() => app.close())

  it('is linked from the header and the catalog and offers a paste box and an upload form', async () => {
    const b = await buyer(app)
    const catalog = await b.browser.get('/catalog')
    expect(catalog.text).to.contain('href="/quick-order"')
    const page = await b.browser.get('/quick-order')
    expect(page.status).to.equal(200)
    expect(page.text).to.contain('<textarea name="text"')
    expect(page.text).to.match(/action="\/quick-order\/upload\?_csrf=[^"]+" enctype="multipart\/form-data"/)
    expect(page.text).not.to.contain('qo-result')
  })

  it('resolves a pasted email: every line kept, matched with packagings and corrections, duplicates merged, the rest reported', async () => {
    const b = await buyer(app)
    const text = fixture('email.txt').toString('utf8')
    const res = await b.browser.post('/quick-order', { text })
    expect(res.status).to.equal(200)
    const rows = pageRows(res.text)
    // Every non-blank line the buyer pasted is on the page, in order.
    expect([...rows.keys()]).to.deep.equal([1, 3, 5, 6, 7, 8, 9, 10, 11, 13, 15, 16, 17, 18, 19])
    const status = (n: number) => rows.get(n)!.status
    expect([5, 6, 7, 8, 9].map(status)).to.deep.equal(['matched', 'matched', 'matched', 'matched', 'matched'])
    expect(status(10)).to.equal('merged')
    expect(status(11)).to.equal('unmatched')
    expect([1, 3, 13, 15, 16, 17, 18, 19].map(status).every((s) => s === 'ignored')).to.equal(true)
    expect(rows.get(5)!.html).to.contain('GRN-ETH-YIR').and.contain('2 × мешок 30 кг').and.contain(`60 кг`)
    expect(rows.get(6)!.html).to.contain('RST-BRA-SER-M').and.contain('5 × пачка 1 кг')
    expect(rows.get(7)!.html).to.contain('5 × коробка 50 шт').and.contain(`250 шт`).and.contain('Объединено со строкой 10: всего 250 шт')
    expect(rows.get(8)!.html).to.contain('2 × рукав 100 шт')
    expect(rows.get(9)!.html).to.contain('кг, от 1 кг').and.contain('1,5 кг')
    expect(rows.get(10)!.html).to.contain('Повтор строки 7')
    expect(rows.get(11)!.html).to.contain('Сироп ванильный Монин 6').and.contain('Не найдено')
    expect(rows.get(16)!.html).to.contain('Подпись')
    // The company's prices: 60 kg × 1 250 ₽.
    expect(rows.get(5)!.html).to.contain(`75${NBSP}000${NBSP}₽`)
    expect(res.text).to.contain('data-total')
    // Nothing is stored by resolving.
    expect(await companyLines(app, b.company.id)).to.deep.equal([])
  })

  it('lets the buyer fix an unmatched line in place and pick among ambiguous ones, then adds everything to the cart', async () => {
    const b = await buyer(app)
    const first = await b.browser.post('/quick-order', { text: fixture('messy-list.txt').toString('utf8') })
    const rows = pageRows(first.text)
    expect(rows.get(1)!.status).to.equal('matched')
    expect(rows.get(2)!.status).to.equal('merged') // «grn eth yir;1» is the same bag as line 1
    expect(rows.get(1)!.html).to.contain('3 × мешок 30 кг')
    expect(rows.get(3)!.status).to.equal('matched') // a Cyrillic «С» read as Latin
    expect(rows.get(3)!.html).to.contain('CUP-250-DW-WH').and.contain('24 шт')
    expect(rows.get(4)!.status).to.equal('matched')
    expect(rows.get(5)!.status).to.equal('merged')
    expect(rows.get(6)!.html).to.contain('кг, от 5 кг').and.contain('30 кг')
    expect(rows.get(7)!.status).to.equal('ambiguous') // a typo: offered, pre-selected, never matched silently
    expect(rows.get(7)!.html).to.contain('похожий товар').and.match(/value="\d+\.\w+" checked/)
    expect(rows.get(8)!.status).to.equal('ambiguous') // «RST-BRA» starts two articles
    expect(rows.get(8)!.html).to.contain('RST-BRA-SER-M').and.contain('RST-BRA-SER-L')
    expect(rows.get(9)!.status).to.equal('matched') // a unique article prefix
    expect(rows.get(9)!.html).to.contain('Артикул найден по началу')
    expect(rows.get(10)!.status).to.equal('ignored')
    expect(rows.get(12)!.status).to.equal('inactive')
    expect(rows.get(12)!.html).to.contain('снят с продажи')
    expect(rows.get(14)!.html).to.contain('Нет артикула или названия')
    expect(rows.get(15)!.status).to.equal('unmatched')

    // Fix line 15 in place, pick the light roast on line 8, and check again.
    const checked = await b.browser.post('/quick-order/check', resultForm(first.text, { edits: { 15: 'TEA-TGY 2 коробки' }, picks: { 8: cat['RST-BRA-SER-L']!.id } }))
    expect(checked.status).to.equal(200)
    const again = pageRows(checked.text)
    expect(again.get(15)!.status).to.equal('matched')
    expect(again.get(15)!.html).to.contain('2 × коробка 5 кг')
    expect(again.get(8)!.status).to.equal('matched')
    expect(again.get(8)!.html).to.contain('RST-BRA-SER-L').and.contain('3 × пачка 1 кг')
    expect(checked.text).to.contain('value="TEA-TGY 2 коробки"')
    expect(await companyLines(app, b.company.id)).to.deep.equal([])

    // Add: the confirmed typo line goes too; lines still to fix stay on the page.
    const added = await b.browser.post('/quick-order/add', resultForm(checked.text))
    expect(added.status).to.equal(200)
    expect(added.text).to.contain('добавлено позиций')
    const left = pageRows(added.text)
    expect([...left.entries()].map(([n, r]) => [n, r.status])).to.deep.equal([
      [12, 'inactive'],
      [14, 'unmatched'],
    ])
    expect(await companyLines(app, b.company.id)).to.have.deep.members([
      ['GRN-ETH-YIR', 'мешок 30 кг', 150], // lines 1, 2 and the confirmed typo of line 7
      ['CUP-250-DW-WH', 'шт, кратно 12', 24],
      ['CUP-250-DW-WH', 'коробка 50 шт', 250],
      ['GRN-ETH-YIR', 'кг, от 5 кг', 30],
      ['RST-BRA-SER-L', 'пачка 1 кг', 3],
      ['LID-80-WH-SP', 'рукав 100 шт', 200],
      ['TEA-TGY', 'пакет 0,5 кг', 0.5], // «много» is no quantity: one packet, with a note
      ['TEA-TGY', 'коробка 5 кг', 10],
    ])
  })

  it('keeps a pick while the buyer changes the quantity, and drops it when the line names something else', async () => {
    const b = await buyer(app)
    const first = await b.browser.post('/quick-order', { text: 'RST-BRA 3' })
    const picked = await b.browser.post('/quick-order/check', resultForm(first.text, { picks: { 1: cat['RST-BRA-SER-M']!.id } }))
    expect(pageRows(picked.text).get(1)!.status).to.equal('matched')
    const more = await b.browser.post('/quick-order/check', resultForm(picked.text, { edits: { 1: 'RST-BRA 1 коробка' } }))
    expect(pageRows(more.text).get(1)!.status).to.equal('matched')
    expect(pageRows(more.text).get(1)!.html).to.contain('RST-BRA-SER-M').and.contain('1 × коробка 6 × 1 кг')
    const other = await b.browser.post('/quick-order/check', resultForm(more.text, { edits: { 1: 'TEA-TGY 1' } }))
    expect(pageRows(other.text).get(1)!.html).to.contain('TEA-TGY').and.not.contain('RST-BRA-SER-M')
  })

  it('redirects to the cart when every line went in, into the cart the buyer chose', async () => {
    const b = await buyer(app)
    const text = 'GRN-ETH-YIR 1\nLID-80-WH-SP 30 шт'
    const first = await b.browser.post('/quick-order', { text })
    expect(first.text).to.contain('Новая корзина')
    const added = await b.browser.post('/quick-order/add', resultForm(first.text))
    expect(added.status).to.equal(303)
    expect(added.headers.location).to.match(/^\/carts\/\d+$/)
    const cartId = Number(added.headers.location!.split('/').pop())
    const cartPage = await b.browser.get(added.headers.location!)
    expect(cartPage.text).to.contain('добавлено позиций: 2')
    expect(await companyLines(app, b.company.id)).to.deep.equal([
      ['GRN-ETH-YIR', 'мешок 30 кг', 30],
      ['LID-80-WH-SP', 'шт, кратно 12', 36],
    ])

    // A second paste offers the existing cart (selected) and adds to it.
    const second = await b.browser.post('/quick-order', { text: 'TEA-TGY 1' })
    expect(second.text).to.match(new RegExp(`<option value="${cartId}" selected>`))
    const again = await b.browser.post('/quick-order/add', resultForm(second.text))
    expect(again.headers.location).to.equal(`/carts/${cartId}`)
    expect((await app.c.db('carts').where({ company_id: b.company.id })).length).to.equal(1)
  })

  it('refuses to add when nothing is matched, keeping every line', async () => {
    const b = await buyer(app)
    const first = await b.browser.post('/quick-order', { text: 'ZZ-404 3\nRST-BRA 2' })
    const res = await b.browser.post('/quick-order/add', resultForm(first.text, { picks: {} }))
    expect(res.status).to.equal(422)
    expect(res.text).to.contain('Добавлять нечего')
    expect([...pageRows(res.text).keys()]).to.deep.equal([1, 2])
    expect(await companyLines(app, b.company.id)).to.deep.equal([])
  })

  it('asks for text when the paste is empty', async () => {
    const b = await buyer(app)
    const res = await b.browser.post('/quick-order', { text: '  \n ' })
    expect(res.status).to.equal(422)
    expect(res.text).to.contain('Вставьте строки заказа')
  })

  it('reads an uploaded XLSX by its header, formulas and decimals included, rows without a quantity skipped', async () => {
    const b = await buyer(app)
    const res = await b.browser.upload('/quick-order/upload', {}, { field: 'file', buffer: await orderXlsx(), name: 'заказ.xlsx' })
    expect(res.status).to.equal(200)
    expect(res.text).to.contain('Файл «заказ.xlsx»')
    const rows = pageRows(res.text)
    expect(rows.get(1)!.status).to.equal('unmatched') // the title row above the table
    expect(rows.get(2)!.status).to.equal('ignored')
    expect(rows.get(3)!.html).to.contain('1 × мешок 60 кг')
    expect(rows.get(4)!.html).to.contain('CUP-250-DW-WH').and.contain('4 × коробка 50 шт')
    expect(rows.get(5)!.html).to.contain('кг, от 1 кг').and.contain('1,5 кг')
    expect(rows.has(6)).to.equal(false)
    expect(res.text).to.contain('Строк таблицы без количества пропущено: 1')
  })

  it('reads an uploaded CSV in windows-1251 with «;»', async () => {
    const b = await buyer(app)
    const res = await b.browser.upload('/quick-order/upload', {}, { field: 'file', buffer: fixture('order-1251.csv'), name: 'order.csv', type: 'text/csv' })
    expect(res.status).to.equal(200)
    const rows = pageRows(res.text)
    expect(rows.get(2)!.html).to.contain('GRN-ETH-YIR').and.contain('2 × мешок 30 кг')
    expect(rows.get(3)!.html).to.contain('3 × коробка 50 шт')
    expect(rows.get(4)!.html).to.contain('TEA-TGY').and.contain('1,5 кг')
    expect(rows.get(6)!.status).to.equal('unmatched')
    // The re-check keeps reading the rows through the header's columns.
    const again = await b.browser.post('/quick-order/check', resultForm(res.text))
    expect(pageRows(again.text).get(3)!.html).to.contain('3 × коробка 50 шт')
  })

  it('refuses files that are not a spreadsheet, by content, with the message next to the field', async () => {
    const b = await buyer(app)
    const asPdf = await b.browser.upload('/quick-order/upload', {}, { field: 'file', buffer: pdf(), name: 'order.csv' })
    expect(asPdf.status).to.equal(422)
    expect(asPdf.text).to.contain('Загрузите таблицу XLSX или CSV')
    const xls = Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(600)])
    const old = await b.browser.upload('/quick-order/upload', {}, { field: 'file', buffer: xls, name: 'order.xls' })
    expect(old.status).to.equal(422)
    expect(old.text).to.contain('старого формата XLS')
    const none = await b.browser.upload('/quick-order/upload', { comment: '' })
    expect(none.status).to.equal(422)
    expect(none.text).to.contain('Выберите файл XLSX или CSV')
  })

  it('takes five hundred lines in one form post', async () => {
    const b = await buyer(app)
    const skus = Object.keys(cat).filter((s) => s !== 'OLD-ROB-2023')
    const text = Array.from({ length: 500 }, (_, i) => `${skus[i % skus.length]} ${1 + (i % 3)}`).join('\n')
    const first = await b.browser.post('/quick-order', { text })
    expect(first.status).to.equal(200)
    expect(pageRows(first.text).size).to.equal(500)
    const checked = await b.browser.post('/quick-order/check', resultForm(first.text))
    expect(checked.status).to.equal(200)
    expect(pageRows(checked.text).size).to.equal(500)
  })

  it('lets a viewer look but not add to the cart', async () => {
    const b = await buyer(app, { role: 'viewer' })
    const first = await b.browser.post('/quick-order', { text: 'GRN-ETH-YIR 1' })
    expect(first.status).to.equal(200)
    const res = await b.browser.post('/quick-order/add', resultForm(first.text))
    expect(res.status).to.equal(403)
    expect(await companyLines(app, b.company.id)).to.deep.equal([])
  })
})
