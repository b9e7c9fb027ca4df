/**
 * The pricing engine: one pure function, `priceCart`, prices a whole cart from a `PricingInput`. It reads no clock, no
 * randomness and no database, so the same input always gives the same output; rules are taken in id order and every tie is
 * broken by the lower id.
 *
 * How a line is priced (CONTEXT.md says the same in Russian):
 * 1. The base price. The cart's own price type (`priceTypeOverride`, a cart type's) when it has a price for the product:
 *    the cart is priced from the type's price list, so rules that switch to another price type (tiers, segments) do not
 *    compete on such a line, while discounts (rules without a type, category and personal discounts) still apply.
 *    Otherwise the company's pinned price type when it has a price for the product; otherwise the cheapest default
 *    type of the company's client groups that has one; otherwise the supplier's default type. A pinned type replaces the
 *    group and supplier defaults even where they are cheaper: that is the «unless a pinned type says otherwise» of the
 *    issue, a contract price the supplier fixed. It holds at any quantity, so a pinned tier type keeps its price below
 *    the tier's volume.
 * 2. Rules compete with the base. Every quantity tier, order-sum tier, turnover segment and number-of-positions rule that
 *    the cart reaches (measure ≥ threshold) and that is in scope for the line offers a price: its price type's price (or
 *    the base price when it names no type) minus its own discount. The lowest offer wins, the base included, so a cheaper
 *    tier still beats a pinned type; a type without a price for the product offers nothing. Ties go to the base, then to
 *    the lower rule id.
 * 3. Category discount on top: the largest one whose scope holds the line (discounts of several categories do not add up).
 * 4. The personal discount last.
 *
 * Measures. A product tier counts the quantity of that product's lines; a category tier counts every line in the
 * category's subtree in the tier's base unit (kilograms and pieces never add up); an order-sum tier counts the lines in
 * its scope at base prices; a positions rule counts distinct products with a quantity in its scope; a turnover segment
 * reads the company's trailing 12-month turnover. Thresholds are lower bounds compared exactly in integers, so 36 pcs
 * (36000) reaches «от 36 шт» and 35.999 kg does not reach «от 36 кг». Segments such as < 500 000 ₽ / < 1 000 000 ₽ /
 * ≥ 1 000 000 ₽ are three rules from 0, 500 000 and 1 000 000 ₽.
 *
 * Rounding, by the one rule of `shared/money.ts`: every discount is taken off the unit price per base unit and rounded to
 * the kopeck (half away from zero) at once; the line total is unit × quantity rounded once; the cart total is the sum of
 * the lines.
 */
import { formatQty } from '../catalog/rules.js'
import { discounted, formatRub, lineKopecks } from '../shared/money.js'
import type { EngineLine, NextTier, PricedCart, PricedLine, PricingInput, PricingRule, RuleRef } from './types.js'

/**
 * A price one source offers for a line, before the discounts on top. The label of a rule's offer is only written for the
 * offer that wins (`ref` is null until then), so weighing a dozen offers per line builds one sentence, not a dozen.
 */
interface Offer {
  unitKopecks: number
  priceTypeId: number
  /** The base's ref; null for a rule's offer, whose ref `refOf` writes from `rule`. */
  ref: RuleRef | null
  rule: PricingRule | null
  /** The ref's id: the rule's id, or the base's type or group id. */
  id: number
  /** 0 for the base price, 1 for a rule: on a tie the base wins, then the lower rule id. */
  rank: number
}

/** A discount taken off the winning price, in the order it is applied. */
interface OnTop {
  bp: number
  ref: RuleRef
}

const PRICE_RULES = new Set<PricingRule['kind']>(['qty_tier', 'sum_tier', 'turnover', 'positions'])

/** 500 → "5 %", 250 → "2,5 %", 1234 → "12,34 %". */
export function formatPercent(bp: number): string {
  const whole = Math.trunc(bp / 100)
  const frac = Math.abs(bp % 100)
  return `${frac ? `${whole},${String(frac).padStart(2, '0').replace(/0$/, '')}` : whole}\u00a0%`
}

/** "от 1 позиции", "от 5 позиций", "от 21 позиции": the genitive after «от». */
export function positionsText(n: number): string {
  return `${n} ${n % 10 === 1 && n % 100 !== 11 ? 'позиции' : 'позиций'}`
}

