import { expect } from 'chai'
import { priceCart, priceEachLine } from '../../server/pricing/rules.js'
import type { EngineLine, PricingInput, PricingRule, PricingRuleKind } from '../../server/pricing/types.js'

/*
 * `priceEachLine` (a catalog page: every row priced as a cart of that row alone, the rules indexed once) must give exactly
 * what `priceCart` gives for a one-line cart of each line. Inputs are generated from a fixed seed so a failure replays.
 */

/** A small deterministic generator (mulberry32). */
function random(seed: number) {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const KINDS: PricingRuleKind[] = ['qty_tier', 'sum_tier', 'turnover', 'positions', 'category_discount']
const UNITS = ['шт', 'кг', 'л']
/** Categories 1–6 in two chains: 1 → 2 → 3 and 4 → 5, and 6 alone. */
const CHAINS = [[], [1], [2, 1], [3, 2, 1], [3, 2, 1, 1], [4], [5, 4], [6]]

function inputFor(seed: number): PricingInput {
  const rnd = random(seed)
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!
  const types = [1, 2, 3, 4, 5, 6]
  const products = Array.from({ length: 30 }, (_, i) => ({ id: 100 + i, unit: pick(UNITS), cats: pick(CHAINS) }))
  const prices = new Map(
    products.map((p) => [p.id, new Map(types.filter(() => rnd() < 0.7).map((t) => [t, 1_000 + Math.floor(rnd() * 100_000)] as [number, number]))]),
  )
  const rules: PricingRule[] = Array.from({ length: 40 }, (_, i) => {
    const kind = pick(KINDS)
    const scope = rnd()
    return {
      id: 1_000 + ((i * 7919) % 40),
      name: `Правило ${i}`,
      kind,
      productId: scope < 0.3 ? pick(products).id : null,
      categoryId: scope >= 0.3 && scope < 0.7 ? pick([1, 2, 3, 4, 5, 6]) : null,
      groupId: rnd() < 0.3 ? pick([7, 8, 9]) : null,
      threshold: kind === 'positions' ? pick([0, 1, 2]) : kind === 'qty_tier' ? pick([0, 6_000, 12_000, 36_000, 35_999]) : pick([0, 50_000, 5_000_000]),
      unit: kind === 'qty_tier' && rnd() < 0.5 ? pick(UNITS) : '',
      priceTypeId: rnd() < 0.7 ? pick(types) : null,
      discountBp: rnd() < 0.5 ? pick([0, 250, 500, 1_234]) : 0,
    }
  })
  const lines: EngineLine[] = Array.from({ length: 60 }, () => {
    const p = pick(products)
    return { productId: p.id, qtyMilli: pick([0, 1_000, 5_999, 6_000, 12_000, 36_000, 100_000]), unit: p.unit, categoryIds: p.cats }
  })
  return {
    company: {
      groups: [7, 8].filter(() => rnd() < 0.6).map((id) => ({ id, name: `Группа ${id}`, defaultPriceTypeId: rnd() < 0.8 ? pick(types) : null })),
      pinnedPriceTypeId: rnd() < 0.3 ? pick(types) : null,
      discountBp: pick([0, 0, 300]),
      turnoverKopecks: pick([0, 100_000, 10_000_000]),
    },
    defaultPriceTypeId: rnd() < 0.9 ? 1 : null,
    priceTypeNames: new Map(types.map((t) => [t, `Тип ${t}`])),
    rules,
    lines,
    prices,
  }
}

describe('pricing engine: priceEachLine', () => {
  it('equals priceCart of a one-line cart for every line, over many generated inputs', () => {
    let nextTiers = 0
    for (let seed = 1; seed <= 600; seed++) {
      const input = inputFor(seed)
      const each = priceEachLine(input)
      const alone = input.lines.map((l) => priceCart({ ...input, lines: [l] }).lines[0]!)
      expect(each, `seed ${seed}`).to.deep.equal(alone)
      nextTiers += each.filter((l) => l.nextTier).length
    }
    // The generated inputs do exercise the next-tier path, not only the plain prices.
    expect(nextTiers).to.be.greaterThan(100)
  })

  it('returns nothing for no lines and keeps the input order', () => {
    const input = inputFor(7)
    expect(priceEachLine({ ...input, lines: [] })).to.deep.equal([])
    expect(priceEachLine(input).map((l) => l.productId)).to.deep.equal(input.lines.map((l) => l.productId))
  })
})
