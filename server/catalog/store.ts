import type { Knex } from 'knex'
import type { Db } from '../db/knex.js'
import { insertId, joinInOrder, whereNameHasWords, whereStartsWith } from '../db/dialect.js'
import { stockWithBlends } from '../stock/store.js'
import type {
  AttributeRow,
  AttributeValueRow,
  CategoryRow,
  OptionRow,
  ProductFilter,
  ProductRow,
  ProductSort,
  SearchTier,
  StockRow,
  WarehouseRow,
} from './types.js'

export interface ProductBrief {
  id: number
  sku: string
  name: string
  base_unit: string
  category_id: number | null
  is_active: boolean | number
  vat_rate: string
}

export interface PackagingRow {
  id: number
  product_id: number
  name: string
  factor_milli: number
  min_qty_milli: number
  step_milli: number
  is_default: boolean | number
  sort: number
}

function normalizePackaging(r: PackagingRow): PackagingRow {
  return { ...r, factor_milli: Number(r.factor_milli), min_qty_milli: Number(r.min_qty_milli), step_milli: Number(r.step_milli) }
}

/** Products by id (any state), for carts and orders. */
export function productsByIds(db: Db, ids: number[]): Promise<ProductBrief[]> {
  if (!ids.length) return Promise.resolve([])
  return db('products').whereIn('id', ids).select('id', 'sku', 'name', 'base_unit', 'category_id', 'is_active', 'vat_rate')
}

/** The packagings of the given products, default first. */
export async function packagingsOf(db: Db, productIds: number[]): Promise<PackagingRow[]> {
  if (!productIds.length) return []
  const rows: PackagingRow[] = await db('packagings').whereIn('product_id', productIds).orderBy([
    { column: 'product_id' },
    { column: 'is_default', order: 'desc' },
    { column: 'sort' },
    { column: 'id' },
  ])
  return rows.map(normalizePackaging)
}

/** The pictures of these products, main first (their ids: `/catalog/images/:id` serves them). */
export async function imagesOf(db: Db, productIds: number[]): Promise<{ id: number; product_id: number }[]> {
  if (!productIds.length) return []
  const rows: { id: number; product_id: number }[] = await db('product_images').whereIn('product_id', productIds).orderBy([{ column: 'product_id' }, { column: 'sort' }, { column: 'id' }]).select('id', 'product_id')
  return rows.map((r) => ({ id: Number(r.id), product_id: Number(r.product_id) }))
}

/** A picture's stored file, when its product is on sale. */
export async function imageFile(db: Db, imageId: number): Promise<{ file_id: number } | undefined> {
  const row = await db('product_images').join('products', 'products.id', 'product_images.product_id').where('product_images.id', imageId).andWhere('products.is_active', true).first('product_images.file_id')
  return row ? { file_id: Number(row.file_id) } : undefined
}

/* ------------------------------------------------------------------ reference data */

/** Active categories in display order (the tree is small: hundreds, read whole). */
export async function listCategories(db: Db): Promise<CategoryRow[]> {
  return db('categories').where({ is_active: true }).orderBy([{ column: 'depth' }, { column: 'sort' }, { column: 'name' }, { column: 'id' }]).select('id', 'parent_id', 'name', 'path', 'depth', 'sort')
}

/** Active warehouses in display order. */
export async function listWarehouses(db: Db): Promise<WarehouseRow[]> {
  const rows: WarehouseRow[] = await db('warehouses').where({ is_active: true }).orderBy([{ column: 'sort' }, { column: 'id' }]).select('id', 'name', 'kind', 'show_mode', 'low_packagings', 'sort')
  return rows.map((r) => ({ ...r, show_mode: r.show_mode === 'qty' ? 'qty' : 'status', low_packagings: Number(r.low_packagings) }))
}

/** Every attribute definition (tens of rows). */
export async function listAttributes(db: Db): Promise<AttributeRow[]> {
  const rows: AttributeRow[] = await db('attributes').orderBy([{ column: 'sort' }, { column: 'id' }]).select('id', 'category_id', 'code', 'name', 'type', 'unit', 'filterable', 'key', 'sort')
  return rows.map((r) => ({ ...r, filterable: !!r.filterable, key: !!r.key }))
}

