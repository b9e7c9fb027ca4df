import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { Knex } from 'knex'
import { normalizeSku, foldText } from '../../catalog/rules.js'
import { child, children, discountBp, isDeleted, priceKopecksPerBaseUnit, quantityMilli, splitOfferId, textOf, vatCode } from './rules.js'
import type { ImportCounts, ImportItem, XNode } from './types.js'
import type { FileTransaction } from '../../files/service.js'
import { safeExchangeName } from './rules.js'

/*
 * Applies CommerceML items to the catalog, prices and stock inside the batch transaction it is given. Every write is an
 * upsert by 1C Ид that first compares with what is stored and writes only a difference, so replaying a package changes
 * nothing (and counts nothing as updated). Products with characteristics: each `product#variant` offer becomes a product of
 * its own (external_id = the full offer Ид, which is exactly what 1C expects back in orders), copying unit, VAT and category
 * from its parent; the parent, which then has no price of its own, is hidden.
 */

type Trx = Knex | Knex.Transaction

export interface ImportContext {
  sessionId: number
  file: string
  /** The exchange session's folder, where `Картинка` paths (import_files/…) point. */
  dir: string
  /** The batch's file transaction: pictures are stored and linked in the same transaction as the products. */
  files: FileTransaction | null
  now: number
  totalWarehouse: string
  terms: { priceType: string; discount: string }
  counts: ImportCounts
  errors: { element: string; message: string }[]
  /** Set by a package item: a full catalog (СодержитТолькоИзменения=false) hides products not sent at the file's end. */
  fullCatalog: boolean
  /** Set by a package item: a full offers package (СодержитТолькоИзменения=false) hides the variants it did not send. */
  fullOffers: boolean
  cache: {
    categories: Map<string, number>
    attributes: Map<string, { id: number; type: string }>
    options: Map<number, { byExt: Map<string, number>; byValue: Map<string, number> }>
    priceTypes: Map<string, number>
    warehouses: Map<string, number>
  }
}

export function newContext(o: { sessionId: number; file: string; dir: string; files: FileTransaction | null; now: number; totalWarehouse: string; terms: { priceType: string; discount: string }; counts: ImportCounts }): ImportContext {
  return { ...o, errors: [], fullCatalog: false, fullOffers: false, cache: { categories: new Map(), attributes: new Map(), options: new Map(), priceTypes: new Map(), warehouses: new Map() } }
}

const shortHash = (s: string) => createHash('sha1').update(s).digest('hex').slice(0, 16)
const describe = (node: XNode) => `<${node.name}> Ид=${textOf(node, 'Ид') || node.attrs['Ид'] || '?'}${textOf(node, 'Наименование') ? ` «${textOf(node, 'Наименование').slice(0, 80)}»` : ''}`

async function lastId(trx: Trx, table: string, row: Record<string, unknown>): Promise<number> {
  const [id] = await trx(table).insert(row)
  return Number(id)
}

/**
 * Applies a batch of items in document order. Runs of products and of offers go through the set-based paths (a few queries
 * per run instead of several per item); everything else is applied item by item.
 */
export async function applyItems(trx: Trx, ctx: ImportContext, items: ImportItem[]): Promise<void> {
  let i = 0
  while (i < items.length) {
    const kind = items[i]!.kind
    if (kind !== 'product' && kind !== 'offer') {
      await applyItem(trx, ctx, items[i]!)
      i++
      continue
    }
    let j = i
    const nodes: XNode[] = []
    while (j < items.length && items[j]!.kind === kind) nodes.push((items[j++] as { node: XNode }).node)
    if (kind === 'product') await applyProducts(trx, ctx, nodes)
    else await applyOffers(trx, ctx, nodes)
    i = j
  }
}

/** Applies one item. Problems with the data are recorded in `ctx.errors`; database errors throw. */
export async function applyItem(trx: Trx, ctx: ImportContext, item: ImportItem): Promise<void> {
  switch (item.kind) {
    case 'package':
      if (item.container === 'catalog') ctx.fullCatalog = !item.onlyChanges
      else ctx.fullOffers = !item.onlyChanges
      return
    case 'group':
      return applyGroup(trx, ctx, item.node, null)
    case 'property':
      return applyProperty(trx, ctx, item.node)
    case 'product':
      return applyProducts(trx, ctx, [item.node])
    case 'priceType':
      await priceTypeId(trx, ctx, textOf(item.node, 'Ид'), textOf(item.node, 'Наименование'))
      return
    case 'warehouse':
      await warehouseId(trx, ctx, textOf(item.node, 'Ид'), textOf(item.node, 'Наименование'))
      return
    case 'offer':
      return applyOffers(trx, ctx, [item.node])
    case 'counterparty':
      return applyCounterparty(trx, ctx, item.node)
  }
}

/**
 * Counterparty terms: a counterparty with the INN (and KPP, when both sides have one) of a portal company pins that company's
 * price type and personal discount, read from the requisites named by ONEC_TERMS_PRICE_TYPE / ONEC_TERMS_DISCOUNT (a price
 * type by its 1C Ид or its name). Counterparties that are not portal companies are skipped; the turnover is left alone.
 */
