import { insertId } from '../../server/db/dialect.js'
import { seedCatalog } from '../../server/db/seeds/catalog.js'
import type { TestApp } from './app.js'

/**
 * The demo catalog for an end-to-end test, every product priced in the supplier's default price type at its list price
 * (the type is made when the shared database has none yet). Returns what `seedCatalog` seeded.
 */
export async function pricedDemoCatalog(app: TestApp) {
  const db = app.c.db
  const seeded = await seedCatalog(app.c)
  const now = Date.now()
  const base =
    (await db('price_types').where({ is_default: true }).first())?.id ??
    (await insertId(db, 'price_types', { code: 'e2e-wholesale', name: 'Оптовая', is_default: true }))
  const priced = new Set((await db('prices').where({ price_type_id: base }).select('product_id')).map((r: { product_id: number }) => r.product_id))
  const rows = seeded.filter((s) => !priced.has(s.id)).map((s) => ({ price_type_id: base, product_id: s.id, kopecks: s.listKopecks, updated_at: now }))
  for (let i = 0; i < rows.length; i += 200) await db('prices').insert(rows.slice(i, i + 200))
  return seeded
}
