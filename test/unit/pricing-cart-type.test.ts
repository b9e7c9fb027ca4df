import { expect } from 'chai'
import { priceCart, priceEachLine } from '../../server/pricing/rules.js'
import type { CompanyPricing, EngineLine, PricingInput, PricingRule } from '../../server/pricing/types.js'

/*
 * The cart type's price type (`priceTypeOverride`): the base price of a cart of that type. Where the type has a price it
 * is the base, ahead of the company's pin, and rules that switch to another price type do not compete; discounts still
 * apply. Where it has none, the company's own pricing applies unchanged.
 */

const T = { wholesale: 1, large: 2, office: 3, transit: 4, pinned: 5 }
const NAMES = new Map([
  [T.wholesale, 'Оптовая'], [T.large, 'Крупный опт'], [T.office, 'Кофе в офис (розница)'], [T.transit, 'Транзит'], [T.pinned, 'Договорная'],
])
const COFFEE = 10
/** Roasted coffee (office price above the list), green coffee (transit price below it), a cup without either. */
const P = {
  roasted: { id: 100, unit: 'кг', prices: { [T.wholesale]: 200_000, [T.large]: 186_000, [T.office]: 240_000, [T.pinned]: 190_000 } },
  green: { id: 101, unit: 'кг', prices: { [T.wholesale]: 100_000, [T.large]: 93_000, [T.transit]: 85_000 } },
  cup: { id: 102, unit: 'шт', prices: { [T.wholesale]: 900, [T.large]: 850 } },
}
const PRICES = new Map(Object.values(P).map((p) => [p.id, new Map(Object.entries(p.prices).map(([t, k]) => [Number(t), k]))]))
const NOBODY: CompanyPricing = { groups: [], pinnedPriceTypeId: null, discountBp: 0, turnoverKopecks: 0 }

let seq = 500
function rule(o: Partial<PricingRule> & Pick<PricingRule, 'kind'>): PricingRule {
  return { id: seq++, name: 'Правило', productId: null, categoryId: null, groupId: null, threshold: 0, unit: '', priceTypeId: null, discountBp: 0, ...o }
}

function line(key: keyof typeof P, units: number): EngineLine {
  return { productId: P[key].id, qtyMilli: units * 1000, unit: P[key].unit, categoryIds: key === 'cup' ? [] : [COFFEE] }
}

function input(o: { lines: EngineLine[]; rules?: PricingRule[]; company?: Partial<CompanyPricing>; override?: number | null }): PricingInput {
  return {
    company: { ...NOBODY, ...o.company },
    defaultPriceTypeId: T.wholesale,
    priceTypeNames: NAMES,
    rules: o.rules ?? [],
    lines: o.lines,
    prices: PRICES,
    priceTypeOverride: o.override ? { priceTypeId: o.override, label: 'корзина «Кофе в офис»' } : null,
  }
}

