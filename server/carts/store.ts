import type { Knex } from 'knex'
import type { Db } from '../db/knex.js'
import { insertId, topCategoryIdSql } from '../db/dialect.js'
import { mergeComments } from './rules.js'
import type { CartCategoryCount, CartLineDetail, CartLineRow, CartListRow, CartRow, CartTypeRow, CartTypeView } from './types.js'

/*
 * SQL of carts. Every read and write of a cart takes the company id of the session and filters by it, so a cart of
 * another company is simply not found; lines are reached through a cart that was found that way.
 */

export type { CartLineRow, CartRow } from './types.js'

const num = (v: unknown) => Number(v)
const numOrNull = (v: unknown) => (v == null ? null : Number(v))

function cartRow(r: CartRow): CartRow {
  return {
    ...r,
    id: num(r.id),
    company_id: num(r.company_id),
    cart_type_id: numOrNull(r.cart_type_id),
    payer_company_id: numOrNull(r.payer_company_id),
    point_id: numOrNull(r.point_id),
    created_by: numOrNull(r.created_by),
    created_at: num(r.created_at),
    updated_at: num(r.updated_at),
    last_used_at: num(r.last_used_at),
    client_ref: r.client_ref ?? '',
  }
}

const CART_COLUMNS = ['id', 'company_id', 'name', 'cart_type_id', 'client_ref', 'payer_company_id', 'point_id', 'created_by', 'created_at', 'updated_at', 'last_used_at']

/* ------------------------------------------------------------------ cart types */

function cartTypeRow(r: Record<string, unknown>): CartTypeView {
  let names: string[] | null = null
  if (typeof r.packaging_names === 'string') {
    try {
      const parsed: unknown = JSON.parse(r.packaging_names)
      names = Array.isArray(parsed) ? parsed.filter((n): n is string => typeof n === 'string') : null
    } catch {
      names = null
    }
  }
  return {
    id: num(r.id),
    name: String(r.name),
    description: String(r.description ?? ''),
    price_type_id: numOrNull(r.price_type_id),
    packaging_names: names,
    warehouse_id: numOrNull(r.warehouse_id),
    sort: num(r.sort),
    is_active: r.is_active === true || r.is_active === 1 || r.is_active === '1',
    created_at: num(r.created_at),
    updated_at: num(r.updated_at),
    price_type_name: (r.price_type_name as string | null) ?? null,
    warehouse_name: (r.warehouse_name as string | null) ?? null,
    warehouse_kind: (r.warehouse_kind as string | null) ?? null,
    warehouse_show_mode: r.warehouse_show_mode == null ? null : r.warehouse_show_mode === 'qty' ? 'qty' : 'status',
    warehouse_low_packagings: numOrNull(r.warehouse_low_packagings),
  }
}

function cartTypeQuery(db: Db): Knex.QueryBuilder {
  return db('cart_types as ct')
    .leftJoin('price_types as pt', 'pt.id', 'ct.price_type_id')
    .leftJoin('warehouses as w', 'w.id', 'ct.warehouse_id')
    .select(
      'ct.*',
      'pt.name as price_type_name',
      'w.name as warehouse_name',
      'w.kind as warehouse_kind',
      'w.show_mode as warehouse_show_mode',
      'w.low_packagings as warehouse_low_packagings',
    )
}

/** Cart types in the supplier's order (a handful), only the active ones unless `all`. */
export async function listCartTypes(db: Db, o: { all?: boolean } = {}): Promise<CartTypeView[]> {
  const q = cartTypeQuery(db).orderBy([{ column: 'ct.sort' }, { column: 'ct.id' }])
  if (!o.all) q.where('ct.is_active', true)
  return (await q).map(cartTypeRow)
}

export async function findCartType(db: Db, id: number): Promise<CartTypeView | undefined> {
  const r = await cartTypeQuery(db).where('ct.id', id).first()
  return r ? cartTypeRow(r) : undefined
}

export interface CartTypeWrite {
  name: string
  description: string
  price_type_id: number | null
  packaging_names: string[] | null
  warehouse_id: number | null
  sort: number
  is_active: boolean
}

function typeColumns(w: CartTypeWrite) {
  return { ...w, packaging_names: w.packaging_names === null ? null : JSON.stringify(w.packaging_names) }
}

export function insertCartType(db: Db, w: CartTypeWrite, now: number): Promise<number> {
  return insertId(db, 'cart_types', { ...typeColumns(w), created_at: now, updated_at: now })
}

export function updateCartType(db: Db, id: number, w: CartTypeWrite, now: number): Promise<number> {
  return db('cart_types').where({ id }).update({ ...typeColumns(w), updated_at: now })
}

export async function cartTypeByName(db: Db, name: string): Promise<CartTypeRow | undefined> {
  const r = await db('cart_types').where({ name }).first()
  return r ? cartTypeRow(r) : undefined
}

