import type { Knex } from 'knex'

/*
 * The outbox grows up (issue 6) and CDEK delivery requests arrive.
 *
 * `outbox.throttled`: how many times the other side answered "too many requests" for the row. Such answers do not count as
 * attempts toward `dead` (server/integrations/outbox/dispatcher.ts explains why), so they are counted apart for /admin.
 *
 * `rate_limits`: one token bucket per key (`b24:<member_id>`, `cdek`): `tokens_micro` tokens (millionths) as of
 * `refilled_at` (epoch ms). Every process takes a token with a conditional update of both columns checked by affected rows
 * (server/integrations/outbox/rate-limit.ts), so the web process and the jobs together never exceed the rate.
 *
 * `delivery_requests`: a CDEK delivery order for one shipment of an order (or the whole order when it is not split).
 * `active_key` («<order>:<shipment or 0>») is set while the request is alive and cleared when it failed or was cancelled, so
 * a shipment has at most one live request (NULLs never collide in a unique index on either engine). Packages, sender and
 * recipient are JSON as they were sent. `delivery_statuses`: the CDEK status history of a request, unique per
 * (request, code, CDEK's own status time), which de-duplicates webhooks and polls alike.
 *
 * `packagings.length_cm/width_cm/height_cm/weight_g`: optional sizes of one packaging (a box of 12, a bag of 30 kg), which
 * the delivery packages are computed from when known.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('outbox', (t) => {
    t.integer('throttled').notNullable().defaultTo(0)
    t.index(['topic', 'status'])
  })

  await knex.schema.createTable('rate_limits', (t) => {
    t.string('key', 191).primary()
    t.bigInteger('tokens_micro').notNullable()
    t.bigInteger('refilled_at').notNullable()
  })

  await knex.schema.alterTable('packagings', (t) => {
    t.integer('length_cm').nullable()
    t.integer('width_cm').nullable()
    t.integer('height_cm').nullable()
    t.integer('weight_g').nullable()
  })

  await knex.schema.createTable('delivery_requests', (t) => {
    t.increments('id').primary()
    t.integer('order_id').unsigned().notNullable().references('orders.id').onDelete('CASCADE')
    t.integer('shipment_id').unsigned().nullable().references('order_shipments.id').onDelete('SET NULL')
    t.string('active_key', 64).nullable().unique()
    // queued | accepted | created | in_transit | ready | delivered | not_delivered | failed
    t.string('status', 16).notNullable()
    // Our number of the CDEK order (`number`, ≤ 40 ASCII characters): «<order number>-<shipment no>-<request id>».
    t.string('number', 40).notNullable()
    t.integer('tariff_code').notNullable()
    t.text('packages').notNullable()
    t.text('sender').notNullable()
    t.text('recipient').notNullable()
    t.string('cdek_uuid', 64).nullable().unique()
    t.string('cdek_number', 32).nullable()
    t.string('cdek_status', 64).nullable()
    t.string('cdek_status_name', 200).nullable()
    t.bigInteger('cdek_status_at').nullable()
    // The reason in Russian when CDEK refused the request (INVALID with its errors, or a 4xx answer).
    t.text('error').nullable()
    t.integer('created_by').unsigned().nullable().references('users.id').onDelete('SET NULL')
    t.string('created_via', 16).notNullable().defaultTo('admin') // admin | b24
    t.bigInteger('polled_at').nullable()
    t.bigInteger('created_at').notNullable()
    t.bigInteger('updated_at').notNullable()
    t.index(['order_id'])
    t.index(['status', 'polled_at'])
  })

  await knex.schema.createTable('delivery_statuses', (t) => {
    t.increments('id').primary()
    t.integer('request_id').unsigned().notNullable().references('delivery_requests.id').onDelete('CASCADE')
    t.string('code', 64).notNullable()
    t.string('name', 200).notNullable()
    // CDEK's own time of the status as it sent it (the de-duplication key), and the same as epoch ms.
    t.string('cdek_time', 40).notNullable()
    t.bigInteger('at').notNullable()
    t.string('city', 200).notNullable().defaultTo('')
    t.string('source', 8).notNullable() // webhook | poll
    t.bigInteger('created_at').notNullable()
    t.unique(['request_id', 'code', 'cdek_time'])
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('delivery_statuses')
  await knex.schema.dropTableIfExists('delivery_requests')
  await knex.schema.alterTable('packagings', (t) => {
    t.dropColumn('length_cm')
    t.dropColumn('width_cm')
    t.dropColumn('height_cm')
    t.dropColumn('weight_g')
  })
  await knex.schema.dropTableIfExists('rate_limits')
  await knex.schema.alterTable('outbox', (t) => {
    t.dropIndex(['topic', 'status'])
    t.dropColumn('throttled')
  })
}
