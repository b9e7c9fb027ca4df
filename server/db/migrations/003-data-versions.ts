import type { Knex } from 'knex'
import { createVersionTriggers, dropVersionTriggers } from '../dialect.js'

/** The tables of this migration and their channels (later migrations add their own; `versions.ts` lists them all). */
const VERSIONED_TABLES: Record<string, string> = {
  categories: 'catalog',
  attributes: 'catalog',
  attribute_options: 'catalog',
  warehouses: 'catalog',
  products: 'catalog',
  packagings: 'catalog',
  product_attributes: 'catalog',
  price_types: 'catalog',
  prices: 'prices',
  client_groups: 'terms',
  company_groups: 'terms',
  company_pricing: 'terms',
  pricing_rules: 'terms',
}

/*
 * Data versions: one counter per channel of cached reference data, bumped by a trigger on every row written to a table of
 * that channel (see `server/db/versions.ts`). Stock, carts and orders are not versioned: they change all the time and are
 * always read fresh.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('data_versions', (t) => {
    t.string('name', 32).primary()
    t.bigInteger('version').notNullable().defaultTo(0)
  })
  const channels = [...new Set(Object.values(VERSIONED_TABLES))]
  await knex('data_versions').insert(channels.map((name) => ({ name, version: 1 })))
  for (const [table, channel] of Object.entries(VERSIONED_TABLES)) await createVersionTriggers(knex, table, channel)
}

export async function down(knex: Knex): Promise<void> {
  for (const table of Object.keys(VERSIONED_TABLES)) await dropVersionTriggers(knex, table)
  await knex.schema.dropTableIfExists('data_versions')
}