async function applyCounterparty(trx: Trx, ctx: ImportContext, node: XNode): Promise<void> {
  const inn = (textOf(node, 'ИНН') || textOf(node, 'Реквизиты/ИНН')).replace(/\D/g, '')
  if (!inn) return
  const kpp = (textOf(node, 'КПП') || textOf(node, 'Реквизиты/КПП')).replace(/\D/g, '')
  let companies: { id: number; kpp: string | null }[] = await trx('companies').where({ inn }).select('id', 'kpp')
  if (kpp && companies.some((c) => c.kpp === kpp)) companies = companies.filter((c) => c.kpp === kpp)
  if (companies.length === 0) return
  const req = (name: string) => {
    for (const r of children(child(node, 'ЗначенияРеквизитов'), 'ЗначениеРеквизита')) if (textOf(r, 'Наименование') === name) return textOf(r, 'Значение')
    return textOf(node, name) || null
  }
  const typeRaw = req(ctx.terms.priceType) ?? textOf(node, 'ИдТипаЦены')
  let typeId: number | null | undefined
  if (typeRaw) {
    // By 1C Ид, then by name among the types 1C sent, then by name among the portal's own.
    const t =
      (await trx('price_types').where({ external_id: typeRaw }).first('id')) ??
      (await trx('price_types').where({ name: typeRaw }).whereNotNull('external_id').orderBy('id').first('id')) ??
      (await trx('price_types').where({ name: typeRaw }).orderBy('id').first('id'))
    if (!t) ctx.errors.push({ element: describe(node), message: `тип цен «${typeRaw}» не найден` })
    typeId = t ? Number(t.id) : undefined
  }
  const discountRaw = req(ctx.terms.discount)
  const bp = discountRaw == null ? undefined : (discountBp(discountRaw) ?? undefined)
  if (discountRaw != null && bp === undefined) ctx.errors.push({ element: describe(node), message: `скидка «${discountRaw}» не прочитана` })
  if (typeId === undefined && bp === undefined) return
  for (const c of companies) {
    const have = await trx('company_pricing').where({ company_id: c.id }).first('pinned_price_type_id', 'discount_bp')
    const next = {
      pinned_price_type_id: typeId !== undefined ? typeId : have?.pinned_price_type_id == null ? null : Number(have.pinned_price_type_id),
      discount_bp: bp !== undefined ? bp : Number(have?.discount_bp ?? 0),
    }
    if (have && (have.pinned_price_type_id == null ? null : Number(have.pinned_price_type_id)) === next.pinned_price_type_id && Number(have.discount_bp) === next.discount_bp) continue
    if (have) await trx('company_pricing').where({ company_id: c.id }).update({ ...next, updated_at: ctx.now })
    else await trx('company_pricing').insert({ company_id: c.id, ...next, turnover_12m_kopecks: 0, updated_at: ctx.now })
    ctx.counts.terms++
  }
}

async function applyGroup(trx: Trx, ctx: ImportContext, node: XNode, parentId: number | null): Promise<void> {
  const ext = textOf(node, 'Ид')
  const name = textOf(node, 'Наименование').slice(0, 200)
  if (!ext || !name) {
    ctx.errors.push({ element: describe(node), message: 'группа без Ид или Наименования' })
    return
  }
  const active = !isDeleted(node)
  const parent: { path: string; depth: number } | undefined = parentId ? await trx('categories').where({ id: parentId }).first('path', 'depth') : undefined
  const depth = parent ? Number(parent.depth) + 1 : 0
  const existing = await trx('categories').where({ external_id: ext }).first('id', 'name', 'parent_id', 'path', 'depth', 'is_active')
  let id: number
  if (existing) {
    id = Number(existing.id)
    const path = `${parent?.path ?? '/'}${id}/`
    if (existing.name !== name || (existing.parent_id == null ? null : Number(existing.parent_id)) !== parentId || existing.path !== path || Boolean(existing.is_active) !== active) {
      await trx('categories').where({ id }).update({ name, parent_id: parentId, path, depth, is_active: active, updated_at: ctx.now })
      ctx.counts.categories++
    }
  } else {
    id = await lastId(trx, 'categories', { parent_id: parentId, name, external_id: ext, path: '/', depth, is_active: active, created_at: ctx.now, updated_at: ctx.now })
    await trx('categories').where({ id }).update({ path: `${parent?.path ?? '/'}${id}/` })
    ctx.counts.categories++
  }
  ctx.cache.categories.set(ext, id)
  for (const sub of children(child(node, 'Группы'), 'Группа')) await applyGroup(trx, ctx, sub, id)
}

async function applyProperty(trx: Trx, ctx: ImportContext, node: XNode): Promise<void> {
  const ext = textOf(node, 'Ид')
  const name = textOf(node, 'Наименование').slice(0, 200)
  if (!ext || !name) {
    ctx.errors.push({ element: describe(node), message: 'свойство без Ид или Наименования' })
    return
  }
  const kindRaw = textOf(node, 'ТипЗначений')
  const type = kindRaw === 'Справочник' ? 'list' : kindRaw === 'Число' ? 'number' : 'text'
  const existing = await trx('attributes').where({ external_id: ext }).first('id', 'name', 'type')
  let id: number
  if (existing) {
    id = Number(existing.id)
    if (existing.name !== name || existing.type !== type) {
      await trx('attributes').where({ id }).update({ name, type })
      ctx.counts.attributes++
    }
  } else {
    id = await lastId(trx, 'attributes', { category_id: null, code: `c1-${shortHash(ext)}`, name, type, unit: '', filterable: type === 'list', key: false, sort: 0, external_id: ext })
    ctx.counts.attributes++
  }
  ctx.cache.attributes.set(ext, { id, type })
  let sort = 0
  for (const v of children(child(node, 'ВариантыЗначений'), 'Справочник')) {
    const vExt = textOf(v, 'ИдЗначения')
    const value = textOf(v, 'Значение').slice(0, 200)
    if (!vExt || !value) continue
    const byExt = await trx('attribute_options').where({ attribute_id: id, external_id: vExt }).first('id', 'value', 'sort')
    if (byExt) {
      if (byExt.value !== value || Number(byExt.sort) !== sort) {
        const clash = await trx('attribute_options').where({ attribute_id: id, value }).whereNot({ id: byExt.id }).first('id')
        if (!clash) await trx('attribute_options').where({ id: byExt.id }).update({ value, sort })
      }
    } else {
      const byValue = await trx('attribute_options').where({ attribute_id: id, value }).first('id')
      if (byValue) await trx('attribute_options').where({ id: byValue.id }).update({ external_id: vExt })
      else await trx('attribute_options').insert({ attribute_id: id, value, sort, external_id: vExt })
    }
    sort++
  }
  ctx.cache.options.delete(id)
}

