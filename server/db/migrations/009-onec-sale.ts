import type { Knex } from 'knex'

/*
 * The 1C order exchange (type=sale, server/integrations/onec/sale.ts). `onec_sale_orders`: per order, the version
 * (`orders.updated_at`) 1C last confirmed with `mode=success`, and what 1C told us about it that `orders` has no column
 * for (its date, payment and shipment documents). `onec_sale_sent`: which orders, at which version, one exchange session's
 * `mode=query` sent; `mode=success` turns them into exported versions. `onec_sale_imports`: per session and file, how many
 * documents of what 1C sent back are applied (the resume point of a step) and the running report.
 * `session_id` is the exchange session's id (onec_sessions); no foreign key, so the bookkeeping outlives expired sessions.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('onec_sale_orders', (t) => {
    t.integer('order_id').unsigned().primary().references('orders.id').onDelete('CASCADE')
    t.bigInteger('exported_version').nullable()
    t.bigInteger('exported_at').nullable()
    t.string('onec_date', 32).notNullable().defaultTo('')
    t.string('payment_no', 64).notNullable().defaultTo('')
    t.string('payment_date', 32).notNullable().defaultTo('')
    t.string('shipment_no', 64).notNullable().defaultTo('')
    t.string('shipment_date', 32).notNullable().defaultTo('')
    t.bigInteger('updated_at').notNullable()
  })
  await knex.schema.createTable('onec_sale_sent', (t) => {
    t.increments('id').primary()
    t.integer('session_id').unsigned().notNullable()
    t.integer('order_id').unsigned().notNullable().references('orders.id').onDelete('CASCADE')
    t.bigInteger('version').notNullable()
    t.bigInteger('created_at').notNullable()
    t.unique(['session_id', 'order_id'])
  })
  await knex.schema.createTable('onec_sale_imports', (t) => {
    t.increments('id').primary()
    t.integer('session_id').unsigned().notNullable()
    t.string('file', 500).notNullable()
    // The file as first seen (size and modification time): a new upload under the same name starts over.
    t.string('fingerprint', 64).notNullable()
    t.integer('documents_done').notNullable().defaultTo(0)
    t.boolean('done').notNullable().defaultTo(false)
    t.text('report').notNullable() // JSON: counts, orders not found, refused changes
    t.bigInteger('created_at').notNullable()
    t.bigInteger('updated_at').notNullable()
    t.index(['session_id'])
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('onec_sale_imports')
  await knex.schema.dropTableIfExists('onec_sale_sent')
  await knex.schema.dropTableIfExists('onec_sale_orders')
}
