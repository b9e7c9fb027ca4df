import type { TestApp } from '../../support/app.js'
import { buyer, createProduct, uniq } from '../../support/factories.js'
import * as catalogStore from '../../../server/catalog/store.js'
import { setRecipe } from '../../../server/stock/store.js'
import { cart, cartType, line } from '../carts/helpers.js'
import type { Role } from '../../../server/companies/types.js'

/*
 * Order fixtures over the suite's one database: every test makes its own warehouse (so stock never mixes with another
 * test's), products stocked there, a cart type that ships from it, and a verified buyer.
 */

/** A warehouse of its own. */
export function warehouse(app: TestApp, name = `Склад ${uniq()}`, kind = 'main'): Promise<number> {
  return catalogStore.insertWarehouse(app.c.db, { name, kind, show_mode: 'qty', low_packagings: 1, sort: 1000 })
}

/** A product with one packaging (`factor` base units), a default-type price and `onHand` base units at the warehouse. */
export async function stocked(
  app: TestApp,
  o: { warehouseId: number | null; onHand?: number; unit?: 'шт' | 'кг'; factor?: number; min?: number; step?: number; price?: number; name?: string; sku?: string },
) {
  const p = await createProduct(app, { unit: o.unit ?? 'кг', factor: o.factor ?? 1, min: o.min, step: o.step, price: o.price ?? 10_000, name: o.name, sku: o.sku })
  if (o.warehouseId !== null && o.onHand !== undefined) await setStock(app, o.warehouseId, p.id, o.onHand)
  const pack = await app.c.db('packagings').where({ id: p.packagingId }).first('name')
  return { ...p, packName: String(pack.name) }
}

/** Sets on-hand (base units) of a product at a warehouse, nothing reserved. */
export async function setStock(app: TestApp, warehouseId: number, productId: number, onHand: number): Promise<void> {
  const db = app.c.db
  const now = app.clock.now().getTime()
  const n = await db('stock').where({ warehouse_id: warehouseId, product_id: productId }).update({ on_hand_milli: Math.round(onHand * 1000), reserved_milli: 0, updated_at: now })
  if (!n) await db('stock').insert({ warehouse_id: warehouseId, product_id: productId, on_hand_milli: Math.round(onHand * 1000), reserved_milli: 0, updated_at: now })
}

/** On hand and reserved of a product at a warehouse, in base units. */
export async function stockAt(app: TestApp, warehouseId: number, productId: number): Promise<{ onHand: number; reserved: number }> {
  const r = await app.c.db('stock').where({ warehouse_id: warehouseId, product_id: productId }).first()
  return { onHand: Number(r?.on_hand_milli ?? 0) / 1000, reserved: Number(r?.reserved_milli ?? 0) / 1000 }
}

/** A blend: `parts` are [component product id, component base units per one base unit of the blend]. */
export async function blend(app: TestApp, parts: [number, number][], o: { price?: number; name?: string } = {}) {
  const p = await createProduct(app, { unit: 'кг', factor: 1, price: o.price ?? 20_000, name: o.name })
  await setRecipe(app.c.db, p.id, parts.map(([componentId, per]) => ({ componentId, perUnitMilli: Math.round(per * 1000) })))
  const pack = await app.c.db('packagings').where({ id: p.packagingId }).first('name')
  return { ...p, packName: String(pack.name) }
}

/** A verified buyer (owner by default) logged in. */
export function orderingBuyer(app: TestApp, role: Role = 'owner') {
  return buyer(app, { status: 'verified', role })
}

/** A cart type shipping from the warehouse (every packaging unless `packagings`), and a cart of it for the company. */
export async function typedCart(app: TestApp, companyId: number, warehouseId: number | null, o: { packagings?: string[] | null; name?: string; priceTypeId?: number | null } = {}) {
  const type = await cartType(app, { warehouseId, packagings: o.packagings ?? null, priceTypeId: o.priceTypeId ?? null })
  const id = await cart(app, companyId, { typeId: type.id, name: o.name })
  return { id, typeId: type.id, typeName: type.name }
}

/** Puts `qty` base units of a product into a cart in its packaging. */
export function put(app: TestApp, cartId: number, p: { id: number; packagingId: number }, qty: number, comment = ''): Promise<number> {
  return line(app, cartId, p.id, p.packagingId, qty, comment)
}

/** The outbox rows of an order, oldest first. */
export function outboxOf(app: TestApp, orderId: number) {
  return app.c.db('outbox')
    .where((w) => w.whereIn('idempotency_key', [`order.placed:${orderId}`]).orWhere('idempotency_key', 'like', `order.%:${orderId}:%`))
    .orderBy('id')
}

/** The order of a company with this number. */
export function orderRow(app: TestApp, number: string) {
  return app.c.db('orders').where({ number }).first()
}

/** The order number a redirect to /orders/:number names. */
export function numberOf(location: string | undefined): string {
  const m = /^\/orders\/(\d+)$/.exec(location ?? '')
  if (!m) throw new Error(`not an order address: ${location}`)
  return m[1]!
}

/** The member view of a company for calling services directly. */
export async function memberOf(app: TestApp, userId: number, companyId: number) {
  return (await app.c.companies.forMember(userId, companyId))!
}

/** Places an order through the service from a new cart of a type shipping from `warehouseId`; throws unless it is placed. */
export async function placeOrder(
  app: TestApp,
  b: { user: { id: number }; company: { id: number } },
  items: { p: { id: number; packagingId: number }; qty: number }[],
  warehouseId: number | null,
  o: { comment?: string; pointId?: number } = {},
) {
  const c = await typedCart(app, b.company.id, warehouseId)
  for (const i of items) await put(app, c.id, i.p, i.qty)
  const out = await app.c.orders.checkout(await memberOf(app, b.user.id, b.company.id), b.user.id, { cartIds: [c.id], pointId: o.pointId ? String(o.pointId) : '', comment: o.comment ?? '', clientRef: '', payers: [], source: 'web' }, { kind: 'buyer', userId: b.user.id })
  if (!out.ok) throw new Error(`not placed: ${JSON.stringify(out)}`)
  return out.order
}