async function attributeOf(trx: Trx, ctx: ImportContext, ext: string): Promise<{ id: number; type: string } | undefined> {
  const hit = ctx.cache.attributes.get(ext)
  if (hit) return hit
  const row = await trx('attributes').where({ external_id: ext }).first('id', 'type')
  if (!row) return undefined
  const a = { id: Number(row.id), type: String(row.type) }
  ctx.cache.attributes.set(ext, a)
  return a
}

async function categoryOf(trx: Trx, ctx: ImportContext, ext: string): Promise<number | null> {
  if (!ext) return null
  const hit = ctx.cache.categories.get(ext)
  if (hit) return hit
  const row = await trx('categories').where({ external_id: ext }).first('id')
  if (!row) return null
  ctx.cache.categories.set(ext, Number(row.id))
  return Number(row.id)
}

interface ProductFields {
  sku: string
  sku_norm: string
  name: string
  name_search: string
  category_id: number | null
  base_unit: string
  vat_rate: string
  weight_grams: number
  is_active: boolean
}

type ProductRow = ProductFields & { id: number; external_id: string | null; onec_seen_session: number | null }

const PRODUCT_COLUMNS = ['id', 'external_id', 'sku', 'sku_norm', 'name', 'name_search', 'category_id', 'base_unit', 'vat_rate', 'weight_grams', 'is_active', 'onec_seen_session']

/** Rows per statement of the set-based writes: far below SQLite's variable limit and MySQL's packet size. */
const CHUNK = 400

function chunks<T>(all: T[], n = CHUNK): T[][] {
  const out: T[][] = []
  for (let i = 0; i < all.length; i += n) out.push(all.slice(i, i + n))
  return out
}

/**
 * The products a batch speaks about, read with one query per few hundred Ид instead of one per item. A key mapped to null was
 * looked up and is not in the database; a key not in the map has not been looked up yet. The batch keeps the maps current
 * as it writes, so an item later in the same batch sees what an earlier one created or changed.
 */
interface ProductIndex {
  byExt: Map<string, ProductRow | null>
  bySku: Map<string, { id: number; external_id: string | null } | null>
}

/** What a batch writes at its end in a few set-based statements. */
interface Pending {
  /** Products whose only change is that this session sent them. */
  seen: Set<number>
  packagings: Record<string, unknown>[]
  attrDeletes: Set<number>
  attrs: Map<number, AttrValue[]>
  /** Products that named their pictures (`Картинка`), with the paths in order. */
  images: Map<number, string[]>
}

interface AttrValue {
  attribute_id: number
  option_id: number | null
  num_milli: number | null
  text_value: string | null
}

const newPending = (): Pending => ({ seen: new Set(), packagings: [], attrDeletes: new Set(), attrs: new Map(), images: new Map() })

async function indexProducts(trx: Trx, exts: string[], skus: string[]): Promise<ProductIndex> {
  const index: ProductIndex = { byExt: new Map(), bySku: new Map() }
  const uniqExt = [...new Set(exts.filter(Boolean))]
  for (const e of uniqExt) index.byExt.set(e, null)
  for (const part of chunks(uniqExt)) {
    for (const r of (await trx('products').whereIn('external_id', part).select(PRODUCT_COLUMNS)) as ProductRow[]) index.byExt.set(r.external_id!, r)
  }
  const uniqSku = [...new Set(skus.filter(Boolean))]
  for (const k of uniqSku) index.bySku.set(k, null)
  for (const part of chunks(uniqSku)) {
    for (const r of (await trx('products').whereIn('sku_norm', part).select('id', 'external_id', 'sku_norm')) as { id: number; external_id: string | null; sku_norm: string }[]) {
      index.bySku.set(r.sku_norm, { id: Number(r.id), external_id: r.external_id })
    }
  }
  return index
}

async function productByExt(trx: Trx, index: ProductIndex, ext: string): Promise<ProductRow | undefined> {
  if (!index.byExt.has(ext)) index.byExt.set(ext, ((await trx('products').where({ external_id: ext }).first(PRODUCT_COLUMNS)) as ProductRow | undefined) ?? null)
  return index.byExt.get(ext) ?? undefined
}

