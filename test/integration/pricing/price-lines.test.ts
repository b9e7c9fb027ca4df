import { expect } from 'chai'
import { startApp, type TestApp } from '../../support/app.js'
import { buyer, createCompany, createUser } from '../../support/factories.js'
import { category, group, join, priceType, product, rule, terms } from './helpers.js'

/*
 * `priceLines` end to end: terms, groups, rules and prices from the database, through the store and the pure engine, on
 * both engines. Rules that apply to every company are limited to a group of the test (the database is shared).
 */

describe('pricing: priceLines with rules from the database', () => {
  let app: TestApp
  before(async () => {
    app = await startApp()
  })
  after(() => app.close())

  const company = async () => (await createCompany(app, (await createUser(app)).id, { status: 'verified' })).id
  const price = (companyId: number, lines: [number, number][]) =>
    app.c.pricing.priceLines(companyId, lines.map(([productId, units]) => ({ productId, qtyMilli: Math.round(units * 1000) })))

  it('EcoCups: a category tier from 36 / 108 / 252 pcs, cups of two sizes adding up, with the next tier', async () => {
    const tableware = await category(app, 'Посуда')
    const cups = await category(app, 'Стаканы EcoCups', tableware)
    const [t36, t108, t252] = [await priceType(app, 'от 36'), await priceType(app, 'от 108'), await priceType(app, 'от 252')]
    const cup250 = await product(app, { price: 36_000, categoryId: cups, prices: { [t36]: 32_400, [t108]: 30_600, [t252]: 28_800 } })
    const cup350 = await product(app, { price: 40_000, categoryId: cups, prices: { [t36]: 36_000, [t108]: 34_000 } })
    for (const [pcs, t] of [[36, t36], [108, t108], [252, t252]] as const) {
      await rule(app, { kind: 'qty_tier', name: 'EcoCups', category_id: tableware, threshold: pcs * 1000, unit: 'шт', price_type_id: t })
    }
    const c = await company()
    const below = await price(c, [[cup250.id, 20], [cup350.id, 15]])
    expect(below.lines.map((l) => l.unitKopecks)).to.deep.equal([36_000, 40_000])
    expect(below.lines[0]!.nextTier!.text).to.equal('ещё 1 шт — и цена 324\u00a0₽/шт, экономия 756\u00a0₽')
    const at36 = await price(c, [[cup250.id, 20], [cup350.id, 16]])
    expect(at36.lines.map((l) => [l.unitKopecks, l.rule!.label])).to.deep.equal([[32_400, 'EcoCups: от 36 шт'], [36_000, 'EcoCups: от 36 шт']])
    expect(at36.totalKopecks).to.equal(20 * 32_400 + 16 * 36_000)
    // 252 pcs: the 350 ml cup has no «от 252» price, so it keeps the best tier it has.
    const at252 = await price(c, [[cup250.id, 200], [cup350.id, 52]])
    expect(at252.lines.map((l) => [l.unitKopecks, l.priceTypeId])).to.deep.equal([[28_800, t252], [34_000, t108]])
  })

  it('a product tier at exactly 36 kg and not at 35.999 kg', async () => {
    const large = await priceType(app, 'Крупный опт')
    const beans = await product(app, { price: 150_000, unit: 'кг', prices: { [large]: 140_000 } })
    await rule(app, { kind: 'qty_tier', name: 'Крупный опт', product_id: beans.id, threshold: 36_000, unit: 'кг', price_type_id: large })
    const c = await company()
    expect((await price(c, [[beans.id, 35.999]])).lines[0]!.unitKopecks).to.equal(150_000)
    const at = (await price(c, [[beans.id, 36]])).lines[0]!
    expect([at.unitKopecks, at.lineKopecks, at.rule!.label]).to.deep.equal([140_000, 5_040_000, 'Крупный опт: от 36 кг'])
  })

  it('a company in two groups gets the better default per product; rules of its groups apply, of others not; inactive rules never', async () => {
    const [a, b] = [await priceType(app, 'A'), await priceType(app, 'B')]
    const p1 = await product(app, { price: 10_000, prices: { [a]: 9_000, [b]: 9_500 } })
    const p2 = await product(app, { price: 20_000, prices: { [a]: 19_000, [b]: 18_000 } })
    const [ga, gb, other] = [await group(app, a), await group(app, b), await group(app, null)]
    const c = await company()
    await join(app, c, ga.id, gb.id)
    await rule(app, { kind: 'positions', name: 'Две позиции', threshold: 2, discount_bp: 1_000, group_id: other.id })
    await rule(app, { kind: 'positions', name: 'Выключено', threshold: 1, discount_bp: 5_000, group_id: ga.id, is_active: false })
    const cart = await price(c, [[p1.id, 1], [p2.id, 1]])
    expect(cart.lines.map((l) => [l.unitKopecks, l.rule!.kind, l.rule!.id])).to.deep.equal([[9_000, 'group', ga.id], [18_000, 'group', gb.id]])
    await rule(app, { kind: 'positions', name: 'Две позиции', threshold: 2, discount_bp: 1_000, group_id: gb.id })
    expect((await price(c, [[p1.id, 1], [p2.id, 1]])).lines.map((l) => l.unitKopecks)).to.deep.equal([8_100, 16_200])
    expect((await price(c, [[p1.id, 1]])).lines.map((l) => l.unitKopecks)).to.deep.equal([9_000])
  })

  it('pinned type, turnover segments, order sum, category discount and personal discount from the stored terms', async () => {
    const [pinned, seg] = [await priceType(app, 'Закреплённый'), await priceType(app, 'Сегмент')]
    const tea = await category(app, 'Чай')
    const p = await product(app, { price: 33_300, categoryId: tea, prices: { [pinned]: 32_000, [seg]: 31_000 } })
    const g = await group(app)
    await rule(app, { kind: 'turnover', name: 'Оборот от 500 000 ₽', threshold: 50_000_000, price_type_id: seg, group_id: g.id })
    await rule(app, { kind: 'sum_tier', name: 'Заказ от 3 200 ₽', threshold: 320_000, discount_bp: 300, group_id: g.id })
    await rule(app, { kind: 'category_discount', name: 'Неделя чая', category_id: tea, discount_bp: 500, group_id: g.id })
    const c = await company()
    await join(app, c, g.id)
    await terms(app, c, { pinned, discountBp: 300, turnover: 49_999_999 })
    // Pinned 320 ₽; the order is 10 × 320 = 3 200 ₽ at base prices: −3 % = 310,40; tea −5 % = 294,88; personal −3 % = 286,03.
    const l = (await price(c, [[p.id, 10]])).lines[0]!
    expect([l.unitKopecks, l.rule!.kind, l.discounts.map((d) => d.kind)]).to.deep.equal([28_603, 'sum_tier', ['category_discount', 'personal_discount']])
    await app.c.db('company_pricing').where({ company_id: c }).update({ turnover_12m_kopecks: 50_000_000 })
    // Now the turnover segment's 310 ₽ is lower than the order-sum 310,40: 310 → 294,50 → 285,67.
    const m = (await price(c, [[p.id, 10]])).lines[0]!
    expect([m.unitKopecks, m.rule!.kind, m.priceTypeId]).to.deep.equal([28_567, 'turnover', seg])
    expect(m.listUnitKopecks).to.equal(33_300)
  })

  it('products without a price and unknown products get no price; an empty cart costs nothing', async () => {
    const orphan = await product(app, { price: 1 })
    await app.c.db('prices').where({ product_id: orphan.id }).delete()
    const c = await company()
    const cart = await price(c, [[orphan.id, 1], [999_999_999, 1]])
    expect(cart.lines.map((l) => [l.unitKopecks, l.rule])).to.deep.equal([[null, null], [null, null]])
    expect(cart.totalKopecks).to.equal(0)
    expect(await app.c.pricing.priceLines(c, [])).to.deep.equal({ lines: [], totalKopecks: 0 })
  })

  it('loads a 100-line cart in a few queries, then serves it from the caches with one read of the data versions', async () => {
    const types = [await priceType(app), await priceType(app), await priceType(app)]
    const cat = await category(app, 'Много')
    const products = []
    for (let i = 0; i < 100; i++) products.push(await product(app, { price: 1_000 + i, categoryId: cat, prices: { [types[0]!]: 900, [types[1]!]: 800 } }))
    const g = await group(app, types[0]!)
    await rule(app, { kind: 'qty_tier', category_id: cat, threshold: 50_000, unit: 'шт', price_type_id: types[1]! })
    const c = await company()
    await join(app, c, g.id)
    const queries: string[] = []
    const listener = (q: { sql: string }) => queries.push(q.sql)
    app.c.db.on('query', listener)
    const lines = products.map((p) => [p.id, 1] as [number, number])
    const cold = await price(c, lines)
    const coldQueries = queries.splice(0)
    const warm = await price(c, lines)
    app.c.db.off('query', listener)
    expect(cold.lines.every((l) => l.unitKopecks === 800)).to.equal(true)
    expect(warm).to.deep.equal(cold)
    // Cold: the versions, price types, terms and groups, units and categories, rules, prices; never one query per line.
    // (Counted on the tables pricing reads: a write another part of the app finishes in the background is not its own.)
    const pricingReads = coldQueries.filter((q) => /^select .* from [`"](data_versions|price_types|company_pricing|company_groups|products|pricing_rules|prices)[`"]/i.test(q))
    expect(pricingReads.length, coldQueries.join('\n')).to.be.at.most(7)
    expect(coldQueries.filter((q) => /from [`"]prices[`"]/i.test(q))).to.have.length(1)
    expect(queries.filter((q) => /^select /i.test(q)), queries.join('\n')).to.have.length(1)
    expect(queries.find((q) => /^select /i.test(q))).to.match(/from [`"]data_versions[`"]/i)
  })

  it('sees every change written to the tables, by whoever writes them, at the next call', async () => {
    const [t1, t2] = [await priceType(app), await priceType(app)]
    const cat = await category(app, 'Кэш')
    const other = await category(app, 'Кэш, другой')
    const p = await product(app, { price: 10_000, categoryId: cat, prices: { [t1]: 9_000, [t2]: 8_000 } })
    const c = await company()
    const unit = async () => (await price(c, [[p.id, 10]])).lines[0]!.unitKopecks
    expect(await unit()).to.equal(10_000)
    // A price (the prices channel).
    await app.c.db('prices').where({ product_id: p.id, price_type_id: (await app.c.db('price_types').where({ is_default: true }).first('id')).id }).update({ kopecks: 9_900 })
    expect(await unit()).to.equal(9_900)
    // A group with a default type, and the company joining it (the terms channel).
    const g = await group(app, t1)
    expect(await unit()).to.equal(9_900)
    await join(app, c, g.id)
    expect(await unit()).to.equal(9_000)
    // The company's own terms.
    await terms(app, c, { pinned: t2 })
    expect(await unit()).to.equal(8_000)
    await app.c.db('company_pricing').where({ company_id: c }).update({ pinned_price_type_id: null, discount_bp: 1_000 })
    expect(await unit()).to.equal(8_100)
    // A rule of the product's category, then the product moved to another category (the catalog channel).
    await rule(app, { kind: 'category_discount', category_id: cat, discount_bp: 5_000, group_id: g.id })
    expect(await unit()).to.equal(4_050)
    await app.c.db('products').where({ id: p.id }).update({ category_id: other })
    expect(await unit()).to.equal(8_100)
  })

  it('priceEach prices every line alone with one load of the terms', async () => {
    const large = await priceType(app)
    const p = await product(app, { price: 10_000, prices: { [large]: 9_000 } })
    await rule(app, { kind: 'qty_tier', product_id: p.id, threshold: 10_000, unit: 'шт', price_type_id: large })
    const c = await company()
    const each = await app.c.pricing.priceEach(c, [{ productId: p.id, qtyMilli: 6_000 }, { productId: p.id, qtyMilli: 10_000 }])
    expect(each.map((l) => l.unitKopecks)).to.deep.equal([10_000, 9_000])
  })

  it('sortPriceTypeIds: pinned, then the groups in the order of types, then the default', async () => {
    const [pinned, a, b] = [await priceType(app), await priceType(app), await priceType(app)]
    await app.c.db('price_types').where({ id: a }).update({ sort: 5 })
    await app.c.db('price_types').where({ id: b }).update({ sort: 4 })
    const def = (await app.c.db('price_types').where({ is_default: true }).first('id'))?.id
    const c = await company()
    expect(await app.c.pricing.sortPriceTypeIds(c)).to.deep.equal(def ? [def] : [])
    const [ga, gb] = [await group(app, a), await group(app, b)]
    await join(app, c, ga.id, gb.id)
    expect(await app.c.pricing.sortPriceTypeIds(c)).to.deep.equal([b, a, ...(def ? [def] : [])])
    await terms(app, c, { pinned })
    expect(await app.c.pricing.sortPriceTypeId(c)).to.equal(pinned)
  })

  it('the cart page shows the tier that won and the next tier, priced on the server', async () => {
    const t36 = await priceType(app, 'от 36')
    const cup = await product(app, { price: 36_000, prices: { [t36]: 32_400 } })
    await rule(app, { kind: 'qty_tier', name: 'Крупный опт', product_id: cup.id, threshold: 36_000, unit: 'шт', price_type_id: t36 })
    const b = await buyer(app, { status: 'verified' })
    await b.browser.post('/cart/add', { [`qty[${cup.id}]`]: '30', [`pack[${cup.id}]`]: String(cup.packagingId) })
    const cart = await b.browser.get('/cart')
    expect(cart.text).to.contain('ещё 6 шт — и цена 324\u00a0₽/шт, экономия 1\u00a0296\u00a0₽')
    await b.browser.post('/cart/add', { [`qty[${cup.id}]`]: '6', [`pack[${cup.id}]`]: String(cup.packagingId) })
    const after = await b.browser.get('/cart')
    expect(after.text).to.contain('Крупный опт: от 36 шт')
    expect(after.text).to.contain('11\u00a0664\u00a0₽')
  })
})
