import type { Db } from '../db/knex.js'
import { rawRows } from '../db/dialect.js'
import type { RecipeComponent } from './types.js'
import { withBlendStock, type BlendStockRow, type StockLike } from './rules.js'

/*
 * Stock queries. Every change of `stock.reserved_milli` is one conditional UPDATE of one row checked by its affected rows
 * (reference/reliability-security.md §1): InnoDB locks the row for the statement and re-reads it, SQLite has one writer,
 * so two checkouts can never both take the last bag. Callers run them inside their transaction in product-id order.
 */

/** Reservation rows as stored. */
export interface ReservationRow {
  id: number
  order_id: number
  order_line_id: number
  warehouse_id: number
  product_id: number
  qty_milli: number
  status: 'active' | 'released' | 'consumed'
}

/** The components of the given blends (products without a recipe are absent). */
export async function recipesOf(db: Db, productIds: number[]): Promise<Map<number, RecipeComponent[]>> {
  const out = new Map<number, RecipeComponent[]>()
  if (!productIds.length) return out
  const rows: { product_id: number; component_id: number; qty_milli: number | string }[] = await db('blend_recipes')
    .whereIn('product_id', [...new Set(productIds)])
    .orderBy([{ column: 'product_id' }, { column: 'component_id' }])
    .select('product_id', 'component_id', 'qty_milli')
  for (const r of rows) {
    const list = out.get(r.product_id) ?? []
    list.push({ componentId: r.component_id, perUnitMilli: Number(r.qty_milli) })
    out.set(r.product_id, list)
  }
  return out
}

/** Every recipe, by blend (a few hundred rows at most; the catalog caches it under the catalog's data version). */
export async function allRecipes(db: Db): Promise<Map<number, RecipeComponent[]>> {
  const out = new Map<number, RecipeComponent[]>()
  const rows: { product_id: number; component_id: number; qty_milli: number | string }[] = await db('blend_recipes')
    .orderBy([{ column: 'product_id' }, { column: 'component_id' }])
    .select('product_id', 'component_id', 'qty_milli')
  for (const r of rows) {
    const list = out.get(Number(r.product_id)) ?? []
    list.push({ componentId: Number(r.component_id), perUnitMilli: Number(r.qty_milli) })
    out.set(Number(r.product_id), list)
  }
  return out
}

/**
 * The stock rows of the given products at every warehouse, as stored. Plain SQL: a catalog page reads it fresh on every
 * request, and the query builder's compilation of a hundred-value IN list cost more than the query.
 */
export async function stockRows(db: Db, productIds: number[]): Promise<StockLike[]> {
  if (!productIds.length) return []
  const ids = [...new Set(productIds.map(Number))]
  const rows = await rawRows<StockLike>(
    db,
    `SELECT warehouse_id, product_id, on_hand_milli, reserved_milli FROM stock WHERE product_id IN (${ids.map(() => '?').join(', ')})`,
    ids,
  )
  for (const r of rows) {
    r.warehouse_id = Number(r.warehouse_id)
    r.product_id = Number(r.product_id)
    r.on_hand_milli = Number(r.on_hand_milli)
    r.reserved_milli = Number(r.reserved_milli)
  }
  return rows
}

/** Replaces a product's recipe (the 1C import, staff, the demo seed and tests). */
export async function setRecipe(db: Db, productId: number, components: RecipeComponent[]): Promise<void> {
  await db('blend_recipes').where({ product_id: productId }).delete()
  if (components.length) await db('blend_recipes').insert(components.map((c) => ({ product_id: productId, component_id: c.componentId, qty_milli: c.perUnitMilli })))
}

/**
 * Takes `qtyMilli` of a product at a warehouse if and only if that much is available: true when the row was updated.
 * The availability test is part of the UPDATE, so it holds at the moment of writing, whatever runs concurrently.
 */
export async function reserve(trx: Db, warehouseId: number, productId: number, qtyMilli: number, now: number): Promise<boolean> {
  const n = await trx('stock')
    .where({ warehouse_id: warehouseId, product_id: productId })
    .andWhereRaw('on_hand_milli - reserved_milli >= ?', [qtyMilli])
    .update({ reserved_milli: trx.raw('reserved_milli + ?', [qtyMilli]), updated_at: now })
  return Number(n) === 1
}

/** Gives back a reserved quantity (never below zero: an import may have reset the counter meanwhile). */
export async function release(trx: Db, warehouseId: number, productId: number, qtyMilli: number, now: number): Promise<void> {
  await trx('stock')
    .where({ warehouse_id: warehouseId, product_id: productId })
    .update({ reserved_milli: trx.raw('CASE WHEN reserved_milli >= ? THEN reserved_milli - ? ELSE 0 END', [qtyMilli, qtyMilli]), updated_at: now })
}

/** The goods left the warehouse: the reservation ends and the quantity leaves the stock on hand (neither below zero). */
export async function consume(trx: Db, warehouseId: number, productId: number, qtyMilli: number, now: number): Promise<void> {
  await trx('stock')
    .where({ warehouse_id: warehouseId, product_id: productId })
    .update({
      reserved_milli: trx.raw('CASE WHEN reserved_milli >= ? THEN reserved_milli - ? ELSE 0 END', [qtyMilli, qtyMilli]),
      on_hand_milli: trx.raw('CASE WHEN on_hand_milli >= ? THEN on_hand_milli - ? ELSE 0 END', [qtyMilli, qtyMilli]),
      updated_at: now,
    })
}

