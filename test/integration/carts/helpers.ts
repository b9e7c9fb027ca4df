import type { TestApp } from '../../support/app.js'
import { uniq } from '../../support/factories.js'
import { insertId } from '../../../server/db/dialect.js'
import * as store from '../../../server/carts/store.js'
import * as catalogStore from '../../../server/catalog/store.js'

/*
 * Cart fixtures. Cart types are the supplier's, shared by every company of the suite's one database: an active type with
 * a short packaging list would become the default type of every other test's first cart. So each test file removes the
 * types it made (`dropCartTypes` in `after`), and makes them with a late sort so that they are never first while it runs
 * unless the test says so.
 */

const made: number[] = []

/** A cart type straight in the database; `packagings` null sells every packaging. */
export async function cartType(
  app: TestApp,
  o: { name?: string; priceTypeId?: number | null; packagings?: string[] | null; warehouseId?: number | null; sort?: number; active?: boolean } = {},
): Promise<{ id: number; name: string }> {
  const name = o.name ?? `Тип ${uniq()}`
  const id = await store.insertCartType(
    app.c.db,
    { name, description: '', price_type_id: o.priceTypeId ?? null, packaging_names: o.packagings ?? null, warehouse_id: o.warehouseId ?? null, sort: o.sort ?? 10_000, is_active: o.active ?? true },
    app.clock.now().getTime(),
  )
  made.push(id)
  return { id, name }
}

/** Removes the cart types this file made (their carts keep working without a type). */
export async function dropCartTypes(app: TestApp): Promise<void> {
  if (made.length) await app.c.db('cart_types').whereIn('id', made.splice(0)).delete()
}

/** Remembers a type made through the HTTP form, so `dropCartTypes` removes it too. */
export function track(id: number): void {
  made.push(id)
}

/** A cart of the company straight in the database. */
export async function cart(app: TestApp, companyId: number, o: { name?: string; typeId?: number | null; usedAt?: number } = {}): Promise<number> {
  const now = o.usedAt ?? app.clock.now().getTime()
  return store.insertCart(app.c.db, companyId, { name: o.name ?? `Корзина ${uniq()}`, cart_type_id: o.typeId ?? null, client_ref: '', payer_company_id: null, point_id: null }, null, now)
}

/** A line straight in the database: `qty` in base units. */
export async function line(app: TestApp, cartId: number, productId: number, packagingId: number | null, qty: number, comment = ''): Promise<number> {
  await store.addToLine(app.c.db, cartId, productId, packagingId, Math.round(qty * 1000), app.clock.now().getTime(), comment)
  const q = app.c.db('cart_lines').where({ cart_id: cartId, product_id: productId })
  const row = await (packagingId === null ? q.whereNull('packaging_id') : q.where({ packaging_id: packagingId })).first('id')
  return Number(row.id)
}

/** The carts of a company, oldest first. */
export function cartsOf(app: TestApp, companyId: number) {
  return app.c.db('carts').where({ company_id: companyId }).orderBy('id')
}

/** The lines of a cart as [product id, quantity in base units, comment]. */
export async function linesOf(app: TestApp, cartId: number): Promise<[number, number, string][]> {
  const rows: { product_id: number; qty_milli: number; comment: string }[] = await app.c.db('cart_lines').where({ cart_id: cartId }).orderBy('id')
  return rows.map((r) => [Number(r.product_id), Number(r.qty_milli) / 1000, r.comment])
}

/** A delivery point of a company straight in the database. */
export async function point(app: TestApp, companyId: number, name = `Точка ${uniq()}`): Promise<number> {
  const now = app.clock.now().getTime()
  return insertId(app.c.db, 'delivery_points', { company_id: companyId, name, address: 'г Москва, ул Тестовая, д 1', contact_name: 'Иван', contact_phone: '+79160000000', working_hours: '', is_default: false, created_at: now, updated_at: now })
}

/** A category under `parent` (the store fills the materialised path), with a unique name. */
export function category(app: TestApp, name: string, parent: number | null = null, sort = 0): Promise<number> {
  return catalogStore.insertCategory(app.c.db, { parentId: parent, name: `${name} ${uniq()}`, sort }, app.clock.now().getTime())
}

/** A price type with a unique code; `prices` sets its price of products (kopecks per base unit). */
export async function priceType(app: TestApp, name: string, prices: Record<number, number> = {}): Promise<number> {
  const id = await insertId(app.c.db, 'price_types', { code: `t-${uniq()}`, name: `${name} ${uniq()}`, is_default: false })
  const now = app.clock.now().getTime()
  const rows = Object.entries(prices).map(([productId, kopecks]) => ({ price_type_id: id, product_id: Number(productId), kopecks, updated_at: now }))
  if (rows.length) await app.c.db('prices').insert(rows)
  return id
}

/** The cart id a redirect to /carts/:id names. */
export function cartIdOf(location: string | undefined): number {
  const m = /^\/carts\/(\d+)$/.exec(location ?? '')
  if (!m) throw new Error(`not a cart address: ${location}`)
  return Number(m[1])
}
