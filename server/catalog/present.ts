import { formatRub, lineKopecks } from '../shared/money.js'
import type { PricedLine } from '../pricing/types.js'
import { SORTS, catalogParams, formatQty, milliText, stockLevel, stockText } from './rules.js'
import type { Facet } from './service.js'
import type { CatalogQuery, CatalogRow, CategoryRow, WarehouseRow } from './types.js'

/** «1 товар», «3 товара», «25 товаров». */
export function productsWord(n: number): string {
  const d = n % 10
  const dd = n % 100
  if (d === 1 && dd !== 11) return 'товар'
  if (d >= 2 && d <= 4 && (dd < 12 || dd > 14)) return 'товара'
  return 'товаров'
}

/** «больше 1 товара», «больше 100 товаров»: the genitive after «больше». */
export function productsWordGenitive(n: number): string {
  return n % 10 === 1 && n % 100 !== 11 ? 'товара' : 'товаров'
}

/** The listing's path: the whole catalog or one category. */
function basePath(q: CatalogQuery): string {
  return q.categoryId === null ? '/catalog' : `/catalog/c/${q.categoryId}`
}

/** A catalog URL with the query's search, filters and sort, and the given changes. */
export function catalogUrl(q: CatalogQuery, change: Partial<CatalogQuery> = {}, extra: [string, string][] = []): string {
  const next = { ...q, ...change }
  const params = new URLSearchParams([...catalogParams(next), ...extra])
  const s = params.toString()
  return s ? `${basePath(next)}?${s}` : basePath(next)
}

/** The address of a product card. */
export function productUrl(sku: string): string {
  return `/catalog/p/${encodeURIComponent(sku)}`
}

/*
 * Row view-models are memoised by the identity of what they are made of. The catalog's caches hand out the same product,
 * packaging and priced-line objects for as long as the data versions stay (`db/versions.ts`), and nothing mutates them, so
 * the strings of a row nobody typed into are written once per version rather than once per request. Weak maps: they go
 * when the caches let the objects go.
 */
const cellsMemo = new WeakMap<PricedLine, Map<number, ReturnType<typeof priceCells>>>()
const productMemo = new WeakMap<object, Map<number, ReturnType<typeof productPart>>>()

/** The price cells of a row: per packaging, per base unit, and the line total when a quantity is typed. */
export function presentPriceCells(row: CatalogRow) {
  if (row.ordered || row.note || row.error || row.typed) return priceCells(row)
  const factor = row.packaging?.factor_milli ?? 1000
  let byFactor = cellsMemo.get(row.price)
  if (!byFactor) cellsMemo.set(row.price, (byFactor = new Map()))
  let cells = byFactor.get(factor)
  if (!cells) byFactor.set(factor, (cells = priceCells(row)))
  return cells
}

function priceCells(row: CatalogRow) {
  const p: PricedLine = row.price
  const unit = row.product.base_unit
  const factor = row.packaging?.factor_milli ?? 1000
  const cheaper = p.unitKopecks !== null && p.listUnitKopecks !== null && p.listUnitKopecks > p.unitKopecks
  return {
    id: row.product.id,
    hasPrice: p.unitKopecks !== null,
    packPrice: p.unitKopecks === null ? null : formatRub(lineKopecks(p.unitKopecks, factor)),
    unitPrice: p.unitKopecks === null ? null : `${formatRub(p.unitKopecks)}/${unit}`,
    listUnitPrice: cheaper ? formatRub(p.listUnitKopecks!) : null,
    rule: [p.rule?.label, ...p.discounts.map((d) => d.label)].filter(Boolean).join('; '),
    ordered: row.ordered,
    qtyText: row.ordered ? formatQty(row.qtyMilli, unit) : null,
    sum: row.ordered && p.lineKopecks !== null ? formatRub(p.lineKopecks) : null,
    note: row.note,
    error: row.error,
    // The engine's sentence («ещё 6 шт — и цена 324 ₽/шт, экономия 1 200 ₽») goes into the title; the cell shows the gist.
    nextTier: row.ordered && p.nextTier ? `ещё ${formatQty(p.nextTier.addQtyMilli, unit)} → ${formatRub(p.nextTier.unitKopecks)}/${unit}` : null,
    nextTierText: row.ordered ? p.nextTier?.text ?? null : null,
  }
}

