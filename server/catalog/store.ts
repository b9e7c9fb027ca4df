import type { Db } from '../db/knex.js'

export interface ProductBrief {
  id: number
  sku: string
  name: string
  base_unit: string
  category_id: number | null
  is_active: boolean | number
  vat_rate: string
}

export interface PackagingRow {
  id: number
  product_id: number
  name: string
  factor_milli: number
  min_qty_milli: number
  step_milli: number
  is_default: boolean | number
  sort: number
}

function normalizePackaging(r: PackagingRow): PackagingRow {
  return { ...r, factor_milli: Number(r.factor_milli), min_qty_milli: Number(r.min_qty_milli), step_milli: Number(r.step_milli) }
}

/** Products by id (any state), for carts and orders. */
export function productsByIds(db: Db, ids: number[]): Promise<ProductBrief[]> {
  if (!ids.length) return Promise.resolve([])
  return db('products').whereIn('id', ids).select('id', 'sku', 'name', 'base_unit', 'category_id', 'is_active', 'vat_rate')
}

/** The packagings of the given products, default first. */
export async function packagingsOf(db: Db, productIds: number[]): Promise<PackagingRow[]> {
  if (!productIds.length) return []
  const rows: PackagingRow[] = await db('packagings').whereIn('product_id', productIds).orderBy([
    { column: 'product_id' },
    { column: 'is_default', order: 'desc' },
    { column: 'sort' },
    { column: 'id' },
  ])
  return rows.map(normalizePackaging)
}
