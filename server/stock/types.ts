/** Shapes of stock reservations and blends. Quantities are integer thousandths of the product's base unit. */

/** One component of a blend: `perUnitMilli` thousandths of the component per one base unit (1 000) of the blend. */
export interface RecipeComponent {
  componentId: number
  perUnitMilli: number
}

/** Blend product id → its components. A product without an entry is a stock product itself. */
export type Recipes = ReadonlyMap<number, readonly RecipeComponent[]>

/** A line that wants stock: `key` names it for the caller (an order line's position), `productId` is what was ordered. */
export interface StockDemand {
  key: number
  warehouseId: number
  productId: number
  qtyMilli: number
}

/** What one line takes from one stock product at one warehouse (a blend's line takes each of its components). */
export interface ComponentNeed {
  key: number
  warehouseId: number
  productId: number
  qtyMilli: number
}

/** The quantity of one stock product at one warehouse that an order needs in total, as one conditional update. */
export interface AggregateNeed {
  warehouseId: number
  productId: number
  qtyMilli: number
}

/** A line that could not be reserved: what it asked for and what is available for it now. */
export interface ShortLine {
  key: number
  productId: number
  warehouseId: number
  requestedMilli: number
  /** Available for this line's product at the warehouse (a blend: derived from its components). */
  availableMilli: number
  /** For a blend: each component that ran short, with the quantity the whole order needed of it and what is available. */
  components: { productId: number; neededMilli: number; availableMilli: number }[]
}

/** The outcome of reserving an order: every need taken, or nothing taken and every short line. */
export type ReserveOutcome = { ok: true; needs: ComponentNeed[] } | { ok: false; short: ShortLine[] }