/** What a buyer sees for one warehouse's stock of a row. */
function stockCells(row: CatalogRow, warehouses: WarehouseRow[]) {
  const factor = row.packagings[0]?.factor_milli ?? 1000
  return warehouses.map((w) => {
    const available = row.available.get(w.id) ?? 0
    const level = stockLevel(available, w.low_packagings, factor)
    return { text: stockText(w.show_mode, available, row.product.base_unit, level), level, warehouse: w.name }
  })
}

/** What a row shows of its product and packagings, with one packaging selected. */
function productPart(row: CatalogRow) {
  const p = row.product
  return {
    id: p.id,
    sku: p.sku,
    name: p.name,
    url: productUrl(p.sku),
    profile: p.profile ?? '',
    keyValues: row.keyValues.join(' · '),
    packs: row.packagings.map((k) => ({ id: k.id, name: k.name, selected: k.id === row.packaging?.id })),
    manyPacks: row.packagings.length > 1,
    pack: row.packaging ? { id: row.packaging.id, name: row.packaging.name } : null,
    unit: p.base_unit,
  }
}

/** One row of the catalog table. */
export function presentRow(row: CatalogRow, warehouses: WarehouseRow[]) {
  // Keyed by the card's packagings array (one per product card) and the selected packaging.
  let bySelected = productMemo.get(row.packagings)
  if (!bySelected) productMemo.set(row.packagings, (bySelected = new Map()))
  const selected = row.packaging?.id ?? 0
  let part = bySelected.get(selected)
  if (!part || part.sku !== row.product.sku) bySelected.set(selected, (part = productPart(row)))
  // Written out rather than spread: V8 builds a spread of a shared object much more slowly than a literal.
  return {
    id: part.id,
    sku: part.sku,
    name: part.name,
    url: part.url,
    profile: part.profile,
    keyValues: part.keyValues,
    packs: part.packs,
    manyPacks: part.manyPacks,
    pack: part.pack,
    unit: part.unit,
    typed: row.typed,
    stock: stockCells(row, warehouses),
    cells: presentPriceCells(row),
  }
}

/** The sidebar tree: top level, and the children of every category on the way to the current one. */
function presentTree(categories: CategoryRow[], current: CategoryRow | null, q: CatalogQuery) {
  const open = new Set(current ? current.path.split('/').filter(Boolean).map(Number) : [])
  const ids = new Set(categories.map((c) => c.id))
  const out: { name: string; url: string; depth: number; current: boolean; open: boolean }[] = []
  const walk = (parent: number | null, depth: number) => {
    for (const c of categories.filter((x) => (x.parent_id !== null && ids.has(x.parent_id) ? x.parent_id : null) === parent)) {
      out.push({ name: c.name, url: catalogUrl({ ...q, categoryId: c.id, options: {}, ranges: {}, page: 1 }), depth: Math.min(depth, 4), current: c.id === current?.id, open: open.has(c.id) })
      if (open.has(c.id)) walk(c.id, depth + 1)
    }
  }
  walk(null, 0)
  return out
}

/** Filter panel: checkboxes for list attributes, from–to inputs for numbers (bounds as placeholders). */
function presentFacets(facets: Facet[], q: CatalogQuery) {
  return facets.map((f) => {
    const a = f.attribute
    if (a.type === 'list') {
      const chosen = new Set(q.options[a.code] ?? [])
      return { list: true, code: a.code, name: a.name, field: `f_${a.code}`, open: chosen.size > 0, options: f.options.map((o) => ({ id: o.id, value: o.value, checked: chosen.has(o.id) })) }
    }
    const r = q.ranges[a.code]
    return {
      list: false,
      code: a.code,
      name: a.unit ? `${a.name}, ${a.unit}` : a.name,
      minField: `min_${a.code}`,
      maxField: `max_${a.code}`,
      min: r?.min == null ? '' : milliText(r.min),
      max: r?.max == null ? '' : milliText(r.max),
      minHint: f.bounds.min === null ? 'от' : `от ${milliText(f.bounds.min)}`,
      maxHint: f.bounds.max === null ? 'до' : `до ${milliText(f.bounds.max)}`,
      open: !!r,
    }
  })
}

