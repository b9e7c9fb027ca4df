/** Shapes of the catalog: the listing query from the URL, rows from the store, and what the service hands to views. */

import type { PricedLine } from '../pricing/types.js'

/** popular: most ordered first; name: А→Я; price / price_desc: the buyer's price per base unit. */
export type SortKey = 'popular' | 'name' | 'price' | 'price_desc'

/** What a catalog URL (or an API call) asks for; attribute filters are keyed by attribute code. */
export interface CatalogQuery {
  q: string
  categoryId: number | null
  /** List attributes: code → chosen option ids (any of them matches). */
  options: Record<string, number[]>
  /** Number attributes: code → bounds in thousandths of the attribute's unit (null: open). */
  ranges: Record<string, { min: number | null; max: number | null }>
  inStock: boolean
  sort: SortKey
  page: number
  perPage: number
}

/** The search text split for the tiers: the normalised article and the folded words of the name. */
export interface SearchTerms {
  text: string
  /** normalizeSku of the whole text; '' when it has no letter or digit. */
  skuNorm: string
  /** Lower-cased, ё-folded words, unique, at most eight. */
  words: string[]
}

/**
 * One tier of the search ranking. Tiers are disjoint and shown in this order: the exact article, then articles that start
 * with it, then products whose name has every word, then products where every word is in the name or in a list
 * attribute's value.
 */
export type SearchTier =
  | { kind: 'all' }
  | { kind: 'exact'; skuNorm: string }
  | { kind: 'prefix'; skuNorm: string }
  | { kind: 'name'; skuNorm: string; words: string[] }
  | { kind: 'attr'; skuNorm: string; words: string[]; optionsPerWord: { attributeId: number; optionIds: number[] }[][] }

/** The filters every tier shares, with attribute codes already resolved to ids. */
export interface ProductFilter {
  /** The category and its subtree; null: the whole catalog. */
  categoryIds: number[] | null
  options: { attributeId: number; optionIds: number[] }[]
  ranges: { attributeId: number; min: number | null; max: number | null }[]
  inStock: boolean
}

/** How a listing is ordered; price sorts name the price types that stand for the buyer's price, most specific first. */
export interface ProductSort {
  key: SortKey
  priceTypeIds: number[]
}

export interface CategoryRow {
  id: number
  parent_id: number | null
  name: string
  path: string
  depth: number
  sort: number
}

export interface WarehouseRow {
  id: number
  name: string
  kind: string
  show_mode: 'qty' | 'status'
  low_packagings: number
  sort: number
}

export interface AttributeRow {
  id: number
  category_id: number | null
  code: string
  name: string
  type: 'list' | 'number' | 'text'
  unit: string
  filterable: boolean
  key: boolean
  sort: number
}

export interface OptionRow {
  id: number
  attribute_id: number
  value: string
  sort: number
}

/** A product as the catalog lists it. */
export interface ProductRow {
  id: number
  sku: string
  name: string
  brand: string
  category_id: number | null
  base_unit: string
  vat_rate: string
  weight_grams: number
  profile: string | null
  is_active: boolean
}

export interface StockRow {
  warehouse_id: number
  product_id: number
  on_hand_milli: number
  reserved_milli: number
}

/** One attribute value of a product, whatever its type. */
export interface AttributeValueRow {
  product_id: number
  attribute_id: number
  option_id: number | null
  value: string | null
  num_milli: number | null
  text_value: string | null
}

/** What the buyer typed into a row: the count of packagings as text (kept as typed) and the chosen packaging. */
export interface TypedRow {
  text: string
  packagingId: number | null
}

/** A packaging as rows show it. */
export interface PackagingView {
  id: number
  name: string
  factor_milli: number
  min_qty_milli: number
  step_milli: number
}

/** One row of the catalog table: the product, its packagings, stock, key attributes, and its price for the company. */
export interface CatalogRow {
  product: ProductRow
  packagings: PackagingView[]
  packaging: PackagingView | null
  keyValues: string[]
  /** Available (on hand − reserved) per warehouse id, thousandths of the base unit. */
  available: Map<number, number>
  typed: string
  /** The quantity priced, base-unit thousandths (what was typed after corrections, or the smallest orderable amount). */
  qtyMilli: number
  /** True when the buyer typed a usable quantity (the line total is shown). */
  ordered: boolean
  note: string | null
  error: string | null
  price: PricedLine
}