/** Available (on hand − reserved, not below zero) of the given products at the given warehouses, by "warehouse:product". */
export async function availableOf(db: Db, pairs: { warehouseId: number; productId: number }[]): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  if (!pairs.length) return out
  const wanted = new Set(pairs.map((p) => `${p.warehouseId}:${p.productId}`))
  const rows: { warehouse_id: number; product_id: number; on_hand_milli: number | string; reserved_milli: number | string }[] = await db('stock')
    .whereIn('product_id', [...new Set(pairs.map((p) => p.productId))])
    .whereIn('warehouse_id', [...new Set(pairs.map((p) => p.warehouseId))])
    .select('warehouse_id', 'product_id', 'on_hand_milli', 'reserved_milli')
  for (const r of rows) {
    const k = `${r.warehouse_id}:${r.product_id}`
    if (wanted.has(k)) out.set(k, Math.max(0, Number(r.on_hand_milli) - Number(r.reserved_milli)))
  }
  return out
}

/**
 * Stock rows of the given products at every warehouse, with blends derived from their components (`withBlendStock`), in
 * one query: the products' own rows and, for those with a recipe, each component's rows.
 */
export async function stockWithBlends(db: Db, productIds: number[]): Promise<StockLike[]> {
  if (!productIds.length) return []
  const ids = [...new Set(productIds)]
  const rows: (StockLike & { blend_id: number | null; component_id: number | null; per_unit_milli: number | string | null })[] = await db('stock as s')
    .whereIn('s.product_id', ids)
    .select('s.warehouse_id', 's.product_id', 's.on_hand_milli', 's.reserved_milli', db.raw('NULL AS blend_id'), db.raw('NULL AS component_id'), db.raw('NULL AS per_unit_milli'))
    .unionAll((u) =>
      u
        .from('blend_recipes as r')
        .leftJoin('stock as c', 'c.product_id', 'r.component_id')
        .whereIn('r.product_id', ids)
        .select('c.warehouse_id', 'c.product_id', 'c.on_hand_milli', 'c.reserved_milli', 'r.product_id as blend_id', 'r.component_id', 'r.qty_milli as per_unit_milli'),
    )
  const plain: StockLike[] = []
  const components: BlendStockRow[] = []
  for (const r of rows) {
    if (r.blend_id === null || r.blend_id === undefined) {
      plain.push({ warehouse_id: r.warehouse_id, product_id: r.product_id, on_hand_milli: Number(r.on_hand_milli), reserved_milli: Number(r.reserved_milli) })
    } else {
      components.push({
        blend_id: Number(r.blend_id),
        component_id: Number(r.component_id),
        per_unit_milli: Number(r.per_unit_milli),
        warehouse_id: r.warehouse_id === null ? null : Number(r.warehouse_id),
        on_hand_milli: r.on_hand_milli === null ? null : Number(r.on_hand_milli),
        reserved_milli: r.reserved_milli === null ? null : Number(r.reserved_milli),
      })
    }
  }
  return components.length ? withBlendStock(plain, components) : plain
}

/** Records what each order line holds. */
export async function insertReservations(trx: Db, rows: Omit<ReservationRow, 'id' | 'status'>[], now: number): Promise<void> {
  for (let i = 0; i < rows.length; i += 200) {
    await trx('order_reservations').insert(rows.slice(i, i + 200).map((r) => ({ ...r, status: 'active', created_at: now, updated_at: now })))
  }
}

/** The order's reservations that still hold stock. */
export async function activeReservations(db: Db, orderId: number): Promise<ReservationRow[]> {
  const rows: ReservationRow[] = await db('order_reservations').where({ order_id: orderId, status: 'active' }).orderBy('id')
  return rows.map((r) => ({ ...r, qty_milli: Number(r.qty_milli) }))
}

/** Lowers one reservation by what a shipment took of it (the rest stays reserved for the later shipments). */
export async function reduceReservation(trx: Db, id: number, qtyMilli: number, now: number): Promise<void> {
  await trx('order_reservations').where({ id, status: 'active' }).update({ qty_milli: trx.raw('qty_milli - ?', [qtyMilli]), updated_at: now })
}

/** Marks the order's active reservations released or consumed. */
export async function closeReservations(trx: Db, orderId: number, status: 'released' | 'consumed', now: number): Promise<number> {
  return trx('order_reservations').where({ order_id: orderId, status: 'active' }).update({ status, updated_at: now })
}

/** Moves the reservations of these order lines to another order (a merge carries them over as they are). */
export async function moveReservations(trx: Db, fromOrderId: number, toOrderId: number, now: number): Promise<void> {
  await trx('order_reservations').where({ order_id: fromOrderId }).update({ order_id: toOrderId, updated_at: now })
}

/** Every reservation of an order with the warehouse's name and the product's article, for the order page. */
export async function reservationDetails(db: Db, orderId: number) {
  const rows: (ReservationRow & { warehouse_name: string; sku: string; product_name: string; base_unit: string })[] = await db('order_reservations as r')
    .join('warehouses as w', 'w.id', 'r.warehouse_id')
    .join('products as p', 'p.id', 'r.product_id')
    .where('r.order_id', orderId)
    .orderBy([{ column: 'r.order_line_id' }, { column: 'r.id' }])
    .select('r.*', 'w.name as warehouse_name', 'p.sku', 'p.name as product_name', 'p.base_unit')
  return rows.map((r) => ({ ...r, qty_milli: Number(r.qty_milli) }))
}