/** The options of list attributes (all of them when no ids are given). */
export function listOptions(db: Db, attributeIds?: number[]): Promise<OptionRow[]> {
  const q = db('attribute_options').orderBy([{ column: 'attribute_id' }, { column: 'sort' }, { column: 'value' }]).select('id', 'attribute_id', 'value', 'sort')
  if (attributeIds) {
    if (!attributeIds.length) return Promise.resolve([])
    q.whereIn('attribute_id', attributeIds)
  }
  return q
}

/** The smallest and largest value of a number attribute: two ends of its (attribute_id, num_milli) index. */
export async function numberBounds(db: Db, attributeId: number): Promise<{ min: number | null; max: number | null }> {
  const row = await db('product_attributes').where({ attribute_id: attributeId }).whereNotNull('num_milli').min({ min: 'num_milli' }).max({ max: 'num_milli' }).first()
  return { min: row?.min == null ? null : Number(row.min), max: row?.max == null ? null : Number(row.max) }
}

/* ------------------------------------------------------------------ listing and search */

const LIST_COLUMNS = ['p.id', 'p.sku', 'p.name', 'p.brand', 'p.category_id', 'p.base_unit', 'p.vat_rate', 'p.weight_grams', 'p.profile', 'p.is_active']

function normalizeProduct(r: ProductRow): ProductRow {
  return { ...r, is_active: !!r.is_active, weight_grams: Number(r.weight_grams) }
}

/**
 * How a listing reaches its rows. `walk`: along the order's own index ((is_active, popularity) or (is_active, name_search)),
 * testing each product against the filters, which stops after one page when matches are common. `pick`: from the most
 * selective index of the filters (article range, name index, category, attribute value), then sorting what was found,
 * which is cheap when matches are few. The (capped) count of the tier decides; without a hint both planners tend to walk
 * the order index for a handful of matches and read every product.
 */
export type Plan = 'walk' | 'pick'

/**
 * The filters shared by every tier. Attribute filters go from the value to the products through the
 * (attribute_id, option_id, product_id) and (attribute_id, num_milli, product_id) indexes; «в наличии» means something is
 * available at an active warehouse that is not in transit. In the `pick` plan «active» is written as an expression, so
 * neither engine can pick the (is_active, …) indexes and drift into walking them.
 */
function applyFilter(db: Db, q: Knex.QueryBuilder, f: ProductFilter, plan: Plan): Knex.QueryBuilder {
  if (plan === 'walk') q.where('p.is_active', true)
  else q.whereRaw('(p.is_active + 0) = 1')
  if (f.categoryIds) q.whereIn('p.category_id', f.categoryIds.length ? f.categoryIds : [0])
  for (const o of f.options) {
    q.whereIn('p.id', db('product_attributes').where('attribute_id', o.attributeId).whereIn('option_id', o.optionIds).select('product_id'))
  }
  for (const r of f.ranges) {
    const sub = db('product_attributes').where('attribute_id', r.attributeId).select('product_id')
    if (r.min !== null) sub.where('num_milli', '>=', r.min)
    if (r.max !== null) sub.where('num_milli', '<=', r.max)
    if (r.min === null && r.max === null) sub.whereNotNull('num_milli')
    q.whereIn('p.id', sub)
  }
  if (f.inStock) {
    // A blend is in stock where every one of its components is available for at least one thousandth of the blend.
    const blendInStock = (w: Knex.QueryBuilder) =>
      w
        .whereExists(db('blend_recipes as r0').whereRaw('r0.product_id = p.id').select(db.raw('1')))
        .whereExists(
          db('warehouses as bw')
            .where('bw.is_active', true)
            .whereNot('bw.kind', 'transit')
            .whereNotExists(
              db('blend_recipes as r')
                .whereRaw('r.product_id = p.id')
                .whereNotExists(db('stock as bs').whereRaw('bs.warehouse_id = bw.id AND bs.product_id = r.component_id AND (bs.on_hand_milli - bs.reserved_milli) * 1000 >= r.qty_milli').select(db.raw('1')))
                .select(db.raw('1')),
            )
            .select(db.raw('1')),
        )
    q.where((w) =>
      w
        .whereExists(
          db('stock as s')
            .join('warehouses as w', 'w.id', 's.warehouse_id')
            .whereRaw('s.product_id = p.id')
            .where('w.is_active', true)
            .whereNot('w.kind', 'transit')
            .whereRaw('s.on_hand_milli > s.reserved_milli')
            .select(db.raw('1')),
        )
        .orWhere(blendInStock),
    )
  }
  return q
}

