import type { Db } from '../db/knex.js'
import { insertId } from '../db/dialect.js'

export interface CartRow {
  id: number
  company_id: number
  name: string
  created_at: number
  updated_at: number
}

export interface CartLineRow {
  id: number
  cart_id: number
  product_id: number
  packaging_id: number | null
  qty_milli: number
  comment: string
}

/** The company's first cart, if any. */
export function firstCart(db: Db, companyId: number): Promise<CartRow | undefined> {
  return db('carts').where({ company_id: companyId }).orderBy('id').first()
}

export function insertCart(db: Db, companyId: number, name: string, userId: number, now: number): Promise<number> {
  return insertId(db, 'carts', { company_id: companyId, name, created_by: userId, created_at: now, updated_at: now })
}

export async function listLines(db: Db, cartId: number): Promise<CartLineRow[]> {
  const rows: CartLineRow[] = await db('cart_lines').where({ cart_id: cartId }).orderBy('id')
  return rows.map((r) => ({ ...r, qty_milli: Number(r.qty_milli) }))
}

/** Adds quantity to a line of the same product and packaging, or creates it. */
export async function addToLine(db: Db, cartId: number, productId: number, packagingId: number | null, qtyMilli: number, now: number): Promise<void> {
  const q = db('cart_lines').where({ cart_id: cartId, product_id: productId })
  const existing = await (packagingId === null ? q.whereNull('packaging_id') : q.where({ packaging_id: packagingId })).first()
  if (existing) {
    await db('cart_lines').where({ id: existing.id }).update({ qty_milli: Number(existing.qty_milli) + qtyMilli, updated_at: now })
  } else {
    await db('cart_lines').insert({ cart_id: cartId, product_id: productId, packaging_id: packagingId, qty_milli: qtyMilli, created_at: now, updated_at: now })
  }
}

export async function setLineQty(db: Db, cartId: number, lineId: number, qtyMilli: number, now: number): Promise<number> {
  return db('cart_lines').where({ cart_id: cartId, id: lineId }).update({ qty_milli: qtyMilli, updated_at: now })
}

export async function deleteLine(db: Db, cartId: number, lineId: number): Promise<number> {
  return db('cart_lines').where({ cart_id: cartId, id: lineId }).delete()
}

export async function touchCart(db: Db, cartId: number, now: number): Promise<void> {
  await db('carts').where({ id: cartId }).update({ updated_at: now })
}
