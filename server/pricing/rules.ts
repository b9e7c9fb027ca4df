/**
 * The pricing engine: one pure function, `priceCart`, prices a whole cart from a `PricingInput`. It reads no clock, no
 * randomness and no database, so the same input always gives the same output; rules are taken in id order and every tie is
 * broken by the lower id.
 *
 * How a line is priced (CONTEXT.md says the same in Russian):
 * 1. The base price. The company's pinned price type when it has a price for the product; otherwise the cheapest default
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

/** A price one source offers for a line, before the discounts on top. */
interface Offer {
  unitKopecks: number
  priceTypeId: number
  ref: RuleRef
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
  return a.unitKopecks - b.unitKopecks || a.rank - b.rank || (a.ref.id ?? 0) - (b.ref.id ?? 0)
}

function applyOnTop(unitKopecks: number, onTop: OnTop[]): number {
  return onTop.reduce((u, d) => discounted(u, d.bp), unitKopecks)
}

/**
 * Prices every line of a cart together (tiers and sums depend on the whole cart). Lines come back in input order; a line
 * no applicable price type has a price for is returned with null prices and left out of the total.
 */
export function priceCart(input: PricingInput): PricedCart {
  const { company, prices, lines } = input
  const groupIds = new Set(company.groups.map((g) => g.id))
  const rules = input.rules.filter((r) => r.groupId === null || groupIds.has(r.groupId)).sort((a, b) => a.id - b.id)
  const groups = [...company.groups].sort((a, b) => a.id - b.id)
  const priceOf = (productId: number, typeId: number | null) => (typeId === null ? undefined : prices.get(productId)?.get(typeId))
  const typeName = (id: number) => input.priceTypeNames.get(id) ?? `Тип цен №${id}`

  /** The base offer of a line (step 1), or null when none of the base types has a price for the product. */
  function baseOf(l: EngineLine): Offer | null {
    const pinned = company.pinnedPriceTypeId
    const pinnedPrice = priceOf(l.productId, pinned)
    if (pinned !== null && pinnedPrice !== undefined) {
      return { unitKopecks: pinnedPrice, priceTypeId: pinned, rank: 0, ref: { kind: 'pinned', id: pinned, label: `${typeName(pinned)} (закреплённый тип цен)` } }
    }
    let best: Offer | null = null
    for (const g of groups) {
      const p = priceOf(l.productId, g.defaultPriceTypeId)
      if (g.defaultPriceTypeId === null || p === undefined || (best && best.unitKopecks <= p)) continue
      best = { unitKopecks: p, priceTypeId: g.defaultPriceTypeId, rank: 0, ref: { kind: 'group', id: g.id, label: `${typeName(g.defaultPriceTypeId)} (группа «${g.name}»)` } }
    }
    if (best) return best
    const def = input.defaultPriceTypeId
    const defPrice = priceOf(l.productId, def)
    if (def === null || defPrice === undefined) return null
    return { unitKopecks: defPrice, priceTypeId: def, rank: 0, ref: { kind: 'default', id: def, label: typeName(def) } }
  }

  const bases = lines.map(baseOf)

  function inScope(r: PricingRule, l: EngineLine): boolean {
    if (r.productId !== null) return l.productId === r.productId
    if (r.categoryId !== null && !l.categoryIds.includes(r.categoryId)) return false
    return r.kind !== 'qty_tier' || !r.unit || r.unit === l.unit
  }

  function measureOf(r: PricingRule): number {
    let m = 0
    switch (r.kind) {
      case 'qty_tier':
        lines.forEach((l) => inScope(r, l) && (m += l.qtyMilli))
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

  const measures = new Map(rules.map((r) => [r.id, measureOf(r)]))
  const measure = (r: PricingRule) => measures.get(r.id) ?? 0

  /** What a price rule offers the line: its type's price (or the base price) minus its own discount. */
  function offerOf(r: PricingRule, l: EngineLine, base: Offer | null): Offer | null {
    const raw = r.priceTypeId !== null ? priceOf(l.productId, r.priceTypeId) : base?.unitKopecks
    const typeId = r.priceTypeId ?? base?.priceTypeId
    if (raw === undefined || typeId === undefined) return null
    const cond = conditionText(r, l.unit)
    const off = r.discountBp ? `${cond ? ', ' : ''}−${formatPercent(r.discountBp)}` : ''
    return { unitKopecks: discounted(raw, r.discountBp), priceTypeId: typeId, rank: 1, ref: { kind: r.kind, id: r.id, label: `${r.name}${cond || off ? ': ' : ''}${cond}${off}` } }
  }

  /** The category discount (the largest in scope) and the personal discount, in the order they apply. */
  function onTopOf(l: EngineLine): OnTop[] {
    let cat: PricingRule | null = null
    for (const r of rules) {
      if (r.kind === 'category_discount' && r.discountBp > 0 && inScope(r, l) && (!cat || r.discountBp > cat.discountBp)) cat = r
    }
    const out: OnTop[] = []
    if (cat) out.push({ bp: cat.discountBp, ref: { kind: 'category_discount', id: cat.id, label: `${cat.name}: −${formatPercent(cat.discountBp)}` } })
    if (company.discountBp > 0) out.push({ bp: company.discountBp, ref: { kind: 'personal_discount', id: null, label: `Персональная скидка −${formatPercent(company.discountBp)}` } })
    return out
  }

  /**
   * The nearest quantity tier that would lower this line's final price if the quantity were added to this line, with the
   * saving on this line at the new quantity. Other tiers reached by the same addition count too.
   */
  function nextTierOf(l: EngineLine, base: Offer | null, winner: Offer, finalUnit: number, onTop: OnTop[]): NextTier | null {
    const tiers = rules.filter((r) => r.kind === 'qty_tier' && inScope(r, l))
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
    const offers: Offer[] = base ? [base] : []
    for (const r of rules) {
      if (!PRICE_RULES.has(r.kind) || !inScope(r, l) || measure(r) < r.threshold) continue
      const o = offerOf(r, l, base)
      if (o) offers.push(o)
    }
    const listUnitKopecks = priceOf(l.productId, input.defaultPriceTypeId) ?? null
    const winner = offers.sort(byBest)[0]
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
      rule: winner.ref,
      discounts: onTop.map((d) => d.ref),
      nextTier: nextTierOf(l, base, winner, unitKopecks, onTop),
    }
  })
  return { lines: priced, totalKopecks: priced.reduce((s, l) => s + (l.lineKopecks ?? 0), 0) }
}