/** Products of one tier of the search (see `SearchTier`); each tier excludes what an earlier tier already showed. */
function applyTier(db: Db, q: Knex.QueryBuilder, t: SearchTier): Knex.QueryBuilder {
  const notSkuPrefix = (skuNorm: string) => {
    if (skuNorm) q.whereNot((w) => void whereStartsWith(w, db, 'p.sku_norm', skuNorm))
  }
  switch (t.kind) {
    case 'all':
      return q
    case 'exact':
      return q.where('p.sku_norm', t.skuNorm)
    case 'prefix':
      return whereStartsWith(q, db, 'p.sku_norm', t.skuNorm).whereNot('p.sku_norm', t.skuNorm)
    case 'name':
      notSkuPrefix(t.skuNorm)
      return whereNameHasWords(q, db, 'p.id', 'p.name_search', t.words)
    case 'attr': {
      const withOptions = (opts: { attributeId: number; optionIds: number[] }[]) =>
        db('product_attributes')
          .where((a) => {
            for (const o of opts) a.orWhere((b) => b.where('attribute_id', o.attributeId).whereIn('option_id', o.optionIds))
          })
          .select('product_id')
      // Redundant but decisive for the plan: a product of this tier has a matching value for some word (otherwise every
      // word is in its name and it belongs to the name tier), so the read starts from the value index.
      q.whereIn('p.id', withOptions(t.optionsPerWord.flat()))
      notSkuPrefix(t.skuNorm)
      q.whereNot((w) => void whereNameHasWords(w, db, 'p.id', 'p.name_search', t.words))
      // With one word the two conditions above already say it all.
      if (t.words.length > 1) t.words.forEach((word, i) => {
        const opts = t.optionsPerWord[i] ?? []
        q.where((w) => {
          w.where((n) => void whereNameHasWords(n, db, 'p.id', 'p.name_search', [word]))
          if (opts.length) w.orWhereIn('p.id', withOptions(opts))
        })
      })
      return q
    }
  }
}

function base(db: Db, f: ProductFilter, tier: SearchTier, plan: Plan): Knex.QueryBuilder {
  return applyTier(db, applyFilter(db, db('products as p'), f, plan), tier)
}

/**
 * The price that stands for the buyer's: the first of their price types with a price (at most three are joined), for the
 * few products of a `pick` plan.
 */
function joinPrice(q: Knex.QueryBuilder, typeIds: number[]): string {
  const types = typeIds.slice(0, 3)
  types.forEach((typeId, i) => q.leftJoin(`prices as sp${i}`, (j) => j.on(`sp${i}.product_id`, 'p.id').andOnVal(`sp${i}.price_type_id`, '=', typeId)))
  return types.length === 1 ? 'sp0.kopecks' : `COALESCE(${types.map((_, i) => `sp${i}.kopecks`).join(', ')})`
}

/**
 * One page of one tier: the ids of active products that pass the filter, ordered, `limit` from `offset`, reached by
 * `plan`. Only ids: the rows themselves come from the catalog's card cache.
 */
export async function listProducts(db: Db, f: ProductFilter, tier: SearchTier, sort: ProductSort, limit: number, offset: number, plan: Plan): Promise<number[]> {
  const byPrice = (sort.key === 'price' || sort.key === 'price_desc') && sort.priceTypeIds.length > 0
  if (byPrice && plan === 'walk') return listByPriceWalk(db, f, tier, sort, limit, offset)
  const q = base(db, f, tier, plan)
  if (byPrice) {
    const price = joinPrice(q, sort.priceTypeIds)
    const dir = sort.key === 'price' ? 'ASC' : 'DESC'
    q.orderByRaw(`CASE WHEN ${price} IS NULL THEN 1 ELSE 0 END, ${price} ${dir}, p.id ${dir}`)
  } else if (sort.key === 'name') {
    q.orderBy([{ column: 'p.name_search' }, { column: 'p.id' }])
  } else {
    q.orderBy([{ column: 'p.popularity', order: 'desc' }, { column: 'p.id', order: 'desc' }])
  }
  const rows: { id: number }[] = await q.select('p.id').limit(limit).offset(offset)
  return rows.map((r) => Number(r.id))
}

