import { expect } from 'chai'
import { startApp, type TestApp } from '../../support/app.js'
import { createCompany, createUser, uniq } from '../../support/factories.js'
import { seedPricing } from '../../../server/db/seeds/pricing.js'
import type { SeededProduct } from '../../../server/db/seeds/catalog.js'
import { category, product } from './helpers.js'

/*
 * The demo pricing seed on the shared test database: it must run on an empty catalog and on a real one, twice without
 * duplicates. Its rules for every company are removed afterwards, so no other test's cart meets them.
 */

describe('pricing: the demo seed', () => {
  let app: TestApp
  let rulesBefore = 0
  before(async () => {
    app = await startApp()
    rulesBefore = Number((await app.c.db('pricing_rules').max({ m: 'id' }))[0]?.m ?? 0)
  })
  after(async () => {
    await app.c.db('pricing_rules').where('id', '>', rulesBefore).delete()
    await app.close()
  })

  const companies = async () => {
    const owner = await createUser(app)
    return { oooId: (await createCompany(app, owner.id, { status: 'verified' })).id, ipId: (await createCompany(app, owner.id, { kind: 'ip', status: 'verified' })).id }
  }

  it('runs on an empty catalog: price types, groups, segments and the companies terms', async () => {
    const c = await companies()
    await seedPricing(app.c, [], c)
    const codes = (await app.c.db('price_types').select('code')).map((r: { code: string }) => r.code)
    expect(codes).to.include.members(['wholesale', 'large-wholesale', 'dealer', 'office-coffee', 'ecocups-36', 'ecocups-108', 'ecocups-252'])
    expect(await app.c.db('price_types').where({ is_default: true }).count({ n: '*' })).to.deep.equal([{ n: 1 }])
    const segments = await app.c.db('pricing_rules').where({ kind: 'turnover' }).where('id', '>', rulesBefore).orderBy('threshold').select('threshold')
    expect(segments.map((s: { threshold: number }) => Number(s.threshold))).to.deep.equal([0, 50_000_000, 100_000_000])
    const ooo = await app.c.db('company_pricing').where({ company_id: c.oooId }).first()
    expect([Number(ooo.discount_bp), Number(ooo.turnover_12m_kopecks)]).to.deep.equal([200, 64_000_000])
    const groups = await app.c.db('company_groups as cg').join('client_groups as g', 'g.id', 'cg.group_id').where('cg.company_id', c.oooId).select('g.name')
    expect(groups.map((g: { name: string }) => g.name)).to.deep.equal(['Кофейни'])
  })

  it('with products: prices from the list price, the EcoCups tiers on their category, and again without duplicates', async () => {
    const tableware = await category(app, 'Посуда')
    const cups = await category(app, 'EcoCups', tableware)
    const made = [
      await product(app, { price: 36_000, categoryId: cups, sku: `ECO-CUP-250-${uniq()}` }),
      await product(app, { price: 40_000, categoryId: cups, sku: `ECO-CUP-350-${uniq()}` }),
      await product(app, { price: 150_000, unit: 'кг' }),
    ]
    const seeded: SeededProduct[] = [
      { id: made[0]!.id, sku: made[0]!.sku, category: 'Посуда', listKopecks: 36_000 },
      { id: made[1]!.id, sku: made[1]!.sku, category: 'Посуда', listKopecks: 40_000 },
      { id: made[2]!.id, sku: made[2]!.sku, category: 'Кофе', listKopecks: 150_000 },
    ]
    const c = await companies()
    await seedPricing(app.c, seeded, c)
    const count = async () => [Number((await app.c.db('prices').count({ n: '*' }))[0]!.n), Number((await app.c.db('pricing_rules').count({ n: '*' }))[0]!.n)]
    const once = await count()
    await seedPricing(app.c, seeded, c)
    expect(await count()).to.deep.equal(once)

    const tiers = await app.c.db('pricing_rules').where({ category_id: cups }).orderBy('threshold').select('threshold', 'unit')
    expect(tiers.map((t: { threshold: number; unit: string }) => [Number(t.threshold), t.unit])).to.deep.equal([[36_000, 'шт'], [108_000, 'шт'], [252_000, 'шт']])
    const coffeeOffice = await app.c.db('prices as p').join('price_types as t', 't.id', 'p.price_type_id').where({ 'p.product_id': made[2]!.id, 't.code': 'office-coffee' }).first('p.kopecks')
    expect(Number(coffeeOffice.kopecks)).to.equal(142_500)

    // The ИП has the «от 36 шт» tier pinned: 12 pcs cost 342 ₽, and 108 pcs reach the cheaper tier.
    const ip = await app.c.pricing.priceLines(c.ipId, [{ productId: made[0]!.id, qtyMilli: 12_000 }])
    expect([ip.lines[0]!.unitKopecks, ip.lines[0]!.rule!.kind]).to.deep.equal([34_200, 'pinned'])
    const ip108 = await app.c.pricing.priceLines(c.ipId, [{ productId: made[0]!.id, qtyMilli: 108_000 }])
    expect([ip108.lines[0]!.unitKopecks, ip108.lines[0]!.rule!.label]).to.deep.equal([32_400, 'EcoCups: от 108 шт'])
    // The ООО is in «Кофейни» («Кофе в офис», 1 425 ₽/кг), turnover 640 000 ₽ gives «Крупный опт» (1 395 ₽), then 2 % off.
    const ooo = await app.c.pricing.priceLines(c.oooId, [{ productId: made[2]!.id, qtyMilli: 1_000 }])
    expect([ooo.lines[0]!.unitKopecks, ooo.lines[0]!.rule!.kind]).to.deep.equal([136_710, 'turnover'])
  })
})
