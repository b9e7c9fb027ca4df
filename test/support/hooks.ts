import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import nock from 'nock'
import { openDb, type Db } from '../../server/db/knex.js'
import { dropAllTables } from '../../server/db/dialect.js'
import { migrateLatest } from '../../server/db/migrations/index.js'

/*
 * Root hooks for the whole suite: one real database per run (SQLite in a temporary file by default, MariaDB/MySQL with
 * DB=mysql and MYSQL_URL), migrated from scratch; outside network denied except loopback.
 */

let db: Db | null = null
export let tmpRoot = ''

export function testDbConfig(): { client: 'sqlite'; filename: string } | { client: 'mysql'; url: string } {
  if (process.env.DB === 'mysql') return { client: 'mysql', url: process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test' }
  return { client: 'sqlite', filename: path.join(tmpRoot, 'test.sqlite') }
}

/** The suite's shared database connection. */
export function testDb(): Db {
  if (!db) throw new Error('database not ready: the root hook did not run')
  return db
}

export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(120_000)
    tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'b2b-test-'))
    nock.disableNetConnect()
    nock.enableNetConnect((host) => host.startsWith('127.0.0.1') || host.startsWith('localhost'))
    db = openDb(testDbConfig())
    await dropAllTables(db)
    await migrateLatest(db)
  },
  afterEach() {
    nock.cleanAll()
  },
  async afterAll() {
    await db?.destroy()
    nock.enableNetConnect()
    fs.rmSync(tmpRoot, { recursive: true, force: true })
  },
}