describe('pricing: a cart type’s own price type', () => {
  it('is the base price where the type has a price, with a label that names the cart', () => {
    const [l] = priceCart(input({ lines: [line('roasted', 2)], override: T.office })).lines
    expect([l!.unitKopecks, l!.priceTypeId, l!.rule!.kind, l!.lineKopecks]).to.deep.equal([240_000, T.office, 'cart_type', 480_000])
    expect(l!.rule!.label).to.equal('Кофе в офис (розница) (корзина «Кофе в офис»)')
    expect(l!.listUnitKopecks).to.equal(200_000)
  })

  it('changes nothing without an override (null or absent)', () => {
    const withNull = priceCart(input({ lines: [line('roasted', 2)], override: null }))
    const { priceTypeOverride: _o, ...absent } = input({ lines: [line('roasted', 2)] })
    expect(withNull).to.deep.equal(priceCart(absent))
    expect(withNull.lines[0]!.unitKopecks).to.equal(200_000)
  })

  it('outranks the company’s pinned type and the groups’ types', () => {
    const company = { pinnedPriceTypeId: T.pinned, groups: [{ id: 1, name: 'Крупные', defaultPriceTypeId: T.large }] }
    expect(priceCart(input({ lines: [line('roasted', 1)], company })).lines[0]!.unitKopecks).to.equal(190_000)
    expect(priceCart(input({ lines: [line('roasted', 1)], company, override: T.office })).lines[0]!.unitKopecks).to.equal(240_000)
  })

  it('falls back to the company’s pricing, rules included, for a product the type has no price for', () => {
    const segment = rule({ kind: 'turnover', threshold: 0, priceTypeId: T.large })
    const cart = priceCart(input({ lines: [line('roasted', 1), line('cup', 12)], rules: [segment], override: T.office, company: { turnoverKopecks: 1 } }))
    expect(cart.lines.map((l) => [l.unitKopecks, l.rule!.kind])).to.deep.equal([
      [240_000, 'cart_type'],
      [850, 'turnover'],
    ])
    expect(cart.totalKopecks).to.equal(240_000 + 10_200)
  })

  it('is not beaten by rules that switch to another price type, tiers and segments alike', () => {
    const rules = [
      rule({ kind: 'turnover', threshold: 0, priceTypeId: T.large }),
      rule({ kind: 'qty_tier', categoryId: COFFEE, unit: 'кг', threshold: 1_000, priceTypeId: T.wholesale }),
    ]
    const company = { turnoverKopecks: 100_000_000 }
    expect(priceCart(input({ lines: [line('roasted', 5)], rules, company })).lines[0]!.unitKopecks).to.equal(186_000)
    const [l] = priceCart(input({ lines: [line('roasted', 5)], rules, company, override: T.office })).lines
    expect([l!.unitKopecks, l!.rule!.kind]).to.deep.equal([240_000, 'cart_type'])
  })

  it('still takes discounts: a discount-only tier, the category discount and the personal discount', () => {
    const rules = [
      rule({ kind: 'sum_tier', threshold: 400_000, discountBp: 500, name: 'Большой заказ' }),
      rule({ kind: 'category_discount', categoryId: COFFEE, discountBp: 1_000, name: 'Неделя кофе' }),
    ]
    const [l] = priceCart(input({ lines: [line('roasted', 2)], rules, override: T.office, company: { discountBp: 200 } })).lines
    // 2 400 ₽ − 5 % = 2 280 ₽ (the sum tier at the cart type's base: 4 800 ₽ ≥ 4 000 ₽), − 10 % = 2 052 ₽, − 2 % = 2 010,96 ₽.
    expect(l!.unitKopecks).to.equal(201_096)
    expect(l!.rule!.label).to.equal('Большой заказ: заказ от 4\u00a0000\u00a0₽, −5\u00a0%')
    expect(l!.discounts.map((d) => d.kind)).to.deep.equal(['category_discount', 'personal_discount'])
  })

  it('gives next-tier hints only for tiers that can lower a price of the type', () => {
    const typed = rule({ kind: 'qty_tier', productId: P.green.id, threshold: 120_000, priceTypeId: T.large })
    const discount = rule({ kind: 'qty_tier', productId: P.green.id, threshold: 300_000, discountBp: 300, name: 'Контейнер' })
    const plain = priceCart(input({ lines: [line('green', 60)], rules: [typed, discount] })).lines[0]!
    expect(plain.nextTier!.addQtyMilli).to.equal(60_000)
    const transit = priceCart(input({ lines: [line('green', 60)], rules: [typed, discount], override: T.transit })).lines[0]!
    expect(transit.unitKopecks).to.equal(85_000)
    expect(transit.nextTier!.addQtyMilli).to.equal(240_000)
    expect(transit.nextTier!.unitKopecks).to.equal(82_450)
    expect(transit.nextTier!.text).to.equal('ещё 240 кг — и цена 824,50\u00a0₽/кг, экономия 7\u00a0650\u00a0₽')
  })

  it('prices a line alone as a one-line cart, override included', () => {
    const rules = [
      rule({ kind: 'turnover', threshold: 0, priceTypeId: T.large }),
      rule({ kind: 'qty_tier', productId: P.green.id, threshold: 120_000, priceTypeId: T.large }),
      rule({ kind: 'qty_tier', productId: P.green.id, threshold: 300_000, discountBp: 300 }),
      rule({ kind: 'category_discount', categoryId: COFFEE, discountBp: 100 }),
    ]
    const lines = [line('roasted', 3), line('green', 60), line('green', 300), line('cup', 24)]
    for (const override of [null, T.office, T.transit]) {
      const each = priceEachLine(input({ lines, rules, override, company: { turnoverKopecks: 1, discountBp: 150 } }))
      const alone = lines.map((l) => priceCart(input({ lines: [l], rules, override, company: { turnoverKopecks: 1, discountBp: 150 } })).lines[0])
      expect(each, `override ${override}`).to.deep.equal(alone)
    }
  })
})
