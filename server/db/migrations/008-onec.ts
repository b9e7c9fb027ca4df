import type { Knex } from 'knex'

/*
 * The 1C CommerceML exchange: one row per exchange session (keyed by the hash of the cookie 1C received at checkauth), one row
 * per file imported in it with the number of items already committed (the resume point after a restart), and the errors
 * with the offending element. `products.onec_seen_session` marks the products a session sent, so a full package or
 * `mode=deactivate` can hide the 1C products that were not sent.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('onec_sessions', (t) => {
    t.increments('id').primary()
    t.string('cookie_hash', 64).notNullable().unique()
    t.string('type', 16).notNullable() // catalog | sale
    t.string('status', 16).notNullable().defaultTo('open') // open | running | done | failed
    t.string('ip', 64).notNullable().defaultTo('')
    t.boolean('initialised').notNullable().defaultTo(false)
    t.boolean('zip').notNullable().defaultTo(false)
    t.boolean('unzipped').notNullable().defaultTo(false)
    t.bigInteger('bytes_received').notNullable().defaultTo(0)
    t.integer('steps').notNullable().defaultTo(0)
    t.text('counts').nullable() // JSON: created/updated/hidden products, prices, stock rows…
    t.bigInteger('created_at').notNullable()
    t.bigInteger('updated_at').notNullable()
    t.bigInteger('expires_at').notNullable()
    t.bigInteger('finished_at').nullable()
    t.index(['created_at'])
  })
  await knex.schema.createTable('onec_files', (t) => {
    t.increments('id').primary()
    t.integer('session_id').unsigned().notNullable().references('onec_sessions.id').onDelete('CASCADE')
    t.string('name', 255).notNullable()
    t.bigInteger('bytes').notNullable().defaultTo(0)
    t.integer('chunks').notNullable().defaultTo(0)
    t.string('status', 16).notNullable().defaultTo('uploaded') // uploaded | importing | done | failed
    t.integer('applied').notNullable().defaultTo(0) // items committed: the resume point
    t.integer('steps').notNullable().defaultTo(0)
    t.text('counts').nullable()
    t.string('message', 500).notNullable().defaultTo('')
    t.bigInteger('started_at').nullable()
    t.bigInteger('finished_at').nullable()
    t.unique(['session_id', 'name'])
  })
  await knex.schema.createTable('onec_errors', (t) => {
    t.increments('id').primary()
    t.integer('session_id').unsigned().notNullable().references('onec_sessions.id').onDelete('CASCADE')
    t.string('file', 255).notNullable().defaultTo('')
    t.string('element', 500).notNullable().defaultTo('')
    t.string('message', 1000).notNullable()
    t.bigInteger('created_at').notNullable()
    t.index(['session_id'])
  })
  await knex.schema.alterTable('products', (t) => {
    t.integer('onec_seen_session').nullable()
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('products', (t) => {
    t.dropColumn('onec_seen_session')
  })
  await knex.schema.dropTableIfExists('onec_errors')
  await knex.schema.dropTableIfExists('onec_files')
  await knex.schema.dropTableIfExists('onec_sessions')
}
