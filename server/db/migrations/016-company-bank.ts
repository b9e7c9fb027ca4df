import type { Knex } from 'knex'

/*
 * Bank accounts of a buyer's company (банковские реквизиты) and what the Bitrix24 emulator needs to keep them.
 *
 * `company_bank_accounts`: БИК, расчётный счёт, корр. счёт, bank name and city, checked with the Central Bank's control key
 * before they are stored (server/companies/bank.ts). A company has any number; exactly one of them is its main account
 * (`is_main`), the one invoices show and Bitrix24 gets as the requisite's bank detail. The same settlement account is stored
 * once per company. Not versioned: no cache reads it.
 *
 * `sandbox_b24_bankdetails.rq_acc_num`: the emulator filters `crm.requisite.bankdetail.list` by the account number (the sync
 * looks a bank detail up by ENTITY_ID and RQ_ACC_NUM before it adds one).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('company_bank_accounts', (t) => {
    t.increments('id').primary()
    t.integer('company_id').unsigned().notNullable().references('id').inTable('companies').onDelete('CASCADE')
    t.string('bik', 9).notNullable()
    t.string('account', 20).notNullable()
    t.string('corr_account', 20).notNullable()
    t.string('bank_name', 300).notNullable()
    t.string('bank_city', 100).notNullable()
    t.boolean('is_main').notNullable().defaultTo(false)
    t.bigInteger('created_at').notNullable()
    t.bigInteger('updated_at').notNullable()
    t.unique(['company_id', 'account'])
  })
  await knex.schema.alterTable('sandbox_b24_bankdetails', (t) => {
    t.string('rq_acc_num', 34).nullable().index()
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sandbox_b24_bankdetails', (t) => {
    t.dropIndex(['rq_acc_num'])
    t.dropColumn('rq_acc_num')
  })
  await knex.schema.dropTableIfExists('company_bank_accounts')
}
