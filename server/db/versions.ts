import type { Db } from './knex.js'

/*
 * Data versions. Reference data that every catalog page needs (categories, attributes, product cards, prices, price types,
 * pricing rules and terms) changes a few times a day, through the 1C/MoySklad exchange or a staff page, yet a page read it
 * all again on every request. Each such table belongs to a channel whose counter in `data_versions` a trigger bumps on
 * every written row (migration 003), whoever writes it. A request reads the counters once (one primary-key read of three
 * rows) and the in-process caches (`shared/cache.ts`) serve what was read under the same counter; a changed counter empties
 * that channel's caches. So every process, however many run, sees a change from the first request after its commit, and no
 * cache ever needs a TTL.
 *
 * The accounts channel (people, companies, memberships) lets every request know who is asking without reading them: a
 * blocked person, a removed membership or a blocked company is seen at the next request all the same.
 *
 * Not versioned, and always read fresh: stock and reservations, carts, orders, sessions.
 */

export type Channel = 'catalog' | 'prices' | 'terms' | 'accounts'

/** Which channel each versioned table bumps (triggers made by migrations 003, 005 and 007; a test checks they all exist). */
export const VERSIONED_TABLES: Record<string, Channel> = {
  categories: 'catalog',
  attributes: 'catalog',
  attribute_options: 'catalog',
  warehouses: 'catalog',
  products: 'catalog',
  packagings: 'catalog',
  product_attributes: 'catalog',
  product_images: 'catalog',
  price_types: 'catalog',
  blend_recipes: 'catalog',
  cart_types: 'catalog',
  prices: 'prices',
  client_groups: 'terms',
  company_groups: 'terms',
  company_pricing: 'terms',
  pricing_rules: 'terms',
  users: 'accounts',
  companies: 'accounts',
  company_members: 'accounts',
}

/** The counters of every channel at one moment. */
export type Versions = Readonly<Record<Channel, number>>

/** Reads every channel's counter in one query. */
export async function readVersions(db: Db): Promise<Versions> {
  const rows: { name: string; version: number | string }[] = await db('data_versions').select('name', 'version')
  const out: Record<Channel, number> = { catalog: 0, prices: 0, terms: 0, accounts: 0 }
  for (const r of rows) if (r.name in out) out[r.name as Channel] = Number(r.version)
  return out
}
