import { createHash } from 'node:crypto'
import type { Knex } from 'knex'
import { normalizeSku, foldText } from '../../catalog/rules.js'
import { child, children, discountBp, isDeleted, priceKopecksPerBaseUnit, quantityMilli, splitOfferId, textOf, vatCode } from './rules.js'
import type { ImportCounts, ImportItem, XNode } from './types.js'

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
  now: number
  totalWarehouse: string
  terms: { priceType: string; discount: string }
  counts: ImportCounts
  errors: { element: string; message: string }[]
  /** Set by a package item: a full catalog (СодержитТолькоИзменения=false) hides products not sent at the file's end. */
  fullCatalog: boolean
  cache: { categories: Map<string, number>; attributes: Map<string, { id: number; type: string }>; priceTypes: Map<string, number>; warehouses: Map<string, number> }
}

export function newContext(o: { sessionId: number; file: string; now: number; totalWarehouse: string; terms: { priceType: string; discount: string }; counts: ImportCounts }): ImportContext {
  return { ...o, errors: [], fullCatalog: false, cache: { categories: new Map(), attributes: new Map(), priceTypes: new Map(), warehouses: new Map() } }
}

const shortHash = (s: string) => createHash('sha1').update(s).digest('hex').slice(0, 16)
const describe = (node: XNode) => `<${node.name}> Ид=${textOf(node, 'Ид') || node.attrs['Ид'] || '?'}${textOf(node, 'Наименование') ? ` «${textOf(node, 'Наименование').slice(0, 80)}»` : ''}`

async function lastId(trx: Trx, table: string, row: Record<string, unknown>): Promise<number> {
  const [id] = await trx(table).insert(row)
  return Number(id)
}