async function productBySku(trx: Trx, index: ProductIndex, skuNorm: string): Promise<{ id: number; external_id: string | null } | undefined> {
  if (!index.bySku.has(skuNorm)) {
    const r = await trx('products').where({ sku_norm: skuNorm }).first('id', 'external_id')
    index.bySku.set(skuNorm, r ? { id: Number(r.id), external_id: r.external_id } : null)
  }
  return index.bySku.get(skuNorm) ?? undefined
}

/** Writes what the batch collected: the "sent by this session" marks, new packagings, and changed attribute values. */
async function flushPending(trx: Trx, ctx: ImportContext, p: Pending): Promise<void> {
  for (const part of chunks([...p.seen])) await trx('products').whereIn('id', part).update({ onec_seen_session: ctx.sessionId })
  for (const part of chunks(p.packagings)) await trx('packagings').insert(part)
  for (const part of chunks([...p.attrDeletes])) await trx('product_attributes').whereIn('product_id', part).delete()
  const rows = [...p.attrs].flatMap(([productId, values]) => values.map((v) => ({ ...v, product_id: productId })))
  for (const part of chunks(rows)) await trx('product_attributes').insert(part)
  if (p.images.size) await linkImages(trx, ctx, p.images)
  p.images.clear()
  p.seen.clear()
  p.packagings = []
  p.attrDeletes.clear()
  p.attrs.clear()
}

/** Inserts or updates a product by external id; returns its id, or null when its article belongs to another 1C product. */
async function upsertProduct(trx: Trx, ctx: ImportContext, index: ProductIndex, pending: Pending, ext: string, f: ProductFields, node: XNode): Promise<number | null> {
  const existing = await productByExt(trx, index, ext)
  if (!existing) {
    const bySku = await productBySku(trx, index, f.sku_norm)
    if (bySku && bySku.external_id && bySku.external_id !== ext) {
      ctx.errors.push({ element: describe(node), message: `артикул ${f.sku} уже у другого товара 1С (Ид ${bySku.external_id})` })
      return null
    }
    if (bySku) {
      // A product made in the portal before 1C was connected: adopt it by its article.
      await trx('products').where({ id: bySku.id }).update({ ...f, external_id: ext, onec_seen_session: ctx.sessionId, updated_at: ctx.now })
      index.byExt.set(ext, { ...f, id: bySku.id, external_id: ext, onec_seen_session: ctx.sessionId })
      index.bySku.set(f.sku_norm, { id: bySku.id, external_id: ext })
      ctx.counts.productsUpdated++
      return bySku.id
    }
    const id = await lastId(trx, 'products', { ...f, external_id: ext, onec_seen_session: ctx.sessionId, created_at: ctx.now, updated_at: ctx.now })
    index.byExt.set(ext, { ...f, id, external_id: ext, onec_seen_session: ctx.sessionId })
    index.bySku.set(f.sku_norm, { id, external_id: ext })
    pending.packagings.push({ product_id: id, name: f.base_unit, factor_milli: 1000, min_qty_milli: 0, step_milli: 0, is_default: true, sort: 0, external_id: `1c:${ext}`.slice(0, 191) })
    ctx.counts.productsCreated++
    return id
  }
  const id = Number(existing.id)
  const changed = (Object.keys(f) as (keyof ProductFields)[]).some((k) => {
    const a = existing[k]
    const b = f[k]
    if (typeof b === 'boolean') return Boolean(a) !== b
    if (typeof b === 'number' || b === null) return (a == null ? null : Number(a)) !== b
    return a !== b
  })
  if (changed) {
    if (f.sku_norm !== existing.sku_norm) {
      const clash = await productBySku(trx, index, f.sku_norm)
      if (clash && clash.id !== id) {
        ctx.errors.push({ element: describe(node), message: `артикул ${f.sku} уже у другого товара` })
        return id
      }
      index.bySku.set(existing.sku_norm, null)
      index.bySku.set(f.sku_norm, { id, external_id: ext })
    }
    await trx('products').where({ id }).update({ ...f, onec_seen_session: ctx.sessionId, updated_at: ctx.now })
    Object.assign(existing, f, { onec_seen_session: ctx.sessionId })
    pending.seen.delete(id)
    ctx.counts.productsUpdated++
  } else if (Number(existing.onec_seen_session ?? 0) !== ctx.sessionId) {
    existing.onec_seen_session = ctx.sessionId
    pending.seen.add(id)
  }
  return id
}

/**
 * A run of `Товар` elements: the products, their article clashes and attribute values are read with a few queries for the
 * whole run, new and changed rows are written one by one (their ids are needed at once), and packagings, attribute values
 * and the "sent" marks go out in set-based statements at the end.
 */