/**
 * A price sort over many products without sorting them all. A product's price is its price in the first of the buyer's
 * types that has one, so the order is a merge of one walk per type along the (price_type_id, kopecks) index, each skipping
 * products an earlier type already prices; products with no price in any of the types follow, by id. Each walk reads at
 * most `offset + limit` rows, so page one costs a few hundred index entries whatever the catalog's size.
 */
async function listByPriceWalk(db: Db, f: ProductFilter, tier: SearchTier, sort: ProductSort, limit: number, offset: number): Promise<number[]> {
  const types = sort.priceTypeIds.slice(0, 3)
  const dir = sort.key === 'price' ? 'asc' : 'desc'
  const want = offset + limit
  const walks = await Promise.all(
    types.map(async (typeId, i) => {
      const q = joinInOrder(db('prices as sp'), db, 'products as p', 'p.id', 'sp.product_id').where('sp.price_type_id', typeId)
      // Products an earlier type prices are that type's: one primary-key probe each, no subquery to build.
      types.slice(0, i).forEach((earlier, k) => {
        q.leftJoin(`prices as e${k}`, (j) => j.on(`e${k}.product_id`, 'p.id').andOnVal(`e${k}.price_type_id`, '=', earlier)).whereNull(`e${k}.product_id`)
      })
      applyTier(db, applyFilter(db, q, f, 'pick'), tier)
      const rows: { id: number; kopecks: number }[] = await q.orderBy([{ column: 'sp.kopecks', order: dir }, { column: 'p.id', order: dir }]).limit(want).select(['p.id', 'sp.kopecks'])
      return rows.map((r) => ({ id: Number(r.id), kopecks: Number(r.kopecks) }))
    }),
  )
  const sign = dir === 'asc' ? 1 : -1
  const merged = walks.flat().sort((a, b) => sign * (a.kopecks - b.kopecks) || sign * (a.id - b.id))
  let rows = merged.slice(0, want).map((p) => p.id)
  if (rows.length < want && walks.every((w) => w.length < want)) {
    // Every priced product is in `merged`; the unpriced ones come after them.
    const unpriced: { id: number }[] = await base(db, f, tier, 'walk')
      .whereNotExists(db('prices as e').whereRaw('e.product_id = p.id').whereIn('e.price_type_id', types).select(db.raw('1')))
      .orderBy('p.id', dir)
      .limit(want - merged.length)
      .select('p.id')
    rows = [...rows, ...unpriced.map((r) => Number(r.id))]
  }
  return rows.slice(offset, want)
}

/**
 * How many products a tier has, counting at most `cap` + 1 of them from the most selective index: the inner LIMIT stops the
 * walk early, so a count over a hundred thousand products costs no more than the page itself. Above `cap` means «больше».
 */
export async function countProducts(db: Db, f: ProductFilter, tier: SearchTier, cap: number): Promise<number> {
  const inner = base(db, f, tier, 'pick').select('p.id').limit(cap + 1)
  const row = await db.from(inner.as('t')).count({ n: '*' }).first()
  return Number(row?.n ?? 0)
}

/** A product by its normalised article (any state: the caller decides what an inactive one means). */
export async function productBySkuNorm(db: Db, skuNorm: string): Promise<ProductRow | undefined> {
  const row = await db('products as p').where('p.sku_norm', skuNorm).first(LIST_COLUMNS)
  return row ? normalizeProduct(row) : undefined
}

/** Products by id with the listing columns (any state). */
export async function productRowsByIds(db: Db, ids: number[]): Promise<ProductRow[]> {
  if (!ids.length) return []
  const rows: ProductRow[] = await db('products as p').whereIn('p.id', ids).select(LIST_COLUMNS)
  return rows.map(normalizeProduct)
}

/**
 * One chunk of a category's active products by name, after the (name, id) of the previous chunk: keyset paging on the
 * (is_active, name_search) index, so a price list of any size is read in constant memory. A null category reads the
 * products without one.
 */