/** Applies one item. Problems with the data are recorded in `ctx.errors`; database errors throw. */
export async function applyItem(trx: Trx, ctx: ImportContext, item: ImportItem): Promise<void> {
  switch (item.kind) {
    case 'package':
      if (item.container === 'catalog') ctx.fullCatalog = !item.onlyChanges
      return
    case 'group':
      return applyGroup(trx, ctx, item.node, null)
    case 'property':
      return applyProperty(trx, ctx, item.node)
    case 'product':
      return applyProduct(trx, ctx, item.node)
    case 'priceType':
      await priceTypeId(trx, ctx, textOf(item.node, 'Ид'), textOf(item.node, 'Наименование'))
      return
    case 'warehouse':
      await warehouseId(trx, ctx, textOf(item.node, 'Ид'), textOf(item.node, 'Наименование'))
      return
    case 'offer':
      return applyOffer(trx, ctx, item.node)
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

/** Inserts or updates a product by external id; returns its id, or null when its article belongs to another 1C product. */
async function upsertProduct(trx: Trx, ctx: ImportContext, ext: string, f: ProductFields, node: XNode): Promise<number | null> {
  const existing = await trx('products').where({ external_id: ext }).first()
  if (!existing) {
    const bySku = await trx('products').where({ sku_norm: f.sku_norm }).first('id', 'external_id')
    if (bySku && bySku.external_id && bySku.external_id !== ext) {
      ctx.errors.push({ element: describe(node), message: `артикул ${f.sku} уже у другого товара 1С (Ид ${bySku.external_id})` })
      return null
    }
    if (bySku) {
      // A product made in the portal before 1C was connected: adopt it by its article.
      await trx('products').where({ id: bySku.id }).update({ ...f, external_id: ext, onec_seen_session: ctx.sessionId, updated_at: ctx.now })
      ctx.counts.productsUpdated++
      return Number(bySku.id)
    }
    const id = await lastId(trx, 'products', { ...f, external_id: ext, onec_seen_session: ctx.sessionId, created_at: ctx.now, updated_at: ctx.now })
    await trx('packagings').insert({ product_id: id, name: f.base_unit, factor_milli: 1000, min_qty_milli: 0, step_milli: 0, is_default: true, sort: 0, external_id: `1c:${ext}`.slice(0, 191) })
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
      const clash = await trx('products').where({ sku_norm: f.sku_norm }).whereNot({ id }).first('id')
      if (clash) {
        ctx.errors.push({ element: describe(node), message: `артикул ${f.sku} уже у другого товара` })
        return id
      }
    }
    await trx('products').where({ id }).update({ ...f, onec_seen_session: ctx.sessionId, updated_at: ctx.now })
    ctx.counts.productsUpdated++
  } else if (Number(existing.onec_seen_session ?? 0) !== ctx.sessionId) {
    await trx('products').where({ id }).update({ onec_seen_session: ctx.sessionId })
  }
  return id
}

async function applyProduct(trx: Trx, ctx: ImportContext, node: XNode): Promise<void> {
  const ext = textOf(node, 'Ид')
  const name = textOf(node, 'Наименование').slice(0, 500)
  if (!ext || !name) {
    ctx.errors.push({ element: describe(node), message: 'товар без Ид или Наименования' })
    return
  }
  if (isDeleted(node)) {
    const n = await trx('products').where({ external_id: ext, is_active: true }).update({ is_active: false, updated_at: ctx.now })
    ctx.counts.productsHidden += n
    return
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
  const id = await upsertProduct(trx, ctx, ext, fields, node)
  if (id == null) return
  await applyPropertyValues(trx, ctx, id, node)
}

function requisite<T>(node: XNode, name: string, read: (v: string) => T | null): T | null {
  for (const r of children(child(node, 'ЗначенияРеквизитов'), 'ЗначениеРеквизита')) if (textOf(r, 'Наименование') === name) return read(textOf(r, 'Значение'))
  return null
}

async function applyPropertyValues(trx: Trx, ctx: ImportContext, productId: number, node: XNode): Promise<void> {
  const wanted: { attribute_id: number; option_id: number | null; num_milli: number | null; text_value: string | null }[] = []
  for (const v of children(child(node, 'ЗначенияСвойств'), 'ЗначенияСвойства')) {
    const attr = await attributeOf(trx, ctx, textOf(v, 'Ид'))
    const value = textOf(v, 'Значение')
    if (!attr || !value) continue
    if (attr.type === 'list') {
      const opt = (await trx('attribute_options').where({ attribute_id: attr.id, external_id: value }).first('id')) ?? (await trx('attribute_options').where({ attribute_id: attr.id, value }).first('id'))
      if (opt) wanted.push({ attribute_id: attr.id, option_id: Number(opt.id), num_milli: null, text_value: null })
    } else if (attr.type === 'number') {
      const n = quantityMilli(value)
      if (n != null) wanted.push({ attribute_id: attr.id, option_id: null, num_milli: n, text_value: null })
    } else {
      wanted.push({ attribute_id: attr.id, option_id: null, num_milli: null, text_value: value.slice(0, 500) })
    }
  }
  const key = (r: { attribute_id: number; option_id: number | null; num_milli: number | null; text_value: string | null }) =>
    `${Number(r.attribute_id)}|${r.option_id == null ? '' : Number(r.option_id)}|${r.num_milli == null ? '' : Number(r.num_milli)}|${r.text_value ?? ''}`
  const have: { attribute_id: number; option_id: number | null; num_milli: number | null; text_value: string | null }[] = await trx('product_attributes')
    .where({ product_id: productId })
    .select('attribute_id', 'option_id', 'num_milli', 'text_value')
  const a = have.map(key).sort().join('\n')
  const b = wanted.map(key).sort().join('\n')
  if (a === b) return
  await trx('product_attributes').where({ product_id: productId }).delete()
  if (wanted.length) await trx('product_attributes').insert(wanted.map((w) => ({ ...w, product_id: productId })))
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
async function offerProduct(trx: Trx, ctx: ImportContext, node: XNode): Promise<number | null> {
  const ext = textOf(node, 'Ид')
  const { product, variant } = splitOfferId(ext)
  if (!variant) {
    const row = await trx('products').where({ external_id: product }).first('id')
    if (!row) ctx.errors.push({ element: describe(node), message: 'предложение для товара, которого нет в каталоге' })
    return row ? Number(row.id) : null
  }
  const parent = await trx('products').where({ external_id: product }).first()
  const own = await trx('products').where({ external_id: ext }).first('id', 'name', 'is_active', 'onec_seen_session')
  if (!parent && !own) {
    ctx.errors.push({ element: describe(node), message: 'характеристика товара, которого нет в каталоге' })
    return null
  }
  if (parent && parent.is_active) {
    await trx('products').where({ id: parent.id }).update({ is_active: false, updated_at: ctx.now })
  }
  const offerName = textOf(node, 'Наименование')
  if (own) {
    const rename = offerName && own.name !== offerName.slice(0, 500)
    if (rename || !own.is_active) {
      const patch = rename ? { name: offerName.slice(0, 500), name_search: foldText(offerName.slice(0, 500)) } : {}
      await trx('products').where({ id: own.id }).update({ ...patch, is_active: true, updated_at: ctx.now })
      ctx.counts.productsUpdated++
    }
    if (Number(own.onec_seen_session ?? 0) !== ctx.sessionId) await trx('products').where({ id: own.id }).update({ onec_seen_session: ctx.sessionId })
    return Number(own.id)
  }
  const chars = children(child(node, 'ХарактеристикиТовара'), 'ХарактеристикаТовара').map((c) => textOf(c, 'Значение')).filter(Boolean)
  const name = (offerName || `${parent.name} (${chars.join(', ') || variant.slice(0, 8)})`).slice(0, 500)
  const sku = (textOf(node, 'Артикул') || `${parent.sku}-${variant.replace(/[^0-9a-zA-Z]/g, '').slice(0, 8)}`).slice(0, 100)
  return upsertProduct(trx, ctx, ext, { sku, sku_norm: normalizeSku(sku).slice(0, 100), name, name_search: foldText(name), category_id: parent.category_id == null ? null : Number(parent.category_id), base_unit: parent.base_unit, vat_rate: parent.vat_rate, weight_grams: Number(parent.weight_grams), is_active: true }, node)
}

async function applyOffer(trx: Trx, ctx: ImportContext, node: XNode): Promise<void> {
  if (isDeleted(node)) {
    const n = await trx('products').where({ external_id: textOf(node, 'Ид'), is_active: true }).update({ is_active: false, updated_at: ctx.now })
    ctx.counts.productsHidden += n
    return
  }
  const productId = await offerProduct(trx, ctx, node)
  if (productId == null) return
  // Prices: read the product's stored prices once, insert the missing ones in one statement, update only the changed ones.
  const wantPrices = new Map<number, number>()
  for (const p of children(child(node, 'Цены'), 'Цена')) {
    const typeId = await priceTypeId(trx, ctx, textOf(p, 'ИдТипаЦены'), '')
    const kopecks = priceKopecksPerBaseUnit(textOf(p, 'ЦенаЗаЕдиницу'), textOf(p, 'Коэффициент'))
    if (typeId == null || kopecks == null) {
      ctx.errors.push({ element: describe(node), message: `цена не прочитана: ${textOf(p, 'ЦенаЗаЕдиницу') || 'пусто'}` })
      continue
    }
    wantPrices.set(typeId, kopecks)
  }
  if (wantPrices.size) {
    const havePrices = new Map<number, number>(
      ((await trx('prices').where({ product_id: productId }).select('price_type_id', 'kopecks')) as { price_type_id: number; kopecks: number }[]).map((r) => [Number(r.price_type_id), Number(r.kopecks)]),
    )
    const inserts: Record<string, unknown>[] = []
    for (const [typeId, kopecks] of wantPrices) {
      const have = havePrices.get(typeId)
      if (have === undefined) inserts.push({ product_id: productId, price_type_id: typeId, kopecks, updated_at: ctx.now })
      else if (have !== kopecks) await trx('prices').where({ product_id: productId, price_type_id: typeId }).update({ kopecks, updated_at: ctx.now })
      if (have !== kopecks) ctx.counts.prices++
    }
    if (inserts.length) await trx('prices').insert(inserts)
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
  const targets: [string, number][] = perWarehouse.size ? [...perWarehouse] : total != null ? [[ctx.totalWarehouse || '__1c_total__', total]] : []
  if (targets.length) {
    const haveStock = new Map<number, number>(
      ((await trx('stock').where({ product_id: productId }).select('warehouse_id', 'on_hand_milli')) as { warehouse_id: number; on_hand_milli: number }[]).map((r) => [Number(r.warehouse_id), Number(r.on_hand_milli)]),
    )
    const inserts: Record<string, unknown>[] = []
    for (const [wExt, qty] of targets) {
      const wid = await warehouseId(trx, ctx, wExt, '')
      if (wid == null) continue
      const have = haveStock.get(wid)
      if (have === undefined) inserts.push({ warehouse_id: wid, product_id: productId, on_hand_milli: qty, reserved_milli: 0, updated_at: ctx.now })
      else if (have !== qty) await trx('stock').where({ warehouse_id: wid, product_id: productId }).update({ on_hand_milli: qty, updated_at: ctx.now })
      if (have !== qty) ctx.counts.stockRows++
      haveStock.set(wid, qty)
    }
    if (inserts.length) await trx('stock').insert(inserts)
  }
}

/** After a full catalog file: hides the 1C products (not variants) this session did not send. */
export async function hideUnsentProducts(trx: Trx, sessionId: number, now: number, variantsToo: boolean): Promise<number> {
  let q = trx('products').whereNotNull('external_id').andWhere({ is_active: true }).andWhere((w) => w.whereNull('onec_seen_session').orWhereNot('onec_seen_session', sessionId))
  if (!variantsToo) q = q.andWhere('external_id', 'not like', '%#%')
  return q.update({ is_active: false, updated_at: now })
}