async function applyProducts(trx: Trx, ctx: ImportContext, nodes: XNode[]): Promise<void> {
  const exts = nodes.map((n) => textOf(n, 'Ид'))
  const skus = nodes.map((n) => normalizeSku((textOf(n, 'Артикул') || textOf(n, 'Код') || textOf(n, 'Ид')).slice(0, 100)).slice(0, 100))
  const index = await indexProducts(trx, exts, skus)
  // Stored attribute values of the products that exist, one query per few hundred products.
  const attrsHave = new Map<number, AttrValue[]>()
  const known = [...index.byExt.values()].filter((r): r is ProductRow => r != null).map((r) => Number(r.id))
  for (const id of known) attrsHave.set(id, [])
  for (const part of chunks(known)) {
    for (const r of (await trx('product_attributes').whereIn('product_id', part).select('product_id', 'attribute_id', 'option_id', 'num_milli', 'text_value')) as (AttrValue & { product_id: number })[]) {
      attrsHave.get(Number(r.product_id))!.push({ attribute_id: r.attribute_id, option_id: r.option_id, num_milli: r.num_milli, text_value: r.text_value })
    }
  }
  const pending = newPending()
  for (const node of nodes) {
    const ext = textOf(node, 'Ид')
    const name = textOf(node, 'Наименование').slice(0, 500)
    if (!ext || !name) {
      ctx.errors.push({ element: describe(node), message: 'товар без Ид или Наименования' })
      continue
    }
    if (isDeleted(node)) {
      await hideByExt(trx, ctx, index, ext)
      continue
    }
    const sku = (textOf(node, 'Артикул') || textOf(node, 'Код') || ext).slice(0, 100)
    const skuNorm = normalizeSku(sku).slice(0, 100) || shortHash(ext).toUpperCase()
    const unitNode = child(node, 'БазоваяЕдиница')
    const unit = (unitNode?.text.trim() || unitNode?.attrs['НаименованиеКраткое'] || 'шт').slice(0, 16)
    const vat = vatCode(textOf(child(node, 'СтавкиНалогов'), 'СтавкаНалога/Ставка')) ?? requisite(node, 'СтавкаНДС', (v) => vatCode(v)) ?? '22'
    const weightKg = requisite(node, 'Вес', (v) => quantityMilli(v))
    const fields: ProductFields = {
      sku,
      sku_norm: skuNorm,
      name,
      name_search: foldText(name),
      category_id: await categoryOf(trx, ctx, textOf(node, 'Группы/Ид')),
      base_unit: unit,
      vat_rate: vat,
      weight_grams: weightKg ?? 0,
      is_active: true,
    }
    const id = await upsertProduct(trx, ctx, index, pending, ext, fields, node)
    if (id == null) continue
    const pictures = [...new Set(children(node, 'Картинка').map((c) => c.text.trim()).filter(Boolean))]
    if (pictures.length) pending.images.set(id, pictures)
    const wanted = await propertyValues(trx, ctx, node)
    let have = attrsHave.get(id)
    if (!have) {
      have = (await trx('product_attributes').where({ product_id: id }).select('attribute_id', 'option_id', 'num_milli', 'text_value')) as AttrValue[]
      attrsHave.set(id, have)
    }
    if (sameValues(have, wanted)) continue
    if (have.length) pending.attrDeletes.add(id)
    pending.attrs.set(id, wanted)
    attrsHave.set(id, wanted)
  }
  await flushPending(trx, ctx, pending)
}

/**
 * Pictures (`Картинка`, paths such as `import_files/b1/….jpg` that 1C uploaded before the XML or packed in the zip): a new
 * path is stored through the files service (content checked: JPEG, PNG or WebP, size and pixel limits) and linked; a path
 * the product no longer names is unlinked and its file removed once the batch commits; the order follows 1C's (the first
 * is the main picture). A product sent without any `Картинка` keeps its pictures, since 1C leaves them out when its
 * exchange settings skip pictures. A path that was never uploaded is reported, not fatal.
 */
async function linkImages(trx: Trx, ctx: ImportContext, wanted: Map<number, string[]>): Promise<void> {
  const have = new Map<number, { id: number; file_id: number; source: string; sort: number }[]>()
  for (const part of chunks([...wanted.keys()])) {
    for (const r of (await trx('product_images').whereIn('product_id', part).select('id', 'product_id', 'file_id', 'source', 'sort')) as { id: number; product_id: number; file_id: number; source: string; sort: number }[]) {
      const list = have.get(Number(r.product_id)) ?? []
      list.push({ id: Number(r.id), file_id: Number(r.file_id), source: r.source, sort: Number(r.sort) })
      have.set(Number(r.product_id), list)
    }
  }
  for (const [productId, paths] of wanted) {
    const existing = new Map((have.get(productId) ?? []).map((r) => [r.source, r]))
    const keep = new Set<string>()
    for (const [sort, raw] of paths.entries()) {
      const source = raw.replace(/\\/g, '/').slice(0, 191)
      keep.add(source)
      const link = existing.get(source)
      if (link) {
        if (link.sort !== sort) await trx('product_images').where({ id: link.id }).update({ sort })
        continue
      }
      if (!ctx.files) continue
      const rel = safeExchangeName(source)
      const full = rel ? path.join(ctx.dir, rel) : ''
      const buffer = full && full.startsWith(ctx.dir + path.sep) ? await fs.promises.readFile(full).catch(() => null) : null
      if (!buffer) {
        ctx.errors.push({ element: `<Картинка> ${source}`, message: 'картинка указана в товаре, но файл не передан' })
        continue
      }
      const saved = await ctx.files.save({ buffer, originalname: path.basename(source), size: buffer.length }, { purpose: 'product_image', companyId: null, userId: null })
      if (!saved.ok) {
        ctx.errors.push({ element: `<Картинка> ${source}`, message: saved.message })
        continue
      }
      await trx('product_images').insert({ product_id: productId, file_id: saved.file.id, source, sort, created_at: ctx.now })
      ctx.counts.images++
    }
    for (const [source, link] of existing) {
      if (keep.has(source)) continue
      await trx('product_images').where({ id: link.id }).delete()
      if (ctx.files) await ctx.files.remove(link.file_id)
      ctx.counts.images++
    }
  }
}

