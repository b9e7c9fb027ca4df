import type { Db } from '../db/knex.js'
import type { Clock } from '../shared/clock.js'
import type { PriceLineInput, PricedCart } from './types.js'

export type PricingService = ReturnType<typeof createPricingService>

/**
 * Prices for a company, computed at read time from its groups, rules and price types. This first version prices every
 * line at the default price type; the rule engine replaces it.
 */
export function createPricingService(deps: { db: Db; clock: Clock }) {
  const { db } = deps
  return {
    /** Prices the lines together (tiers depend on the whole cart); same input, same output. */
    async priceLines(companyId: number, lines: PriceLineInput[]): Promise<PricedCart> {
      void companyId
      const type = await db('price_types').where({ is_default: true }).first()
      const ids = [...new Set(lines.map((l) => l.productId))]
      const rows: { product_id: number; kopecks: number }[] = type && ids.length ? await db('prices').where({ price_type_id: type.id }).whereIn('product_id', ids) : []
      const price = new Map(rows.map((r) => [r.product_id, Number(r.kopecks)]))
      const priced = lines.map((l) => {
        const unit = price.get(l.productId) ?? null
        return {
          productId: l.productId,
          qtyMilli: l.qtyMilli,
          priceTypeId: unit == null ? null : type.id,
          unitKopecks: unit,
          listUnitKopecks: unit,
          lineKopecks: unit == null ? null : Math.round((unit * l.qtyMilli) / 1000),
          rule: unit == null ? null : { kind: 'default' as const, id: type.id, label: type.name },
          discounts: [],
          nextTier: null,
        }
      })
      return { lines: priced, totalKopecks: priced.reduce((s, l) => s + (l.lineKopecks ?? 0), 0) }
    },
  }
}
