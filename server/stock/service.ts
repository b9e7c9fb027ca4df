import type { Db } from '../db/knex.js'
import * as store from './store.js'
import { aggregate, describeShortage, explode, shipmentTakes, stockKey } from './rules.js'
import type { ComponentNeed, Recipes, ReserveOutcome, StockDemand } from './types.js'

export type StockService = ReturnType<typeof createStockService>

/**
 * Reservations of stock for orders. `reserve` runs inside the caller's transaction and is all-or-nothing: the order's
 * lines are exploded into stock products (blends into their components), summed per warehouse and product, and taken one
 * conditional UPDATE each in product-id order; every row is tried, so a refusal lists every short line. The caller rolls
 * its transaction back on a refusal. Recipes are read before the transaction (`recipes`), so the transaction's first
 * statement is a write.
 */
export function createStockService(deps: { db: Db }) {
  const { db } = deps

  /** Sums what reservation rows hold per warehouse and product, in the lock order. */
  function totals(rows: { warehouse_id: number; product_id: number; qty_milli: number }[]) {
    return aggregate(rows.map((r) => ({ key: 0, warehouseId: r.warehouse_id, productId: r.product_id, qtyMilli: r.qty_milli })))
  }

  return {
    /** The recipes of the blends among these products (read outside the transaction). */
    recipes: (productIds: number[]): Promise<Recipes> => store.recipesOf(db, productIds),

    /** Stock of products with blends derived from their components (see `stockWithBlends`). */
    stockOf: (productIds: number[]) => store.stockWithBlends(db, productIds),

    /**
     * Reserves every demand or nothing, inside `trx`. On success returns what each line took (`needs`, to record as
     * reservation rows); on a shortage returns every short line with what is available for it, and the caller must roll
     * back (the rows that were taken are still taken inside the transaction).
     */
    async reserve(trx: Db, demands: StockDemand[], recipes: Recipes, now: number): Promise<ReserveOutcome> {
      const needs: ComponentNeed[] = explode(demands, recipes)
      const aggregates = aggregate(needs)
      const failed = new Set<string>()
      for (const a of aggregates) {
        if (!(await store.reserve(trx, a.warehouseId, a.productId, a.qtyMilli, now))) failed.add(stockKey(a.warehouseId, a.productId))
      }
      if (!failed.size) return { ok: true, needs }
      // What others left available: the rows this transaction took are given back in the figures (they roll back).
      const read = await store.availableOf(trx, aggregates)
      const availableNow = new Map<string, number>()
      for (const a of aggregates) {
        const k = stockKey(a.warehouseId, a.productId)
        availableNow.set(k, (read.get(k) ?? 0) + (failed.has(k) ? 0 : a.qtyMilli))
      }
      return { ok: false, short: describeShortage(demands, needs, aggregates, failed, availableNow, recipes) }
    },

    /** Records what each order line took (the `needs` of a successful `reserve`, with the order line ids). */
    recordReservations(trx: Db, orderId: number, rows: { lineId: number; warehouseId: number; productId: number; qtyMilli: number }[], now: number): Promise<void> {
      return store.insertReservations(trx, rows.map((r) => ({ order_id: orderId, order_line_id: r.lineId, warehouse_id: r.warehouseId, product_id: r.productId, qty_milli: r.qtyMilli })), now)
    },

    /** Gives back everything the order still holds (a cancellation), exactly what its reservation rows say. */
    async releaseOrder(trx: Db, orderId: number, now: number): Promise<number> {
      const rows = await store.activeReservations(trx, orderId)
      for (const t of totals(rows)) await store.release(trx, t.warehouseId, t.productId, t.qtyMilli, now)
      await store.closeReservations(trx, orderId, 'released', now)
      return rows.length
    },

    /**
     * One shipment of a split order left the warehouse: its share of each line's reservations (`shipmentTakes`) is consumed
     * from the stock on hand and taken off the reservation; the rest stays reserved for the later shipments, and the last
     * shipment's `consumeOrder` takes what is left, exactly.
     */
    async consumeShipment(trx: Db, orderId: number, lineQty: ReadonlyMap<number, number>, shipped: ReadonlyMap<number, number>, now: number): Promise<void> {
      const rows = await store.activeReservations(trx, orderId)
      const takes = shipmentTakes(rows, lineQty, shipped)
      const byId = new Map(rows.map((r) => [r.id, r]))
      const taken = takes.map((t) => ({ ...byId.get(t.id)!, qty_milli: t.qtyMilli }))
      for (const t of totals(taken)) await store.consume(trx, t.warehouseId, t.productId, t.qtyMilli, now)
      for (const t of takes) await store.reduceReservation(trx, t.id, t.qtyMilli, now)
    },

    /** The order left the warehouse: its reservations are consumed from the stock on hand. */
    async consumeOrder(trx: Db, orderId: number, now: number): Promise<number> {
      const rows = await store.activeReservations(trx, orderId)
      for (const t of totals(rows)) await store.consume(trx, t.warehouseId, t.productId, t.qtyMilli, now)
      await store.closeReservations(trx, orderId, 'consumed', now)
      return rows.length
    },
  }
}
