import { expect } from 'chai'
import { startApp, type TestApp } from '../../support/app.js'
import { buyer } from '../../support/factories.js'
import { unescapeHtml } from '../../support/html.js'
import { attribute, category, products, skusOf, token, warehouse } from './fixtures.js'

/*
 * Catalog listings through HTTP: the category subtree, list and number filters, «только в наличии», the four sorts,
 * paging (pages and the «показать ещё» rows), stock as each warehouse shows it, and what stays in the URL.
 */
describe('catalog: listing, filters, sorts and paging', () => {
  let app: TestApp
  let b: Awaited<ReturnType<typeof buyer>>
  const t = token()
  const T = t.toUpperCase()
  let top = 0
  let left = 0
  let right = 0
  let origin: Awaited<ReturnType<typeof attribute>>
  let altitude: Awaited<ReturnType<typeof attribute>>
  let office = 0
  let main = 0
  let transit = 0

  before(async () => {
    app = await startApp()
    b = await buyer(app)
    top = await category(app, `Кофе ${t}`)
    left = await category(app, 'Зелёный', top)
    right = await category(app, 'Обжаренный', top)
    origin = await attribute(app, { type: 'list', name: 'Страна', category_id: top, key: true }, ['Эфиопия', 'Кения', 'Бразилия'])
    altitude = await attribute(app, { type: 'number', name: 'Высота', unit: 'м', category_id: top, key: true })
    office = await warehouse(app, { name: `Офис ${t}`, mode: 'qty', kind: 'office' })
    main = await warehouse(app, { name: `Склад ${t}`, mode: 'status', low: 3 })
    transit = await warehouse(app, { name: `Путь ${t}`, mode: 'status', kind: 'transit', low: 1 })
    const o = (v: string) => [{ attributeId: origin.id, optionId: origin.options.get(v)! }]
    const alt = (v: number) => [{ attributeId: altitude.id, value: v }]
    await products(app, [
      // Sacks of 30 kg; the main warehouse says «мало» below three sacks (90 kg available).
      { sku: `${T}-ETH`, name: `Эфиопия Сидамо ${t}`, unit: 'кг', categoryId: left, popularity: 50, price: 150_000, options: o('Эфиопия'), numbers: alt(1900),
        stock: [{ warehouseId: main, onHand: 300, reserved: 30 }, { warehouseId: office, onHand: 12 }] },
      { sku: `${T}-KEN`, name: `Кения Ньери ${t}`, unit: 'кг', categoryId: left, popularity: 40, price: 190_000, options: o('Кения'), numbers: alt(1750),
        stock: [{ warehouseId: main, onHand: 60 }] },
      { sku: `${T}-BRA`, name: `Бразилия Серрадо ${t}`, unit: 'кг', categoryId: right, popularity: 30, price: 90_000, options: o('Бразилия'), numbers: alt(1100),
        stock: [{ warehouseId: main, onHand: 30, reserved: 30 }, { warehouseId: transit, onHand: 600 }] },
      { sku: `${T}-ETH2`, name: `Ёргачеффе эфиопия ${t}`, unit: 'кг', categoryId: right, popularity: 20, price: null, options: o('Эфиопия'), numbers: alt(2100) },
      { sku: `${T}-NOCAT`, name: `Без раздела ${t}`, unit: 'кг', popularity: 10, price: 120_000 },
    ])
  })
  after(() => app.close())

  const list = async (url: string) => {
    const res = await b.browser.get(url)
    expect(res.status, url).to.equal(200)
    return { skus: skusOf(res.text), html: res.text }
  }

  it('lists a category with its whole subtree, most popular first, and 404 for an unknown one', async () => {
    expect((await list(`/catalog/c/${top}`)).skus).to.deep.equal([`${T}-ETH`, `${T}-KEN`, `${T}-BRA`, `${T}-ETH2`])
    expect((await list(`/catalog/c/${left}`)).skus).to.deep.equal([`${T}-ETH`, `${T}-KEN`])
    expect((await b.browser.get('/catalog/c/999999999')).status).to.equal(404)
    expect((await b.browser.get('/catalog/c/abc')).status).to.equal(404)
    const page = await list(`/catalog/c/${left}`)
    expect(page.html).to.contain('Найдено 2 товара')
    expect(page.html).to.match(/class="cat-node depth-1 is-current[^"]*"[^>]*>Зелёный</)
  })

  it('filters by list attributes (any of the ticked options) and number ranges, offered in the panel', async () => {
    const f = (v: string) => `f_${origin.code}=${origin.options.get(v)}`
    expect((await list(`/catalog/c/${top}?${f('Эфиопия')}`)).skus).to.deep.equal([`${T}-ETH`, `${T}-ETH2`])
    expect((await list(`/catalog/c/${top}?${f('Эфиопия')}&${f('Кения')}`)).skus).to.deep.equal([`${T}-ETH`, `${T}-KEN`, `${T}-ETH2`])
    expect((await list(`/catalog/c/${top}?min_${altitude.code}=1750&max_${altitude.code}=1900`)).skus).to.deep.equal([`${T}-ETH`, `${T}-KEN`])
    expect((await list(`/catalog/c/${top}?min_${altitude.code}=2000`)).skus).to.deep.equal([`${T}-ETH2`])
    expect((await list(`/catalog/c/${top}?${f('Эфиопия')}&max_${altitude.code}=1999,5`)).skus).to.deep.equal([`${T}-ETH`])
    // Unknown attributes and options of other attributes are ignored, never an error.
    expect((await list(`/catalog/c/${top}?f_nothing_here=1&f_${origin.code}=999999&min_${altitude.code}=abc`)).skus).to.have.length(4)
    const panel = (await list(`/catalog/c/${top}?${f('Кения')}`)).html
    expect(panel).to.contain(`name="f_${origin.code}" value="${origin.options.get('Кения')}" checked`)
    expect(panel).to.contain(`name="min_${altitude.code}"`)
    expect(panel).to.contain('placeholder="от 1100"')
    expect(panel).to.contain('Сбросить')
  })

  it('shows only what is available now at warehouses that are not in transit', async () => {
    expect((await list(`/catalog/c/${top}?stock=1`)).skus).to.deep.equal([`${T}-ETH`, `${T}-KEN`])
    expect((await list(`/catalog?q=${t}&stock=1`)).skus).to.deep.equal([`${T}-ETH`, `${T}-KEN`])
  })

  it('sorts by name, by price both ways (products without a price last) and by popularity', async () => {
    expect((await list(`/catalog/c/${top}?sort=name`)).skus).to.deep.equal([`${T}-BRA`, `${T}-ETH2`, `${T}-KEN`, `${T}-ETH`])
    expect((await list(`/catalog/c/${top}?sort=price`)).skus).to.deep.equal([`${T}-BRA`, `${T}-ETH`, `${T}-KEN`, `${T}-ETH2`])
    expect((await list(`/catalog/c/${top}?sort=price_desc`)).skus).to.deep.equal([`${T}-KEN`, `${T}-ETH`, `${T}-BRA`, `${T}-ETH2`])
    expect((await list(`/catalog/c/${top}?sort=nonsense`)).skus).to.deep.equal([`${T}-ETH`, `${T}-KEN`, `${T}-BRA`, `${T}-ETH2`])
    const html = (await list(`/catalog/c/${top}?sort=price_desc`)).html
    expect(html).to.match(/<option value="price_desc" selected>/)
  })

  it('shows stock per warehouse: quantities where the supplier shows them, otherwise много / мало / под заказ', async () => {
    const { html } = await list(`/catalog?q=${t}&sort=name`)
    const row = (sku: string) => unescapeHtml(new RegExp(`<tr data-row="\\d+">\\s*<td class="c-sku"><a [^>]*>${sku}</a>[\\s\\S]*?</tr>`).exec(html)![0])
    const cell = (sku: string, w: string) => new RegExp(`title="${w}">([^<]*)<`).exec(row(sku))![1]
    // 300 − 30 reserved = 270 kg = nine sacks: «много»; 60 kg is two sacks: «мало»; 30 − 30 reserved: «под заказ».
    expect(cell(`${T}-ETH`, `Склад ${t}`)).to.equal('много')
    expect(cell(`${T}-KEN`, `Склад ${t}`)).to.equal('мало')
    expect(cell(`${T}-BRA`, `Склад ${t}`)).to.equal('под заказ')
    expect(cell(`${T}-BRA`, `Путь ${t}`)).to.equal('много')
    expect(cell(`${T}-ETH`, `Офис ${t}`)).to.equal('12 кг')
    expect(cell(`${T}-KEN`, `Офис ${t}`)).to.equal('нет')
    // Key attributes under the name: the list value and the number with its unit.
    expect(row(`${T}-ETH`)).to.contain('Эфиопия · 1\u00a0900 м')
  })

  it('pages by 100 with links that keep the search, and serves the next rows alone for «показать ещё»', async () => {
    const p = token()
    const P = p.toUpperCase()
    await products(app, Array.from({ length: 130 }, (_, i) => ({ sku: `${P}-${String(i).padStart(3, '0')}`, name: `Стакан ${p} ${i}`, popularity: 1000 - i })))
    const first = await list(`/catalog?q=${p}&stock=0`)
    expect(first.skus).to.have.length(100)
    expect(first.skus[0]).to.equal(`${P}-000`)
    expect(first.html).to.contain('Найдено 130 товаров')
    const next = /<a href="([^"]+)" rel="next" data-more="([^"]+)"/.exec(first.html)!
    expect(unescapeHtml(next[1]!)).to.equal(`/catalog?q=${p}&page=2`)
    const second = await list(unescapeHtml(next[1]!))
    expect(second.skus).to.have.length(30)
    expect(second.skus[0]).to.equal(`${P}-100`)
    expect(second.html).to.contain('rel="prev"')
    expect(second.html).not.to.contain('rel="next"')
    const rows = await b.browser.get(unescapeHtml(next[2]!))
    expect(rows.status).to.equal(200)
    expect(rows.text).not.to.contain('<html')
    expect(skusOf(rows.text)).to.deep.equal(second.skus)
  })
})
