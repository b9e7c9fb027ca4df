import type { TestApp } from '../../support/app.js'
import * as store from '../../../server/catalog/store.js'
import { foldText, normalizeSku } from '../../../server/catalog/rules.js'
import type { AttributeRow } from '../../../server/catalog/types.js'

let seq = 0
/** A short unique lower-case token of letters only (so it is one word for every search index). */
export function token(): string {
  const n = Date.now() * 1000 + seq++ * 7 + Math.floor(Math.random() * 1000)
  return n.toString(26).replace(/\d/g, (d) => 'qrstuvwxyz'[Number(d)]!).slice(-9)
}

/** The default price type, created when no test made one yet. */
export async function defaultType(app: TestApp): Promise<number> {
  const db = app.c.db
  let type = await db('price_types').where({ is_default: true }).first()
  if (!type) {
    await db('price_types').insert({ code: `base-${token()}`, name: 'Оптовая', is_default: true })
    type = await db('price_types').where({ is_default: true }).first()
  }
  return Number(type.id)
}

/** A category under `parent` (the store fills the materialised path). */
export function category(app: TestApp, name: string, parent: number | null = null): Promise<number> {
  return store.insertCategory(app.c.db, { parentId: parent, name }, app.clock.now().getTime())
}

/** An attribute with a unique code (codes are global, tests share one database). */
export async function attribute(app: TestApp, a: Partial<Omit<AttributeRow, 'id'>> & { type: AttributeRow['type']; name: string }, options: string[] = []) {
  const code = `${a.code ?? 'a'}_${token()}`
  const id = await store.insertAttribute(app.c.db, { category_id: null, unit: '', filterable: true, key: false, ...a, code })
  return { id, code, options: options.length ? await store.insertOptions(app.c.db, id, options) : new Map<string, number>() }
}

export interface ProductSpec {
  sku: string
  name: string
  unit?: 'шт' | 'кг'
  categoryId?: number | null
  popularity?: number
  price?: number | null
  active?: boolean
  profile?: string
  packs?: { name: string; factor: number; min?: number; step?: number }[]
  options?: { attributeId: number; optionId: number }[]
  numbers?: { attributeId: number; value: number }[]
  stock?: { warehouseId: number; onHand: number; reserved?: number }[]
}

/** Products with packagings, attribute values, stock and a default-type price, through the catalog store. */
export async function products(app: TestApp, specs: ProductSpec[]): Promise<number[]> {
  const db = app.c.db
  const now = app.clock.now().getTime()
  const ids = await store.insertProducts(
    db,
    specs.map((s) => ({
      sku: s.sku, sku_norm: normalizeSku(s.sku), name: s.name, name_search: foldText(s.name), category_id: s.categoryId ?? null,
      base_unit: s.unit ?? 'шт', vat_rate: '22', popularity: s.popularity ?? 0, is_active: s.active ?? true, profile: s.profile ?? null,
    })),
    now,
  )
  const type = await defaultType(app)
  const out: number[] = []
  for (const s of specs) {
    const id = ids.get(normalizeSku(s.sku))!
    out.push(id)
    const packs = s.packs ?? [{ name: s.unit === 'кг' ? 'мешок 30 кг' : 'коробка 10 шт', factor: s.unit === 'кг' ? 30 : 10 }]
    await store.insertPackagings(
      db,
      packs.map((p, i) => ({ product_id: id, name: p.name, factor_milli: p.factor * 1000, min_qty_milli: (p.min ?? 0) * 1000, step_milli: (p.step ?? 0) * 1000, is_default: i === 0, sort: i })),
    )
    if (s.price !== null) await db('prices').insert({ price_type_id: type, product_id: id, kopecks: s.price ?? 10_000, updated_at: now })
    const values = [
      ...(s.options ?? []).map((o) => ({ product_id: id, attribute_id: o.attributeId, option_id: o.optionId })),
      ...(s.numbers ?? []).map((n) => ({ product_id: id, attribute_id: n.attributeId, num_milli: n.value * 1000 })),
    ]
    if (values.length) await store.insertAttributeValues(db, values)
    if (s.stock?.length) await store.insertStock(db, s.stock.map((w) => ({ warehouse_id: w.warehouseId, product_id: id, on_hand_milli: w.onHand * 1000, reserved_milli: (w.reserved ?? 0) * 1000 })), now)
  }
  return out
}

/** A warehouse that shows quantities or statuses. */
export function warehouse(app: TestApp, o: { name: string; mode: 'qty' | 'status'; kind?: string; low?: number }): Promise<number> {
  return store.insertWarehouse(app.c.db, { name: o.name, kind: o.kind ?? 'main', show_mode: o.mode, low_packagings: o.low ?? 3, sort: 100 })
}

/** Articles of the rows on a catalog page, in order. */
export function skusOf(html: string): string[] {
  return [...html.matchAll(/<td class="c-sku"><a [^>]*>([^<]+)<\/a>/g)].map((m) => m[1]!)
}
