import type { Db } from '../db/knex.js'
import type { Clock } from '../shared/clock.js'
import { NotFound, Validation } from '../shared/errors.js'
import { audit } from '../companies/store.js'
import * as store from './store.js'
import { normalizeSku, packagingSizesOf, type PackagingSizesInput } from './rules.js'

/**
 * Shipping sizes of packagings as staff keep them (`/admin/catalog/packagings`): the weight in grams and the sides in
 * centimetres of one packaging (a box of 12, a bag of 30 kg). 1C does not send them; CDEK delivery requests compute their
 * places from them (server/delivery `computePackages`), and a packaging without them goes into a standard box.
 */
export function createPackagingsAdmin(deps: { db: Db; clock: Clock }) {
  const { db, clock } = deps
  return {
    /** The product with this article (any spelling of it: case, spaces and dashes do not matter) and its packagings. */
    async find(sku: string) {
      const norm = normalizeSku(sku)
      const product = norm ? await store.productBySkuNorm(db, norm) : undefined
      if (!product) return null
      return { product, packagings: await store.packagingSizesOf(db, product.id) }
    },

    /**
     * Saves the sizes of every packaging of a product at once, all or nothing. Throws `Validation` whose fields are keyed
     * `<packaging id>.<field>` (weightG, lengthCm, widthCm, heightCm), in Russian; `NotFound` for an unknown product.
     */
    async save(staffId: number, productId: number, typed: Record<number, PackagingSizesInput>): Promise<number> {
      const packagings = await store.packagingSizesOf(db, productId)
      if (!packagings.length) throw new NotFound()
      const errors: Record<string, string> = {}
      const parsed = packagings.filter((p) => typed[p.id]).map((p) => {
        const { sizes, errors: e } = packagingSizesOf(typed[p.id]!)
        for (const [k, v] of Object.entries(e)) errors[`${p.id}.${k}`] = v
        return { id: p.id, sizes }
      })
      if (Object.keys(errors).length) throw new Validation('Проверьте размеры упаковок', errors)
      await db.transaction(async (trx) => {
        for (const { id, sizes } of parsed) {
          await store.updatePackagingSizes(trx, productId, id, { weight_g: sizes.weightG, length_cm: sizes.lengthCm, width_cm: sizes.widthCm, height_cm: sizes.heightCm })
        }
        await audit(trx, { actor: staffId, companyId: null, action: 'packaging.sizes', details: { productId, packagings: parsed }, now: clock.now().getTime() })
      })
      return parsed.length
    },
  }
}