/** The condition of a rule in words, «от 36 шт», «заказ от 50 000 ₽»; empty when the rule holds for everyone. */
export function conditionText(r: Pick<PricingRule, 'kind' | 'threshold' | 'unit'>, lineUnit = ''): string {
  switch (r.kind) {
    case 'qty_tier':
      return `от ${formatQty(r.threshold, r.unit || lineUnit || 'шт')}`
    case 'sum_tier':
      return r.threshold > 0 ? `заказ от ${formatRub(r.threshold)}` : ''
    case 'turnover':
      return r.threshold > 0 ? `оборот за 12 месяцев от ${formatRub(r.threshold)}` : ''
    case 'positions':
      return `от ${positionsText(r.threshold)}`
    case 'category_discount':
      return ''
  }
}

/** Sorts offers best first: lower price, then the base before rules, then the lower id. */
function byBest(a: Offer, b: Offer): number {
  return a.unitKopecks - b.unitKopecks || a.rank - b.rank || a.id - b.id
}

function applyOnTop(unitKopecks: number, onTop: OnTop[]): number {
  let u = unitKopecks
  for (const d of onTop) u = discounted(u, d.bp)
  return u
}

/**
 * The engine for one input: the company's rules filtered by group and put in id order, the groups in id order, the
 * labels written once, and the rules indexed by scope, so that pricing many lines alone (a catalog page) does this work
 * once rather than per line. `price(lines)` is the whole-cart pricing; `priceAlone(line)` prices a line as a cart of that
 * line only, reading just the rules whose scope can hold it.
 */
