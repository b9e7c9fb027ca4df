import type { Db } from '../db/knex.js'
import { readVersions, type Versions } from '../db/versions.js'
import { VersionedMap, VersionedValue } from '../shared/cache.js'
import type { Clock } from '../shared/clock.js'
import { NotFound } from '../shared/errors.js'
import type { PricingService } from '../pricing/service.js'
import type { PriceLineInput, PricedLine } from '../pricing/types.js'
import * as store from './store.js'
import * as stockStore from '../stock/store.js'
import { blendStockFromRecipes } from '../stock/rules.js'
import type { RecipeComponent } from '../stock/types.js'
import { COUNT_CAP, availableMilli, packagingRule, foldText, formatQty, normalizeSku, parseSearch, rowQuantity, treeOrder } from './rules.js'
import { createWarehousesAdmin } from './warehouses.js'
import { createPackagingsAdmin } from './packagings-admin.js'
import type {
  AttributeRow,
  AttributeValueRow,
  CatalogQuery,
  CatalogRow,
  CategoryRow,
  OptionRow,
  PackagingView,
  ProductFilter,
  ProductRow,
  SearchTier,
  TypedRow,
} from './types.js'

export type CatalogService = ReturnType<typeof createCatalogService>

/** A facet of the filter panel: a list attribute with its options, or a number attribute with its bounds. */
export interface Facet {
  attribute: AttributeRow
  options: OptionRow[]
  bounds: { min: number | null; max: number | null }
}

/** "/3/17/" → [3, 17]. */
function pathIds(path: string): number[] {
  return path.split('/').filter((s) => /^\d+$/.test(s)).map(Number)
}

/** The small tables every page needs, read whole: the category tree, warehouses, attributes and list options. */
interface Reference {
  categories: CategoryRow[]
  warehouses: Awaited<ReturnType<typeof store.listWarehouses>>
  attributes: AttributeRow[]
  options: OptionRow[]
}

/** What a product shows on any page: its row, packagings, and attribute values as texts (key ones and all). */
interface Card {
  product: ProductRow
  packagings: PackagingView[]
  keyValues: string[]
  properties: { name: string; text: string }[]
  /** Picture ids, main first. */
  images: number[]
}

/** One page of a listing: product ids in order, whether more follow, and the (capped) total. */
interface Page {
  rows: number[]
  hasMore: boolean
  total: number
  capped: boolean
}

/** A row with its price: a literal rather than a spread, which V8 builds several times more slowly for a hundred rows. */
function withPrice(r: Omit<CatalogRow, 'price'>, price: PricedLine): CatalogRow {
  return {
    product: r.product,
    packagings: r.packagings,
    packaging: r.packaging,
    keyValues: r.keyValues,
    available: r.available,
    typed: r.typed,
    qtyMilli: r.qtyMilli,
    ordered: r.ordered,
    note: r.note,
    error: r.error,
    price,
  }
}

/** 1900000 with «м» → «1 900 м». */
function numberText(milli: number, unit: string): string {
  return formatQty(milli, unit).trim()
}

/**
 * The catalog as buyers see it: listings with search, filters and sorts, product cards, the price cells of one row, and the
 * rows of the personal price list. Every price comes from the pricing service for the buyer's company at read time, only
 * for the rows on screen; nothing is stored per company. Reference data and product cards are cached in process under
 * the catalog's data version (`db/versions.ts`): a listing reads the counters, the ids of its page, and the stock.
 */
