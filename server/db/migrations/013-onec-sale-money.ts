import type { Knex } from 'knex'

/*
 * The 1C order exchange, second part (server/integrations/onec/sale.ts; glossary in its CONTEXT.md).
 *
 * Export versions become exact. `onec_sale_orders.exported_version` and `onec_sale_sent.version` held `orders.updated_at`
 * (a timestamp: a change in the same millisecond as a query's read was never sent, and 1C's own changes moved it, so they
 * were echoed back). From now on both hold the id of the order's last event made on our side (`order_events.id` whose
 * actor is not «1С»): ids grow, an order's events are written under its row lock, and 1C's changes do not count. Exported
 * versions are converted to the last such event at or before the moment they stood for; what a session sent but 1C has
 * not confirmed is dropped (those orders go again on the next query, as without `success`).
 *
 * `onec_sale_payments`: each payment 1C reported on an order (its number and date, the sum when 1C sent one, the payer when
 * 1C named it), what of it was placed on our invoices (`onec_sale_payment_parts`, each written in the transaction of the
 * payment itself), what fitted nowhere (an overpayment, an unknown payer, a sum matching no invoice) and why. The same
 * payment (order, key = number and date) is recorded once, so a replayed package never pays twice.
 *
 * `onec_sale_shipments`: each shipment 1C reported, the shipment of ours it was matched to (written in the transaction that
 * ships it), or why none was.
 */
/** Exported versions as timestamps → the last event of ours at or before them; unconfirmed sends dropped. */
export async function convertExportVersions(knex: Knex): Promise<void> {
  await knex('onec_sale_sent').delete()
  await knex.raw(
    `UPDATE onec_sale_orders SET exported_version = (
       SELECT COALESCE(MAX(e.id), 0) FROM order_events e
       WHERE e.order_id = onec_sale_orders.order_id AND e.actor_kind <> 'onec' AND e.created_at <= onec_sale_orders.exported_version)
     WHERE exported_version IS NOT NULL`,
  )
}

export async function up(knex: Knex): Promise<void> {
  await convertExportVersions(knex)

  await knex.schema.createTable('onec_sale_payments', (t) => {
    t.increments('id').primary()
    t.integer('order_id').unsigned().notNullable().references('orders.id').onDelete('CASCADE')
    t.string('pay_key', 191).notNullable()
    t.string('onec_no', 64).notNullable().defaultTo('')
    t.string('onec_date', 32).notNullable().defaultTo('')
    t.bigInteger('amount_kopecks').nullable() // null: 1C sent no sum (the order, or the payer's part, paid in full)
    t.bigInteger('applied_kopecks').notNullable().defaultTo(0)
    t.bigInteger('leftover_kopecks').notNullable().defaultTo(0) // overpaid or not placed
    t.string('payer_inn', 12).notNullable().defaultTo('')
    t.string('payer_kpp', 9).notNullable().defaultTo('')
    t.string('payer_name', 300).notNullable().defaultTo('')
    t.string('state', 12).notNullable() // pending | applied | over | unmatched | settled (a person handled it)
    t.string('note', 500).notNullable().defaultTo('')
    t.integer('session_id').unsigned().nullable()
    t.bigInteger('created_at').notNullable()
    t.bigInteger('updated_at').notNullable()
    t.unique(['order_id', 'pay_key'])
    t.index(['session_id'])
  })
  await knex.schema.createTable('onec_sale_payment_parts', (t) => {
    t.increments('id').primary()
    t.integer('payment_id').unsigned().notNullable().references('onec_sale_payments.id').onDelete('CASCADE')
    t.integer('invoice_id').unsigned().nullable().references('order_invoices.id').onDelete('SET NULL')
    t.bigInteger('kopecks').notNullable()
    t.bigInteger('created_at').notNullable()
    t.index(['payment_id'])
  })
  await knex.schema.createTable('onec_sale_shipments', (t) => {
    t.increments('id').primary()
    t.integer('order_id').unsigned().notNullable().references('orders.id').onDelete('CASCADE')
    t.string('ship_key', 191).notNullable()
    t.string('onec_no', 64).notNullable().defaultTo('')
    t.string('onec_date', 32).notNullable().defaultTo('')
    t.integer('shipment_id').unsigned().nullable().references('order_shipments.id').onDelete('SET NULL')
    t.integer('shipment_no').nullable() // our shipment number (null: the whole order, or not matched)
    t.text('lines').notNullable() // JSON: the lines 1C sent [{id, sku, name, qty_milli}]
    t.string('state', 12).notNullable() // shipped | already | unmatched | settled (a person handled it)
    t.string('note', 500).notNullable().defaultTo('')
    t.integer('session_id').unsigned().nullable()
    t.bigInteger('created_at').notNullable()
    t.unique(['order_id', 'ship_key'])
    t.index(['session_id'])
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('onec_sale_shipments')
  await knex.schema.dropTableIfExists('onec_sale_payment_parts')
  await knex.schema.dropTableIfExists('onec_sale_payments')
}