function createEngine(input: PricingInput) {
  const { company, prices } = input
  const groupIds = new Set(company.groups.map((g) => g.id))
  const allRules = input.rules.filter((r) => r.groupId === null || groupIds.has(r.groupId)).sort((a, b) => a.id - b.id)
  const groups = [...company.groups].sort((a, b) => a.id - b.id)
  const priceOf = (productId: number, typeId: number | null) => (typeId === null ? undefined : prices.get(productId)?.get(typeId))
  const typeName = (id: number) => input.priceTypeNames.get(id) ?? `Тип цен №${id}`

  // Rules by scope for `priceAlone`: a product rule is in scope of that product's lines only, a category rule of its
  // subtree's, the rest of all. Rules a line alone can never reach are left out: a positions rule above one position, a
  // turnover segment above the company's turnover (with a hundred rows a page against hundreds of rules, most of them).
  const wholeCart: PricingRule[] = []
  const byProduct = new Map<number, PricingRule[]>()
  const byCategory = new Map<number, PricingRule[]>()
  for (const r of allRules) {
    if ((r.kind === 'positions' && r.threshold > 1) || (r.kind === 'turnover' && r.threshold > company.turnoverKopecks)) continue
    if (r.productId !== null) byProduct.set(r.productId, [...(byProduct.get(r.productId) ?? []), r])
    else if (r.categoryId !== null) byCategory.set(r.categoryId, [...(byCategory.get(r.categoryId) ?? []), r])
    else wholeCart.push(r)
  }
  // Whole-cart order-sum tiers by threshold: a line alone reaches a prefix of them, and the walk stops at the first above.
  const wholeSums = wholeCart.filter((r) => r.kind === 'sum_tier').sort((a, b) => a.threshold - b.threshold)
  const wholeOther = wholeCart.filter((r) => r.kind !== 'sum_tier')

  const labels = new Map<string, RuleRef>()
  /**
   * A ref written once per engine: the labels repeat across the lines of a page. Callers write
   * `labels.get(key) ?? cachedRef(key, () => …)`, so that the maker (a closure, which the runtime also names) is only
   * created on a miss.
   */
  function cachedRef(key: string, make: () => RuleRef): RuleRef {
    let ref = labels.get(key)
    if (!ref) labels.set(key, (ref = make()))
    return ref
  }

  /** The base offer of a line (step 1), or null when none of the base types has a price for the product. */
  function baseOf(l: EngineLine): Offer | null {
    const override = input.priceTypeOverride ?? null
    const overridePrice = override ? priceOf(l.productId, override.priceTypeId) : undefined
    if (override && overridePrice !== undefined) {
      const id = override.priceTypeId
      const ref = labels.get(`o${id}`) ?? cachedRef(`o${id}`, () => ({ kind: 'cart_type', id, label: `${typeName(id)} (${override.label})` }))
      return { unitKopecks: overridePrice, priceTypeId: id, rank: 0, id, ref, rule: null }
    }
    const pinned = company.pinnedPriceTypeId
    const pinnedPrice = priceOf(l.productId, pinned)
    if (pinned !== null && pinnedPrice !== undefined) {
      const ref = labels.get(`p${pinned}`) ?? cachedRef(`p${pinned}`, () => ({ kind: 'pinned', id: pinned, label: `${typeName(pinned)} (закреплённый тип цен)` }))
      return { unitKopecks: pinnedPrice, priceTypeId: pinned, rank: 0, id: pinned, ref, rule: null }
    }
    let best: Offer | null = null
    for (const g of groups) {
      const p = priceOf(l.productId, g.defaultPriceTypeId)
      if (g.defaultPriceTypeId === null || p === undefined || (best && best.unitKopecks <= p)) continue
      const typeId = g.defaultPriceTypeId
      const ref = labels.get(`g${g.id}`) ?? cachedRef(`g${g.id}`, () => ({ kind: 'group', id: g.id, label: `${typeName(typeId)} (группа «${g.name}»)` }))
      best = { unitKopecks: p, priceTypeId: typeId, rank: 0, id: g.id, ref, rule: null }
    }
    if (best) return best
    const def = input.defaultPriceTypeId
    const defPrice = priceOf(l.productId, def)
    if (def === null || defPrice === undefined) return null
    const ref = labels.get(`d${def}`) ?? cachedRef(`d${def}`, () => ({ kind: 'default', id: def, label: typeName(def) }))
    return { unitKopecks: defPrice, priceTypeId: def, rank: 0, id: def, ref, rule: null }
  }

  function inScope(r: PricingRule, l: EngineLine): boolean {
    if (r.productId !== null) return l.productId === r.productId
    if (r.categoryId !== null && !l.categoryIds.includes(r.categoryId)) return false
    return r.kind !== 'qty_tier' || !r.unit || r.unit === l.unit
  }

  /** The label of a rule's offer for a line of this unit («Крупный опт: от 36 шт, −5 %»). */
  function ruleRef(r: PricingRule, unit: string): RuleRef {
    return labels.get(`r${r.id}|${unit}`) ?? cachedRef(`r${r.id}|${unit}`, () => {
      const cond = conditionText(r, unit)
      const off = r.discountBp ? `${cond ? ', ' : ''}−${formatPercent(r.discountBp)}` : ''
      return { kind: r.kind, id: r.id, label: `${r.name}${cond || off ? ': ' : ''}${cond}${off}` }
    })
  }

  const personal: OnTop[] =
    company.discountBp > 0 ? [{ bp: company.discountBp, ref: { kind: 'personal_discount', id: null, label: `Персональная скидка −${formatPercent(company.discountBp)}` } }] : []

  /** Prices the lines together against `rules` (the group's rules in id order, or a subset holding every in-scope rule). */
  function price(lines: EngineLine[], rules: PricingRule[]): PricedCart {
    const bases = lines.map(baseOf)

    function measureOf(r: PricingRule): number {
      let m = 0
      switch (r.kind) {
        case 'qty_tier':
          for (const l of lines) if (inScope(r, l)) m += l.qtyMilli
          return m
        case 'sum_tier':
          lines.forEach((l, i) => {
            const base = bases[i]
            if (base && inScope(r, l)) m += lineKopecks(base.unitKopecks, l.qtyMilli)
          })
          return m
        case 'turnover':
          return company.turnoverKopecks
        case 'positions':
          return new Set(lines.filter((l) => l.qtyMilli > 0 && inScope(r, l)).map((l) => l.productId)).size
        case 'category_discount':
          return 0
      }
    }

    const measures = new Map<number, number>()
    for (const r of rules) measures.set(r.id, measureOf(r))
    const measure = (r: PricingRule) => measures.get(r.id) ?? 0

    /** What a price rule offers the line, before its label: its type's price (or the base price) minus its own discount. */
    function offerOf(r: PricingRule, l: EngineLine, base: Offer | null): Offer | null {
      if (r.priceTypeId !== null && base?.ref?.kind === 'cart_type') return null
      const raw = r.priceTypeId !== null ? priceOf(l.productId, r.priceTypeId) : base?.unitKopecks
      const typeId = r.priceTypeId ?? base?.priceTypeId
      if (raw === undefined || typeId === undefined) return null
      return { unitKopecks: discounted(raw, r.discountBp), priceTypeId: typeId, rank: 1, id: r.id, ref: null, rule: r }
    }

    /** The category discount (the largest in scope) and the personal discount, in the order they apply. */
    function onTopOf(l: EngineLine): OnTop[] {
      let cat: PricingRule | null = null
      for (const r of rules) {
        if (r.kind === 'category_discount' && r.discountBp > 0 && inScope(r, l) && (!cat || r.discountBp > cat.discountBp)) cat = r
      }
      if (!cat) return personal
      const c = cat
      const ref = labels.get(`c${c.id}`) ?? cachedRef(`c${c.id}`, () => ({ kind: 'category_discount', id: c.id, label: `${c.name}: −${formatPercent(c.discountBp)}` }))
      return [{ bp: c.discountBp, ref }, ...personal]
    }

    /**
     * The nearest quantity tier that would lower this line's final price if the quantity were added to this line, with the
     * saving on this line at the new quantity. Other tiers reached by the same addition count too.
     */
    function nextTierOf(l: EngineLine, base: Offer | null, winner: Offer, finalUnit: number, onTop: OnTop[]): NextTier | null {
      const tiers = rules.filter((r) => r.kind === 'qty_tier' && inScope(r, l))
      if (!tiers.length) return null
      const steps = tiers
        .filter((r) => measure(r) < r.threshold)
        .map((r) => ({ add: r.threshold - measure(r), from: measure(r) === 0 }))
        .sort((a, b) => a.add - b.add)
      for (const { add, from } of steps) {
        let pre = winner.unitKopecks
        for (const r of tiers) {
          if (measure(r) + add < r.threshold) continue
          const o = offerOf(r, l, base)
          if (o && o.unitKopecks < pre) pre = o.unitKopecks
        }
        const unit = applyOnTop(pre, onTop)
        if (unit >= finalUnit) continue
        const qty = l.qtyMilli + add
        const saving = lineKopecks(finalUnit, qty) - lineKopecks(unit, qty)
        const price = `${formatRub(unit)}/${l.unit}`
        const text = from
          ? `от ${formatQty(add, l.unit)} — цена ${price}, экономия ${formatRub(saving)}`
          : `ещё ${formatQty(add, l.unit)} — и цена ${price}, экономия ${formatRub(saving)}`
        return { addQtyMilli: add, unitKopecks: unit, savingKopecks: saving, text }
      }
      return null
    }

    const priced: PricedLine[] = lines.map((l, i) => {
      const base = bases[i] ?? null
      // The best offer: the lowest price, the base before rules, then the lower rule id (`byBest`).
      let winner: Offer | null = base
      for (const r of rules) {
        if (!PRICE_RULES.has(r.kind) || !inScope(r, l) || measure(r) < r.threshold) continue
        const o = offerOf(r, l, base)
        if (o && (!winner || byBest(o, winner) < 0)) winner = o
      }
      const listUnitKopecks = priceOf(l.productId, input.defaultPriceTypeId) ?? null
      if (!winner) {
        return { productId: l.productId, qtyMilli: l.qtyMilli, priceTypeId: null, unitKopecks: null, listUnitKopecks, lineKopecks: null, rule: null, discounts: [], nextTier: null }
      }
      const onTop = onTopOf(l)
      const unitKopecks = applyOnTop(winner.unitKopecks, onTop)
      return {
        productId: l.productId,
        qtyMilli: l.qtyMilli,
        priceTypeId: winner.priceTypeId,
        unitKopecks,
        listUnitKopecks,
        lineKopecks: lineKopecks(unitKopecks, l.qtyMilli),
        rule: winner.ref ?? ruleRef(winner.rule!, l.unit),
        discounts: onTop.map((d) => d.ref),
        nextTier: nextTierOf(l, base, winner, unitKopecks, onTop),
      }
    })
    return { lines: priced, totalKopecks: priced.reduce((s, l) => s + (l.lineKopecks ?? 0), 0) }
  }

  /**
   * A line priced as a cart of that line alone: what `price([l], rules)` gives, computed without building a cart. Alone,
   * every rule's measure is known from the line itself (its quantity, its sum at the base price, the company's turnover,
   * one position), so the rules in scope are walked in place (whole-cart ones, the product's, each category's once) with
   * no per-line arrays, sorts or offers: a catalog page of a hundred rows against hundreds of rules stays cheap.
   */
  function priceAlone(l: EngineLine): PricedLine {
    const base = baseOf(l)
    const lineSum = base ? lineKopecks(base.unitKopecks, l.qtyMilli) : 0
    const own = byProduct.get(l.productId)
    const lists: PricingRule[][] = own ? [wholeSums, wholeOther, own] : [wholeSums, wholeOther]
    const cats = l.categoryIds
    for (let i = 0; i < cats.length; i++) {
      const rs = byCategory.get(cats[i]!)
      if (rs && cats.indexOf(cats[i]!) === i) lists.push(rs)
    }
    let win: Offer | null = base
    let winRule: PricingRule | null = null
    let winUnit = base ? base.unitKopecks : 0
    let cat: PricingRule | null = null
    let hasTiers = false
    for (const rs of lists) {
      for (const r of rs) {
        if (rs === wholeSums && r.threshold > lineSum) break
        // Category lists hold only rules of the line's chain; the unit is the one scope test left (a product's own tier
        // counts in its unit whatever the rule says, as `inScope` has it).
        if (r.kind === 'qty_tier' && r.unit && r.unit !== l.unit && r.productId === null) continue
        if (r.kind === 'category_discount') {
          if (r.discountBp > 0 && (!cat || r.discountBp > cat.discountBp || (r.discountBp === cat.discountBp && r.id < cat.id))) cat = r
          continue
        }
        if (r.kind === 'qty_tier') hasTiers = true
        if (measureAlone(r, l, lineSum) < r.threshold) continue
        const u = offerUnitAlone(r, l, base)
        if (u === undefined) continue
        if (!win || u < winUnit || (u === winUnit && (win.rank > 1 || (win.rank === 1 && r.id < win.id)))) {
          winRule = r
          winUnit = u
          win = { unitKopecks: u, priceTypeId: r.priceTypeId ?? base!.priceTypeId, rank: 1, id: r.id, ref: null, rule: r }
        }
      }
    }
    const listUnitKopecks = priceOf(l.productId, input.defaultPriceTypeId) ?? null
    if (!win) {
      return { productId: l.productId, qtyMilli: l.qtyMilli, priceTypeId: null, unitKopecks: null, listUnitKopecks, lineKopecks: null, rule: null, discounts: [], nextTier: null }
    }
    let onTop = personal
    if (cat) {
      const c = cat
      const ref = labels.get(`c${c.id}`) ?? cachedRef(`c${c.id}`, () => ({ kind: 'category_discount', id: c.id, label: `${c.name}: −${formatPercent(c.discountBp)}` }))
      onTop = [{ bp: c.discountBp, ref }, ...personal]
    }
    const unitKopecks = applyOnTop(win.unitKopecks, onTop)
    return {
      productId: l.productId,
      qtyMilli: l.qtyMilli,
      priceTypeId: win.priceTypeId,
      unitKopecks,
      listUnitKopecks,
      lineKopecks: lineKopecks(unitKopecks, l.qtyMilli),
      rule: winRule ? ruleRef(winRule, l.unit) : win.ref!,
      discounts: onTop.map((d) => d.ref),
      nextTier: hasTiers ? nextTierAlone(l, lists, win.unitKopecks, base, unitKopecks, onTop) : null,
    }
  }

  /** A rule's measure for a line alone: its quantity, its sum at the base price, the turnover, or one position. */
  function measureAlone(r: PricingRule, l: EngineLine, lineSum: number): number {
    switch (r.kind) {
      case 'qty_tier':
        return l.qtyMilli
      case 'sum_tier':
        return lineSum
      case 'turnover':
        return company.turnoverKopecks
      case 'positions':
        return l.qtyMilli > 0 ? 1 : 0
      case 'category_discount':
        return 0
    }
  }

  /** What a rule offers a line alone (its type's price or the base's, less its own discount); undefined for nothing. */
  function offerUnitAlone(r: PricingRule, l: EngineLine, base: Offer | null): number | undefined {
    if (r.priceTypeId !== null && base?.ref?.kind === 'cart_type') return undefined
    const raw = r.priceTypeId !== null ? priceOf(l.productId, r.priceTypeId) : base?.unitKopecks
    return raw === undefined || (r.priceTypeId === null && !base) ? undefined : discounted(raw, r.discountBp)
  }

  /** `nextTierOf` for a line alone, where every tier in scope measures the line's own quantity. */
  function nextTierAlone(
    l: EngineLine,
    lists: PricingRule[][],
    winnerUnit: number,
    base: Offer | null,
    finalUnit: number,
    onTop: OnTop[],
  ): NextTier | null {
    const tiers: PricingRule[] = []
    for (const rs of lists) for (const r of rs) if (r.kind === 'qty_tier' && (!r.unit || r.unit === l.unit || r.productId !== null)) tiers.push(r)
    const adds = [...new Set(tiers.filter((r) => l.qtyMilli < r.threshold).map((r) => r.threshold - l.qtyMilli))].sort((a, b) => a - b)
    for (const add of adds) {
      let pre = winnerUnit
      for (const r of tiers) {
        if (l.qtyMilli + add < r.threshold) continue
        const u = offerUnitAlone(r, l, base)
        if (u !== undefined && u < pre) pre = u
      }
      const unit = applyOnTop(pre, onTop)
      if (unit >= finalUnit) continue
      const qty = l.qtyMilli + add
      const saving = lineKopecks(finalUnit, qty) - lineKopecks(unit, qty)
      const price = `${formatRub(unit)}/${l.unit}`
      const text =
        l.qtyMilli === 0
          ? `от ${formatQty(add, l.unit)} — цена ${price}, экономия ${formatRub(saving)}`
          : `ещё ${formatQty(add, l.unit)} — и цена ${price}, экономия ${formatRub(saving)}`
      return { addQtyMilli: add, unitKopecks: unit, savingKopecks: saving, text }
    }
    return null
  }

  return {
    price: (lines: EngineLine[]) => price(lines, allRules),
    priceAlone,
  }
}

