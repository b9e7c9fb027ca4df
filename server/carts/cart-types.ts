import type { Db } from '../db/knex.js'
import type { Clock } from '../shared/clock.js'
import { NotFound, Validation } from '../shared/errors.js'
import { audit } from '../companies/store.js'
import * as pricingStore from '../pricing/store.js'
import * as catalogStore from '../catalog/store.js'
import * as store from './store.js'
import { cartTypeErrors, cleanPackagingNames, optionalId } from './rules.js'
import type { CartTypeInput } from './types.js'

/**
 * Cart types as the supplier's staff configure them in /admin/cart-types: the name buyers see on the cart tabs, an own
 * price type (the cart's base price; none: the company's normal pricing), the packagings the type sells (all, or a list
 * of packaging names), the warehouse it ships from, the order of the tabs and whether new carts of the type can be made.
 * Types are switched off rather than deleted: carts of a switched-off type keep working.
 */
export function createCartTypesAdmin(deps: { db: Db; clock: Clock }) {
  const { db, clock } = deps

  /** Checks the form against the price types and warehouses that exist; throws `Validation` with Russian field messages. */
  async function writeOf(input: CartTypeInput): Promise<store.CartTypeWrite> {
    const input2 = { ...input, packaging_names: cleanPackagingNames(input.packaging_names) }
    const [types, warehouses] = await Promise.all([pricingStore.listPriceTypes(db), catalogStore.listAllWarehouses(db)])
    const errors = cartTypeErrors(input2, { priceTypeIds: new Set(types.map((t) => t.id)), warehouseIds: new Set(warehouses.map((w) => w.id)) })
    if (Object.keys(errors).length) throw new Validation('cart type', errors)
    return {
      name: input2.name.trim(),
      description: input2.description.trim(),
      price_type_id: optionalId(input2.price_type_id) ?? null,
      packaging_names: input2.all_packagings ? null : input2.packaging_names,
      warehouse_id: optionalId(input2.warehouse_id) ?? null,
      sort: Number(input2.sort.trim()),
      is_active: input2.is_active,
    }
  }

  return {
    /** Every cart type (switched-off ones too) with the number of carts of each, and what the form offers. */
    async page() {
      const [types, counts, priceTypes, warehouses, packagings] = await Promise.all([
        store.listCartTypes(db, { all: true }),
        store.cartsPerType(db),
        pricingStore.listPriceTypes(db),
        catalogStore.listAllWarehouses(db),
        store.packagingNames(db),
      ])
      return { types: types.map((t) => ({ ...t, carts: counts.get(t.id) ?? 0 })), priceTypes, warehouses, packagings }
    },

    /** Adds a cart type; returns its id. Throws `Validation`. */
    async create(staffId: number, input: CartTypeInput): Promise<number> {
      const w = await writeOf(input)
      const id = await store.insertCartType(db, w, clock.now().getTime())
      await audit(db, { actor: staffId, companyId: null, action: 'cart_type.created', details: { id, ...w }, now: clock.now().getTime() })
      return id
    },

    /** Saves a cart type. Throws `Validation` or `NotFound`. */
    async update(staffId: number, id: number, input: CartTypeInput): Promise<void> {
      const w = await writeOf(input)
      if (!(await store.updateCartType(db, id, w, clock.now().getTime()))) throw new NotFound('Такого типа корзины нет')
      await audit(db, { actor: staffId, companyId: null, action: 'cart_type.updated', details: { id, ...w }, now: clock.now().getTime() })
    },
  }
}
