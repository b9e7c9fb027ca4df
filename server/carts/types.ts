/** Shapes of carts: rows as the store returns them and what the forms send. */

/** A cart type the supplier configures in /admin/cart-types. */
export interface CartTypeRow {
  id: number
  name: string
  description: string
  /** The cart's base price type; null: the company's normal pricing. */
  price_type_id: number | null
  /** Names of the packagings the type sells; null: every packaging. */
  packaging_names: string[] | null
  /** The warehouse the type ships from; null: none. */
  warehouse_id: number | null
  sort: number
  is_active: boolean
  created_at: number
  updated_at: number
}

/** A cart type with the names it refers to, for pages. */
export interface CartTypeView extends CartTypeRow {
  price_type_name: string | null
  warehouse_name: string | null
  warehouse_kind: string | null
  warehouse_show_mode: 'qty' | 'status' | null
  warehouse_low_packagings: number | null
}

export interface CartRow {
  id: number
  company_id: number
  name: string
  /** null: a cart from before cart types (company prices, every packaging). */
  cart_type_id: number | null
  client_ref: string
  payer_company_id: number | null
  point_id: number | null
  created_by: number | null
  created_at: number
  updated_at: number
  last_used_at: number
}

/** A cart in a list: the row with its number of lines. */
export interface CartListRow extends CartRow {
  positions: number
}

export interface CartLineRow {
  id: number
  cart_id: number
  product_id: number
  packaging_id: number | null
  qty_milli: number
  comment: string
}

/** A line with what the cart page shows of its product and its top-level category. */
export interface CartLineDetail extends CartLineRow {
  sku: string
  product_name: string
  base_unit: string
  is_active: boolean
  /** The top-level category («Кофе», «Чай»); null for a product without a category. */
  top_category_id: number | null
  top_category_name: string | null
  top_category_sort: number
}

/** Lines per cart and top-level category (the mini-cart's one grouped query). */
export interface CartCategoryCount {
  cart_id: number
  top_category_id: number | null
  top_category_name: string | null
  top_category_sort: number
  positions: number
}

/** The cart settings form, as typed. */
export interface CartSettingsInput {
  name: string
  client_ref: string
  /** An id as typed, '' for none. */
  payer_company_id: string
  point_id: string
}

/** The new cart form, as typed. */
export interface NewCartInput extends CartSettingsInput {
  cart_type_id: string
}

/** The cart type form in /admin/cart-types, as typed. */
export interface CartTypeInput {
  name: string
  description: string
  price_type_id: string
  /** true: every packaging; false: only `packaging_names`. */
  all_packagings: boolean
  packaging_names: string[]
  warehouse_id: string
  sort: string
  is_active: boolean
}
