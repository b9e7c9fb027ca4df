import type { Knex } from 'knex'
import { createProductSearch, dropProductSearch } from '../dialect.js'

/*
 * Catalog, stock and pricing. Quantities are integer thousandths of the product's base unit (`*_milli`), money is integer
 * kopecks, percentages are basis points (1 % = 100 bp). Nothing stores a company × product price: a company resolves to a
 * price type and rules at read time (reference/reliability-security.md §6).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('categories', (t) => {
    t.increments('id').primary()
    t.integer('parent_id').unsigned().nullable().references('categories.id').onDelete('SET NULL')
    t.string('name', 200).notNullable()
    // Materialised path of ids, "/3/17/", so a subtree is one indexed prefix match.
    t.string('path', 255).notNullable().defaultTo('/')
    t.integer('depth').notNullable().defaultTo(0)
    t.integer('sort').notNullable().defaultTo(0)
    t.boolean('is_active').notNullable().defaultTo(true)
    t.string('external_id', 191).nullable().unique() // 1C Группа/Ид
    t.string('ms_id', 64).nullable().unique() // MoySklad productfolder id
    t.bigInteger('created_at').notNullable()
    t.bigInteger('updated_at').notNullable()
    t.index(['parent_id', 'sort'])
    t.index(['path'])
  })

  await knex.schema.createTable('products', (t) => {
    t.increments('id').primary()
    t.string('sku', 100).notNullable()
    // Upper case, no spaces, dashes, dots or slashes: "ec-cup 250.ml" → "ECCUP250ML". Unique: one article, one product.
    t.string('sku_norm', 100).notNullable().unique()
    t.string('name', 500).notNullable()
    // Lower case, ё → е: what search compares with (SQLite's LIKE folds only ASCII).
    t.string('name_search', 500).notNullable()
    t.string('brand', 200).notNullable().defaultTo('')
    t.integer('category_id').unsigned().nullable().references('categories.id').onDelete('SET NULL')
    t.string('base_unit', 16).notNullable().defaultTo('шт')
    t.string('vat_rate', 8).notNullable().defaultTo('22') // 22 | 10 | 7 | 5 | 0 | none
    t.integer('weight_grams').notNullable().defaultTo(0) // per base unit
    t.text('profile').nullable()
    t.bigInteger('popularity').notNullable().defaultTo(0) // ordered quantity, thousandths of the base unit
    t.boolean('is_active').notNullable().defaultTo(true)
    t.string('external_id', 191).nullable().unique() // 1C Товар/Ид
    t.string('ms_id', 64).nullable().unique() // MoySklad product id
    t.bigInteger('created_at').notNullable()
    t.bigInteger('updated_at').notNullable()
    t.index(['is_active', 'popularity'])
    t.index(['category_id', 'is_active', 'popularity'])
    t.index(['is_active', 'name_search'])
  })
  // Words of the name: FTS5 trigram on SQLite, FULLTEXT on MySQL, kept in step with every write (db/dialect.ts).
  await createProductSearch(knex)

  await knex.schema.createTable('attributes', (t) => {
    t.increments('id').primary()
    // NULL category: an attribute of every category.
    t.integer('category_id').unsigned().nullable().references('categories.id').onDelete('CASCADE')
    t.string('code', 64).notNullable()
    t.string('name', 200).notNullable()
    t.string('type', 8).notNullable() // list | number | text
    t.string('unit', 32).notNullable().defaultTo('')
    t.boolean('filterable').notNullable().defaultTo(false)
    t.boolean('key').notNullable().defaultTo(false) // shown as a column of the catalog table
    t.integer('sort').notNullable().defaultTo(0)
    t.string('external_id', 191).nullable().unique() // 1C Свойство/Ид
    t.index(['category_id'])
  })

  await knex.schema.createTable('attribute_options', (t) => {
    t.increments('id').primary()
    t.integer('attribute_id').unsigned().notNullable().references('attributes.id').onDelete('CASCADE')
    t.string('value', 200).notNullable()
    t.integer('sort').notNullable().defaultTo(0)
    t.string('external_id', 191).nullable() // 1C ВариантыЗначений/Справочник/ИдЗначения
    t.unique(['attribute_id', 'value'])
  })

  await knex.schema.createTable('product_attributes', (t) => {
    t.increments('id').primary()
    t.integer('product_id').unsigned().notNullable().references('products.id').onDelete('CASCADE')
    t.integer('attribute_id').unsigned().notNullable().references('attributes.id').onDelete('CASCADE')
    t.integer('option_id').unsigned().nullable().references('attribute_options.id').onDelete('CASCADE')
    t.bigInteger('num_milli').nullable() // numbers in thousandths (altitude 1 800 m → 1800000)
    t.string('text_value', 500).nullable()
    t.index(['product_id', 'attribute_id'])
    // Filters run from the value to the products: (attribute, option) → products, (attribute, number) → products.
    t.index(['attribute_id', 'option_id', 'product_id'])
    t.index(['attribute_id', 'num_milli', 'product_id'])
  })

  await knex.schema.createTable('packagings', (t) => {
    t.increments('id').primary()
    t.integer('product_id').unsigned().notNullable().references('products.id').onDelete('CASCADE')
    t.string('name', 100).notNullable() // «мешок 30 кг», «коробка 12 шт»
    t.bigInteger('factor_milli').notNullable() // base units in one packaging, in thousandths
    t.bigInteger('min_qty_milli').notNullable().defaultTo(0) // minimum order, base-unit thousandths
    t.bigInteger('step_milli').notNullable().defaultTo(0) // order step, base-unit thousandths (0: one packaging)
    t.boolean('is_default').notNullable().defaultTo(false)
    t.integer('sort').notNullable().defaultTo(0)
    t.string('external_id', 191).nullable().unique()
    t.index(['product_id', 'sort'])
  })

  await knex.schema.createTable('warehouses', (t) => {
    t.increments('id').primary()
    t.string('name', 200).notNullable()
    t.string('kind', 16).notNullable().defaultTo('main') // office | main | transit | farmer
    // qty: buyers see the available quantity; status: «много» / «мало» / «под заказ».
    t.string('show_mode', 8).notNullable().defaultTo('status')
    // Below this many default packagings available, the status says «мало».
    t.integer('low_packagings').notNullable().defaultTo(3)
    t.integer('sort').notNullable().defaultTo(0)
    t.boolean('is_active').notNullable().defaultTo(true)
    t.string('external_id', 191).nullable().unique() // 1C Склад/Ид
    t.string('ms_id', 64).nullable().unique()
  })

  await knex.schema.createTable('stock', (t) => {
    t.integer('warehouse_id').unsigned().notNullable().references('warehouses.id').onDelete('CASCADE')
    t.integer('product_id').unsigned().notNullable().references('products.id').onDelete('CASCADE')
    t.bigInteger('on_hand_milli').notNullable().defaultTo(0)
    t.bigInteger('reserved_milli').notNullable().defaultTo(0)
    t.bigInteger('updated_at').notNullable()
    t.primary(['warehouse_id', 'product_id'])
    t.index(['product_id'])
  })

  await knex.schema.createTable('price_types', (t) => {
    t.increments('id').primary()
    t.string('code', 64).notNullable().unique()
    t.string('name', 200).notNullable()
    // The type a company with no group and no rule gets.
    t.boolean('is_default').notNullable().defaultTo(false)
    t.integer('sort').notNullable().defaultTo(0)
    t.string('external_id', 191).nullable().unique() // 1C ТипЦены/Ид
    t.string('ms_id', 64).nullable().unique()
  })

  await knex.schema.createTable('prices', (t) => {
    t.integer('price_type_id').unsigned().notNullable().references('price_types.id').onDelete('CASCADE')
    t.integer('product_id').unsigned().notNullable().references('products.id').onDelete('CASCADE')
    t.bigInteger('kopecks').notNullable() // per one base unit, VAT included
    t.bigInteger('updated_at').notNullable()
    t.primary(['product_id', 'price_type_id'])
    t.index(['price_type_id', 'kopecks'])
  })

  await knex.schema.createTable('client_groups', (t) => {
    t.increments('id').primary()
    t.string('name', 200).notNullable().unique()
    t.integer('default_price_type_id').unsigned().nullable().references('price_types.id').onDelete('SET NULL')
    t.string('external_id', 191).nullable().unique()
  })

  await knex.schema.createTable('company_groups', (t) => {
    t.integer('company_id').unsigned().notNullable().references('companies.id').onDelete('CASCADE')
    t.integer('group_id').unsigned().notNullable().references('client_groups.id').onDelete('CASCADE')
    t.primary(['company_id', 'group_id'])
    t.index(['group_id'])
  })

  await knex.schema.createTable('company_pricing', (t) => {
    t.integer('company_id').unsigned().primary().references('companies.id').onDelete('CASCADE')
    t.integer('pinned_price_type_id').unsigned().nullable().references('price_types.id').onDelete('SET NULL')
    t.integer('discount_bp').notNullable().defaultTo(0) // personal discount from 1C, basis points
    // Trailing 12-month turnover, kept up to date from orders and 1C; the turnover segments read it.
    t.bigInteger('turnover_12m_kopecks').notNullable().defaultTo(0)
    t.bigInteger('updated_at').notNullable()
  })

  await knex.schema.createTable('pricing_rules', (t) => {
    t.increments('id').primary()
    t.string('name', 200).notNullable()
    // qty_tier | sum_tier | turnover | positions | category_discount (server/pricing/CONTEXT.md)
    t.string('kind', 24).notNullable()
    // The rule's scope: one product, one category with its subtree, or (both NULL) the whole cart.
    t.integer('product_id').unsigned().nullable().references('products.id').onDelete('CASCADE')
    t.integer('category_id').unsigned().nullable().references('categories.id').onDelete('CASCADE')
    // NULL group: every company.
    t.integer('group_id').unsigned().nullable().references('client_groups.id').onDelete('CASCADE')
    // The lower bound the rule needs (reached when the measure is >= it). qty_tier: base-unit thousandths; sum_tier,
    // turnover: kopecks; positions: a count of distinct products.
    t.bigInteger('threshold').notNullable().defaultTo(0)
    // qty_tier on a category: the base unit it counts («шт»), so kilograms and pieces never add up; '' elsewhere.
    t.string('unit', 16).notNullable().defaultTo('')
    // What the rule gives: a price type, a discount in basis points off that type (or off the company's base price when
    // there is no type), or both. category_discount has only the discount.
    t.integer('price_type_id').unsigned().nullable().references('price_types.id').onDelete('CASCADE')
    t.integer('discount_bp').notNullable().defaultTo(0)
    t.boolean('is_active').notNullable().defaultTo(true)
    t.bigInteger('created_at').notNullable()
    t.bigInteger('updated_at').notNullable()
    t.index(['kind', 'is_active'])
    t.index(['product_id'])
    t.index(['category_id'])
    t.index(['group_id'])
  })

  await knex.schema.createTable('carts', (t) => {
    t.increments('id').primary()
    t.integer('company_id').unsigned().notNullable().references('companies.id').onDelete('CASCADE')
    t.string('name', 200).notNullable()
    t.integer('created_by').unsigned().nullable().references('users.id').onDelete('SET NULL')
    t.bigInteger('created_at').notNullable()
    t.bigInteger('updated_at').notNullable()
    t.index(['company_id'])
  })

  await knex.schema.createTable('cart_lines', (t) => {
    t.increments('id').primary()
    t.integer('cart_id').unsigned().notNullable().references('carts.id').onDelete('CASCADE')
    t.integer('product_id').unsigned().notNullable().references('products.id').onDelete('CASCADE')
    t.integer('packaging_id').unsigned().nullable().references('packagings.id').onDelete('SET NULL')
    t.bigInteger('qty_milli').notNullable()
    t.string('comment', 500).notNullable().defaultTo('')
    t.bigInteger('created_at').notNullable()
    t.bigInteger('updated_at').notNullable()
    t.unique(['cart_id', 'product_id', 'packaging_id'])
  })
}

export async function down(knex: Knex): Promise<void> {
  await dropProductSearch(knex)
  for (const t of [
    'cart_lines', 'carts', 'pricing_rules', 'company_pricing', 'company_groups', 'client_groups', 'prices', 'price_types',
    'stock', 'warehouses', 'packagings', 'product_attributes', 'attribute_options', 'attributes', 'products', 'categories',
  ]) {
    await knex.schema.dropTableIfExists(t)
  }
}