export async function productsByName(db: Db, categoryId: number | null, after: { name: string; id: number } | null, limit: number): Promise<(ProductRow & { name_search: string })[]> {
  const q = db('products as p').where('p.is_active', true)
  if (categoryId === null) q.whereNull('p.category_id')
  else q.where('p.category_id', categoryId)
  if (after) q.where((w) => w.where('p.name_search', '>', after.name).orWhere((e) => e.where('p.name_search', after.name).where('p.id', '>', after.id)))
  const rows = await q.orderBy([{ column: 'p.name_search' }, { column: 'p.id' }]).limit(limit).select([...LIST_COLUMNS, 'p.name_search'])
  return rows.map((r: ProductRow & { name_search: string }) => ({ ...normalizeProduct(r), name_search: r.name_search }))
}

/**
 * Stock rows of the given products at every warehouse, in one query. A blend (a product with a recipe) gets rows derived
 * from its components' stock: its availability per warehouse as `on_hand_milli`, nothing reserved (`stock/store.ts`).
 */
export function stockOf(db: Db, productIds: number[]): Promise<StockRow[]> {
  return stockWithBlends(db, productIds)
}

/** Attribute values of the given products (only of `attributeIds` when given), with the option's text for list values. */
export async function attributeValuesOf(db: Db, productIds: number[], attributeIds?: number[]): Promise<AttributeValueRow[]> {
  if (!productIds.length || (attributeIds && !attributeIds.length)) return []
  const q = db('product_attributes as pa')
    .leftJoin('attribute_options as o', 'o.id', 'pa.option_id')
    .whereIn('pa.product_id', productIds)
    .orderBy([{ column: 'pa.product_id' }, { column: 'pa.attribute_id' }, { column: 'o.sort' }, { column: 'pa.id' }])
    .select('pa.product_id', 'pa.attribute_id', 'pa.option_id', 'o.value', 'pa.num_milli', 'pa.text_value')
  if (attributeIds) q.whereIn('pa.attribute_id', attributeIds)
  const rows: AttributeValueRow[] = await q
  return rows.map((r) => ({ ...r, num_milli: r.num_milli == null ? null : Number(r.num_milli) }))
}

/* ------------------------------------------------------------------ writes (seed, exchange, tests) */

async function insertChunks(db: Db, table: string, rows: Record<string, unknown>[], size = 200): Promise<void> {
  for (let i = 0; i < rows.length; i += size) await db(table).insert(rows.slice(i, i + size))
}

/** Adds a category under `parentId` and fills its materialised path («/3/17/») and depth. */
export async function insertCategory(db: Db, c: { parentId: number | null; name: string; sort?: number; externalId?: string | null }, now: number): Promise<number> {
  const parent: { path: string; depth: number } | undefined = c.parentId ? await db('categories').where({ id: c.parentId }).first('path', 'depth') : undefined
  const id = await insertId(db, 'categories', { parent_id: c.parentId, name: c.name, sort: c.sort ?? 0, external_id: c.externalId ?? null, path: '/', depth: parent ? Number(parent.depth) + 1 : 0, created_at: now, updated_at: now })
  await db('categories').where({ id }).update({ path: `${parent?.path ?? '/'}${id}/` })
  return id
}

/** Adds an attribute definition. */
export function insertAttribute(db: Db, a: Omit<AttributeRow, 'id' | 'sort'> & { sort?: number }): Promise<number> {
  return insertId(db, 'attributes', { ...a, sort: a.sort ?? 0 })
}

/** Adds the options of a list attribute in the given order; returns value → id. */
export async function insertOptions(db: Db, attributeId: number, values: string[]): Promise<Map<string, number>> {
  await insertChunks(db, 'attribute_options', values.map((value, sort) => ({ attribute_id: attributeId, value, sort })))
  const rows: OptionRow[] = await db('attribute_options').where({ attribute_id: attributeId }).select('id', 'value')
  return new Map(rows.map((r) => [r.value, r.id]))
}

/** A product to insert; `sku_norm` and `name_search` are derived by the caller with `normalizeSku` and `foldText`. */
export interface ProductWrite {
  sku: string
  sku_norm: string
  name: string
  name_search: string
  brand?: string
  category_id: number | null
  base_unit: string
  vat_rate: string
  weight_grams?: number
  profile?: string | null
  popularity?: number
  is_active?: boolean
  external_id?: string | null
}

