import type { TestApp } from '../../support/app.js'
import { createProduct, uniq } from '../../support/factories.js'
import { insertId } from '../../../server/db/dialect.js'

/*
 * Pricing fixtures straight in the database. The suite shares one database, so everything here gets unique names, and
 * rules that apply to every company are limited to a client group made for the test: another test's cart never sees them.
 */

/** A price type with a unique code (never the default). */
export async function priceType(app: TestApp, name = 'Тип'): Promise<number> {
  return insertId(app.c.db, 'price_types', { code: `t-${uniq()}`, name: `${name} ${uniq()}`, is_default: false })
}

/** A category under `parent`, with its materialised path «/3/17/» as the catalog keeps it. */
export async function category(app: TestApp, name: string, parent?: number): Promise<number> {
  const now = Date.now()
  const p = parent ? await app.c.db('categories').where({ id: parent }).first('path', 'depth') : undefined
  const id = await insertId(app.c.db, 'categories', { parent_id: parent ?? null, name: `${name} ${uniq()}`, path: '/', depth: p ? Number(p.depth) + 1 : 0, created_at: now, updated_at: now })
  await app.c.db('categories').where({ id }).update({ path: `${p?.path ?? '/'}${id}/` })
  return id
}

/** A product priced at `price` kopecks in the default type and at the given kopecks in other types. */
export async function product(app: TestApp, o: { price: number; unit?: string; categoryId?: number; prices?: Record<number, number>; sku?: string }) {
  const p = await createProduct(app, { price: o.price, unit: o.unit, categoryId: o.categoryId ?? null, sku: o.sku })
  const now = Date.now()
  const rows = Object.entries(o.prices ?? {}).map(([t, k]) => ({ price_type_id: Number(t), product_id: p.id, kopecks: k, updated_at: now }))
  if (rows.length) await app.c.db('prices').insert(rows)
  return p
}

/** A client group with a unique name. */
export async function group(app: TestApp, defaultPriceTypeId: number | null = null, name = 'Группа'): Promise<{ id: number; name: string }> {
  const full = `${name} ${uniq()}`
  return { id: await insertId(app.c.db, 'client_groups', { name: full, default_price_type_id: defaultPriceTypeId }), name: full }
}

/** Puts a company into groups. */
export async function join(app: TestApp, companyId: number, ...groupIds: number[]) {
  await app.c.db('company_groups').insert(groupIds.map((g) => ({ company_id: companyId, group_id: g })))
}

/** A rule row with defaults; returns its id. */
export async function rule(
  app: TestApp,
  r: { kind: string; name?: string; product_id?: number; category_id?: number; group_id?: number; threshold?: number; unit?: string; price_type_id?: number; discount_bp?: number; is_active?: boolean },
): Promise<number> {
  const now = Date.now()
  return insertId(app.c.db, 'pricing_rules', { name: 'Правило', threshold: 0, unit: '', discount_bp: 0, is_active: true, created_at: now, updated_at: now, ...r })
}

/** Sets a company's terms. */
export async function terms(app: TestApp, companyId: number, t: { pinned?: number | null; discountBp?: number; turnover?: number }) {
  await app.c.db('company_pricing').insert({
    company_id: companyId, pinned_price_type_id: t.pinned ?? null, discount_bp: t.discountBp ?? 0, turnover_12m_kopecks: t.turnover ?? 0, updated_at: Date.now(),
  })
}

