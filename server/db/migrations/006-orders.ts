import type { Knex } from 'knex'

/*
 * Orders, reservations and blends (issue 4, «Checkout and reservations» and «Orders»). Money is integer kopecks,
 * quantities integer thousandths of the product's base unit, times epoch milliseconds; a shipment's planned date is a
 * calendar date ('YYYY-MM-DD', the supplier's day, not an instant). Glossary: server/orders/CONTEXT.md and
 * server/stock/CONTEXT.md.
 */
export async function up(knex: Knex): Promise<void> {
  // A blend (or a roasted coffee) made of component products (lots): `qty_milli` of the component per one base unit of
  // the product, so 60 % of lot A is 600 and 1 kg of roasted coffee at 20 % loss consumes 1 250 of green beans.
  await knex.schema.createTable('blend_recipes', (t) => {
    t.increments('id').primary()
    t.integer('product_id').unsigned().notNullable().references('products.id').onDelete('CASCADE')
    t.integer('component_id').unsigned().notNullable().references('products.id').onDelete('CASCADE')
    t.bigInteger('qty_milli').notNullable()
    t.unique(['product_id', 'component_id'])
    t.index(['component_id'])
  })

  await knex.schema.createTable('orders', (t) => {
    t.increments('id').primary()
    // What buyers see and type («№ 000123»); unique, set from the id in the placing transaction.
    t.string('number', 32).notNullable().unique()
    t.integer('company_id').unsigned().notNullable().references('companies.id').onDelete('CASCADE')
    // pending | awaiting_payment | partly_paid | paid | assembling | partly_shipped | shipped | delivered | completed | cancelled
    t.string('status', 24).notNullable()
    t.integer('point_id').unsigned().nullable().references('delivery_points.id').onDelete('SET NULL')
    // The delivery point as it was at checkout («Кофейня, г Москва, …»): history survives a deleted point.
    t.string('point_text', 700).notNullable().defaultTo('')
    t.string('client_ref', 200).notNullable().defaultTo('')
    t.string('comment', 1000).notNullable().defaultTo('')
    t.bigInteger('total_kopecks').notNullable()
    t.bigInteger('vat_kopecks').notNullable().defaultTo(0)
    t.integer('created_by').unsigned().nullable().references('users.id').onDelete('SET NULL')
    t.string('source', 8).notNullable().defaultTo('web') // web | api
    // A merged order points at the order its lines went to.
    t.integer('merged_into_id').unsigned().nullable().references('orders.id').onDelete('SET NULL')
    // Ids in the outside systems, filled by the integrations (1C «Заказ покупателя», Bitrix24 deal).
    t.string('onec_id', 191).nullable().unique()
    t.string('onec_number', 64).nullable()
    t.string('b24_deal_id', 64).nullable()
    t.bigInteger('created_at').notNullable()
    t.bigInteger('updated_at').notNullable()
    t.index(['company_id', 'created_at'])
    t.index(['company_id', 'status'])
    t.index(['status', 'created_at'])
  })

  await knex.schema.createTable('order_lines', (t) => {
    t.increments('id').primary()
    t.integer('order_id').unsigned().notNullable().references('orders.id').onDelete('CASCADE')
    // The product as it was ordered; the id goes NULL when the product is deleted, the texts stay.
    t.integer('product_id').unsigned().nullable().references('products.id').onDelete('SET NULL')
    t.string('sku', 100).notNullable()
    t.string('name', 500).notNullable()
    // The history searches these: the article normalised and the name folded, as the catalog keeps them.
    t.string('sku_norm', 100).notNullable()
    t.string('name_search', 500).notNullable()
    t.string('unit', 16).notNullable()
    t.integer('packaging_id').unsigned().nullable().references('packagings.id').onDelete('SET NULL')
    t.string('packaging_name', 100).notNullable().defaultTo('')
    t.bigInteger('packaging_factor_milli').notNullable().defaultTo(0)
    t.bigInteger('qty_milli').notNullable()
    t.bigInteger('unit_kopecks').notNullable() // per base unit, VAT included, after every discount
    t.bigInteger('line_kopecks').notNullable()
    t.string('vat_rate', 8).notNullable()
    t.bigInteger('vat_kopecks').notNullable().defaultTo(0)
    t.string('rule_label', 300).notNullable().defaultTo('')
    // Where the line ships from (the cart type's warehouse; NULL: to order, nothing reserved).
    t.integer('warehouse_id').unsigned().nullable().references('warehouses.id').onDelete('SET NULL')
    t.integer('source_cart_id').unsigned().nullable().references('carts.id').onDelete('SET NULL')
    t.string('source_cart_name', 200).notNullable().defaultTo('')
    t.integer('cart_type_id').unsigned().nullable().references('cart_types.id').onDelete('SET NULL')
    t.string('comment', 500).notNullable().defaultTo('')
    t.integer('sort').notNullable().defaultTo(0)
    t.index(['order_id', 'sort'])
    t.index(['product_id'])
  })

  // One invoice per payer company: an order paid part from the ИП and part from the ООО has two.
  await knex.schema.createTable('order_invoices', (t) => {
    t.increments('id').primary()
    t.integer('order_id').unsigned().notNullable().references('orders.id').onDelete('CASCADE')
    t.integer('payer_company_id').unsigned().notNullable().references('companies.id').onDelete('CASCADE')
    t.bigInteger('amount_kopecks').notNullable()
    t.bigInteger('paid_kopecks').notNullable().defaultTo(0)
    t.string('onec_id', 191).nullable()
    t.bigInteger('created_at').notNullable()
    t.bigInteger('updated_at').notNullable()
    t.index(['order_id'])
    t.index(['payer_company_id'])
  })

  // Every status change and every other change of an order, with who or what caused it.
  await knex.schema.createTable('order_events', (t) => {
    t.increments('id').primary()
    t.integer('order_id').unsigned().notNullable().references('orders.id').onDelete('CASCADE')
    t.string('kind', 24).notNullable() // placed | status | cancelled | payment | split | merged | merged_into | repeated
    t.string('from_status', 24).nullable()
    t.string('to_status', 24).nullable()
    t.string('actor_kind', 16).notNullable() // buyer | api | staff | onec | b24 | system
    t.integer('actor_user_id').unsigned().nullable().references('users.id').onDelete('SET NULL')
    t.string('note', 1000).notNullable().defaultTo('')
    t.bigInteger('created_at').notNullable()
    t.index(['order_id', 'id'])
  })

  // What an order line holds in `stock.reserved_milli`: per warehouse and stock product (a blend's lines hold its
  // components). active → released (cancelled) or consumed (shipped).
  await knex.schema.createTable('order_reservations', (t) => {
    t.increments('id').primary()
    t.integer('order_id').unsigned().notNullable().references('orders.id').onDelete('CASCADE')
    t.integer('order_line_id').unsigned().notNullable().references('order_lines.id').onDelete('CASCADE')
    t.integer('warehouse_id').unsigned().notNullable().references('warehouses.id').onDelete('CASCADE')
    t.integer('product_id').unsigned().notNullable().references('products.id').onDelete('CASCADE')
    t.bigInteger('qty_milli').notNullable()
    t.string('status', 12).notNullable().defaultTo('active')
    t.bigInteger('created_at').notNullable()
    t.bigInteger('updated_at').notNullable()
    t.index(['order_id', 'status'])
    t.index(['order_line_id'])
    t.index(['warehouse_id', 'product_id', 'status'])
  })

  // A split order ships in parts: each shipment has lines with quantities and a planned date, and later its own documents.
  await knex.schema.createTable('order_shipments', (t) => {
    t.increments('id').primary()
    t.integer('order_id').unsigned().notNullable().references('orders.id').onDelete('CASCADE')
    t.integer('no').notNullable()
    t.string('planned_on', 10).notNullable() // YYYY-MM-DD
    t.string('status', 12).notNullable().defaultTo('planned') // planned | shipped
    t.bigInteger('shipped_at').nullable()
    t.bigInteger('created_at').notNullable()
    t.bigInteger('updated_at').notNullable()
    t.unique(['order_id', 'no'])
  })

  await knex.schema.createTable('order_shipment_lines', (t) => {
    t.increments('id').primary()
    t.integer('shipment_id').unsigned().notNullable().references('order_shipments.id').onDelete('CASCADE')
    t.integer('order_line_id').unsigned().notNullable().references('order_lines.id').onDelete('CASCADE')
    t.bigInteger('qty_milli').notNullable()
    t.unique(['shipment_id', 'order_line_id'])
    t.index(['order_line_id'])
  })

  // `Idempotency-Key` of POST /api/v1/orders: one key of a company places at most one order.
  await knex.schema.createTable('idempotency_keys', (t) => {
    t.increments('id').primary()
    t.integer('company_id').unsigned().notNullable().references('companies.id').onDelete('CASCADE')
    t.string('idem_key', 255).notNullable()
    t.string('request_hash', 64).notNullable()
    t.string('status', 8).notNullable() // running | done
    t.integer('order_id').unsigned().nullable().references('orders.id').onDelete('SET NULL')
    t.bigInteger('created_at').notNullable()
    t.bigInteger('updated_at').notNullable()
    t.unique(['company_id', 'idem_key'])
  })
}

export async function down(knex: Knex): Promise<void> {
  for (const t of [
    'idempotency_keys', 'order_shipment_lines', 'order_shipments', 'order_reservations', 'order_events', 'order_invoices',
    'order_lines', 'orders', 'blend_recipes',
  ]) {
    await knex.schema.dropTableIfExists(t)
  }
}
