import type { Knex } from 'knex'
import * as m001 from './001-foundation.js'
import * as m002 from './002-catalog-pricing.js'
import * as m003 from './003-data-versions.js'
import * as m004 from './004-multi-carts.js'
import * as m005 from './005-accounts-version.js'
import * as m006 from './006-orders.js'
import * as m007 from './007-more-versions.js'
import * as m008 from './008-onec.js'
import * as m009 from './009-onec-sale.js'
import * as m010 from './010-outbox-cdek.js'
import * as m011 from './011-bitrix24.js'
import * as m012 from './012-b24-ui.js'
import * as m013 from './013-onec-sale-money.js'
import * as m014 from './014-product-images.js'
import * as m015 from './015-delivery-more.js'
import * as m016 from './016-company-bank.js'

interface Migration {
  up(knex: Knex): Promise<void>
  down(knex: Knex): Promise<void>
}

/** Every migration, in order. New migrations are appended here explicitly (no folder scanning). */
const migrations: Record<string, Migration> = {
  '001-foundation': m001,
  '002-catalog-pricing': m002,
  '003-data-versions': m003,
  '004-multi-carts': m004,
  '005-accounts-version': m005,
  '006-orders': m006,
  '007-more-versions': m007,
  '008-onec': m008,
  '009-onec-sale': m009,
  '010-outbox-cdek': m010,
  '011-bitrix24': m011,
  '012-b24-ui': m012,
  '013-onec-sale-money': m013,
  '014-product-images': m014,
  '015-delivery-more': m015,
  '016-company-bank': m016,
}

/** A knex migration source over the explicit list above. */
export const migrationSource: Knex.MigrationSource<string> = {
  async getMigrations() {
    return Object.keys(migrations)
  },
  getMigrationName(name) {
    return name
  },
  async getMigration(name) {
    return migrations[name]!
  },
}

/** Brings the schema up to date; safe to call at every start. */
export async function migrateLatest(db: Knex): Promise<void> {
  await db.migrate.latest({ migrationSource })
}