/** A product or offer marked deleted: hidden (its prices and stock stay, so restoring it in 1C brings it back whole). */
async function hideByExt(trx: Trx, ctx: ImportContext, index: ProductIndex, ext: string): Promise<void> {
  const row = await productByExt(trx, index, ext)
  if (!row || !row.is_active) return
  await trx('products').where({ id: row.id }).update({ is_active: false, updated_at: ctx.now })
  row.is_active = false
  ctx.counts.productsHidden++
}

function requisite<T>(node: XNode, name: string, read: (v: string) => T | null): T | null {
  for (const r of children(child(node, 'ЗначенияРеквизитов'), 'ЗначениеРеквизита')) if (textOf(r, 'Наименование') === name) return read(textOf(r, 'Значение'))
  return null
}

const valueKey = (r: AttrValue) =>
  `${Number(r.attribute_id)}|${r.option_id == null ? '' : Number(r.option_id)}|${r.num_milli == null ? '' : Number(r.num_milli)}|${r.text_value ?? ''}`

function sameValues(a: AttrValue[], b: AttrValue[]): boolean {
  if (a.length !== b.length) return false
  return a.map(valueKey).sort().join('\n') === b.map(valueKey).sort().join('\n')
}

/** The options of a list attribute by 1C ИдЗначения and by value, read once per attribute and file. */
async function optionsOf(trx: Trx, ctx: ImportContext, attributeId: number): Promise<{ byExt: Map<string, number>; byValue: Map<string, number> }> {
  let o = ctx.cache.options.get(attributeId)
  if (!o) {
    o = { byExt: new Map(), byValue: new Map() }
    for (const r of (await trx('attribute_options').where({ attribute_id: attributeId }).select('id', 'value', 'external_id')) as { id: number; value: string; external_id: string | null }[]) {
      if (r.external_id) o.byExt.set(r.external_id, Number(r.id))
      o.byValue.set(r.value, Number(r.id))
    }
    ctx.cache.options.set(attributeId, o)
  }
  return o
}

/** The attribute values a `Товар` carries (`ЗначенияСвойств`), as product_attributes rows. */
async function propertyValues(trx: Trx, ctx: ImportContext, node: XNode): Promise<AttrValue[]> {
  const wanted: AttrValue[] = []
  for (const v of children(child(node, 'ЗначенияСвойств'), 'ЗначенияСвойства')) {
    const attr = await attributeOf(trx, ctx, textOf(v, 'Ид'))
    const value = textOf(v, 'Значение')
    if (!attr || !value) continue
    if (attr.type === 'list') {
      const opts = await optionsOf(trx, ctx, attr.id)
      const opt = opts.byExt.get(value) ?? opts.byValue.get(value)
      if (opt) wanted.push({ attribute_id: attr.id, option_id: opt, num_milli: null, text_value: null })
    } else if (attr.type === 'number') {
      const n = quantityMilli(value)
      if (n != null) wanted.push({ attribute_id: attr.id, option_id: null, num_milli: n, text_value: null })
    } else {
      wanted.push({ attribute_id: attr.id, option_id: null, num_milli: null, text_value: value.slice(0, 500) })
    }
  }
  return wanted
}

async function priceTypeId(trx: Trx, ctx: ImportContext, ext: string, name: string): Promise<number | null> {
  if (!ext) return null
  const cached = ctx.cache.priceTypes.get(ext)
  if (cached && !name) return cached
  const row = await trx('price_types').where({ external_id: ext }).first('id', 'name')
  let id: number
  if (row) {
    id = Number(row.id)
    if (name && row.name !== name.slice(0, 200)) {
      await trx('price_types').where({ id }).update({ name: name.slice(0, 200) })
      ctx.counts.priceTypes++
    }
  } else {
    const hasDefault = await trx('price_types').where({ is_default: true }).first('id')
    id = await lastId(trx, 'price_types', { code: `1c-${shortHash(ext)}`, name: (name || ext).slice(0, 200), is_default: !hasDefault, sort: 0, external_id: ext })
    ctx.counts.priceTypes++
  }
  ctx.cache.priceTypes.set(ext, id)
  return id
}

async function warehouseId(trx: Trx, ctx: ImportContext, ext: string, name: string): Promise<number | null> {
  if (!ext) return null
  const cached = ctx.cache.warehouses.get(ext)
  if (cached && !name) return cached
  const row = await trx('warehouses').where({ external_id: ext }).first('id', 'name')
  let id: number
  if (row) {
    id = Number(row.id)
    if (name && row.name !== name.slice(0, 200)) {
      await trx('warehouses').where({ id }).update({ name: name.slice(0, 200) })
      ctx.counts.warehouses++
    }
  } else {
    id = await lastId(trx, 'warehouses', { name: (name || (ext === '__1c_total__' ? 'Склад 1С' : ext)).slice(0, 200), kind: 'main', show_mode: 'status', low_packagings: 3, sort: 0, is_active: true, external_id: ext })
    ctx.counts.warehouses++
  }
  ctx.cache.warehouses.set(ext, id)
  return id
}

