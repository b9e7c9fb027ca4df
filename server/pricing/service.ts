import type { Db } from '../db/knex.js'
import type { Clock } from '../shared/clock.js'
import { readVersions, type Versions } from '../db/versions.js'
import { VersionedMap, VersionedValue } from '../shared/cache.js'
import { indexRules, priceCart, priceEachLine, rulesInScope } from './rules.js'
import * as store from './store.js'
import { createPricingAdmin } from './admin.js'
import type { CompanyPricing, EngineLine, PriceLineInput, PricedCart, PricedLine, PriceTypeOverride, PricingInput } from './types.js'

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
 * nothing is ever materialised per company and product. What the engine reads is cached in process under the data
 * versions (`db/versions.ts`): price types, the rules, each company's terms, each product's unit and category chain and
 * each product's prices, so a priced page costs one read of the counters once the products on it have been seen.
 * `admin` holds the staff use cases of /admin/pricing.
 */
export function createPricingService(deps: { db: Db; clock: Clock }) {
  const { db } = deps
  const priceTypes = new VersionedValue<store.PriceTypeRow[]>()
  const rules = new VersionedValue<ReturnType<typeof indexRules>>()
  const terms = new VersionedMap<number, CompanyPricing>(20_000)
  const products = new VersionedMap<number, { unit: string; categoryIds: number[] }>(200_000)
  const prices = new VersionedMap<number, Map<number, number>>(50_000)
  // A line priced alone for a company, by company, product and quantity: a pure function of the data in three channels, so
  // it is kept under the sum of their counters (which grows whenever any of them does). Catalog pages repeat these.
  const alone = new VersionedMap<string, PricedLine>(100_000)

  const typesAt = (v: Versions) => priceTypes.get(v.catalog, () => store.listPriceTypes(db))
  const termsAt = (v: Versions, companyId: number) => terms.get(v.terms, companyId, () => store.companyPricing(db, companyId))

  /**
   * The price types that stand for the company's base price, most specific first: the pinned type, the default types of
   * its groups (in the supplier's order of types), then the supplier default.
   */
  async function sortPriceTypeIds(companyId: number, versions?: Versions): Promise<number[]> {
    const v = versions ?? (await readVersions(db))
    const [company, types] = await Promise.all([termsAt(v, companyId), typesAt(v)])
    const order = new Map(types.map((t, i) => [t.id, i]))
    const groupTypes = company.groups
      .map((g) => g.defaultPriceTypeId)
      .filter((t): t is number => t !== null && order.has(t))
      .sort((a, b) => order.get(a)! - order.get(b)!)
    const ids = [company.pinnedPriceTypeId, ...groupTypes, types.find((t) => t.is_default)?.id ?? null]
    return [...new Set(ids.filter((t): t is number => t !== null && order.has(t)))]
  }

  /**
   * Everything the engine needs for these lines, from the caches (see above) and, for what they miss, in a few small
   * queries whatever the number of lines: price types, the company's terms and groups, the products' units and category
   * chains, the rules in scope, and the products' prices.
   */
  async function inputFor(companyId: number, lines: PriceLineInput[], versions?: Versions): Promise<PricingInput> {
    const v = versions ?? (await readVersions(db))
    const productIds = [...new Set(lines.map((l) => l.productId))]
    const [types, company, info, index, table] = await Promise.all([
      typesAt(v),
      termsAt(v, companyId),
      products.getMany(v.catalog, productIds, async (ids) => {
        const rows = await store.productsForPricing(db, ids)
        return new Map(rows.map((p) => [p.id, { unit: p.base_unit, categoryIds: categoryChain(p.category_id, p.path) }]))
      }),
      rules.get(v.terms, async () => indexRules(await store.activeRules(db))),
      prices.getMany(v.prices, productIds, (ids) => store.pricesOf(db, ids)),
    ])
    const engineLines: EngineLine[] = lines.map((l) => {
      const p = info.get(l.productId)
      return { productId: l.productId, qtyMilli: l.qtyMilli, unit: p?.unit ?? '', categoryIds: p?.categoryIds ?? [] }
    })
    const categoryIds = [...new Set(engineLines.flatMap((l) => l.categoryIds))]
    const inScope = rulesInScope(index, { groupIds: company.groups.map((g) => g.id), productIds, categoryIds })
    const defaultPriceTypeId = types.find((t) => t.is_default)?.id ?? null
    return { company, defaultPriceTypeId, priceTypeNames: new Map(types.map((t) => [t.id, t.name])), rules: inScope, lines: engineLines, prices: table }
  }

  return {
    /**
     * Prices the lines together (tiers and sums depend on the whole cart); same input, same output. `o.priceTypeOverride`
     * is a cart's own base price type (its cart type's), see `PricingInput.priceTypeOverride`.
     */
    async priceLines(companyId: number, lines: PriceLineInput[], versions?: Versions, o: { priceTypeOverride?: PriceTypeOverride | null } = {}): Promise<PricedCart> {
      if (!lines.length) return { lines: [], totalKopecks: 0 }
      return priceCart({ ...(await inputFor(companyId, lines, versions)), priceTypeOverride: o.priceTypeOverride ?? null })
    },

    /**
     * Prices every line as if it were alone in a cart (a catalog row with the quantity typed into it), loading the
     * company's terms, rules and prices once for all of them. Order-sum and positions rules see that one line only.
     */
    async priceEach(companyId: number, lines: PriceLineInput[], versions?: Versions): Promise<PricedLine[]> {
      if (!lines.length) return []
      const v = versions ?? (await readVersions(db))
      const version = v.catalog + v.prices + v.terms
      const keyOf = (l: PriceLineInput) => `${companyId}:${l.productId}:${l.qtyMilli}`
      const found = await alone.getMany(version, lines.map(keyOf), async (missing) => {
        const wanted = new Set(missing)
        const todo = lines.filter((l) => wanted.has(keyOf(l)))
        const priced = priceEachLine(await inputFor(companyId, todo, v))
        return new Map(priced.map((p, i) => [keyOf(todo[i]!), p]))
      })
      return lines.map((l) => found.get(keyOf(l))!)
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
