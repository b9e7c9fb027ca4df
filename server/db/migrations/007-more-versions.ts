import type { Knex } from 'knex'
import { createVersionTriggers, dropVersionTriggers } from '../dialect.js'

/*
 * Two more tables of the catalog channel (see `server/db/versions.ts`): blend recipes, which every catalog page needs to
 * derive a blend's stock, and cart types, which every page's mini-cart shows.
 */
const TABLES = ['blend_recipes', 'cart_types']

export async function up(knex: Knex): Promise<void> {
  for (const table of TABLES) await createVersionTriggers(knex, table, 'catalog')
}

export async function down(knex: Knex): Promise<void> {
  for (const table of TABLES) await dropVersionTriggers(knex, table)
}
