import { expect } from 'chai'
import { conditionText, formatPercent, positionsText, priceCart } from '../../server/pricing/rules.js'
import type { CompanyPricing, EngineLine, PricedCart, PricingInput, PricingRule } from '../../server/pricing/types.js'

/*
 * The pricing engine, table-driven. One small supplier: price types, products in a category tree, prices per type; each
 * case adds the company, the rules and the cart it needs and states the unit price per base unit and the rule that wins.
 */

const NBSP = '\u00a0'
/** Russian typography as the formatters write it: no-break spaces inside numbers and before ₽ and %. */
const rub = (text: string) => text.replace(/(\d) (?=\d)/g, `$1${NBSP}`).replace(/ ([₽%])/g, `${NBSP}$1`)

const T = { wholesale: 1, large: 2, dealer: 3, office: 4, eco36: 11, eco108: 12, eco252: 13, empty: 20 }
const TYPE_NAMES = new Map<number, string>([
  [T.wholesale, 'Оптовая'], [T.large, 'Крупный опт'], [T.dealer, 'Дилер'], [T.office, 'Кофе в офис'],
  [T.eco36, 'EcoCups от 36 шт'], [T.eco108, 'EcoCups от 108 шт'], [T.eco252, 'EcoCups от 252 шт'], [T.empty, 'Пустой'],
])

/** Categories: 1 Посуда → 10 Стаканы EcoCups; 2 Кофе → 20 Зерно; 3 Чай. */
const CAT = { tableware: 1, cups: 10, coffee: 2, beans: 20, tea: 3 }

/** Products with their base unit, categories (own first, then ancestors) and prices per type, in kopecks per base unit. */
const P = {
  cup250: { id: 100, unit: 'шт', cats: [CAT.cups, CAT.tableware], prices: { [T.wholesale]: 36_000, [T.large]: 34_000, [T.dealer]: 33_000, [T.eco36]: 32_400, [T.eco108]: 30_600, [T.eco252]: 28_800 } },
  cup350: { id: 101, unit: 'шт', cats: [CAT.cups, CAT.tableware], prices: { [T.wholesale]: 40_000, [T.eco36]: 36_000, [T.eco108]: 34_000, [T.eco252]: 32_000 } },
  lid: { id: 102, unit: 'шт', cats: [CAT.tableware], prices: { [T.wholesale]: 1_000 } },
  bag: { id: 103, unit: 'кг', cats: [CAT.tableware], prices: { [T.wholesale]: 50_000 } },
  beans: { id: 200, unit: 'кг', cats: [CAT.beans, CAT.coffee], prices: { [T.wholesale]: 150_000, [T.large]: 140_000, [T.dealer]: 130_000, [T.office]: 135_000 } },
  arabica: { id: 201, unit: 'кг', cats: [CAT.beans, CAT.coffee], prices: { [T.wholesale]: 200_000, [T.large]: 190_000, [T.dealer]: 195_000, [T.office]: 185_000 } },
  tea: { id: 300, unit: 'шт', cats: [CAT.tea], prices: { [T.wholesale]: 33_300, [T.large]: 31_000 } },
  orphan: { id: 400, unit: 'шт', cats: [], prices: {} as Record<number, number> },
  onlyDealer: { id: 401, unit: 'шт', cats: [], prices: { [T.dealer]: 5_000 } },
}
type ProductKey = keyof typeof P

const PRICES = new Map(Object.values(P).map((p) => [p.id, new Map(Object.entries(p.prices).map(([t, k]) => [Number(t), k]))]))

const NOBODY: CompanyPricing = { groups: [], pinnedPriceTypeId: null, discountBp: 0, turnoverKopecks: 0 }

let ruleSeq = 1000
/** A rule with everything defaulted but what the case says. */
function rule(o: Partial<PricingRule> & Pick<PricingRule, 'kind'>): PricingRule {
  return { id: ruleSeq++, name: 'Правило', productId: null, categoryId: null, groupId: null, threshold: 0, unit: '', priceTypeId: null, discountBp: 0, ...o }
}

const qty = (units: number) => Math.round(units * 1000)

/** A cart line: the product and a quantity in base units (35.999 → 35999 thousandths). */
function line(key: ProductKey, units: number): EngineLine {
  const p = P[key]
  return { productId: p.id, qtyMilli: qty(units), unit: p.unit, categoryIds: p.cats }
}

