import type { Knex } from 'knex'
import { addReferenceColumn } from '../dialect.js'
import { engineOf } from '../knex.js'

/*
 * Named carts and cart types. A company keeps any number of carts; each has a cart type that the supplier configures in
 * /admin/cart-types (its own price type, the packagings it sells, the warehouse it ships from), a downstream client
 * reference, a payer company and a delivery point. Carts written before this migration keep a NULL type: they are priced
 * and filled as before (the company's own prices, every packaging).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('cart_types', (t) => {
    t.increments('id').primary()
    t.string('name', 100).notNullable()
    t.string('description', 500).notNullable().defaultTo('')
    // The cart's base price type; NULL: the company's normal pricing.
    t.integer('price_type_id').unsigned().nullable().references('price_types.id').onDelete('SET NULL')
    // JSON array of the packaging names the type sells («мешок 60 кг», …); NULL: every packaging.
    t.text('packaging_names').nullable()
    // Where the goods of this cart ship from; NULL: not tied to a warehouse.
    t.integer('warehouse_id').unsigned().nullable().references('warehouses.id').onDelete('SET NULL')
    t.integer('sort').notNullable().defaultTo(0)
    t.boolean('is_active').notNullable().defaultTo(true)
    t.bigInteger('created_at').notNullable()
    t.bigInteger('updated_at').notNullable()
  })

  await addReferenceColumn(knex, 'carts', 'cart_type_id', 'cart_types', 'SET NULL')
  await addReferenceColumn(knex, 'carts', 'payer_company_id', 'companies', 'SET NULL')
  await addReferenceColumn(knex, 'carts', 'point_id', 'delivery_points', 'SET NULL')
  await knex.schema.alterTable('carts', (t) => {
    // The downstream client the buyer collects this cart for (free text).
    t.string('client_ref', 200).notNullable().defaultTo('')
    // When a person last opened or filled the cart: the most recent one is the company's current cart.
    t.bigInteger('last_used_at').notNullable().defaultTo(0)
    t.index(['company_id', 'last_used_at'], 'carts_company_last_used')
  })
  await knex('carts').update({ last_used_at: knex.ref('updated_at') })
}

export async function down(knex: Knex): Promise<void> {
  if (engineOf(knex) === 'mysql') {
    await knex.schema.alterTable('carts', (t) => {
      t.dropForeign(['cart_type_id'])
      t.dropForeign(['payer_company_id'])
      t.dropForeign(['point_id'])
    })
  }
  await knex.schema.alterTable('carts', (t) => {
    t.dropIndex(['company_id', 'last_used_at'], 'carts_company_last_used')
    t.dropColumn('cart_type_id')
    t.dropColumn('payer_company_id')
    t.dropColumn('point_id')
    t.dropColumn('client_ref')
    t.dropColumn('last_used_at')
  })
  await knex.schema.dropTableIfExists('cart_types')
}
