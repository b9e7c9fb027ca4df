import type { Knex } from 'knex'

/**
 * «Открыть кабинет клиента» (issue 6): a manager (supplier staff in /admin, or a Bitrix24 user from the company tab) looks at
 * the buyer portal as one company, read-only and for a limited time. Each row is one such view: the one-time ticket that
 * opens it (stored as a hash), who opened it, until when it lasts and when it ended. Not versioned: no buyer cache reads it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('impersonations', (t) => {
    t.increments('id').primary()
    t.string('ticket_hash', 64).notNullable().unique()
    t.integer('company_id').unsigned().notNullable().references('companies.id').onDelete('CASCADE')
    t.string('actor_kind', 16).notNullable() // staff | b24
    t.integer('staff_user_id').unsigned().nullable().references('users.id').onDelete('SET NULL')
    t.string('b24_member_id', 64).nullable()
    t.string('b24_user_id', 32).nullable()
    t.string('manager_name', 200).notNullable().defaultTo('')
    t.bigInteger('ticket_expires_at').notNullable()
    t.bigInteger('expires_at').notNullable()
    t.bigInteger('used_at').nullable()
    t.bigInteger('ended_at').nullable()
    t.bigInteger('created_at').notNullable()
    t.index(['company_id', 'created_at'])
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('impersonations')
}