type CatalogPage = {
  query: CatalogQuery
  category: CategoryRow | null
  categories: CategoryRow[]
  warehouses: WarehouseRow[]
  facets: Facet[]
  rows: CatalogRow[]
  total: number
  capped: boolean
  hasMore: boolean
}

/** The catalog page's view-model: strings and flags only, so the template context stays small. */
export function presentCatalog(page: CatalogPage) {
  const q = page.query
  const c = page.category
  const trail = c ? c.path.split('/').filter(Boolean).map(Number).map((id) => page.categories.find((x) => x.id === id)).filter((x): x is CategoryRow => !!x) : []
  const filtered = Object.keys(q.options).length > 0 || Object.keys(q.ranges).length > 0 || q.inStock
  const from = (q.page - 1) * q.perPage
  return {
    title: q.q ? `Поиск «${q.q}»` : c?.name ?? 'Каталог',
    bodyClass: 'catalog-page',
    q: q.q,
    action: basePath(q),
    sort: q.sort,
    sorts: SORTS.map((s) => ({ ...s, selected: s.key === q.sort })),
    inStock: q.inStock,
    crumbs: trail.map((x) => ({ name: x.name, url: catalogUrl({ ...q, categoryId: x.id, options: {}, ranges: {}, page: 1 }), current: x.id === c?.id })),
    allUrl: catalogUrl({ ...q, categoryId: null, options: {}, ranges: {}, page: 1 }),
    atRoot: !c,
    tree: presentTree(page.categories, c, q),
    facets: presentFacets(page.facets, q),
    filtered,
    resetUrl: catalogUrl({ ...q, options: {}, ranges: {}, inStock: false, page: 1 }),
    warehouses: page.warehouses.map((w) => ({ name: w.name })),
    rows: page.rows.map((r) => presentRow(r, page.warehouses)),
    empty: page.rows.length === 0,
    found: page.capped ? `Найдено больше ${page.total.toLocaleString('ru-RU')} ${productsWordGenitive(page.total)}` : `Найдено ${page.total} ${productsWord(page.total)}`,
    range: page.rows.length ? `${from + 1}–${from + page.rows.length}` : '',
    prevUrl: q.page > 1 ? catalogUrl(q, { page: q.page - 1 }) : null,
    nextUrl: page.hasMore ? catalogUrl(q, { page: q.page + 1 }) : null,
    moreUrl: page.hasMore ? catalogUrl(q, { page: q.page + 1 }, [['part', 'rows']]) : null,
    page: q.page,
    returnTo: catalogUrl(q),
    priceListUrl: c ? `/catalog/price-list.xlsx?category=${c.id}` : '/catalog/price-list.xlsx',
    priceListTitle: c ? `Прайс-лист раздела «${c.name}»` : 'Прайс-лист',
  }
}