/** The product an offer speaks about: the product itself, or (for `product#variant`) the variant product, made on demand. */
async function offerProduct(trx: Trx, ctx: ImportContext, index: ProductIndex, pending: Pending, node: XNode): Promise<number | null> {
  const ext = textOf(node, 'Ид')
  const { product, variant } = splitOfferId(ext)
  if (!variant) {
    const row = await productByExt(trx, index, product)
    if (!row) ctx.errors.push({ element: describe(node), message: 'предложение для товара, которого нет в каталоге' })
    return row ? Number(row.id) : null
  }
  const parent = await productByExt(trx, index, product)
  const own = await productByExt(trx, index, ext)
  if (!parent && !own) {
    ctx.errors.push({ element: describe(node), message: 'характеристика товара, которого нет в каталоге' })
    return null
  }
  if (parent && parent.is_active) {
    await trx('products').where({ id: parent.id }).update({ is_active: false, updated_at: ctx.now })
    parent.is_active = false
  }
  const offerName = textOf(node, 'Наименование')
  if (own) {
    const rename = offerName && own.name !== offerName.slice(0, 500)
    if (rename || !own.is_active) {
      const patch = rename ? { name: offerName.slice(0, 500), name_search: foldText(offerName.slice(0, 500)) } : {}
      await trx('products').where({ id: own.id }).update({ ...patch, is_active: true, updated_at: ctx.now })
      Object.assign(own, patch, { is_active: true })
      ctx.counts.productsUpdated++
    }
    if (Number(own.onec_seen_session ?? 0) !== ctx.sessionId) {
      own.onec_seen_session = ctx.sessionId
      pending.seen.add(Number(own.id))
    }
    return Number(own.id)
  }
  const p = parent!
  const chars = children(child(node, 'ХарактеристикиТовара'), 'ХарактеристикаТовара').map((c) => textOf(c, 'Значение')).filter(Boolean)
  const name = (offerName || `${p.name} (${chars.join(', ') || variant.slice(0, 8)})`).slice(0, 500)
  const sku = (textOf(node, 'Артикул') || `${p.sku}-${variant.replace(/[^0-9a-zA-Z]/g, '').slice(0, 8)}`).slice(0, 100)
  return upsertProduct(trx, ctx, index, pending, ext, { sku, sku_norm: normalizeSku(sku).slice(0, 100), name, name_search: foldText(name), category_id: p.category_id == null ? null : Number(p.category_id), base_unit: p.base_unit, vat_rate: p.vat_rate, weight_grams: Number(p.weight_grams), is_active: true }, node)
}

/** Common ОКЕИ codes 1C writes as `Единица` instead of a name. */
const OKEI: Record<string, string> = { '796': 'шт', '166': 'кг', '163': 'г', '168': 'т', '112': 'л', '111': 'мл', '006': 'м', '055': 'м²', '113': 'м³', '778': 'упак', '704': 'набор', '728': 'пач', '736': 'рул', '715': 'пар', '839': 'компл', '798': 'тыс. шт', '812': 'ящ', '870': 'ампул', '625': 'лист', '657': 'изд' }

/** The unit a price is given for: a name, or a name behind an ОКЕИ code. */
function unitName(node: XNode | undefined): string {
  if (!node) return ''
  const raw = (node.text.trim() || node.attrs['НаименованиеКраткое'] || node.attrs['Код'] || '').trim()
  return (/^\d+$/.test(raw) ? (OKEI[raw.padStart(3, '0')] ?? '') : raw).slice(0, 40)
}

/**
 * A price given per packaging (`Единица` «упак» with `Коэффициент` 12): the product gets that packaging («упак (12 шт)»,
 * factor 12), so buyers can order in it, next to its base unit. One packaging per product and unit name; a changed
 * coefficient updates it.
 */
async function ensurePricePackaging(trx: Trx, ctx: ImportContext, productId: number, offerExt: string, baseUnit: string, price: XNode, known: Map<string, { id: number; factor: number; name: string } | null>): Promise<void> {
  const coef = textOf(price, 'Коэффициент')
  const factor = coef ? quantityMilli(coef) : null
  if (factor == null || factor <= 0 || factor === 1000) return
  const unit = unitName(child(price, 'Единица')) || 'упак'
  if (unit === baseUnit) return
  const ext = `1c:${offerExt}:u:${unit}`.slice(0, 191)
  const label = `${unit} (${(factor / 1000).toLocaleString('ru-RU', { maximumFractionDigits: 3 })} ${baseUnit})`.slice(0, 100)
  if (!known.has(ext)) {
    const r = await trx('packagings').where({ external_id: ext }).first('id', 'factor_milli', 'name')
    known.set(ext, r ? { id: Number(r.id), factor: Number(r.factor_milli), name: String(r.name) } : null)
  }
  const have = known.get(ext)
  if (have && have.factor === factor && have.name === label) return
  if (have) await trx('packagings').where({ id: have.id }).update({ factor_milli: factor, name: label })
  else await trx('packagings').insert({ product_id: productId, name: label, factor_milli: factor, min_qty_milli: 0, step_milli: 0, is_default: false, sort: 1, external_id: ext })
  known.set(ext, { id: have?.id ?? 0, factor, name: label })
  ctx.counts.packagings++
}

/**
 * A run of `Предложение` elements: the products, their stored prices and stock are read with a few queries for the whole run,
 * and only the prices and stock rows that differ are written, as multi-row upserts (stock keeps its reservations: only
 * `on_hand` is written).
 */
