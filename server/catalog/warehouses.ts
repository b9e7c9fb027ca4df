import type { Db } from '../db/knex.js'
import type { Clock } from '../shared/clock.js'
import { NotFound, Validation } from '../shared/errors.js'
import { audit } from '../companies/store.js'
import * as store from './store.js'
import { warehouseErrors, type WarehouseInput } from './rules.js'

/**
 * The supplier's warehouses as staff configure them: the name buyers see, the kind (a transit warehouse does not count as
 * «в наличии»), and whether buyers see the available quantity or only a status («много» / «мало» / «под заказ», with
 * «мало» below a number of default packagings). 1C creates warehouses with their Ид; staff tune how they are shown.
 */
export function createWarehousesAdmin(deps: { db: Db; clock: Clock }) {
  const { db, clock } = deps
  return {
    list: () => store.listAllWarehouses(db),

    /** Adds a warehouse; throws `Validation` with Russian field messages. */
    async create(staffId: number, input: WarehouseInput): Promise<number> {
      const errors = warehouseErrors(input)
      if (Object.keys(errors).length) throw new Validation('warehouse', errors)
      const id = await store.insertWarehouse(db, { name: input.name, kind: input.kind, show_mode: input.show_mode, low_packagings: input.low_packagings, sort: input.sort })
      await audit(db, { actor: staffId, companyId: null, action: 'warehouse.created', details: { id, ...input }, now: clock.now().getTime() })
      return id
    },

    /** Saves a warehouse's settings; throws `Validation` or `NotFound`. */
    async update(staffId: number, id: number, input: WarehouseInput & { is_active: boolean }): Promise<void> {
      const errors = warehouseErrors(input)
      if (Object.keys(errors).length) throw new Validation('warehouse', errors)
      const n = await store.updateWarehouse(db, id, {
        name: input.name, kind: input.kind, show_mode: input.show_mode, low_packagings: input.low_packagings, sort: input.sort, is_active: input.is_active,
      })
      if (!n) throw new NotFound()
      await audit(db, { actor: staffId, companyId: null, action: 'warehouse.updated', details: { id, ...input }, now: clock.now().getTime() })
    },
  }
}