/** The product card's view-model. */
export function presentProduct(p: {
  row: CatalogRow
  warehouses: WarehouseRow[]
  properties: { name: string; text: string }[]
  packPrices: PricedLine[]
  trail: CategoryRow[]
  images?: number[]
}) {
  const r = p.row
  const unit = r.product.base_unit
  const images = (p.images ?? []).map((id, i) => ({ url: `/catalog/images/${id}`, alt: i === 0 ? r.product.name : `${r.product.name}, фото ${i + 1}` }))
  return {
    title: r.product.name,
    mainImage: images[0] ?? null,
    moreImages: images.slice(1),
    bodyClass: 'catalog-page',
    row: presentRow(r, p.warehouses),
    brand: r.product.brand,
    vat: r.product.vat_rate === 'none' ? 'без НДС' : `НДС ${r.product.vat_rate}\u00a0%`,
    weight: r.product.weight_grams > 0 && unit !== 'кг' ? formatQty(r.product.weight_grams * 1000, 'г') : null,
    properties: p.properties,
    crumbs: p.trail.map((c) => ({ name: c.name, url: `/catalog/c/${c.id}` })),
    warehouses: p.warehouses.map((w) => ({ name: w.name })),
    packagings: r.packagings.map((k, i) => {
      const price = p.packPrices[i]
      return {
        name: k.name,
        factor: formatQty(k.factor_milli, unit),
        min: k.min_qty_milli > 0 ? formatQty(k.min_qty_milli, unit) : '—',
        step: k.step_milli > 0 ? formatQty(k.step_milli, unit) : formatQty(k.factor_milli, unit),
        packPrice: price?.unitKopecks == null ? null : formatRub(lineKopecks(price.unitKopecks, k.factor_milli)),
        unitPrice: price?.unitKopecks == null ? null : `${formatRub(price.unitKopecks)}/${unit}`,
        rule: price?.rule?.label ?? '',
      }
    }),
    returnTo: productUrl(r.product.sku),
  }
}

/** A product as the buyer API returns it: money in kopecks, quantities in base units, stock as the supplier shows it. */
export function apiProduct(row: CatalogRow, warehouses: WarehouseRow[], properties?: { name: string; text: string }[]) {
  const p = row.product
  const unitPrice = row.price.unitKopecks
  return {
    id: p.id,
    sku: p.sku,
    name: p.name,
    brand: p.brand,
    category_id: p.category_id,
    base_unit: p.base_unit,
    vat_rate: p.vat_rate,
    profile: p.profile ?? '',
    attributes: properties ?? row.keyValues.map((text) => ({ name: null, text })),
    price: {
      unit_kopecks: unitPrice,
      list_unit_kopecks: row.price.listUnitKopecks,
      for_qty: row.qtyMilli / 1000,
      rule: row.price.rule?.label ?? null,
    },
    packagings: row.packagings.map((k) => ({
      id: k.id,
      name: k.name,
      factor: k.factor_milli / 1000,
      min_qty: k.min_qty_milli / 1000,
      step: (k.step_milli || k.factor_milli) / 1000,
      price_kopecks: unitPrice === null ? null : lineKopecks(unitPrice, k.factor_milli),
    })),
    stock: stockCells(row, warehouses).map((s, i) => {
      const w = warehouses[i]!
      return { warehouse_id: w.id, warehouse: w.name, available: w.show_mode === 'qty' ? (row.available.get(w.id) ?? 0) / 1000 : null, status: s.level }
    }),
  }
}

/** A page of products as the buyer API returns it; `total` is exact unless `total_is_lower_bound`. */
export function apiProductsPage(page: { query: CatalogQuery; warehouses: WarehouseRow[]; rows: CatalogRow[]; total: number; capped: boolean; hasMore: boolean }) {
  return {
    items: page.rows.map((r) => apiProduct(r, page.warehouses)),
    page: page.query.page,
    per_page: page.query.perPage,
    total: page.total,
    total_is_lower_bound: page.capped,
    has_more: page.hasMore,
  }
}

/** One product for the buyer API with every attribute and the price of every packaging. */
export function apiProductCard(p: { row: CatalogRow; warehouses: WarehouseRow[]; properties: { name: string; text: string }[]; packPrices: PricedLine[] }) {
  const base = apiProduct(p.row, p.warehouses, p.properties)
  return {
    ...base,
    packagings: base.packagings.map((k, i) => {
      const unit = p.packPrices[i]?.unitKopecks ?? null
      return { ...k, unit_price_kopecks: unit, price_kopecks: unit === null ? null : lineKopecks(unit, p.row.packagings[i]!.factor_milli) }
    }),
  }
}