async function applyOffers(trx: Trx, ctx: ImportContext, nodes: XNode[]): Promise<void> {
  const exts: string[] = []
  for (const n of nodes) {
    const ext = textOf(n, 'Ид')
    const { product, variant } = splitOfferId(ext)
    exts.push(product)
    if (variant) exts.push(ext)
  }
  const index = await indexProducts(trx, exts, [])
  const pending = newPending()
  const targets: { node: XNode; productId: number; ext: string }[] = []
  for (const node of nodes) {
    const ext = textOf(node, 'Ид')
    if (isDeleted(node)) {
      await hideByExt(trx, ctx, index, ext)
      continue
    }
    const productId = await offerProduct(trx, ctx, index, pending, node)
    if (productId != null) targets.push({ node, productId, ext })
  }
  await flushPending(trx, ctx, pending)
  const ids = [...new Set(targets.map((t) => t.productId))]
  const havePrices = new Map<string, number>()
  const haveStock = new Map<string, number>()
  for (const part of chunks(ids)) {
    for (const r of (await trx('prices').whereIn('product_id', part).select('product_id', 'price_type_id', 'kopecks')) as { product_id: number; price_type_id: number; kopecks: number }[]) {
      havePrices.set(`${r.product_id}:${r.price_type_id}`, Number(r.kopecks))
    }
    for (const r of (await trx('stock').whereIn('product_id', part).select('product_id', 'warehouse_id', 'on_hand_milli')) as { product_id: number; warehouse_id: number; on_hand_milli: number }[]) {
      haveStock.set(`${r.product_id}:${r.warehouse_id}`, Number(r.on_hand_milli))
    }
  }
  const priceRows = new Map<string, Record<string, unknown>>()
  const stockRows = new Map<string, Record<string, unknown>>()
  const packagings = new Map<string, { id: number; factor: number; name: string } | null>()
  for (const { node, productId, ext } of targets) {
    let baseUnit: string | undefined
    for (const p of children(child(node, 'Цены'), 'Цена')) {
      const typeId = await priceTypeId(trx, ctx, textOf(p, 'ИдТипаЦены'), '')
      const kopecks = priceKopecksPerBaseUnit(textOf(p, 'ЦенаЗаЕдиницу'), textOf(p, 'Коэффициент'))
      if (typeId == null || kopecks == null) {
        ctx.errors.push({ element: describe(node), message: `цена не прочитана: ${textOf(p, 'ЦенаЗаЕдиницу') || 'пусто'}` })
        continue
      }
      const key = `${productId}:${typeId}`
      if (havePrices.get(key) !== kopecks) {
        priceRows.set(key, { product_id: productId, price_type_id: typeId, kopecks, updated_at: ctx.now })
        havePrices.set(key, kopecks)
        ctx.counts.prices++
      }
      if (child(p, 'Коэффициент')) {
        baseUnit ??= index.byExt.get(ext)?.base_unit ?? (await trx('products').where({ id: productId }).first('base_unit'))?.base_unit ?? 'шт'
        await ensurePricePackaging(trx, ctx, productId, ext, baseUnit!, p, packagings)
      }
    }
    // Stock in the three shapes; per-warehouse figures win over a total.
    const perWarehouse = new Map<string, number>()
    for (const s of children(node, 'Склад')) {
      const q = quantityMilli(s.attrs['КоличествоНаСкладе'] ?? '')
      if (s.attrs['ИдСклада'] && q != null) perWarehouse.set(s.attrs['ИдСклада'], q)
    }
    let total: number | null = child(node, 'Количество') ? quantityMilli(textOf(node, 'Количество')) : null
    for (const r of children(child(node, 'Остатки'), 'Остаток')) {
      for (const s of children(r, 'Склад')) {
        const q = quantityMilli(textOf(s, 'Количество'))
        if (textOf(s, 'Ид') && q != null) perWarehouse.set(textOf(s, 'Ид'), q)
      }
      if (child(r, 'Количество')) total = quantityMilli(textOf(r, 'Количество'))
    }
    const targetsOfStock: [string, number][] = perWarehouse.size ? [...perWarehouse] : total != null ? [[ctx.totalWarehouse || '__1c_total__', total]] : []
    for (const [wExt, qty] of targetsOfStock) {
      const wid = await warehouseId(trx, ctx, wExt, '')
      if (wid == null) continue
      const key = `${productId}:${wid}`
      if (haveStock.get(key) !== qty) {
        stockRows.set(key, { warehouse_id: wid, product_id: productId, on_hand_milli: qty, reserved_milli: 0, updated_at: ctx.now })
        haveStock.set(key, qty)
        ctx.counts.stockRows++
      }
    }
  }
  for (const part of chunks([...priceRows.values()])) await trx('prices').insert(part).onConflict(['product_id', 'price_type_id']).merge(['kopecks', 'updated_at'])
  for (const part of chunks([...stockRows.values()])) await trx('stock').insert(part).onConflict(['warehouse_id', 'product_id']).merge(['on_hand_milli', 'updated_at'])
}

/**
 * After a full package: hides the 1C products this session did not send. A full catalog (import.xml) speaks for products,
 * a full offers package for variants (`product#variant`), `mode=deactivate` for both.
 */
export async function hideUnsentProducts(trx: Trx, sessionId: number, now: number, which: 'products' | 'variants' | 'all'): Promise<number> {
  let q = trx('products').whereNotNull('external_id').andWhere({ is_active: true }).andWhere((w) => w.whereNull('onec_seen_session').orWhereNot('onec_seen_session', sessionId))
  if (which === 'products') q = q.andWhere('external_id', 'not like', '%#%')
  if (which === 'variants') q = q.andWhere('external_id', 'like', '%#%')
  return q.update({ is_active: false, updated_at: now })
}