/** Every packaging name of the catalog with the number of products that have it, most used first (the type form). */
export async function packagingNames(db: Db): Promise<{ name: string; products: number }[]> {
  const rows = (await db('packagings').groupBy('name').select('name').count({ n: '*' }).orderBy([{ column: 'n', order: 'desc' }, { column: 'name' }]).limit(500)) as { name: string; n: number | string }[]
  return rows.map((r) => ({ name: r.name, products: num(r.n) }))
}

/** How many carts each type has, for the staff page. */
export async function cartsPerType(db: Db): Promise<Map<number, number>> {
  const rows: { id: number; n: number }[] = await db('carts').whereNotNull('cart_type_id').groupBy('cart_type_id').select('cart_type_id as id').count({ n: '*' })
  return new Map(rows.map((r) => [num(r.id), num(r.n)]))
}

/* ------------------------------------------------------------------ carts */

/** The company's carts in the order they were made, each with its number of lines (one grouped query). */
export async function listCarts(db: Db, companyId: number): Promise<CartListRow[]> {
  const rows = (await db('carts as c')
    .leftJoin('cart_lines as l', 'l.cart_id', 'c.id')
    .where('c.company_id', companyId)
    .groupBy(CART_COLUMNS.map((k) => `c.${k}`))
    .orderBy('c.id')
    .select(CART_COLUMNS.map((k) => `c.${k}`))
    .count({ positions: 'l.id' })) as (CartRow & { positions: number | string })[]
  return rows.map((r) => ({ ...cartRow(r), positions: num(r.positions) }))
}

/** One cart of the company, or undefined (also for another company's cart). */
export async function findCart(db: Db, companyId: number, id: number): Promise<CartRow | undefined> {
  const r = await db('carts').where({ company_id: companyId, id }).first(CART_COLUMNS)
  return r ? cartRow(r) : undefined
}

/** The cart the company used last (opened or filled), or undefined when it has none; `typeId` limits it to one type. */
export async function lastUsedCart(db: Db, companyId: number, o: { typeId?: number | null } = {}): Promise<CartRow | undefined> {
  const q = db('carts').where({ company_id: companyId })
  if (o.typeId === null) q.whereNull('cart_type_id')
  else if (o.typeId !== undefined) q.where({ cart_type_id: o.typeId })
  const r = await q.orderBy([{ column: 'last_used_at', order: 'desc' }, { column: 'id', order: 'desc' }]).first(CART_COLUMNS)
  return r ? cartRow(r) : undefined
}

export async function countCarts(db: Db, companyId: number): Promise<number> {
  const [r] = await db('carts').where({ company_id: companyId }).count({ n: '*' })
  return num(r?.n ?? 0)
}

export async function cartNames(db: Db, companyId: number): Promise<Set<string>> {
  const rows: { name: string }[] = await db('carts').where({ company_id: companyId }).select('name')
  return new Set(rows.map((r) => r.name))
}

export interface CartWrite {
  name: string
  cart_type_id: number | null
  client_ref: string
  payer_company_id: number | null
  point_id: number | null
}

export function insertCart(db: Db, companyId: number, w: CartWrite, userId: number | null, now: number): Promise<number> {
  return insertId(db, 'carts', { company_id: companyId, ...w, created_by: userId, created_at: now, updated_at: now, last_used_at: now })
}

/** Changes a cart's name, client reference, payer and point; 0 when the company has no such cart. */
export function updateCart(db: Db, companyId: number, id: number, patch: Omit<CartWrite, 'cart_type_id'>, now: number): Promise<number> {
  return db('carts').where({ company_id: companyId, id }).update({ ...patch, updated_at: now })
}

export function deleteCart(db: Db, companyId: number, id: number): Promise<number> {
  return db('carts').where({ company_id: companyId, id }).delete()
}

/** Marks the cart as the one in use: the catalog adds to it by default and the mini-cart prices it. */
export async function markUsed(db: Db, cartId: number, now: number): Promise<void> {
  await db('carts').where({ id: cartId }).update({ last_used_at: now })
}

export async function touchCart(db: Db, cartId: number, now: number): Promise<void> {
  await db('carts').where({ id: cartId }).update({ updated_at: now, last_used_at: now })
}

/* ------------------------------------------------------------------ lines */

function lineRow<T extends CartLineRow>(r: T): T {
  return { ...r, id: num(r.id), cart_id: num(r.cart_id), product_id: num(r.product_id), packaging_id: numOrNull(r.packaging_id), qty_milli: num(r.qty_milli), comment: r.comment ?? '' }
}

export async function listLines(db: Db, cartId: number): Promise<CartLineRow[]> {
  const rows: CartLineRow[] = await db('cart_lines').where({ cart_id: cartId }).orderBy('id').select('id', 'cart_id', 'product_id', 'packaging_id', 'qty_milli', 'comment')
  return rows.map(lineRow)
}