/** Inserts products in batches; returns normalised article → id. */
export async function insertProducts(db: Db, rows: ProductWrite[], now: number): Promise<Map<string, number>> {
  await insertChunks(db, 'products', rows.map((r) => ({ ...r, created_at: now, updated_at: now })))
  return idsBySkuNorm(db, rows.map((r) => r.sku_norm))
}

/** Inserts packagings in batches. */
export function insertPackagings(db: Db, rows: Omit<PackagingRow, 'id'>[]): Promise<void> {
  return insertChunks(db, 'packagings', rows as unknown as Record<string, unknown>[])
}

/** Inserts attribute values in batches. */
export function insertAttributeValues(
  db: Db,
  rows: { product_id: number; attribute_id: number; option_id?: number | null; num_milli?: number | null; text_value?: string | null }[],
): Promise<void> {
  return insertChunks(db, 'product_attributes', rows)
}

/** Adds a warehouse. */
export function insertWarehouse(db: Db, w: Omit<WarehouseRow, 'id'> & { external_id?: string | null }): Promise<number> {
  return insertId(db, 'warehouses', w)
}

/** Inserts stock rows in batches. */
export function insertStock(db: Db, rows: StockRow[], now: number): Promise<void> {
  return insertChunks(db, 'stock', rows.map((r) => ({ ...r, updated_at: now })))
}

/** Ids of the products with the given normalised articles that exist (normalised article → id). */
export async function idsBySkuNorm(db: Db, norms: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  for (let i = 0; i < norms.length; i += 500) {
    const rows: { id: number; sku_norm: string }[] = await db('products').whereIn('sku_norm', norms.slice(i, i + 500)).select('id', 'sku_norm')
    for (const r of rows) out.set(r.sku_norm, Number(r.id))
  }
  return out
}

/** Every warehouse, inactive ones too, for the staff page. */
export async function listAllWarehouses(db: Db): Promise<(WarehouseRow & { is_active: boolean; external_id: string | null })[]> {
  const rows = await db('warehouses').orderBy([{ column: 'sort' }, { column: 'id' }]).select('id', 'name', 'kind', 'show_mode', 'low_packagings', 'sort', 'is_active', 'external_id')
  return rows.map((r: WarehouseRow & { is_active: boolean | number; external_id: string | null }) => ({ ...r, is_active: !!r.is_active }))
}

/** Changes how a warehouse is shown to buyers; returns the number of rows changed (0: no such warehouse). */
export function updateWarehouse(db: Db, id: number, patch: Partial<Omit<WarehouseRow, 'id'>> & { is_active?: boolean }): Promise<number> {
  return db('warehouses').where({ id }).update(patch)
}

/** A packaging with its shipping sizes, for the staff page of packagings. */
export interface PackagingSizesRow {
  id: number
  product_id: number
  name: string
  factor_milli: number
  is_default: boolean
  external_id: string | null
  weight_g: number | null
  length_cm: number | null
  width_cm: number | null
  height_cm: number | null
}

/** The packagings of one product with their shipping sizes, default first. */
export async function packagingSizesOf(db: Db, productId: number): Promise<PackagingSizesRow[]> {
  const rows = await db('packagings').where({ product_id: productId }).orderBy([{ column: 'is_default', order: 'desc' }, { column: 'sort' }, { column: 'id' }])
    .select('id', 'product_id', 'name', 'factor_milli', 'is_default', 'external_id', 'weight_g', 'length_cm', 'width_cm', 'height_cm')
  return rows.map((r: PackagingSizesRow) => ({ ...r, factor_milli: Number(r.factor_milli), is_default: !!r.is_default }))
}

/** Saves a packaging's shipping sizes (null: not known); 0 when the packaging is not the product's. */
export async function updatePackagingSizes(db: Db, productId: number, packagingId: number, s: { weight_g: number | null; length_cm: number | null; width_cm: number | null; height_cm: number | null }): Promise<number> {
  return Number(await db('packagings').where({ id: packagingId, product_id: productId }).update(s))
}
