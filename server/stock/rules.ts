/**
 * Pure rules of stock reservation and blends: explode blend lines into their components, aggregate what an order needs per
 * warehouse and stock product in the one lock order (product id, then warehouse id), derive a blend's availability from
 * its components, and describe the lines that could not be reserved. No IO.
 */

import type { AggregateNeed, ComponentNeed, RecipeComponent, Recipes, ShortLine, StockDemand } from './types.js'

/**
 * Thousandths of a component that `qtyMilli` of a blend consumes, rounded up: a reservation never holds less than the
 * blend will take (1 kg of roasted coffee at 1 250 per unit → 1 250 of green beans; 0,3 kg of a 60/40 blend → 180 and 120).
 */
export function componentMilli(qtyMilli: number, perUnitMilli: number): number {
  return Math.ceil((qtyMilli * perUnitMilli) / 1000)
}

/**
 * What each line takes from stock: a stock product's line takes itself; a blend's line takes each of its components in
 * proportion. Components are stock products (a blend of blends is not exploded further). Needs of one line on the same
 * stock product add up.
 */
export function explode(demands: readonly StockDemand[], recipes: Recipes): ComponentNeed[] {
  const out: ComponentNeed[] = []
  for (const d of demands) {
    if (d.qtyMilli <= 0) continue
    const recipe = recipes.get(d.productId)
    const parts = recipe?.length ? recipe.map((c) => ({ productId: c.componentId, qtyMilli: componentMilli(d.qtyMilli, c.perUnitMilli) })) : [{ productId: d.productId, qtyMilli: d.qtyMilli }]
    const merged = new Map<number, number>()
    for (const p of parts) merged.set(p.productId, (merged.get(p.productId) ?? 0) + p.qtyMilli)
    for (const [productId, qtyMilli] of merged) if (qtyMilli > 0) out.push({ key: d.key, warehouseId: d.warehouseId, productId, qtyMilli })
  }
  return out
}

/** The key of a warehouse and stock product in maps. */
export const stockKey = (warehouseId: number, productId: number) => `${warehouseId}:${productId}`

/**
 * The order's needs summed per warehouse and stock product, sorted by product id and then warehouse id: the one order in
 * which every transaction takes stock rows, so two orders never wait on each other's rows in opposite order. Two lines of
 * the same product (or two blends sharing a lot) are checked as one quantity.
 */
export function aggregate(needs: readonly ComponentNeed[]): AggregateNeed[] {
  const sum = new Map<string, AggregateNeed>()
  for (const n of needs) {
    const k = stockKey(n.warehouseId, n.productId)
    const a = sum.get(k)
    if (a) a.qtyMilli += n.qtyMilli
    else sum.set(k, { warehouseId: n.warehouseId, productId: n.productId, qtyMilli: n.qtyMilli })
  }
  return [...sum.values()].sort((a, b) => a.productId - b.productId || a.warehouseId - b.warehouseId)
}

/** Available now: on hand minus reserved, never below zero. */
export function available(onHandMilli: number, reservedMilli: number): number {
  return Math.max(0, onHandMilli - reservedMilli)
}

/**
 * How much of a blend can be made from what is available of its components: the minimum over the components of
 * available ÷ proportion (in thousandths, rounded down). Reserving exactly this much always succeeds, because the
 * components are rounded up by `componentMilli` and floor(a·1000/p)·p/1000 ≤ a.
 */
export function blendAvailableMilli(components: readonly RecipeComponent[], availableOf: (componentId: number) => number): number {
  if (!components.length) return 0
  let min = Number.POSITIVE_INFINITY
  for (const c of components) {
    const can = c.perUnitMilli > 0 ? Math.floor((availableOf(c.componentId) * 1000) / c.perUnitMilli) : Number.POSITIVE_INFINITY
    if (can < min) min = can
  }
  return Number.isFinite(min) ? Math.max(0, min) : 0
}

/**
 * The lines that could not be reserved, each with what it asked for and what is available for it: a stock product's
 * availability at the warehouse, a blend's availability derived from its components (with the components that ran
 * short). `availableNow` has the availability of every stock product of the order, `failed` the keys whose conditional
 * update found too little.
 */
export function describeShortage(
  demands: readonly StockDemand[],
  needs: readonly ComponentNeed[],
  aggregates: readonly AggregateNeed[],
  failed: ReadonlySet<string>,
  availableNow: ReadonlyMap<string, number>,
  recipes: Recipes,
): ShortLine[] {
  const wanted = new Map(aggregates.map((a) => [stockKey(a.warehouseId, a.productId), a.qtyMilli]))
  const out: ShortLine[] = []
  for (const d of demands) {
    const hit = needs.filter((n) => n.key === d.key && failed.has(stockKey(n.warehouseId, n.productId)))
    if (!hit.length) continue
    const recipe = recipes.get(d.productId)
    const avail = (productId: number) => availableNow.get(stockKey(d.warehouseId, productId)) ?? 0
    out.push({
      key: d.key,
      productId: d.productId,
      warehouseId: d.warehouseId,
      requestedMilli: d.qtyMilli,
      availableMilli: recipe?.length ? blendAvailableMilli(recipe, avail) : avail(d.productId),
      components: recipe?.length
        ? hit.map((n) => ({ productId: n.productId, neededMilli: wanted.get(stockKey(n.warehouseId, n.productId)) ?? n.qtyMilli, availableMilli: avail(n.productId) }))
        : [],
    })
  }
  return out
}

