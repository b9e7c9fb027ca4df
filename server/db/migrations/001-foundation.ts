import type { Knex } from 'knex'

/*
 * Foundation schema: people, sessions, companies and their members, delivery points, stored files, API tokens, mail, outbox,
 * job leases and the audit log. Times are epoch milliseconds in `bigInteger` columns (UTC by definition, identical on both
 * engines); money will be integer kopecks.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('users', (t) => {
    t.increments('id').primary()
    t.string('email', 254).notNullable().unique()
    t.string('full_name', 200).notNullable()
    t.string('phone', 32).notNullable().defaultTo('')
    t.string('password_hash', 255).notNullable()
    t.boolean('is_staff').notNullable().defaultTo(false)
    t.boolean('is_active').notNullable().defaultTo(true)
    t.bigInteger('created_at').notNullable()
    t.bigInteger('updated_at').notNullable()
    t.bigInteger('last_login_at').nullable()
  })

  await knex.schema.createTable('sessions', (t) => {
    t.string('sid', 128).primary()
    t.integer('user_id').unsigned().nullable().references('users.id').onDelete('CASCADE')
    t.text('data').notNullable()
    t.bigInteger('created_at').notNullable()
    t.bigInteger('seen_at').notNullable()
    t.bigInteger('expires_at').notNullable()
    t.string('ip', 64).notNullable().defaultTo('')
    t.string('user_agent', 300).notNullable().defaultTo('')
    t.index(['user_id'])
    t.index(['expires_at'])
  })

  await knex.schema.createTable('login_failures', (t) => {
    t.increments('id').primary()
    t.string('account', 254).notNullable()
    t.string('ip', 64).notNullable()
    t.bigInteger('created_at').notNullable()
    t.index(['account', 'created_at'])
    t.index(['ip', 'created_at'])
  })

  await knex.schema.createTable('password_resets', (t) => {
    t.increments('id').primary()
    t.integer('user_id').unsigned().notNullable().references('users.id').onDelete('CASCADE')
    t.string('token_hash', 64).notNullable().unique()
    t.bigInteger('created_at').notNullable()
    t.bigInteger('expires_at').notNullable()
    t.bigInteger('used_at').nullable()
  })

  await knex.schema.createTable('files', (t) => {
    t.increments('id').primary()
    // NULL company: a file of the supplier itself (its statutory documents).
    t.integer('company_id').unsigned().nullable()
    t.string('purpose', 32).notNullable() // statutory | point_photo | supplier_statutory
    t.string('storage_name', 64).notNullable().unique()
    t.string('original_name', 255).notNullable()
    t.string('mime', 100).notNullable()
    t.bigInteger('size').notNullable()
    t.string('sha256', 64).notNullable()
    t.integer('uploaded_by').unsigned().nullable()
    t.bigInteger('created_at').notNullable()
    t.index(['company_id', 'purpose'])
  })

  await knex.schema.createTable('companies', (t) => {
    t.increments('id').primary()
    t.string('kind', 16).notNullable() // legal | ip | person
    t.string('inn', 12).nullable()
    t.string('kpp', 9).nullable()
    // "<inn>/<kpp>" for legal entities and ИП; NULL for private persons. Unique, so one legal entity is registered once.
    t.string('inn_kpp_key', 24).nullable().unique()
    t.string('ogrn', 15).nullable()
    t.string('name_short', 300).notNullable()
    t.string('name_full', 500).notNullable().defaultTo('')
    t.string('search_text', 1200).notNullable().defaultTo('')
    t.string('legal_form', 100).notNullable().defaultTo('')
    t.string('director_name', 200).notNullable().defaultTo('')
    t.string('director_post', 200).notNullable().defaultTo('')
    t.string('legal_address', 500).notNullable().defaultTo('')
    t.string('postal_address', 500).notNullable().defaultTo('')
    t.string('docs_email', 254).notNullable().defaultTo('')
    t.string('docs_phone', 32).notNullable().defaultTo('')
    t.boolean('edo_enabled').notNullable().defaultTo(false)
    t.string('edo_operator', 32).nullable()
    t.string('edo_participant_id', 64).nullable()
    // unverified → verified by a manager; blocked stops ordering.
    t.string('status', 16).notNullable().defaultTo('unverified')
    t.boolean('requisites_checked').notNullable().defaultTo(false)
    t.string('requisites_note', 300).notNullable().defaultTo('')
    t.string('registry_status', 20).nullable()
    t.string('blocked_reason', 300).notNullable().defaultTo('')
    t.bigInteger('verified_at').nullable()
    t.integer('verified_by').unsigned().nullable()
    t.bigInteger('created_at').notNullable()
    t.bigInteger('updated_at').notNullable()
    t.index(['status', 'created_at'])
    t.index(['inn'])
  })

  await knex.schema.createTable('company_members', (t) => {
    t.increments('id').primary()
    t.integer('company_id').unsigned().notNullable().references('companies.id').onDelete('CASCADE')
    t.integer('user_id').unsigned().notNullable().references('users.id').onDelete('CASCADE')
    t.string('role', 16).notNullable() // owner | buyer | accountant | viewer
    t.bigInteger('created_at').notNullable()
    t.unique(['company_id', 'user_id'])
    t.index(['user_id'])
  })

  await knex.schema.createTable('invitations', (t) => {
    t.increments('id').primary()
    t.integer('company_id').unsigned().notNullable().references('companies.id').onDelete('CASCADE')
    t.string('email', 254).notNullable()
    t.string('role', 16).notNullable()
    t.string('token_hash', 64).notNullable().unique()
    t.integer('invited_by').unsigned().notNullable().references('users.id')
    t.bigInteger('created_at').notNullable()
    t.bigInteger('expires_at').notNullable()
    t.bigInteger('accepted_at').nullable()
    t.bigInteger('revoked_at').nullable()
    t.index(['company_id'])
  })

  await knex.schema.createTable('delivery_points', (t) => {
    t.increments('id').primary()
    t.integer('company_id').unsigned().notNullable().references('companies.id').onDelete('CASCADE')
    t.string('name', 200).notNullable()
    t.string('address', 500).notNullable()
    t.string('contact_name', 200).notNullable().defaultTo('')
    t.string('contact_phone', 32).notNullable().defaultTo('')
    t.string('working_hours', 200).notNullable().defaultTo('')
    t.string('comment', 500).notNullable().defaultTo('')
    t.boolean('is_default').notNullable().defaultTo(false)
    t.integer('photo_file_id').unsigned().nullable().references('files.id').onDelete('SET NULL')
    t.bigInteger('created_at').notNullable()
    t.bigInteger('updated_at').notNullable()
    t.index(['company_id'])
  })

  await knex.schema.createTable('company_documents', (t) => {
    t.increments('id').primary()
    // NULL company: a statutory document of the supplier, downloadable by verified buyers.
    t.integer('company_id').unsigned().nullable().references('companies.id').onDelete('CASCADE')
    t.integer('file_id').unsigned().notNullable().references('files.id').onDelete('CASCADE')
    t.string('doc_type', 32).notNullable() // charter | certificate | company_card | other
    t.string('title', 200).notNullable()
    t.integer('uploaded_by').unsigned().nullable()
    t.bigInteger('created_at').notNullable()
    t.index(['company_id'])
  })

  await knex.schema.createTable('api_tokens', (t) => {
    t.increments('id').primary()
    t.integer('company_id').unsigned().notNullable().references('companies.id').onDelete('CASCADE')
    t.integer('user_id').unsigned().notNullable().references('users.id').onDelete('CASCADE')
    t.string('name', 100).notNullable()
    t.string('token_hash', 64).notNullable().unique()
    t.string('prefix', 16).notNullable()
    t.bigInteger('created_at').notNullable()
    t.bigInteger('last_used_at').nullable()
    t.bigInteger('revoked_at').nullable()
    t.index(['company_id'])
  })

  await knex.schema.createTable('dadata_cache', (t) => {
    t.string('cache_key', 64).primary()
    t.text('response').notNullable()
    t.bigInteger('fetched_at').notNullable()
  })

  await knex.schema.createTable('sandbox_mail', (t) => {
    t.increments('id').primary()
    t.string('to_addr', 254).notNullable()
    t.string('subject', 300).notNullable()
    t.text('body').notNullable()
    t.bigInteger('created_at').notNullable()
  })

  await knex.schema.createTable('outbox', (t) => {
    t.increments('id').primary()
    t.string('topic', 64).notNullable()
    t.string('idempotency_key', 191).notNullable().unique()
    t.text('payload').notNullable()
    t.string('status', 16).notNullable().defaultTo('pending') // pending | sending | sent | dead
    t.integer('attempts').notNullable().defaultTo(0)
    t.bigInteger('next_attempt_at').notNullable()
    t.bigInteger('locked_until').nullable()
    t.text('last_error').nullable()
    t.string('external_id', 191).nullable()
    t.bigInteger('created_at').notNullable()
    t.bigInteger('updated_at').notNullable()
    t.index(['status', 'next_attempt_at'])
  })

  await knex.schema.createTable('job_leases', (t) => {
    t.string('job', 64).primary()
    t.string('holder', 64).nullable()
    t.bigInteger('lease_until').notNullable().defaultTo(0)
    t.bigInteger('last_started_at').nullable()
    t.bigInteger('last_finished_at').nullable()
    t.text('last_error').nullable()
  })

  await knex.schema.createTable('audit_log', (t) => {
    t.increments('id').primary()
    t.integer('actor_user_id').unsigned().nullable()
    t.integer('company_id').unsigned().nullable()
    t.string('action', 64).notNullable()
    t.text('details').notNullable()
    t.bigInteger('created_at').notNullable()
    t.index(['company_id', 'created_at'])
  })
}

export async function down(knex: Knex): Promise<void> {
  for (const t of [
    'audit_log', 'job_leases', 'outbox', 'sandbox_mail', 'dadata_cache', 'api_tokens', 'company_documents',
    'delivery_points', 'invitations', 'company_members', 'companies', 'files', 'password_resets', 'login_failures',
    'sessions', 'users',
  ]) {
    await knex.schema.dropTableIfExists(t)
  }
}
