import { expect } from 'chai'
import request from 'supertest'
import { startApp, type TestApp } from '../../support/app.js'
import { buyer, issueApiToken } from '../../support/factories.js'
import { insertId } from '../../../server/db/dialect.js'
import { attribute, category, products, token, warehouse } from './fixtures.js'

/*
 * The buyer API's products: a Bearer token is required, prices are the token company's (another company sees its own),
 * stock follows each warehouse's display mode, products off sale do not exist, paging is limited to 200 a page and runs
 * across the search tiers without losing a product.
 */
describe('catalog: buyer API products', () => {
  let app: TestApp
  const t = token()
  const T = t.toUpperCase()
  let a: Awaited<ReturnType<typeof buyer>>
  let tokenA = ''
  let cup = 0
  let top = 0
  let qtyWh = 0
  let statusWh = 0
  let special = 0

  const get = (url: string, bearer: string) => request(app.url).get(url).set('Authorization', `Bearer ${bearer}`)

  before(async () => {
    app = await startApp()
    a = await buyer(app)
    tokenA = await issueApiToken(a)
    top = await category(app, `API ${t}`)
    qtyWh = await warehouse(app, { name: `Офис ${t}`, mode: 'qty', kind: 'office' })
    statusWh = await warehouse(app, { name: `Склад ${t}`, mode: 'status' })
    const volume = await attribute(app, { type: 'number', name: 'Объём', unit: 'мл', key: true, category_id: top })
    ;[cup] = await products(app, [
      { sku: `${T}-CUP-250`, name: `Стакан 250 мл ${t}`, categoryId: top, price: 700, profile: 'Для горячих напитков',
        packs: [{ name: 'шт, кратно 12', factor: 1, min: 12, step: 12 }, { name: 'коробка 50 шт', factor: 50 }],
        numbers: [{ attributeId: volume.id, value: 250 }], stock: [{ warehouseId: qtyWh, onHand: 120, reserved: 20 }, { warehouseId: statusWh, onHand: 5000 }] },
      { sku: `${T}-OFF`, name: `Снятый ${t}`, categoryId: top, active: false },
    ])
    // A price type only company B is pinned to, cheaper for the cup.
    special = await insertId(app.c.db, 'price_types', { code: `special-${t}`, name: `Спеццена ${t}`, is_default: false })
    await app.c.db('prices').insert({ price_type_id: special, product_id: cup, kopecks: 500, updated_at: Date.now() })
  })
  after(() => app.close())

  it('refuses calls without a valid token', async () => {
    for (const url of ['/api/v1/products', `/api/v1/products/${T}-CUP-250`]) {
      const none = await request(app.url).get(url)
      expect(none.status, url).to.equal(401)
      expect(none.body.error.status).to.equal(401)
      expect((await get(url, 'b2b_wrong')).status).to.equal(401)
    }
  })

  it('lists products with the company price, packagings and stock as each warehouse shows it', async () => {
    const res = await get(`/api/v1/products?q=${t}`, tokenA)
    expect(res.status).to.equal(200)
    expect(res.body).to.include({ page: 1, per_page: 50, total: 1, has_more: false, total_is_lower_bound: false })
    const [item] = res.body.items
    const line = (await app.c.pricing.priceLines(a.company.id, [{ productId: cup, qtyMilli: 12_000 }])).lines[0]!
    expect(item).to.include({ id: cup, sku: `${T}-CUP-250`, base_unit: 'шт', vat_rate: '22', category_id: top, profile: 'Для горячих напитков' })
    expect(item.price).to.deep.equal({ unit_kopecks: line.unitKopecks, list_unit_kopecks: line.listUnitKopecks, for_qty: 12, rule: line.rule?.label ?? null })
    expect(item.packagings.map((p: { name: string; factor: number; min_qty: number; step: number; price_kopecks: number }) => [p.name, p.factor, p.min_qty, p.step, p.price_kopecks])).to.deep.equal([
      ['шт, кратно 12', 1, 12, 12, line.unitKopecks],
      ['коробка 50 шт', 50, 0, 50, line.unitKopecks! * 50],
    ])
    expect(item.attributes).to.deep.equal([{ name: null, text: '250 мл' }])
    const stock = Object.fromEntries(item.stock.map((s: { warehouse: string; available: number | null; status: string }) => [s.warehouse, [s.available, s.status]]))
    expect(stock[`Офис ${t}`]).to.deep.equal([100, 'many'])
    expect(stock[`Склад ${t}`]).to.deep.equal([null, 'many'])
  })

  it('filters by category and caps the page size at 200', async () => {
    expect((await get(`/api/v1/products?category=${top}`, tokenA)).body.items.map((i: { sku: string }) => i.sku)).to.deep.equal([`${T}-CUP-250`])
    expect((await get('/api/v1/products?category=999999999', tokenA)).status).to.equal(404)
    const big = await get('/api/v1/products?per_page=500', tokenA)
    expect(big.body.per_page).to.equal(200)
    expect(big.body.items.length).to.be.at.most(200)
    expect((await get('/api/v1/products?per_page=0&page=-1', tokenA)).body).to.include({ per_page: 50, page: 1 })
  })

  it('returns one product by article, however it is typed, with every packaging priced', async () => {
    const res = await get(`/api/v1/products/${encodeURIComponent(`${t}.cup 250`)}`, tokenA)
    expect(res.status).to.equal(200)
    expect(res.body.sku).to.equal(`${T}-CUP-250`)
    expect(res.body.attributes).to.deep.equal([{ name: 'Объём', text: '250 мл' }])
    const price = async (qtyMilli: number) => (await app.c.pricing.priceLines(a.company.id, [{ productId: cup, qtyMilli }])).lines[0]!.unitKopecks!
    expect(res.body.packagings.map((p: { unit_price_kopecks: number; price_kopecks: number }) => [p.unit_price_kopecks, p.price_kopecks])).to.deep.equal([
      [await price(12_000), await price(12_000)],
      [await price(50_000), (await price(50_000)) * 50],
    ])
    const off = await get(`/api/v1/products/${T}-OFF`, tokenA)
    expect(off.status).to.equal(404)
    expect(off.body.error.message).to.be.a('string')
    expect((await get('/api/v1/products/NO-SUCH-SKU-AT-ALL', tokenA)).status).to.equal(404)
  })

  it('shows another company its own prices', async () => {
    const other = await buyer(app)
    await app.c.db('company_pricing').insert({ company_id: other.company.id, pinned_price_type_id: special, discount_bp: 0, turnover_12m_kopecks: 0, updated_at: Date.now() })
    const tokenB = await issueApiToken(other)
    const [forA, forB] = await Promise.all([get(`/api/v1/products/${T}-CUP-250`, tokenA), get(`/api/v1/products/${T}-CUP-250`, tokenB)])
    const priceFor = async (companyId: number) => (await app.c.pricing.priceLines(companyId, [{ productId: cup, qtyMilli: 12_000 }])).lines[0]!.unitKopecks
    expect(forA.body.price.unit_kopecks).to.equal(await priceFor(a.company.id))
    expect(forB.body.price.unit_kopecks).to.equal(await priceFor(other.company.id))
    expect(forB.body.price.unit_kopecks).to.equal(500)
    expect(forA.body.price.unit_kopecks).to.equal(700)
  })

  it('pages across the search tiers without losing or repeating a product', async () => {
    const p = token()
    const P = p.toUpperCase()
    const kind = await attribute(app, { type: 'list', name: 'Вид' }, [`вид ${p}`])
    await products(app, [
      { sku: `${P}1`, name: 'Точный', popularity: 1 },
      { sku: `${P}1A`, name: 'Префикс А', popularity: 3 },
      { sku: `${P}1B`, name: 'Префикс Б', popularity: 2 },
      ...[1, 2, 3].map((i) => ({ sku: `N${i}-${P}`, name: `Имя ${p}1 ${i}`, popularity: 10 - i })),
      ...[1, 2].map((i) => ({ sku: `M${i}-${P}`, name: `Другое ${i}`, popularity: 10 - i, options: [{ attributeId: kind.id, optionId: kind.options.get(`вид ${p}`)! }] })),
    ])
    const seen: string[] = []
    for (let page = 1; page <= 4; page++) {
      const res = await request(app.url).get(`/api/v1/products?q=${encodeURIComponent(`${p}1`)}&per_page=3&page=${page}`).set('Authorization', `Bearer ${tokenA}`)
      expect(res.status).to.equal(200)
      expect(res.body.total).to.equal(6)
      expect(res.body.has_more).to.equal(page < 2)
      seen.push(...res.body.items.map((i: { sku: string }) => i.sku))
    }
    expect(seen).to.deep.equal([`${P}1`, `${P}1A`, `${P}1B`, `N1-${P}`, `N2-${P}`, `N3-${P}`])
    // Without the «1» the article tier holds three prefixes, the name tier three and the attribute tier two; page two of
    // five starts inside the name tier and runs on into the attribute tier.
    const across = await request(app.url).get(`/api/v1/products?q=${p}&per_page=5&page=2`).set('Authorization', `Bearer ${tokenA}`)
    expect(across.body.items.map((i: { sku: string }) => i.sku)).to.deep.equal([`N3-${P}`, `M1-${P}`, `M2-${P}`])
    expect(across.body.total).to.equal(8)
  })
})
