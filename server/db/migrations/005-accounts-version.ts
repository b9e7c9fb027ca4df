import type { Knex } from 'knex'
import { createVersionTriggers, dropVersionTriggers } from '../dialect.js'

/*
 * The accounts data version (see `server/db/versions.ts`): people, companies and memberships bump it, so the identity of a
 * request (who they are and which companies they may act for) is cached in process and still never stale.
 */
const TABLES = ['users', 'companies', 'company_members']

export async function up(knex: Knex): Promise<void> {
  await knex('data_versions').insert({ name: 'accounts', version: 1 })
  for (const table of TABLES) await createVersionTriggers(knex, table, 'accounts')
}

export async function down(knex: Knex): Promise<void> {
  for (const table of TABLES) await dropVersionTriggers(knex, table)
  await knex('data_versions').where({ name: 'accounts' }).delete()
}
