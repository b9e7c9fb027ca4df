import fs from 'node:fs'
import path from 'node:path'
import knexFactory, { type Knex } from 'knex'
import type { Config } from '../config.js'

export type Db = Knex

interface SqliteConnection {
  pragma(s: string): unknown
  prepare(sql: string): unknown
}

const STATEMENT_CACHE_SIZE = 500

/**
 * knex prepares every query anew on better-sqlite3, and preparing costs about as much as running a small indexed query.
 * Statements are reusable (knex only calls their synchronous `all`/`run`, and SQLite re-prepares one whose schema
 * changed), so the connection keeps the most recently used ones by SQL text.
 */
function cachePreparedStatements(conn: SqliteConnection): void {
  const prepare = conn.prepare.bind(conn)
  const cache = new Map<string, unknown>()
  conn.prepare = (sql: string) => {
    let statement = cache.get(sql)
    if (statement !== undefined) {
      cache.delete(sql)
    } else {
      statement = prepare(sql)
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!)
    }
    cache.set(sql, statement)
    return statement
  }
}

/**
 * Opens the one knex instance of the process. SQLite gets WAL, a busy timeout and foreign keys on every connection;
 * MySQL/MariaDB gets utf8mb4 and UTC so that stored times never shift with the server's zone.
 */
export function openDb(config: Config['db']): Db {
  if (config.client === 'sqlite') {
    if (config.filename !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(config.filename)), { recursive: true })
    return knexFactory({
      client: 'better-sqlite3',
      connection: { filename: config.filename },
      useNullAsDefault: true,
      pool: {
        min: 1,
        max: 1,
        afterCreate(conn: SqliteConnection, done: (err: Error | null, conn: unknown) => void) {
          cachePreparedStatements(conn)
          conn.pragma('journal_mode = WAL')
          conn.pragma('busy_timeout = 5000')
          conn.pragma('foreign_keys = ON')
          conn.pragma('synchronous = NORMAL')
          // A 1C exchange writes millions of price rows whose (price type, price) index entries land on random pages: with
          // SQLite's 2 MB default cache and a checkpoint every 4 MB of WAL, each page was written and checkpointed again and
          // again (the 100 000-product import spent most of its time there). A 32 MB cache and a 40 MB checkpoint interval
          // let a page take many rows between writes; the one connection of the pool is the only one that holds the cache.
          conn.pragma('cache_size = -32000')
          conn.pragma('wal_autocheckpoint = 10000')
          done(null, conn)
        },
      },
    })
  }
  return knexFactory({
    client: 'mysql2',
    connection: { uri: config.url, charset: 'utf8mb4', timezone: 'Z', supportBigNumbers: true, bigNumberStrings: false } as Knex.MySql2ConnectionConfig,
    pool: {
      min: 0,
      max: 10,
      afterCreate(conn: { query(sql: string, cb: (err: Error | null) => void): void }, done: (err: Error | null, conn: unknown) => void) {
        conn.query("SET time_zone = '+00:00'", (err) => done(err, conn))
      },
    },
  })
}

/** `sqlite` or `mysql`, as `/healthz` reports it. */
export function engineOf(db: Db): 'sqlite' | 'mysql' {
  return db.client.config.client === 'better-sqlite3' ? 'sqlite' : 'mysql'
}

/** One round trip to the database, for the health check. */
export async function ping(db: Db): Promise<void> {
  await db.raw('select 1')
}
