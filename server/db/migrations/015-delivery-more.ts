import type { Knex } from 'knex'

/*
 * CDEK delivery, second part.
 *
 * `order_shipments.delivered_at`: when CDEK reported the shipment handed to the buyer (`DELIVERED`, `POSTOMAT_RECEIVED`).
 * The shipment's own `status` stays «shipped» (the orders module's word); delivery is a fact on top of it. When every
 * shipment of an order (or the whole order's request, when it is not split) is delivered, the orders service is asked to
 * move the order to «доставлен».
 *
 * `cdek_webhook_checks`: each check of the `ORDER_STATUS` webhook subscription (the start-up and daily job, or the
 * «проверить подписку» button): `outcome` present | created | error, the url wanted, CDEK's subscription uuid and the error in
 * Russian. /admin/delivery shows the newest.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('order_shipments', (t) => {
    t.bigInteger('delivered_at').nullable()
  })

  await knex.schema.createTable('cdek_webhook_checks', (t) => {
    t.increments('id').primary()
    t.string('outcome', 12).notNullable() // present | created | error
    t.string('url', 500).notNullable()
    t.string('cdek_uuid', 64).nullable()
    t.text('error').nullable()
    t.string('actor', 32).notNullable() // job | staff:<user id>
    t.bigInteger('checked_at').notNullable()
    t.index(['checked_at'])
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('cdek_webhook_checks')
  await knex.schema.alterTable('order_shipments', (t) => {
    t.dropColumn('delivered_at')
  })
}
