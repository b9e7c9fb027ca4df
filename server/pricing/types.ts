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
  | 'category_discount'
  | 'personal_discount'

/** The rule that decided a price, as the buyer sees it («Крупный опт: от 36 шт»). */
export interface RuleRef {
  kind: RuleKind
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