function price(o: { company?: Partial<CompanyPricing>; rules?: PricingRule[]; lines: EngineLine[]; defaultType?: number | null }): PricedCart {
  const input: PricingInput = {
    company: { ...NOBODY, ...o.company },
    defaultPriceTypeId: o.defaultType === undefined ? T.wholesale : o.defaultType,
    priceTypeNames: TYPE_NAMES,
    rules: o.rules ?? [],
    lines: o.lines,
    prices: PRICES,
  }
  return priceCart(input)
}

/** The EcoCups tiers of the demo seed: 36 / 108 / 252 pieces, each a price type, per product. */
function ecoTiers(productId: number): PricingRule[] {
  return [
    rule({ kind: 'qty_tier', name: 'EcoCups', productId, threshold: qty(36), priceTypeId: T.eco36 }),
    rule({ kind: 'qty_tier', name: 'EcoCups', productId, threshold: qty(108), priceTypeId: T.eco108 }),
    rule({ kind: 'qty_tier', name: 'EcoCups', productId, threshold: qty(252), priceTypeId: T.eco252 }),
  ]
}

describe('pricing engine', () => {
  describe('base price: supplier default, client groups, missing prices', () => {
    const dealers = { id: 7, name: 'Дилеры', defaultPriceTypeId: T.dealer }
    const office = { id: 8, name: 'Кофейни', defaultPriceTypeId: T.office }
    const cases: { name: string; company?: Partial<CompanyPricing>; key: ProductKey; unit: number | null; kind: string | null; type: number | null; defaultType?: number | null }[] = [
      { name: 'a company without groups pays the supplier default', key: 'beans', unit: 150_000, kind: 'default', type: T.wholesale },
      { name: "a group's default type replaces the supplier default", company: { groups: [dealers] }, key: 'beans', unit: 130_000, kind: 'group', type: T.dealer },
      { name: 'a group type without a price for the product falls back to the supplier default', company: { groups: [office] }, key: 'cup350', unit: 40_000, kind: 'default', type: T.wholesale },
      { name: 'a company in two groups gets the better default (dealer for beans)', company: { groups: [office, dealers] }, key: 'beans', unit: 130_000, kind: 'group', type: T.dealer },
      { name: 'a company in two groups gets the better default (office for arabica)', company: { groups: [dealers, office] }, key: 'arabica', unit: 185_000, kind: 'group', type: T.office },
      { name: 'a group without a default type adds nothing', company: { groups: [{ id: 9, name: 'Без типа', defaultPriceTypeId: null }] }, key: 'tea', unit: 33_300, kind: 'default', type: T.wholesale },
      { name: 'a product without any price has no price', key: 'orphan', unit: null, kind: null, type: null },
      { name: 'a product priced only in a type the company cannot reach has no price', key: 'onlyDealer', unit: null, kind: null, type: null },
      { name: 'the group type prices a product the supplier default does not', company: { groups: [dealers] }, key: 'onlyDealer', unit: 5_000, kind: 'group', type: T.dealer },
      { name: 'no default type chosen: nothing to price with', key: 'beans', unit: null, kind: null, type: null, defaultType: null },
    ]
    for (const c of cases) {
      it(c.name, () => {
        const [l] = price({ company: c.company, lines: [line(c.key, 2)], defaultType: c.defaultType }).lines
        expect(l!.unitKopecks).to.equal(c.unit)
        expect(l!.rule?.kind ?? null).to.equal(c.kind)
        expect(l!.priceTypeId).to.equal(c.type)
        expect(l!.lineKopecks).to.equal(c.unit === null ? null : c.unit * 2)
      })
    }

    it('labels the base with the type and the group, and compares with the default type', () => {
      const [l] = price({ company: { groups: [dealers] }, lines: [line('beans', 1)] }).lines
      expect(l!.rule).to.deep.equal({ kind: 'group', id: 7, label: 'Дилер (группа «Дилеры»)' })
      expect(l!.listUnitKopecks).to.equal(150_000)
      expect(l!.discounts).to.deep.equal([])
    })

    it('leaves lines without a price out of the total and keeps the input order', () => {
      const cart = price({ lines: [line('orphan', 3), line('tea', 3), line('lid', 2)] })
      expect(cart.lines.map((l) => l.productId)).to.deep.equal([400, 300, 102])
      expect(cart.lines[0]!.lineKopecks).to.equal(null)
      expect(cart.totalKopecks).to.equal(99_900 + 2_000)
    })
  })

  describe('quantity tiers', () => {
    const beansTier = rule({ kind: 'qty_tier', name: 'Крупный опт', productId: P.beans.id, threshold: qty(36), priceTypeId: T.large })
    const cases: { name: string; lines: EngineLine[]; unit: number; kind: string }[] = [
      { name: '35 kg of beans: below the tier', lines: [line('beans', 35)], unit: 150_000, kind: 'default' },
      { name: '35.999 kg is below 36 kg', lines: [line('beans', 35.999)], unit: 150_000, kind: 'default' },
      { name: 'exactly 36 kg reaches the tier', lines: [line('beans', 36)], unit: 140_000, kind: 'qty_tier' },
      { name: 'a product tier sums that product over its lines (two packagings)', lines: [line('beans', 30), line('beans', 6)], unit: 140_000, kind: 'qty_tier' },
      { name: 'other products do not count toward a product tier', lines: [line('beans', 30), line('arabica', 6)], unit: 150_000, kind: 'default' },
    ]
    for (const c of cases) {
      it(c.name, () => {
        const [l] = price({ rules: [beansTier], lines: c.lines }).lines
        expect(l!.unitKopecks).to.equal(c.unit)
        expect(l!.rule!.kind).to.equal(c.kind)
      })
    }

    it('labels a tier with its condition in the product unit', () => {
      const [l] = price({ rules: [beansTier], lines: [line('beans', 36)] }).lines
      expect(l!.rule).to.deep.equal({ kind: 'qty_tier', id: beansTier.id, label: 'Крупный опт: от 36 кг' })
      expect(l!.lineKopecks).to.equal(36 * 140_000)
    })

    describe('a category tier counts the whole subtree in its unit', () => {
      const cupsTier = rule({ kind: 'qty_tier', name: 'Посуда оптом', categoryId: CAT.tableware, threshold: qty(36), unit: 'шт', discountBp: 1_000 })
      const cases2: { name: string; lines: EngineLine[]; units: (number | null)[] }[] = [
        { name: '20 + 16 pcs of two cups in a child category reach 36 pcs of «Посуда»', lines: [line('cup250', 20), line('cup350', 16)], units: [32_400, 36_000] },
        { name: 'lids directly in «Посуда» count as well', lines: [line('cup250', 20), line('lid', 16)], units: [32_400, 900] },
        { name: '35 pcs in the subtree: not yet', lines: [line('cup250', 20), line('lid', 15)], units: [36_000, 1_000] },
        { name: 'kilograms in the same category do not add to pieces, and get no piece tier', lines: [line('cup250', 20), line('bag', 16)], units: [36_000, 50_000] },
        { name: 'products outside the category neither count nor benefit', lines: [line('cup250', 36), line('tea', 10)], units: [32_400, 33_300] },
      ]
      for (const c of cases2) {
        it(c.name, () => {
          const cart = price({ rules: [cupsTier], lines: c.lines })
          expect(cart.lines.map((l) => l.unitKopecks)).to.deep.equal(c.units)
        })
      }

      it('names the rule, the unit and its own discount', () => {
        const [l] = price({ rules: [cupsTier], lines: [line('cup250', 36)] }).lines
        expect(l!.rule!.label).to.equal(`Посуда оптом: от 36 шт, −10${NBSP}%`)
        expect(l!.priceTypeId).to.equal(T.wholesale)
      })
    })
  })

  describe('the seed example: EcoCups, minimum 12 pcs, tiers from 36 / 108 / 252 pcs, each a price type', () => {
    const rules = ecoTiers(P.cup250.id)
    const cases: [number, number, number | null][] = [
      [12, 36_000, null],
      [35, 36_000, null],
      [36, 32_400, T.eco36],
      [107, 32_400, T.eco36],
      [108, 30_600, T.eco108],
      [251, 30_600, T.eco108],
      [252, 28_800, T.eco252],
      [1000, 28_800, T.eco252],
    ]
    for (const [pcs, unit, type] of cases) {
      it(`${pcs} pcs → ${unit / 100} ₽/шт`, () => {
        const [l] = price({ rules, lines: [line('cup250', pcs)] }).lines
        expect(l!.unitKopecks).to.equal(unit)
        expect(l!.priceTypeId).to.equal(type ?? T.wholesale)
        expect(l!.lineKopecks).to.equal(unit * pcs)
      })
    }

    const texts: [number, string | null][] = [
      [0, rub('от 36 шт — цена 324 ₽/шт, экономия 1 296 ₽')],
      [12, rub('ещё 24 шт — и цена 324 ₽/шт, экономия 1 296 ₽')],
      [30, rub('ещё 6 шт — и цена 324 ₽/шт, экономия 1 296 ₽')],
      [36, rub('ещё 72 шт — и цена 306 ₽/шт, экономия 1 944 ₽')],
      [250, rub('ещё 2 шт — и цена 288 ₽/шт, экономия 4 536 ₽')],
      [252, null],
    ]
    for (const [pcs, text] of texts) {
      it(`next tier at ${pcs} pcs: ${text ?? 'none'}`, () => {
        const [l] = price({ rules, lines: [line('cup250', pcs)] }).lines
        expect(l!.nextTier?.text ?? null).to.equal(text)
      })
    }

    it('the next tier carries the quantity to add, the price and the saving on the line at the new quantity', () => {
      const [l] = price({ rules, lines: [line('cup250', 30)] }).lines
      expect(l!.nextTier).to.deep.include({ addQtyMilli: 6_000, unitKopecks: 32_400, savingKopecks: (36_000 - 32_400) * 36 })
    })

    it('a tier whose type has no price for the product does not apply, and is not offered as the next tier', () => {
      const [l] = price({ rules: [rule({ kind: 'qty_tier', name: 'Пусто', productId: P.cup250.id, threshold: qty(36), priceTypeId: T.empty })], lines: [line('cup250', 40)] }).lines
      expect(l!.unitKopecks).to.equal(36_000)
      const [m] = price({ rules: [rule({ kind: 'qty_tier', name: 'Пусто', productId: P.cup250.id, threshold: qty(36), priceTypeId: T.empty })], lines: [line('cup250', 10)] }).lines
      expect(m!.nextTier).to.equal(null)
    })

    it('a category tier tells each line how much more of the category is needed', () => {
      const cat = [rule({ kind: 'qty_tier', name: 'EcoCups', categoryId: CAT.cups, threshold: qty(36), unit: 'шт', priceTypeId: T.eco36 })]
      const cart = price({ rules: cat, lines: [line('cup250', 20), line('cup350', 10)] })
      expect(cart.lines[0]!.nextTier!.text).to.equal(rub('ещё 6 шт — и цена 324 ₽/шт, экономия 936 ₽'))
      expect(cart.lines[1]!.nextTier!.text).to.equal(rub('ещё 6 шт — и цена 360 ₽/шт, экономия 640 ₽'))
    })

    it('the next tier price includes the discounts on top', () => {
      const [l] = price({ rules, company: { discountBp: 1_000 }, lines: [line('cup250', 30)] }).lines
      expect(l!.unitKopecks).to.equal(32_400)
      expect(l!.nextTier).to.deep.include({ addQtyMilli: 6_000, unitKopecks: 29_160, savingKopecks: (32_400 - 29_160) * 36 })
    })

    it('no next tier when the next one would not be cheaper than what the line already pays', () => {
      const [l] = price({ rules, company: { groups: [{ id: 5, name: 'Особые', defaultPriceTypeId: T.eco252 }] }, lines: [line('cup250', 10)] }).lines
      expect(l!.unitKopecks).to.equal(28_800)
      expect(l!.nextTier).to.equal(null)
    })
  })

  describe('order-sum tiers, turnover segments, number of positions', () => {
    it('an order-sum tier counts the cart at base prices, the boundary included', () => {
      const sum = rule({ kind: 'sum_tier', name: 'Большой заказ', threshold: 5_400_000, discountBp: 300 })
      const at = price({ rules: [sum], lines: [line('beans', 36)] }).lines[0]!
      expect(at.unitKopecks).to.equal(145_500)
      expect(at.rule!.label).to.equal(rub(`Большой заказ: заказ от 54 000 ₽, −3 %`))
      const below = price({ rules: [sum], lines: [line('beans', 35.999)] }).lines[0]!
      expect(below.unitKopecks).to.equal(150_000)
    })

    it('an order-sum tier in a category counts only that category and lowers only its lines', () => {
      const sum = rule({ kind: 'sum_tier', name: 'Кофе от 30 000', categoryId: CAT.coffee, threshold: 3_000_000, priceTypeId: T.large })
      const few = price({ rules: [sum], lines: [line('beans', 1), line('tea', 100)] })
      expect(few.lines.map((l) => l.unitKopecks)).to.deep.equal([150_000, 33_300])
      const many = price({ rules: [sum], lines: [line('beans', 20), line('tea', 100)] })
      expect(many.lines.map((l) => l.unitKopecks)).to.deep.equal([140_000, 33_300])
    })

    it('the order sum uses the company base price (the group default), not the supplier default', () => {
      const sum = rule({ kind: 'sum_tier', name: 'От 2 600 000', threshold: 2_600_000, discountBp: 100 })
      const company = { groups: [{ id: 7, name: 'Дилеры', defaultPriceTypeId: T.dealer }] }
      expect(price({ rules: [sum], company, lines: [line('beans', 19.999)] }).lines[0]!.rule!.kind).to.equal('group')
      expect(price({ rules: [sum], company, lines: [line('beans', 20)] }).lines[0]!.unitKopecks).to.equal(128_700)
    })

    describe('turnover segments < 500 000 ₽, < 1 000 000 ₽, ≥ 1 000 000 ₽ as three rules', () => {
      const segments = [
        rule({ kind: 'turnover', name: 'Сегмент A', threshold: 0, priceTypeId: T.wholesale }),
        rule({ kind: 'turnover', name: 'Сегмент B', threshold: 50_000_000, priceTypeId: T.large }),
        rule({ kind: 'turnover', name: 'Сегмент C', threshold: 100_000_000, priceTypeId: T.dealer }),
      ]
      const cases: [number, number, string][] = [
        [0, 150_000, 'default'],
        [49_999_999, 150_000, 'default'],
        [50_000_000, 140_000, 'turnover'],
        [99_999_999, 140_000, 'turnover'],
        [100_000_000, 130_000, 'turnover'],
      ]
      for (const [turnover, unit, kind] of cases) {
        it(`turnover ${turnover} kopecks → ${unit}`, () => {
          const [l] = price({ rules: segments, company: { turnoverKopecks: turnover }, lines: [line('beans', 1)] }).lines
          expect(l!.unitKopecks).to.equal(unit)
          expect(l!.rule!.kind).to.equal(kind)
        })
      }
      it('labels the segment with its lower bound', () => {
        const [l] = price({ rules: segments, company: { turnoverKopecks: 60_000_000 }, lines: [line('beans', 1)] }).lines
        expect(l!.rule!.label).to.equal(rub('Сегмент B: оборот за 12 месяцев от 500 000 ₽'))
      })
    })

    it('a positions rule counts distinct products with a quantity', () => {
      const five = rule({ kind: 'positions', name: 'Широкий ассортимент', threshold: 3, discountBp: 500 })
      const cases: [EngineLine[], number][] = [
        [[line('beans', 1), line('arabica', 1)], 150_000],
        [[line('beans', 1), line('beans', 2), line('arabica', 1)], 150_000],
        [[line('beans', 1), line('arabica', 1), line('tea', 0)], 150_000],
        [[line('beans', 1), line('arabica', 1), line('tea', 1)], 142_500],
      ]
      for (const [lines, unit] of cases) expect(price({ rules: [five], lines }).lines[0]!.unitKopecks).to.equal(unit)
      expect(price({ rules: [five], lines: cases[3]![0] }).lines[0]!.rule!.label).to.equal(`Широкий ассортимент: от 3 позиций, −5${NBSP}%`)
    })
  })

  describe('the lowest applicable price wins', () => {
    it('a rule more expensive than the base does not win; a cheaper one does; ties go to the base, then to the lower id', () => {
      const dear = rule({ kind: 'positions', name: 'Дороже', threshold: 1, priceTypeId: T.wholesale, discountBp: 0 })
      const company = { groups: [{ id: 7, name: 'Дилеры', defaultPriceTypeId: T.dealer }] }
      expect(price({ rules: [dear], company, lines: [line('beans', 1)] }).lines[0]!.rule!.kind).to.equal('group')
      const same = rule({ kind: 'positions', name: 'Так же', threshold: 1, priceTypeId: T.wholesale })
      expect(price({ rules: [same], lines: [line('beans', 1)] }).lines[0]!.rule!.kind).to.equal('default')
      const a = rule({ kind: 'positions', name: 'A', threshold: 1, priceTypeId: T.large })
      const b = rule({ kind: 'turnover', name: 'B', threshold: 0, priceTypeId: T.large })
      expect(price({ rules: [b, a], lines: [line('beans', 1)] }).lines[0]!.rule!.id).to.equal(a.id)
    })

    it('the same input gives the same output whatever the order of the rules and groups', () => {
      const rules = [
        ...ecoTiers(P.cup250.id),
        rule({ kind: 'qty_tier', name: 'Посуда', categoryId: CAT.tableware, threshold: qty(36), unit: 'шт', discountBp: 800 }),
        rule({ kind: 'sum_tier', name: 'Сумма', threshold: 1_000_000, discountBp: 200 }),
        rule({ kind: 'category_discount', name: 'Чай', categoryId: CAT.tea, discountBp: 500 }),
        rule({ kind: 'category_discount', name: 'Чай-2', categoryId: CAT.tea, discountBp: 500 }),
      ]
      const groups = [{ id: 7, name: 'Дилеры', defaultPriceTypeId: T.dealer }, { id: 8, name: 'Кофейни', defaultPriceTypeId: T.office }]
      const lines = [line('cup250', 40), line('tea', 10), line('beans', 3), line('arabica', 2)]
      const first = price({ rules, company: { groups, discountBp: 150 }, lines })
      const again = price({ rules: [...rules].reverse(), company: { groups: [...groups].reverse(), discountBp: 150 }, lines })
      expect(again).to.deep.equal(first)
      expect(first.lines[1]!.discounts[0]!.id).to.equal(rules[5]!.id)
    })

    it('a rule of another client group does not apply; one of the company group does', () => {
      const forDealers = rule({ kind: 'positions', name: 'Дилерам', threshold: 1, groupId: 7, discountBp: 1_000 })
      expect(price({ rules: [forDealers], lines: [line('beans', 1)] }).lines[0]!.unitKopecks).to.equal(150_000)
      expect(price({ rules: [forDealers], company: { groups: [{ id: 7, name: 'Дилеры', defaultPriceTypeId: null }] }, lines: [line('beans', 1)] }).lines[0]!.unitKopecks).to.equal(135_000)
    })

    it('a discount-only rule takes its discount off the company base price', () => {
      const r = rule({ kind: 'positions', name: 'Скидка', threshold: 1, discountBp: 1_000 })
      const [l] = price({ rules: [r], company: { groups: [{ id: 7, name: 'Дилеры', defaultPriceTypeId: T.dealer }] }, lines: [line('beans', 1)] }).lines
      expect(l!.unitKopecks).to.equal(117_000)
      expect(l!.priceTypeId).to.equal(T.dealer)
    })
  })

  describe('pinned price type', () => {
    const rules = ecoTiers(P.cup250.id)
    const cases: { name: string; company: Partial<CompanyPricing>; pcs: number; unit: number; kind: string; type: number }[] = [
      { name: 'keeps the 36-pcs tier price at 12 pcs', company: { pinnedPriceTypeId: T.eco36 }, pcs: 12, unit: 32_400, kind: 'pinned', type: T.eco36 },
      { name: 'a cheaper tier the cart reaches still wins (108 pcs)', company: { pinnedPriceTypeId: T.eco36 }, pcs: 108, unit: 30_600, kind: 'qty_tier', type: T.eco108 },
      { name: 'replaces a cheaper group default (the contract price)', company: { pinnedPriceTypeId: T.large, groups: [{ id: 7, name: 'Дилеры', defaultPriceTypeId: T.dealer }] }, pcs: 1, unit: 34_000, kind: 'pinned', type: T.large },
      { name: 'falls back to the group default where the pinned type has no price', company: { pinnedPriceTypeId: T.office, groups: [{ id: 7, name: 'Дилеры', defaultPriceTypeId: T.dealer }] }, pcs: 1, unit: 33_000, kind: 'group', type: T.dealer },
    ]
    for (const c of cases) {
      it(c.name, () => {
        const [l] = price({ rules, company: c.company, lines: [line('cup250', c.pcs)] }).lines
        expect(l!.unitKopecks).to.equal(c.unit)
        expect(l!.rule!.kind).to.equal(c.kind)
        expect(l!.priceTypeId).to.equal(c.type)
      })
    }

    it('is labelled as pinned, and the order sum counts at the pinned price', () => {
      const sum = rule({ kind: 'sum_tier', name: 'Сумма', threshold: 388_800, discountBp: 100 })
      const [l] = price({ rules: [sum], company: { pinnedPriceTypeId: T.eco36 }, lines: [line('cup250', 12)] }).lines
      expect(l!.unitKopecks).to.equal(32_076)
      const [p] = price({ company: { pinnedPriceTypeId: T.eco36 }, lines: [line('cup250', 12)] }).lines
      expect(p!.rule!.label).to.equal('EcoCups от 36 шт (закреплённый тип цен)')
    })
  })

  describe('discounts on top and rounding', () => {
    const teaDiscount = rule({ kind: 'category_discount', name: 'Чайная неделя', categoryId: CAT.tea, discountBp: 500 })
    const cases: { name: string; rules: PricingRule[]; company?: Partial<CompanyPricing>; l: EngineLine; unit: number; total: number; discounts: string[] }[] = [
      {
        name: 'a category discount on the base price: 333 ₽ − 5 % = 316,35 → 316,35 ₽',
        rules: [teaDiscount], l: line('tea', 3), unit: 31_635, total: 94_905, discounts: [`Чайная неделя: −5${NBSP}%`],
      },
      {
        name: 'category 5 % then personal 3 %, each rounded half away from zero: 333 → 316,35 → 306,86',
        rules: [teaDiscount], company: { discountBp: 300 }, l: line('tea', 1), unit: 30_686, total: 30_686,
        discounts: [`Чайная неделя: −5${NBSP}%`, `Персональная скидка −3${NBSP}%`],
      },
      {
        name: 'rounding of the unit and of the line: 1 kopeck-precise at a fractional quantity',
        rules: [rule({ kind: 'category_discount', name: 'Посуда', categoryId: CAT.tableware, discountBp: 333 })], company: { discountBp: 125 }, l: line('bag', 1.5),
        // 50 000 × 0,9667 = 48 335 (exact); × 0,9875 = 47 730,8125 → 47 731; × 1,5 = 71 596,5 → 71 597.
        unit: 47_731, total: 71_597, discounts: [`Посуда: −3,33${NBSP}%`, `Персональная скидка −1,25${NBSP}%`],
      },
      {
        name: 'a personal discount on top of a tier',
        rules: ecoTiers(P.cup250.id), company: { discountBp: 250 }, l: line('cup250', 36), unit: 31_590, total: 31_590 * 36, discounts: [`Персональная скидка −2,5${NBSP}%`],
      },
      {
        name: 'of two category discounts the larger applies (they do not add up); an ancestor category counts',
        rules: [rule({ kind: 'category_discount', name: 'Кофе', categoryId: CAT.coffee, discountBp: 300 }), rule({ kind: 'category_discount', name: 'Зерно', categoryId: CAT.beans, discountBp: 700 })],
        l: line('beans', 2), unit: 139_500, total: 279_000, discounts: [`Зерно: −7${NBSP}%`],
      },
      {
        name: 'a category discount of another group does not apply',
        rules: [rule({ kind: 'category_discount', name: 'Чай дилерам', categoryId: CAT.tea, discountBp: 500, groupId: 77 })], l: line('tea', 1), unit: 33_300, total: 33_300, discounts: [],
      },
      {
        name: 'a category discount for one product',
        rules: [rule({ kind: 'category_discount', name: 'Арабика', productId: P.arabica.id, discountBp: 1_000 })], l: line('arabica', 1), unit: 180_000, total: 180_000, discounts: [`Арабика: −10${NBSP}%`],
      },
      {
        name: 'the category discount stacks on a tier that won',
        rules: [...ecoTiers(P.cup250.id), rule({ kind: 'category_discount', name: 'Посуда', categoryId: CAT.tableware, discountBp: 1_000 })], l: line('cup250', 108),
        unit: 27_540, total: 27_540 * 108, discounts: [`Посуда: −10${NBSP}%`],
      },
    ]
    for (const c of cases) {
      it(c.name, () => {
        const cart = price({ rules: c.rules, company: c.company, lines: [c.l] })
        const [l] = cart.lines
        expect(l!.unitKopecks).to.equal(c.unit)
        expect(l!.lineKopecks).to.equal(c.total)
        expect(cart.totalKopecks).to.equal(c.total)
        expect(l!.discounts.map((d) => d.label)).to.deep.equal(c.discounts)
      })
    }
  })

  describe('a whole cart: every rule kind together', () => {
    it('prices each line by its own winner and adds the lines up', () => {
      const rules = [
        ...ecoTiers(P.cup250.id),
        rule({ kind: 'qty_tier', name: 'Зерно от 10 кг', categoryId: CAT.beans, unit: 'кг', threshold: qty(10), priceTypeId: T.dealer }),
        rule({ kind: 'sum_tier', name: 'Заказ от 100 000 ₽', threshold: 10_000_000, discountBp: 200 }),
        rule({ kind: 'turnover', name: 'Оборот от 500 000 ₽', threshold: 50_000_000, priceTypeId: T.dealer, groupId: 7 }),
        rule({ kind: 'positions', name: 'От 4 позиций', threshold: 4, discountBp: 100 }),
        rule({ kind: 'category_discount', name: 'Чай', categoryId: CAT.tea, discountBp: 500 }),
      ]
      const company = { groups: [{ id: 8, name: 'Кофейни', defaultPriceTypeId: T.office }], discountBp: 200, turnoverKopecks: 70_000_000 }
      const cart = price({ rules, company, lines: [line('cup250', 108), line('beans', 6), line('arabica', 4), line('tea', 20), line('orphan', 1)] })
      // Base prices: cups and tea have no «Кофе в офис» price, so «Оптовая»; beans 1 350 ₽ and arabica 1 850 ₽ by the group.
      // Base total 38 880 + 8 100 + 7 400 + 6 660 = 61 040 ₽: the order-sum tier is not reached. The turnover rule is for
      // another group. Five positions (the orphan has no price but is a position): 1 % off the base price for everyone.
      // Beans and arabica make 10 kg, so the «Зерно» tier offers the dealer type: cheaper for beans, dearer for arabica.
      expect(cart.lines.map((l) => [l.rule?.kind ?? null, l.unitKopecks])).to.deep.equal([
        ['qty_tier', 29_988], // 306 ₽ (from 108 pcs), personal 2 %: 299,88 ₽
        ['qty_tier', 127_400], // 1 300 ₽ (dealer), personal 2 %: 1 274 ₽
        ['positions', 179_487], // 1 850 ₽ − 1 % = 1 831,50 ₽, personal 2 %: 1 794,87 ₽
        ['positions', 30_693], // 333 ₽ − 1 % = 329,67 ₽, tea 5 %: 313,1865 → 313,19 ₽, personal 2 %: 306,9262 → 306,93 ₽
        [null, null],
      ])
      expect(cart.totalKopecks).to.equal(29_988 * 108 + 127_400 * 6 + 179_487 * 4 + 30_693 * 20)
    })
  })

  describe('words', () => {
    it('formats percentages, positions and conditions', () => {
      expect([formatPercent(500), formatPercent(250), formatPercent(1234), formatPercent(205)]).to.deep.equal([`5${NBSP}%`, `2,5${NBSP}%`, `12,34${NBSP}%`, `2,05${NBSP}%`])
      expect([1, 2, 5, 11, 21, 101, 111].map(positionsText)).to.deep.equal(['1 позиции', '2 позиций', '5 позиций', '11 позиций', '21 позиции', '101 позиции', '111 позиций'])
      expect(conditionText({ kind: 'qty_tier', threshold: 1500, unit: 'кг' })).to.equal('от 1,5 кг')
      expect(conditionText({ kind: 'sum_tier', threshold: 0, unit: '' })).to.equal('')
      expect(conditionText({ kind: 'turnover', threshold: 100_000_000, unit: '' })).to.equal(rub('оборот за 12 месяцев от 1 000 000 ₽'))
    })
  })
})
