/**
 * The pricing engine's contract. Money is integer kopecks, quantities integer thousandths of the product's base unit,
 * percentages basis points. Prices are per one base unit, VAT included.
 */

export type RuleKind =
  | 'default' // the supplier's default price type
  | 'group' // the default price type of one of the company's client groups
  | 'qty_tier' // quantity tier of a product or category
  | 'sum_tier' // order-sum tier
  | 'turnover' // trailing 12-month turnover segment
  | 'positions' // number-of-positions rule
  | 'pinned' // the company's pinned price type
  | 'cart_type' // the price type of the cart's type, standing in for the company's base price in that cart
  | 'category_discount'
  | 'personal_discount'

/** The rule that decided a price, as the buyer sees it («Крупный опт: от 36 шт»). */
export interface RuleRef {
  kind: RuleKind
  /** The rule's id for configured rules; the price type's id for default and pinned; the group's id for group; null for the personal discount. */
  id: number | null
  label: string
}

/** What the next tier would give: «ещё 6 шт — и цена 324 ₽/шт, экономия 1 200 ₽». */
export interface NextTier {
  addQtyMilli: number
  unitKopecks: number
  savingKopecks: number
  text: string
}

export interface PriceLineInput {
  productId: number
  qtyMilli: number
}

export interface PricedLine {
  productId: number
  qtyMilli: number
  /** The price type that won, or null when the product has no price for this company. */
  priceTypeId: number | null
  /** Per base unit, after every discount; null without a price. */
  unitKopecks: number | null
  /** The default price type's price per base unit, for comparison; null without one. */
  listUnitKopecks: number | null
  lineKopecks: number | null
  rule: RuleRef | null
  discounts: RuleRef[]
  nextTier: NextTier | null
}

export interface PricedCart {
  lines: PricedLine[]
  totalKopecks: number
}

/** The kinds of rule staff configure in /admin (rows of `pricing_rules`). */
export type PricingRuleKind = 'qty_tier' | 'sum_tier' | 'turnover' | 'positions' | 'category_discount'

/** An active rule as the engine reads it. */
export interface PricingRule {
  id: number
  name: string
  kind: PricingRuleKind
  /** Scope: one product, or one category with its subtree; both null means the whole cart. */
  productId: number | null
  categoryId: number | null
  /** Only companies of this client group; null for every company. */
  groupId: number | null
  /** The lower bound: base-unit thousandths (qty_tier), kopecks (sum_tier, turnover) or distinct products (positions). */
  threshold: number
  /** qty_tier on a category: the base unit it counts; '' counts every line of the subtree. */
  unit: string
  /** The price type the rule gives; null gives the discount off the company's base price. */
  priceTypeId: number | null
  discountBp: number
}

/** A client group of the company with its default price type. */
export interface CompanyGroup {
  id: number
  name: string
  defaultPriceTypeId: number | null
}

/** The company's side of pricing: groups, pinned type, personal discount and trailing turnover. */
export interface CompanyPricing {
  groups: CompanyGroup[]
  pinnedPriceTypeId: number | null
  /** Personal discount from 1C, basis points, applied last. */
  discountBp: number
  /** Trailing 12-month turnover, read by the turnover segments. */
  turnoverKopecks: number
}

/** A line as the engine sees it: the product's base unit and its category with every ancestor. */
export interface EngineLine {
  productId: number
  qtyMilli: number
  unit: string
  /** The product's category and all its ancestors (any order); empty for a product without a category. */
  categoryIds: number[]
}

/** Product id → price type id → kopecks per base unit; a missing entry means the type has no price for the product. */
export type PriceTable = ReadonlyMap<number, ReadonlyMap<number, number>>

/** Everything one pricing of a cart depends on; the engine reads nothing else. */
export interface PricingInput {
  company: CompanyPricing
  /** The supplier's default price type («Оптовая»), or null when none is chosen. */
  defaultPriceTypeId: number | null
  /** Names of the price types the labels mention. */
  priceTypeNames: ReadonlyMap<number, string>
  /** Active rules; the engine itself drops those of other client groups and out of scope. */
  rules: PricingRule[]
  lines: EngineLine[]
  prices: PriceTable
  /**
   * A base price type for this pricing only: a cart type's own price type. Where it has a price for the product that price
   * is the line's base, ahead of the company's pinned type, and rules that give another price type do not compete with it
   * (the cart follows its type's price list); rules that only take a discount, category discounts and the personal
   * discount still apply. Where it has no price, the company's own base and every rule apply. `label` says where it comes
   * from («корзина «Транзит»»). Absent or null: none.
   */
  priceTypeOverride?: PriceTypeOverride | null
}

/** A price type that stands in for the company's base price in one cart (see `PricingInput.priceTypeOverride`). */
export interface PriceTypeOverride {
  priceTypeId: number
  label: string
}
