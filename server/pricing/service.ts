import type { Db } from '../db/knex.js'
import type { Clock } from '../shared/clock.js'
import { priceCart, priceEachLine } from './rules.js'
import * as store from './store.js'
import { createPricingAdmin } from './admin.js'
import type { EngineLine, PriceLineInput, PricedCart, PricedLine, PricingInput } from './types.js'

export type PricingService = ReturnType<typeof createPricingService>

/** "/3/17/" and the category's own id → [3, 17]: the category and every ancestor. */
function categoryChain(categoryId: number | null, path: string | null): number[] {
  if (categoryId === null) return []
  const ids = new Set((path ?? '').split('/').filter((s) => /^\d+$/.test(s)).map(Number))
  ids.add(categoryId)
  return [...ids]
}

/**
 * Prices for a company, computed at read time from its groups, rules and price types by the pure engine (`rules.ts`);
 * nothing is ever materialised per company and product. `admin` holds the staff use cases of /admin/pricing.
 */
export function createPricingService(deps: { db: Db; clock: Clock }) {
  const { db } = deps

  /**
   * The price types that stand for the company's base price, most specific first: the pinned type, the default types of
   * its groups (in the supplier's order of types), then the supplier default.
   */
  async function sortPriceTypeIds(companyId: number): Promise<number[]> {
    const [company, types] = await Promise.all([store.companyPricing(db, companyId), store.listPriceTypes(db)])
    const order = new Map(types.map((t, i) => [t.id, i]))
    const groupTypes = company.groups
      .map((g) => g.defaultPriceTypeId)
      .filter((t): t is number => t !== null && order.has(t))
      .sort((a, b) => order.get(a)! - order.get(b)!)
    const ids = [company.pinnedPriceTypeId, ...groupTypes, types.find((t) => t.is_default)?.id ?? null]
    return [...new Set(ids.filter((t): t is number => t !== null && order.has(t)))]
  }

  /**
   * Everything the engine needs for these lines, in six small queries whatever their number: price types, the company's
   * terms and groups, the products with their category paths, the rules in scope, and the prices of these products in the
   * types that can apply.
   */
  async function inputFor(companyId: number, lines: PriceLineInput[]): Promise<PricingInput> {
    const productIds = [...new Set(lines.map((l) => l.productId))]
    const [types, company, products] = await Promise.all([store.listPriceTypes(db), store.companyPricing(db, companyId), store.productsForPricing(db, productIds)])
    const byId = new Map(products.map((p) => [p.id, p]))
    const engineLines: EngineLine[] = lines.map((l) => {
      const p = byId.get(l.productId)
      return { productId: l.productId, qtyMilli: l.qtyMilli, unit: p?.base_unit ?? '', categoryIds: p ? categoryChain(p.category_id, p.path) : [] }
    })
    const categoryIds = [...new Set(engineLines.flatMap((l) => l.categoryIds))]
    const rules = await store.rulesFor(db, { groupIds: company.groups.map((g) => g.id), productIds, categoryIds })
    const defaultPriceTypeId = types.find((t) => t.is_default)?.id ?? null
    const typeIds = new Set<number>()
    for (const id of [defaultPriceTypeId, company.pinnedPriceTypeId, ...company.groups.map((g) => g.defaultPriceTypeId), ...rules.map((r) => r.priceTypeId)]) {
      if (id !== null) typeIds.add(id)
    }
    const prices = await store.pricesFor(db, productIds, [...typeIds])
    return { company, defaultPriceTypeId, priceTypeNames: new Map(types.map((t) => [t.id, t.name])), rules, lines: engineLines, prices }
  }

  return {
    /** Prices the lines together (tiers and sums depend on the whole cart); same input, same output. */
    async priceLines(companyId: number, lines: PriceLineInput[]): Promise<PricedCart> {
      if (!lines.length) return { lines: [], totalKopecks: 0 }
      return priceCart(await inputFor(companyId, lines))
    },

    /**
     * Prices every line as if it were alone in a cart (a catalog row with the quantity typed into it), loading the
     * company's terms, rules and prices once for all of them. Order-sum and positions rules see that one line only.
     */
    async priceEach(companyId: number, lines: PriceLineInput[]): Promise<PricedLine[]> {
      if (!lines.length) return []
      return priceEachLine(await inputFor(companyId, lines))
    },

    sortPriceTypeIds,

    /**
     * The one price type whose price best represents the buyer's base price, for sorting a catalog by «their» price: the
     * pinned type, else the default type of the company's group (the first in the supplier's order when it is in several),
     * else the supplier default; null when there is no price type at all. Sorting ignores tiers and discounts (they
     * depend on the cart and, being percentages or per-product, rarely change the order); a product without a price in
     * this type can fall back to the next of `sortPriceTypeIds` with a COALESCE.
     */
    async sortPriceTypeId(companyId: number): Promise<number | null> {
      return (await sortPriceTypeIds(companyId))[0] ?? null
    },

    admin: createPricingAdmin(deps),
  }
}