export function createCatalogService(deps: { db: Db; clock: Clock; pricing: PricingService }) {
  const { db, pricing } = deps
  const referenceCache = new VersionedValue<Reference>()
  const cardCache = new VersionedMap<number, Card>(30_000)
  const boundsCache = new VersionedMap<number, { min: number | null; max: number | null }>(1_000)
  const recipesCache = new VersionedValue<Map<number, RecipeComponent[]>>()
  // Pages of listings by their filter, tiers, sort and position: the same search paged or repeated by many buyers (or
  // the catalog's first page) is read once per version. Price sorts also depend on the prices, so their version is the
  // sum of both counters (it grows whenever either does). «В наличии» depends on stock, which is never cached.
  const pageCache = new VersionedMap<string, Page>(5_000)
  const pricePageCache = new VersionedMap<string, Page>(5_000)

  function reference(v: Versions): Promise<Reference> {
    return referenceCache.get(v.catalog, async () => {
      const [categories, warehouses, attributes, options] = await Promise.all([store.listCategories(db), store.listWarehouses(db), store.listAttributes(db), store.listOptions(db)])
      return { categories, warehouses, attributes, options }
    })
  }

  /** The cards of these products (any state), in the order of `ids`; ids of products that do not exist are left out. */
  async function cards(v: Versions, ref: Reference, ids: number[]): Promise<Card[]> {
    const found = await cardCache.getMany(v.catalog, ids, async (missing) => {
      const [products, packs, values, pictures] = await Promise.all([store.productRowsByIds(db, missing), store.packagingsOf(db, missing), store.attributeValuesOf(db, missing), store.imagesOf(db, missing)])
      const imagesOf = new Map<number, number[]>()
      for (const i of pictures) imagesOf.set(i.product_id, [...(imagesOf.get(i.product_id) ?? []), i.id])
      const packsOf = new Map<number, PackagingView[]>()
      for (const p of packs) packsOf.set(p.product_id, [...(packsOf.get(p.product_id) ?? []), p])
      const texts = valuesByProduct(values, ref.attributes)
      const keyIds = new Set(ref.attributes.filter((a) => a.key).map((a) => a.id))
      const keyTexts = valuesByProduct(values.filter((x) => keyIds.has(x.attribute_id)), ref.attributes)
      return new Map(
        products.map((product) => {
          const keyValues = (keyTexts.get(product.id) ?? []).slice(0, 4).map((t) => t.text)
          return [product.id, { product, packagings: packsOf.get(product.id) ?? [], keyValues, properties: texts.get(product.id) ?? [], images: imagesOf.get(product.id) ?? [] }]
        }),
      )
    })
    return ids.map((id) => found.get(id)).filter((c): c is Card => !!c)
  }

  /** The category with its whole subtree (ids), from the materialised paths. */
  function subtree(categories: CategoryRow[], id: number): number[] {
    const root = categories.find((c) => c.id === id)
    return root ? categories.filter((c) => c.path.startsWith(root.path)).map((c) => c.id) : []
  }

  /** Attribute codes of the URL turned into ids; unknown codes and options of other attributes are ignored. */
  function resolveFilter(q: CatalogQuery, ref: Reference): ProductFilter {
    const { categories, attributes } = ref
    const byCode = new Map(attributes.map((a) => [a.code, a]))
    const listAttrs = Object.keys(q.options).map((code) => byCode.get(code)).filter((a): a is AttributeRow => a?.type === 'list')
    const known = new Set(ref.options.map((o) => `${o.attribute_id}:${o.id}`))
    return {
      categoryIds: q.categoryId === null ? null : subtree(categories, q.categoryId),
      options: listAttrs
        .map((a) => ({ attributeId: a.id, optionIds: q.options[a.code]!.filter((id) => known.has(`${a.id}:${id}`)) }))
        .filter((o) => o.optionIds.length),
      ranges: Object.entries(q.ranges)
        .map(([code, r]) => ({ a: byCode.get(code), r }))
        .filter((x): x is { a: AttributeRow; r: { min: number | null; max: number | null } } => x.a?.type === 'number')
        .map(({ a, r }) => ({ attributeId: a.id, min: r.min, max: r.max })),
      inStock: q.inStock,
    }
  }

  /** The search tiers for the text (see `SearchTier`); without text, one tier of everything. */
  function tiersFor(text: string, options: OptionRow[]): SearchTier[] {
    const terms = parseSearch(text)
    if (!terms.skuNorm && !terms.words.length) return [{ kind: 'all' }]
    const tiers: SearchTier[] = []
    if (terms.skuNorm) tiers.push({ kind: 'exact', skuNorm: terms.skuNorm }, { kind: 'prefix', skuNorm: terms.skuNorm })
    if (terms.words.length) {
      tiers.push({ kind: 'name', skuNorm: terms.skuNorm, words: terms.words })
      // Option values are few (hundreds), so they are matched here with the same folding as names.
      const perWord = terms.words.map((w) => {
        const byAttr = new Map<number, number[]>()
        for (const o of options) if (foldText(o.value).includes(w)) byAttr.set(o.attribute_id, [...(byAttr.get(o.attribute_id) ?? []), o.id])
        return [...byAttr].map(([attributeId, optionIds]) => ({ attributeId, optionIds }))
      })
      if (perWord.some((p) => p.length)) tiers.push({ kind: 'attr', skuNorm: terms.skuNorm, words: terms.words, optionsPerWord: perWord })
    }
    return tiers
  }

  /**
   * One page across the tiers in rank order. Each tier is counted first (at most `COUNT_CAP` + 1 rows, from its most
   * selective index), which also chooses how to read it: a few matches are picked and sorted, many are read along the
   * order's index. Whole tiers before the page are skipped by their counts; tiers after a full page are only counted, and
   * not even that when the total is already past the cap.
   */
  function cachedPage(v: Versions, filter: ProductFilter, tiers: SearchTier[], q: CatalogQuery, priceTypeIds: number[]): Promise<Page> {
    if (filter.inStock) return pageAcross(filter, tiers, q, priceTypeIds)
    const key = JSON.stringify([filter, tiers, q.sort, q.page, q.perPage, priceTypeIds])
    const byPrice = q.sort === 'price' || q.sort === 'price_desc'
    return byPrice
      ? pricePageCache.get(v.catalog + v.prices, key, () => pageAcross(filter, tiers, q, priceTypeIds))
      : pageCache.get(v.catalog, key, () => pageAcross(filter, tiers, q, priceTypeIds))
  }

  async function pageAcross(filter: ProductFilter, tiers: SearchTier[], q: CatalogQuery, priceTypeIds: number[]): Promise<Page> {
    const sort = { key: q.sort, priceTypeIds }
    let skip = (q.page - 1) * q.perPage
    let need = q.perPage + 1
    let total = 0
    let capped = false
    const found: number[] = []
    for (const tier of tiers) {
      // Once the page is full and the total is already «больше …», later tiers would change nothing on screen.
      if (need <= 0 && capped) break
      const n = await store.countProducts(db, filter, tier, COUNT_CAP)
      if (n > COUNT_CAP) capped = true
      total += Math.min(n, COUNT_CAP)
      if (need <= 0) continue
      if (n === 0 || (n <= COUNT_CAP && skip >= n)) {
        skip -= n
        continue
      }
      const rows = await store.listProducts(db, filter, tier, sort, need, skip, n > COUNT_CAP ? 'walk' : 'pick')
      // Paging past the end of a tier larger than the cap (rare: beyond a thousand rows) needs its exact size.
      skip = rows.length || skip === 0 ? 0 : Math.max(0, skip - (await store.countProducts(db, filter, tier, Number.MAX_SAFE_INTEGER - 1)))
      need -= rows.length
      found.push(...rows)
    }
    const hasMore = found.length > q.perPage
    return { rows: found.slice(0, q.perPage), hasMore, total: Math.max(total, found.length), capped }
  }

  /**
   * Prices rows for the company, each line as if it were alone in a cart: a catalog page is not an order, so order-sum and
   * number-of-positions rules must not see the hundred rows on screen as one. The pricing service loads the company's
   * terms once for all of them.
   */
  function priceRows(v: Versions, companyId: number, lines: PriceLineInput[]): Promise<PricedLine[]> {
    return lines.length ? pricing.priceEach(companyId, lines, v) : Promise.resolve([])
  }

  /** Attribute values of each product as short texts («Эфиопия», «мытая», «1 900 м») with the attribute's name, in attribute order. */
  function valuesByProduct(values: AttributeValueRow[], attributes: AttributeRow[]): Map<number, { name: string; text: string }[]> {
    const attr = new Map(attributes.map((a) => [a.id, a]))
    const grouped = new Map<number, Map<number, string[]>>()
    for (const v of values) {
      const a = attr.get(v.attribute_id)
      const text = !a ? null : v.value ?? (v.num_milli !== null ? numberText(v.num_milli, a.unit) : v.text_value)
      if (!a || !text) continue
      const perProduct = grouped.get(v.product_id) ?? new Map<number, string[]>()
      perProduct.set(a.id, [...(perProduct.get(a.id) ?? []), text])
      grouped.set(v.product_id, perProduct)
    }
    const out = new Map<number, { name: string; text: string }[]>()
    for (const [pid, m] of grouped) out.set(pid, attributes.filter((a) => m.has(a.id)).map((a) => ({ name: a.name, text: m.get(a.id)!.join(', ') })))
    return out
  }

  /** Rows for products without prices: packagings, stock, key values and the typed quantity; only the stock is read. */
  async function assembleRows(v: Versions, items: Card[], typed: Map<number, TypedRow>): Promise<Omit<CatalogRow, 'price'>[]> {
    // Blends show what their components allow: the recipes are cached with the catalog, the stock is read fresh in one
    // query for the products and the components of the blends among them.
    const ids = items.map((c) => c.product.id)
    const recipes = await recipesCache.get(v.catalog, () => stockStore.allRecipes(db))
    const components = ids.flatMap((id) => (recipes.get(id) ?? []).map((c) => c.componentId))
    const stock = blendStockFromRecipes(ids, await stockStore.stockRows(db, [...ids, ...components]), recipes)
    const availableOf = new Map<number, Map<number, number>>()
    for (const s of stock) {
      const m = availableOf.get(s.product_id) ?? new Map<number, number>()
      m.set(s.warehouse_id, availableMilli(s.on_hand_milli, s.reserved_milli))
      availableOf.set(s.product_id, m)
    }
    return items.map(({ product, packagings: own, keyValues }) => {
      const t = typed.get(product.id)
      const packaging = (t?.packagingId ? own.find((p) => p.id === t.packagingId) : undefined) ?? own[0] ?? null
      const qty = rowQuantity(t?.text ?? '', packaging && packagingRule(packaging), product.base_unit)
      return {
        product,
        packagings: own,
        packaging,
        keyValues,
        available: availableOf.get(product.id) ?? new Map<number, number>(),
        typed: (t?.text ?? '').slice(0, 20),
        qtyMilli: qty.qtyMilli,
        ordered: qty.ordered,
        note: qty.note,
        error: qty.error,
      }
    })
  }

  /** Full rows for products: packagings, stock, key values, the typed quantity and the company's price. */
  async function buildRows(v: Versions, companyId: number, items: Card[], typed: Map<number, TypedRow>): Promise<CatalogRow[]> {
    const rows = await assembleRows(v, items, typed)
    const priced = await priceRows(v, companyId, rows.map((r) => ({ productId: r.product.id, qtyMilli: r.qtyMilli })))
    return rows.map((r, i) => withPrice(r, priced[i]!))
  }

  /**
   * Rows priced at the smallest order of every packaging (one line each, or one base unit for a product without
   * packagings), in one call: `price` is the first packaging's, `packPrices` one per packaging.
   */
  async function rowsWithPackPrices(v: Versions, companyId: number, items: Card[]) {
    const rows = await assembleRows(v, items, new Map())
    const lines = rows.flatMap((r) =>
      r.packagings.length
        ? r.packagings.map((p) => ({ productId: r.product.id, qtyMilli: rowQuantity('', packagingRule(p), r.product.base_unit).qtyMilli }))
        : [{ productId: r.product.id, qtyMilli: r.qtyMilli }],
    )
    const priced = await priceRows(v, companyId, lines)
    let k = 0
    return rows.map((r) => {
      const packPrices = priced.slice(k, k + Math.max(1, r.packagings.length))
      k += Math.max(1, r.packagings.length)
      return { row: withPrice(r, packPrices[0]!), packPrices: r.packagings.length ? packPrices : [] }
    })
  }

  /** Facets for the filter panel: filterable attributes of the category chain (or of the rows' categories at the root). */
  async function facetsFor(v: Versions, q: CatalogQuery, ref: Reference, products: ProductRow[]): Promise<Facet[]> {
    const { categories, attributes } = ref
    const byId = new Map(categories.map((c) => [c.id, c]))
    const scope = new Set<number>()
    const addChain = (id: number | null) => {
      const c = id === null ? undefined : byId.get(id)
      if (c) for (const pid of pathIds(c.path)) scope.add(pid)
    }
    if (q.categoryId !== null) {
      addChain(q.categoryId)
      for (const id of subtree(categories, q.categoryId)) scope.add(id)
    } else if (q.q) {
      // A search across the catalog offers the filters of the categories it found.
      for (const p of products) addChain(p.category_id)
    }
    const used = new Set([...Object.keys(q.options), ...Object.keys(q.ranges)])
    const shown = attributes.filter(
      (a) => a.type !== 'text' && ((a.filterable && (a.category_id === null || scope.has(a.category_id))) || used.has(a.code)),
    )
    const facets: Facet[] = []
    for (const a of shown) {
      const bounds = a.type === 'number' ? await boundsCache.get(v.catalog, a.id, () => store.numberBounds(db, a.id)) : { min: null, max: null }
      facets.push({ attribute: a, options: a.type === 'list' ? ref.options.filter((o) => o.attribute_id === a.id) : [], bounds })
    }
    return facets
  }

  return {
    /** Staff settings of the warehouses (`/admin/warehouses`). */
    warehouseAdmin: createWarehousesAdmin(deps),
    packagingAdmin: createPackagingsAdmin(deps),

    /**
     * One page of the catalog for the company: the category (404 when it does not exist), the search tiers, filters and
     * sort of the query, rows priced with what the buyer typed (`typed`, from the no-JavaScript recalculation), the facets
     * (skipped with `facets: false`, as the API does) and the category tree. `o.versions`: the counters the request
     * already read, if any.
     */
    async list(companyId: number, q: CatalogQuery, typed: Map<number, TypedRow> = new Map(), o: { facets?: boolean; versions?: Versions } = {}) {
      const v = o.versions ?? (await readVersions(db))
      const ref = await reference(v)
      const { categories, warehouses } = ref
      const category = q.categoryId === null ? null : categories.find((c) => c.id === q.categoryId) ?? null
      if (q.categoryId !== null && !category) throw new NotFound('Такого раздела нет в каталоге')
      const filter = resolveFilter(q, ref)
      const tiers = tiersFor(q.q, ref.options)
      const priceTypeIds = q.sort === 'price' || q.sort === 'price_desc' ? await pricing.sortPriceTypeIds(companyId, v) : []
      const page = await cachedPage(v, filter, tiers, q, priceTypeIds)
      const items = await cards(v, ref, page.rows)
      const [rows, facets] = await Promise.all([
        buildRows(v, companyId, items, typed),
        o.facets === false ? Promise.resolve([]) : facetsFor(v, q, ref, items.map((c) => c.product)),
      ])
      return { query: q, category, categories, warehouses, facets, rows, total: page.total, capped: page.capped, hasMore: page.hasMore }
    },

    /** The price cells of one row for a typed count of a packaging (the live update as the buyer types). */
    async row(companyId: number, productId: number, typed: TypedRow) {
      const v = await readVersions(db)
      const [card] = await cards(v, await reference(v), [productId])
      if (!card || !card.product.is_active) throw new NotFound('Товар не найден')
      const [row] = await buildRows(v, companyId, [card], new Map([[productId, typed]]))
      return row!
    },

    /** A product card by article (normalised, so /catalog/p/eco-cup-250 finds ECO-CUP-250); inactive products are 404. */
    async product(companyId: number, skuParam: string) {
      const skuNorm = normalizeSku(skuParam.slice(0, 100))
      const found = skuNorm ? await store.productBySkuNorm(db, skuNorm) : undefined
      if (!found || !found.is_active) throw new NotFound('Товар не найден или больше не продаётся')
      const v = await readVersions(db)
      const ref = await reference(v)
      const { categories, warehouses } = ref
      const [card] = await cards(v, ref, [found.id])
      if (!card) throw new NotFound('Товар не найден или больше не продаётся')
      const product = card.product
      const [{ row, packPrices }] = await rowsWithPackPrices(v, companyId, [card])
      const properties = card.properties
      const category = product.category_id === null ? null : categories.find((c) => c.id === product.category_id) ?? null
      const trail = category ? pathIds(category.path).map((id) => categories.find((c) => c.id === id)).filter((c): c is CategoryRow => !!c) : []
      return { row, warehouses, properties, packPrices, trail, images: card.images }
    },

    /** The stored file of a picture of a product on sale (404 otherwise). */
    async imageFile(imageId: number): Promise<{ file_id: number }> {
      const found = await store.imageFile(db, imageId)
      if (!found) throw new NotFound('Картинка не найдена')
      return found
    },

    /** The category tree, for the price list form and the API. */
    categories: async () => (await reference(await readVersions(db))).categories,

    /** Active warehouses, in display order. */
    warehouses: async () => (await reference(await readVersions(db))).warehouses,

    /**
     * The rows of the company's personal price list, category by category in tree order and by name inside, read in chunks
     * of 200 so a catalog of any size streams in constant memory: each product with its packagings, the price of every
     * packaging, and the stock per warehouse. `categoryId` limits it to one subtree (404 when there is no such category).
     */
    async *priceList(companyId: number, categoryId: number | null): AsyncGenerator<{ category: string; row: CatalogRow; packPrices: PricedLine[] }> {
      const v = await readVersions(db)
      const ref = await reference(v)
      const { categories } = ref
      if (categoryId !== null && !categories.some((c) => c.id === categoryId)) throw new NotFound('Такого раздела нет в каталоге')
      const titles = new Map(categories.map((c) => [c.id, c]))
      const ordered = treeOrder(categories).filter((c) => categoryId === null || pathIds(c.path).includes(categoryId))
      const sections: { id: number | null; title: string }[] = ordered.map((c) => ({
        id: c.id,
        title: pathIds(c.path).map((id) => titles.get(id)?.name ?? '').join(' / '),
      }))
      if (categoryId === null) sections.push({ id: null, title: 'Без раздела' })
      for (const s of sections) {
        let after: { name: string; id: number } | null = null
        for (;;) {
          const chunk = await store.productsByName(db, s.id, after, 200)
          if (!chunk.length) break
          after = { name: chunk[chunk.length - 1]!.name_search, id: chunk[chunk.length - 1]!.id }
          const items = await cards(v, ref, chunk.map((p) => p.id))
          for (const { row, packPrices } of await rowsWithPackPrices(v, companyId, items)) yield { category: s.title, row, packPrices }
          if (chunk.length < 200) break
        }
      }
    },
  }
}