/** The lines of a cart with their product and its top-level category, in the order they were added. */
export async function lineDetails(db: Db, cartId: number): Promise<CartLineDetail[]> {
  const rows: CartLineDetail[] = await db('cart_lines as l')
    .join('products as p', 'p.id', 'l.product_id')
    .leftJoin('categories as c', 'c.id', 'p.category_id')
    .leftJoin('categories as top', (j) => j.on('top.id', '=', topCategoryIdSql(db, 'c.path')))
    .where('l.cart_id', cartId)
    .orderBy('l.id')
    .select(
      'l.id', 'l.cart_id', 'l.product_id', 'l.packaging_id', 'l.qty_milli', 'l.comment',
      'p.sku', 'p.name as product_name', 'p.base_unit', 'p.is_active',
      'top.id as top_category_id', 'top.name as top_category_name', 'top.sort as top_category_sort',
    )
  return rows.map((r) => ({
    ...lineRow(r),
    is_active: r.is_active === true || (r.is_active as unknown) === 1 || (r.is_active as unknown) === '1',
    top_category_id: numOrNull(r.top_category_id),
    top_category_name: r.top_category_name ?? null,
    top_category_sort: num(r.top_category_sort ?? 0),
  }))
}

/**
 * Lines per cart of the company and top-level category of their products, in one grouped query: what the mini-cart
 * shows for every cart without reading a single line.
 */
export async function categoryCounts(db: Db, companyId: number): Promise<CartCategoryCount[]> {
  const top = topCategoryIdSql(db, 'c.path')
  const rows: CartCategoryCount[] = await db('carts as k')
    .join('cart_lines as l', 'l.cart_id', 'k.id')
    .join('products as p', 'p.id', 'l.product_id')
    .leftJoin('categories as c', 'c.id', 'p.category_id')
    .leftJoin('categories as top', (j) => j.on('top.id', '=', top))
    .where('k.company_id', companyId)
    .groupBy('l.cart_id', 'top.id', 'top.name', 'top.sort')
    .select('l.cart_id', 'top.id as top_category_id', 'top.name as top_category_name', 'top.sort as top_category_sort')
    .count({ positions: '*' })
  return rows.map((r) => ({
    cart_id: num(r.cart_id),
    top_category_id: numOrNull(r.top_category_id),
    top_category_name: r.top_category_name ?? null,
    top_category_sort: num(r.top_category_sort ?? 0),
    positions: num(r.positions),
  }))
}

/** A line of one of the company's carts, or undefined. */
export async function findLineOfCompany(db: Db, companyId: number, lineId: number): Promise<CartLineRow | undefined> {
  const r = await db('cart_lines as l')
    .join('carts as c', 'c.id', 'l.cart_id')
    .where({ 'l.id': lineId, 'c.company_id': companyId })
    .first('l.id', 'l.cart_id', 'l.product_id', 'l.packaging_id', 'l.qty_milli', 'l.comment')
  return r ? lineRow(r) : undefined
}

/** Adds quantity to the cart's line of the same product and packaging, or creates it; a comment joins the line's. */
export async function addToLine(db: Db, cartId: number, productId: number, packagingId: number | null, qtyMilli: number, now: number, comment = ''): Promise<void> {
  const q = db('cart_lines').where({ cart_id: cartId, product_id: productId })
  const existing = await (packagingId === null ? q.whereNull('packaging_id') : q.where({ packaging_id: packagingId })).first('id', 'qty_milli', 'comment')
  if (existing) {
    const patch: Record<string, unknown> = { qty_milli: num(existing.qty_milli) + qtyMilli, updated_at: now }
    const merged = mergeComments(existing.comment ?? '', comment)
    if (merged !== existing.comment) patch.comment = merged
    await db('cart_lines').where({ id: existing.id }).update(patch)
  } else {
    await db('cart_lines').insert({ cart_id: cartId, product_id: productId, packaging_id: packagingId, qty_milli: qtyMilli, comment: comment.slice(0, 500), created_at: now, updated_at: now })
  }
}

export async function setLineQty(db: Db, cartId: number, lineId: number, qtyMilli: number, now: number): Promise<number> {
  return db('cart_lines').where({ cart_id: cartId, id: lineId }).update({ qty_milli: qtyMilli, updated_at: now })
}

export async function updateLine(db: Db, cartId: number, lineId: number, patch: { qty_milli?: number; comment?: string }, now: number): Promise<number> {
  return db('cart_lines').where({ cart_id: cartId, id: lineId }).update({ ...patch, updated_at: now })
}

export async function deleteLine(db: Db, cartId: number, lineId: number): Promise<number> {
  return db('cart_lines').where({ cart_id: cartId, id: lineId }).delete()
}

export async function deleteLines(db: Db, cartId: number, lineIds: number[]): Promise<number> {
  if (!lineIds.length) return 0
  return db('cart_lines').where({ cart_id: cartId }).whereIn('id', lineIds).delete()
}

export async function clearLines(db: Db, cartId: number): Promise<number> {
  return db('cart_lines').where({ cart_id: cartId }).delete()
}