/**
 * Prices every line of a cart together (tiers and sums depend on the whole cart). Lines come back in input order; a line
 * no applicable price type has a price for is returned with null prices and left out of the total.
 */
export function priceCart(input: PricingInput): PricedCart {
  return createEngine(input).price(input.lines)
}

/**
 * Prices every line as if it were alone in a cart, the same as `priceCart` of a one-line cart per line, with the rules
 * sorted, indexed by scope and labelled once for all of them: a catalog page of a hundred rows. Order-sum and positions
 * rules see that one line only.
 */
export function priceEachLine(input: PricingInput): PricedLine[] {
  const engine = createEngine(input)
  return input.lines.map((l) => engine.priceAlone(l))
}

/** Active rules indexed by scope: built once per version of the terms, then read for every cart and page. */
export interface RuleIndex {
  /** Rules without a product or category: in scope of every line. */
  wholeCart: PricingRule[]
  byProduct: ReadonlyMap<number, PricingRule[]>
  byCategory: ReadonlyMap<number, PricingRule[]>
}

export function indexRules(rules: PricingRule[]): RuleIndex {
  const wholeCart: PricingRule[] = []
  const byProduct = new Map<number, PricingRule[]>()
  const byCategory = new Map<number, PricingRule[]>()
  for (const r of rules) {
    if (r.productId !== null) byProduct.set(r.productId, [...(byProduct.get(r.productId) ?? []), r])
    else if (r.categoryId !== null) byCategory.set(r.categoryId, [...(byCategory.get(r.categoryId) ?? []), r])
    else wholeCart.push(r)
  }
  return { wholeCart, byProduct, byCategory }
}

/**
 * The rules that can touch a cart, in id order: for every company or one of `groupIds`, and scoped to the whole cart, one
 * of `productIds` or one of `categoryIds` (the lines' categories with their ancestors).
 */
export function rulesInScope(index: RuleIndex, o: { groupIds: number[]; productIds: number[]; categoryIds: number[] }): PricingRule[] {
  const groups = new Set(o.groupIds)
  const out: PricingRule[] = []
  const add = (rs: PricingRule[] | undefined) => {
    if (rs) for (const r of rs) if (r.groupId === null || groups.has(r.groupId)) out.push(r)
  }
  add(index.wholeCart)
  for (const id of new Set(o.productIds)) add(index.byProduct.get(id))
  for (const id of new Set(o.categoryIds)) add(index.byCategory.get(id))
  return out.sort((a, b) => a.id - b.id)
}