/** A stock row as the catalog reads it. */
export interface StockLike {
  warehouse_id: number
  product_id: number
  on_hand_milli: number
  reserved_milli: number
}

/** A component of a blend with the component's stock at one warehouse (warehouse null: the component has no stock rows). */
export interface BlendStockRow {
  blend_id: number
  component_id: number
  per_unit_milli: number
  warehouse_id: number | null
  on_hand_milli: number | null
  reserved_milli: number | null
}

/**
 * `withBlendStock` for stock rows read by product (`rows` hold the products' own rows and their components' rows) and the
 * recipes of the blends among `productIds`: what the catalog shows for those products.
 */
export function blendStockFromRecipes(productIds: readonly number[], rows: readonly StockLike[], recipes: ReadonlyMap<number, readonly RecipeComponent[]>): StockLike[] {
  const byProduct = new Map<number, StockLike[]>()
  for (const r of rows) byProduct.set(r.product_id, [...(byProduct.get(r.product_id) ?? []), r])
  const wanted = new Set(productIds)
  const components: BlendStockRow[] = []
  for (const blendId of wanted) {
    for (const c of recipes.get(blendId) ?? []) {
      const at = byProduct.get(c.componentId) ?? []
      if (!at.length) components.push({ blend_id: blendId, component_id: c.componentId, per_unit_milli: c.perUnitMilli, warehouse_id: null, on_hand_milli: null, reserved_milli: null })
      for (const s of at) {
        components.push({ blend_id: blendId, component_id: c.componentId, per_unit_milli: c.perUnitMilli, warehouse_id: s.warehouse_id, on_hand_milli: s.on_hand_milli, reserved_milli: s.reserved_milli })
      }
    }
  }
  const own = rows.filter((r) => wanted.has(r.product_id))
  return components.length ? withBlendStock(own, components) : own
}

/**
 * The stock rows the catalog and carts show: stock products as they are, and for each blend one derived row per warehouse
 * where any of its components is stocked, with the blend's availability as `on_hand_milli` and nothing reserved (its
 * reservations are on the components already). A blend's own stock rows, if any, are ignored: it is made to order.
 */
export function withBlendStock(rows: readonly StockLike[], components: readonly BlendStockRow[]): StockLike[] {
  const blends = new Map<number, { recipe: Map<number, number>; stock: Map<number, Map<number, number>> }>()
  for (const c of components) {
    const b = blends.get(c.blend_id) ?? { recipe: new Map(), stock: new Map() }
    b.recipe.set(c.component_id, c.per_unit_milli)
    if (c.warehouse_id !== null) {
      const at = b.stock.get(c.warehouse_id) ?? new Map<number, number>()
      at.set(c.component_id, available(c.on_hand_milli ?? 0, c.reserved_milli ?? 0))
      b.stock.set(c.warehouse_id, at)
    }
    blends.set(c.blend_id, b)
  }
  const out: StockLike[] = rows.filter((r) => !blends.has(r.product_id))
  for (const [blendId, b] of blends) {
    const recipe = [...b.recipe].map(([componentId, perUnitMilli]) => ({ componentId, perUnitMilli }))
    for (const [warehouseId, at] of [...b.stock].sort((x, y) => x[0] - y[0])) {
      out.push({ warehouse_id: warehouseId, product_id: blendId, on_hand_milli: blendAvailableMilli(recipe, (id) => at.get(id) ?? 0), reserved_milli: 0 })
    }
  }
  return out
}

/**
 * What one shipment of a split order takes from each of the order's reservations: for every reservation of a line the
 * shipment carries, the shipment's share of the line (`shipMilli` of `lineMilli`), rounded down to a thousandth. The
 * last shipment takes whatever is left, so the shares always add up to the reservation exactly.
 */
export function shipmentTakes(
  reservations: readonly { id: number; order_line_id: number; qty_milli: number }[],
  lineQty: ReadonlyMap<number, number>,
  shipped: ReadonlyMap<number, number>,
): { id: number; qtyMilli: number }[] {
  const out: { id: number; qtyMilli: number }[] = []
  for (const r of reservations) {
    const ship = shipped.get(r.order_line_id) ?? 0
    const line = lineQty.get(r.order_line_id) ?? 0
    if (ship <= 0 || line <= 0) continue
    const take = ship >= line ? r.qty_milli : Math.floor((r.qty_milli * ship) / line)
    if (take > 0) out.push({ id: r.id, qtyMilli: Math.min(take, r.qty_milli) })
  }
  return out
}
