import type { Knex } from 'knex'
import { createVersionTriggers, dropVersionTriggers } from '../dialect.js'

/*
 * Product pictures. `product_images` links a product to stored files (`files`, purpose `product_image`, owned by the
 * supplier); `source` is where the picture came from (1C's `Картинка` path, `import_files/…`), so a repeated exchange
 * recognises a picture it already has. It is reference data of the product card, so it bumps the catalog version.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('product_images', (t) => {
    t.increments('id').primary()
    t.integer('product_id').unsigned().notNullable().references('products.id').onDelete('CASCADE')
    t.integer('file_id').unsigned().notNullable().references('files.id').onDelete('CASCADE')
    t.string('source', 191).notNullable()
    t.integer('sort').notNullable().defaultTo(0)
    t.bigInteger('created_at').notNullable()
    t.unique(['product_id', 'source'])
  })
  await createVersionTriggers(knex, 'product_images', 'catalog')
}

export async function down(knex: Knex): Promise<void> {
  await dropVersionTriggers(knex, 'product_images')
  await knex.schema.dropTable('product_images')
}
