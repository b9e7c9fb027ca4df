import type { Knex } from 'knex'
import { engineOf } from './knex.js'

/** Every SQLite/MySQL difference lives here, so stores stay engine-neutral. */

/** True when the error is a unique-key violation on either engine. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; errno?: number; message?: string }
  return (
    e?.code === 'ER_DUP_ENTRY' ||
    e?.errno === 1062 ||
    e?.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    /UNIQUE constraint failed/.test(e?.message ?? '')
  )
}

/** Escapes LIKE wildcards so that user text (`%`, `_`, `\`) matches literally with `ESCAPE '\'`. */
export function likeEscape(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`)
}

/**
 * A literal "contains" condition on a column: `%`, `_` and `\` in the text match themselves. The escape character is bound
 * as a parameter because a literal `'\'` is a syntax error on MariaDB. Case folding is the caller's: stores keep a lower-cased
 * shadow column (SQLite's LIKE folds only ASCII), and pass lower-cased text.
 */
export function whereContains(qb: Knex.QueryBuilder, column: string, text: string): Knex.QueryBuilder {
  return qb.whereRaw('?? LIKE ? ESCAPE ?', [column, `%${likeEscape(text)}%`, '\\'])
}

/** Inserts one row and returns its numeric id on both engines. */
export async function insertId(db: Knex, table: string, row: Record<string, unknown>): Promise<number> {
  const res = await db(table).insert(row)
  return Number(Array.isArray(res) ? res[0] : res)
}

/** Drops every table of the connected database (tests only). */
export async function dropAllTables(db: Knex): Promise<void> {
  if (engineOf(db) === 'sqlite') {
    const rows: { name: string }[] = await db.raw("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")
    await db.raw('PRAGMA foreign_keys = OFF')
    for (const r of rows) await db.schema.dropTableIfExists(r.name)
    await db.raw('PRAGMA foreign_keys = ON')
  } else {
    const [rows] = await db.raw('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()')
    await db.raw('SET FOREIGN_KEY_CHECKS = 0')
    for (const r of rows as { name: string }[]) await db.schema.dropTableIfExists(r.name)
    await db.raw('SET FOREIGN_KEY_CHECKS = 1')
  }
}
