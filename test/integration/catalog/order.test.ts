import { expect } from 'chai'
import { startApp, type TestApp } from '../../support/app.js'
import { buyer } from '../../support/factories.js'
import { inputValue, unescapeHtml } from '../../support/html.js'
import { insertId } from '../../../server/db/dialect.js'
import { formatRub } from '../../../server/shared/money.js'
import { products, token } from './fixtures.js'

/*
 * Ordering from the catalog table: the price cells of one row re-rendered for a typed quantity (the live update), the
 * recalculation without JavaScript that keeps every typed quantity, and adding many rows to the cart at once. Expected
 * money comes from the pricing service for the same company and quantity, never from the browser.
 */
describe('catalog: ordering from the table', () => {
  let app: TestApp
  let b: Awaited<ReturnType<typeof buyer>>
  let t = ''
  let cups = 0
  let beans = 0
  let cupsPack = 0
  let boxPack = 0
  before(async () => {
    app = await startApp()
    b = await buyer(app, { status: 'verified' })
    t = token()
    ;[cups, beans] = await products(app, [
      { sku: `CUP-${t}`, name: `Стакан ${t}`, unit: 'шт', price: 900, packs: [{ name: 'шт, кратно 12', factor: 1, min: 12, step: 12 }, { name: 'коробка 50 шт', factor: 50 }] },
      { sku: `BEAN-${t}`, name: `Зерно ${t}`, unit: 'кг', price: 150_000, packs: [{ name: 'мешок 30 кг', factor: 30 }] },
    ])
    const packs = await app.c.db('packagings').where({ product_id: cups }).orderBy('sort')
    cupsPack = packs[0].id
    boxPack = packs[1].id
  })
  after(() => app.close())

  const priced = async (productId: number, qtyMilli: number) => (await app.c.pricing.priceLines(b.company.id, [{ productId, qtyMilli }])).lines[0]!

  it('re-renders the price cells of a row for the typed count of the chosen packaging', async () => {
    const res = await b.browser.get(`/catalog/row/${beans}?qty=2`)
    expect(res.status).to.equal(200)
    expect(res.headers['cache-control']).to.contain('no-store')
    expect(res.text).not.to.contain('<html')
    expect(res.text).to.contain('data-cell="price"')
    expect(res.text).to.contain('data-cell="sum"')
    const line = await priced(beans, 60_000)
    expect(unescapeHtml(res.text)).to.contain(formatRub(line.lineKopecks!))
    expect(unescapeHtml(res.text)).to.contain('60 кг')
    const box = await b.browser.get(`/catalog/row/${cups}?qty=3&pack=${boxPack}`)
    expect(unescapeHtml(box.text)).to.contain(formatRub((await priced(cups, 150_000)).lineKopecks!))
  })

  it('shows the correction to the minimum and step, and a typo, in the row', async () => {
    const small = unescapeHtml((await b.browser.get(`/catalog/row/${cups}?qty=5&pack=${cupsPack}`)).text)
    expect(small).to.contain('Количество изменено на 12 шт: минимальный заказ 12 шт')
    expect(small).to.contain(formatRub((await priced(cups, 12_000)).lineKopecks!))
    expect(unescapeHtml((await b.browser.get(`/catalog/row/${cups}?qty=13`)).text)).to.contain('Количество изменено на 24 шт: кратность 12 шт')
    const typo = unescapeHtml((await b.browser.get(`/catalog/row/${cups}?qty=${encodeURIComponent('два')}`)).text)
    expect(typo).to.contain('не число')
    expect(typo).to.contain('Количество — число')
    // A packaging of another product is not trusted: the row's own default packaging is used.
    const foreign = unescapeHtml((await b.browser.get(`/catalog/row/${beans}?qty=1&pack=${boxPack}`)).text)
    expect(foreign).to.contain('30 кг')
    expect((await b.browser.get('/catalog/row/999999999?qty=1')).status).to.equal(404)
  })

  it('changes the unit price when the quantity crosses a tier of the pricing rules', async () => {
    const [tiered] = await products(app, [{ sku: `TIER-${t}`, name: `Стакан с уровнями ${t}`, unit: 'шт', price: 1_000, packs: [{ name: 'шт, кратно 12', factor: 1, min: 12, step: 12 }] }])
    const tier = await insertId(app.c.db, 'price_types', { code: `tier-${t}`, name: `От 36 шт ${t}`, is_default: false })
    await app.c.db('prices').insert({ price_type_id: tier, product_id: tiered, kopecks: 800, updated_at: Date.now() })
    const now = Date.now()
    await app.c.db('pricing_rules').insert({ name: `От 36 шт ${t}`, kind: 'qty_tier', product_id: tiered, threshold: 36_000, unit: '', price_type_id: tier, discount_bp: 0, is_active: true, created_at: now, updated_at: now })
    const below = unescapeHtml((await b.browser.get(`/catalog/row/${tiered}?qty=24`)).text)
    const above = unescapeHtml((await b.browser.get(`/catalog/row/${tiered}?qty=36`)).text)
    expect(below).to.contain(formatRub((await priced(tiered!, 24_000)).unitKopecks!))
    expect(above).to.contain(formatRub((await priced(tiered!, 36_000)).unitKopecks!))
    expect((await priced(tiered!, 36_000)).unitKopecks).to.be.below((await priced(tiered!, 24_000)).unitKopecks!)
    expect(above).to.contain(formatRub(36 * 800))
  })

  it('recalculates without JavaScript, keeping every typed quantity and the list it came from', async () => {
    const res = await b.browser.post('/catalog/recalc', {
      return_to: `/catalog?q=${t}&sort=name`,
      [`qty[${cups}]`]: '2',
      [`pack[${cups}]`]: String(boxPack),
      [`qty[${beans}]`]: 'abc',
    })
    expect(res.status).to.equal(200)
    expect(res.text).to.contain('Цены пересчитаны')
    expect(inputValue(res.text, `qty\\[${cups}\\]`)).to.equal('2')
    expect(inputValue(res.text, `qty\\[${beans}\\]`)).to.equal('abc')
    expect(res.text).to.match(new RegExp(`<option value="${boxPack}" selected>`))
    expect(unescapeHtml(res.text)).to.contain(formatRub((await priced(cups, 100_000)).lineKopecks!))
    expect(res.text).to.contain('не число')
    expect(inputValue(res.text, 'return_to')).to.equal(`/catalog?q=${t}&sort=name`)
    // Only catalog lists can be recalculated.
    expect((await b.browser.post('/catalog/recalc', { return_to: '/company' })).status).to.equal(404)
  })

  it('adds every row with a quantity to the cart at once and returns to the same list', async () => {
    const fields: Record<string, string> = { return_to: `/catalog?q=${t}` }
    // A long list: 150 rows posted with their packaging fields, only two with a quantity.
    for (let i = 0; i < 150; i++) {
      fields[`qty[${900_000_000 + i}]`] = ''
      fields[`pack[${900_000_000 + i}]`] = '1'
    }
    const beanPack = (await app.c.db('packagings').where({ product_id: beans }).first()).id
    Object.assign(fields, { [`qty[${cups}]`]: '1', [`pack[${cups}]`]: String(boxPack), [`qty[${beans}]`]: '2', [`pack[${beans}]`]: String(beanPack) })
    const res = await b.browser.post('/cart/add', fields)
    expect(res.status).to.equal(303)
    expect(res.headers.location).to.equal(`/catalog?q=${t}`)
    const lines = await app.c.db('cart_lines as l').join('carts as c', 'c.id', 'l.cart_id').where({ 'c.company_id': b.company.id }).orderBy('l.product_id').select('l.product_id', 'l.qty_milli')
    expect(lines.map((l: { product_id: number; qty_milli: number }) => [l.product_id, Number(l.qty_milli)]).sort()).to.deep.equal(
      [[cups, 50_000], [beans, 60_000]].sort(),
    )
    const page = await b.browser.get(`/catalog?q=${t}`)
    expect(page.text).to.match(/Добавлено в корзину «[^<]+»: 2 позиции/)
  })
})
