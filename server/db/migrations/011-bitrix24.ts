import type { Knex } from 'knex'

/*
 * The Bitrix24 local app (issue 6, b24-app/CONTEXT.md) and its built-in emulator (server/sandbox/bitrix24*).
 *
 * `b24_installs`: one row per portal (`member_id`), with the OAuth pair, the endpoints the tokens belong to, the
 * `application_token` events are checked against, and a refresh lease (`refresh_holder`, `refresh_until`) that serialises
 * token refreshes per portal across processes. `b24_links`: our entity ↔ the CRM entity per portal, so later updates know
 * the deal/company id. `b24_settings`: the app's settings per portal (JSON over the defaults of b24-app/settings-store.ts).
 *
 * `sandbox_b24_*`: the emulator's own CRM (companies, requisites and their presets, bank details, contacts, deals, product
 * rows, timeline comments, tasks, users) and its OAuth tokens. Indexed columns for what its filters look at, the rest of
 * each entity's fields as JSON. Times are epoch milliseconds everywhere.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('b24_installs', (t) => {
    t.string('member_id', 64).primary()
    t.string('domain', 255).notNullable()
    t.string('client_endpoint', 500).notNullable()
    t.string('server_endpoint', 500).notNullable()
    t.string('access_token', 255).notNullable()
    t.string('refresh_token', 255).notNullable()
    t.bigInteger('expires_at').notNullable()
    t.string('application_token', 255).nullable()
    t.string('scope', 500).notNullable().defaultTo('')
    t.string('status', 16).notNullable().defaultTo('active') // active | uninstalled
    // Set when Bitrix24 refused the tokens for good (invalid_token, NO_AUTH_FOUND, invalid_grant): the app must be reinstalled.
    t.string('auth_error', 500).nullable()
    t.bigInteger('auth_error_at').nullable()
    // The refresh lease: who refreshes the tokens of this portal now, and until when.
    t.string('refresh_holder', 64).nullable()
    t.bigInteger('refresh_until').notNullable().defaultTo(0)
    t.bigInteger('refreshed_at').nullable()
    t.bigInteger('installed_at').notNullable()
    t.bigInteger('updated_at').notNullable()
  })

  await knex.schema.createTable('b24_links', (t) => {
    t.increments('id').primary()
    t.string('entity', 24).notNullable() // company | contact | requisite | bankdetail | deal
    t.string('our_id', 64).notNullable()
    t.string('member_id', 64).notNullable()
    t.string('b24_id', 64).notNullable()
    t.bigInteger('created_at').notNullable()
    t.bigInteger('updated_at').notNullable()
    t.unique(['entity', 'our_id', 'member_id'])
    t.index(['member_id', 'entity', 'b24_id'])
  })

  await knex.schema.createTable('b24_settings', (t) => {
    t.string('member_id', 64).primary()
    t.text('value').notNullable()
    t.bigInteger('updated_at').notNullable()
  })

  // ---- the emulator ----
  await knex.schema.createTable('sandbox_b24_auth', (t) => {
    t.increments('id').primary()
    t.string('member_id', 64).notNullable()
    t.string('access_token', 191).notNullable().unique()
    t.string('refresh_token', 191).notNullable().unique()
    t.bigInteger('expires_at').notNullable()
    t.boolean('refresh_used').notNullable().defaultTo(false)
    t.bigInteger('created_at').notNullable()
    t.index(['member_id'])
  })
  await knex.schema.createTable('sandbox_b24_users', (t) => {
    t.increments('id').primary()
    t.string('name', 200).notNullable()
    t.string('last_name', 200).notNullable().defaultTo('')
    t.string('email', 200).notNullable().defaultTo('')
    t.boolean('active').notNullable().defaultTo(true)
  })
  await knex.schema.createTable('sandbox_b24_presets', (t) => {
    t.increments('id').primary()
    t.string('name', 200).notNullable()
    t.integer('entity_type_id').notNullable().defaultTo(8)
    t.integer('country_id').notNullable().defaultTo(1)
    t.boolean('active').notNullable().defaultTo(true)
    t.integer('sort').notNullable().defaultTo(500)
  })
  const entity = (name: string, extra: (t: Knex.CreateTableBuilder) => void) =>
    knex.schema.createTable(name, (t) => {
      t.increments('id').primary()
      extra(t)
      t.text('fields').notNullable() // JSON: every field as the REST call gave it
      t.bigInteger('created_at').notNullable()
      t.bigInteger('updated_at').notNullable()
    })
  await entity('sandbox_b24_companies', (t) => {
    t.string('title', 500).notNullable()
    t.string('origin_id', 191).nullable().index()
  })
  await entity('sandbox_b24_contacts', (t) => {
    t.string('name', 500).notNullable()
    t.integer('company_id').nullable().index()
    t.string('origin_id', 191).nullable().index()
  })
  await entity('sandbox_b24_requisites', (t) => {
    t.integer('entity_type_id').notNullable()
    t.integer('entity_id').notNullable()
    t.integer('preset_id').notNullable()
    t.string('rq_inn', 12).nullable()
    t.index(['entity_type_id', 'entity_id'])
  })
  await entity('sandbox_b24_bankdetails', (t) => {
    t.integer('requisite_id').notNullable().index()
  })
  await entity('sandbox_b24_deals', (t) => {
    t.string('title', 500).notNullable()
    t.integer('category_id').notNullable().defaultTo(0)
    t.string('stage_id', 64).notNullable()
    t.integer('company_id').nullable().index()
    t.string('origin_id', 191).nullable().index()
  })
  await entity('sandbox_b24_productrows', (t) => {
    t.integer('deal_id').notNullable().index()
    t.integer('sort').notNullable().defaultTo(0)
  })
  await entity('sandbox_b24_comments', (t) => {
    t.string('entity_type', 32).notNullable()
    t.integer('entity_id').notNullable()
    t.index(['entity_type', 'entity_id'])
  })
  await entity('sandbox_b24_tasks', (t) => {
    t.string('title', 500).notNullable()
    t.integer('responsible_id').notNullable()
  })
}

export async function down(knex: Knex): Promise<void> {
  for (const t of [
    'sandbox_b24_tasks',
    'sandbox_b24_comments',
    'sandbox_b24_productrows',
    'sandbox_b24_deals',
    'sandbox_b24_bankdetails',
    'sandbox_b24_requisites',
    'sandbox_b24_contacts',
    'sandbox_b24_companies',
    'sandbox_b24_presets',
    'sandbox_b24_users',
    'sandbox_b24_auth',
    'b24_settings',
    'b24_links',
    'b24_installs',
  ]) {
    await knex.schema.dropTableIfExists(t)
  }
}
