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

/** The rows of a plain SQL query with `?` bindings, on either engine (`knex.raw` answers in each driver's own shape). */
export async function rawRows<T>(db: Knex, sql: string, bindings: readonly (string | number)[]): Promise<T[]> {
  const res = await db.raw(sql, bindings as (string | number)[])
  return (engineOf(db) === 'sqlite' ? res : res[0]) as T[]
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

/*
 * Product search. SQLite keeps an FTS5 trigram index over `products.name_search` (any substring of three or more
 * characters is found through the index); MariaDB/MySQL keeps an InnoDB FULLTEXT index over the same column (a word of
 * three or more letters or digits matches the start of a word of the name; MariaDB has no ngram parser). Both indexes
 * follow every write to `products` by themselves (triggers on SQLite, InnoDB on MySQL), so the 1C import, the benchmark
 * generator and test factories that insert rows directly stay searchable. Words the index cannot answer (shorter than
 * three characters, with punctuation, or InnoDB stopwords) fall back to a literal LIKE on the lower-cased column.
 */

/** Creates the name search index of `products` (migration 002). */
export async function createProductSearch(knex: Knex): Promise<void> {
  if (engineOf(knex) === 'sqlite') {
    await knex.raw(
      "CREATE VIRTUAL TABLE products_fts USING fts5(name_search, content='products', content_rowid='id', tokenize='trigram')",
    )
    await knex.raw(`CREATE TRIGGER products_fts_ai AFTER INSERT ON products BEGIN
      INSERT INTO products_fts(rowid, name_search) VALUES (new.id, new.name_search); END`)
    await knex.raw(`CREATE TRIGGER products_fts_ad AFTER DELETE ON products BEGIN
      INSERT INTO products_fts(products_fts, rowid, name_search) VALUES ('delete', old.id, old.name_search); END`)
    await knex.raw(`CREATE TRIGGER products_fts_au AFTER UPDATE OF name_search ON products BEGIN
      INSERT INTO products_fts(products_fts, rowid, name_search) VALUES ('delete', old.id, old.name_search);
      INSERT INTO products_fts(rowid, name_search) VALUES (new.id, new.name_search); END`)
  } else {
    await knex.raw('ALTER TABLE products ADD FULLTEXT INDEX products_name_ft (name_search)')
  }
}

/** Drops what `createProductSearch` made (the FULLTEXT index goes with its table on MySQL). */
export async function dropProductSearch(knex: Knex): Promise<void> {
  if (engineOf(knex) === 'sqlite') await knex.raw('DROP TABLE IF EXISTS products_fts')
}

/** InnoDB's default stopword list: such words are not in a FULLTEXT index, so they are matched with LIKE instead. */
const INNODB_STOPWORDS = new Set(
  'a about an are as at be by com de en for from how i in is it la of on or that the this to was what when where who will with und www'.split(' '),
)

const FT_TOKEN = /^[\p{L}\p{N}]{3,84}$/u

/**
 * Which of the (already folded) words the engine's name index can answer; the rest go to LIKE. On MySQL a LIKE word still
 * narrows the search through the index by its inner parts: in «kf-0001» the «0001» follows a separator, so it starts an
 * InnoDB token wherever the word occurs, and `+0001*` is a safe prefilter (the first part is not: «akf-0001» holds «kf»).
 */
export function indexableWords(db: Knex, words: string[]): { indexed: string[]; like: string[]; prefilter: string[] } {
  const sqlite = engineOf(db) === 'sqlite'
  const indexed: string[] = []
  const like: string[] = []
  const prefilter: string[] = []
  for (const w of words) {
    const ok = sqlite ? [...w].length >= 3 : FT_TOKEN.test(w) && !INNODB_STOPWORDS.has(w)
    ;(ok ? indexed : like).push(w)
    if (!ok && !sqlite) {
      for (const part of w.split(/[^\p{L}\p{N}_']+/u).slice(1)) if (FT_TOKEN.test(part) && !INNODB_STOPWORDS.has(part)) prefilter.push(part)
    }
  }
  return { indexed, like, prefilter }
}

/**
 * Every word must occur in the product's name (`nameColumn` is the lower-cased, ё-folded `name_search` of the row whose id
 * is `idColumn`). On SQLite the indexed words form one FTS5 query of quoted phrases (so no user text is ever FTS syntax);
 * on MySQL one boolean-mode MATCH of `+word*` terms built only from letters and digits.
 */
export function whereNameHasWords(qb: Knex.QueryBuilder, db: Knex, idColumn: string, nameColumn: string, words: string[]): Knex.QueryBuilder {
  const { indexed, like, prefilter } = indexableWords(db, words)
  const sqlite = engineOf(db) === 'sqlite'
  if (sqlite && indexed.length) {
    const match = indexed.map((w) => `"${w.replace(/"/g, '""')}"`).join(' AND ')
    qb.whereRaw(`?? IN (SELECT rowid FROM products_fts WHERE products_fts MATCH ?)`, [idColumn, match])
  }
  if (!sqlite && indexed.length + prefilter.length) {
    qb.whereRaw('MATCH(??) AGAINST (? IN BOOLEAN MODE)', [nameColumn, [...indexed, ...prefilter].map((w) => `+${w}*`).join(' ')])
  }
  for (const w of like) whereContains(qb, nameColumn, w)
  return qb
}

/**
 * Joins `table` with the query's first table as the outer loop, whatever the planner thinks: a walk along an index of the
 * first table (prices by type and amount) must drive the join. SQLite's CROSS JOIN and MySQL's STRAIGHT_JOIN both say so.
 */
export function joinInOrder(qb: Knex.QueryBuilder, db: Knex, table: string, left: string, right: string): Knex.QueryBuilder {
  return qb.joinRaw(`${engineOf(db) === 'sqlite' ? 'CROSS JOIN' : 'STRAIGHT_JOIN'} ?? ON ?? = ??`, [table, left, right])
}

/**
 * `column` starts with `prefix`, answered by the column's B-tree index. SQLite's LIKE ignores an index unless the column is
 * NOCASE (or case_sensitive_like is on for the whole connection), so there it is a range over the binary order; MySQL
 * turns a LIKE with a literal prefix into the same range itself.
 */
export function whereStartsWith(qb: Knex.QueryBuilder, db: Knex, column: string, prefix: string): Knex.QueryBuilder {
  if (engineOf(db) === 'sqlite') return qb.where(column, '>=', prefix).where(column, '<', `${prefix}\u{10FFFF}`)
  return qb.whereRaw('?? LIKE ? ESCAPE ?', [column, `${likeEscape(prefix)}%`, '\\'])
}

/*
 * Data version triggers (see `versions.ts`): after every inserted, updated or deleted row of a versioned table, its
 * channel's counter goes up by one. Triggers rather than application code, so that the 1C import, the benchmark generator,
 * staff pages and tests that write the tables directly all invalidate the caches. On MySQL/MariaDB the database user needs
 * the TRIGGER privilege (and, with binary logging on, `log_bin_trust_function_creators = 1`).
 */
const VERSION_EVENTS = [['ai', 'INSERT'], ['au', 'UPDATE'], ['ad', 'DELETE']] as const

/** Creates the three triggers that bump `channel` on writes to `table`. */
export async function createVersionTriggers(knex: Knex, table: string, channel: string): Promise<void> {
  if (!/^[a-z_]+$/.test(table) || !/^[a-z_]+$/.test(channel)) throw new Error(`bad table or channel: ${table}, ${channel}`)
  const bump = `UPDATE data_versions SET version = version + 1 WHERE name = '${channel}'`
  for (const [suffix, event] of VERSION_EVENTS) {
    const name = `dv_${table}_${suffix}`
    if (engineOf(knex) === 'sqlite') await knex.raw(`CREATE TRIGGER ${name} AFTER ${event} ON ${table} BEGIN ${bump}; END`)
    else await knex.raw(`CREATE TRIGGER ${name} AFTER ${event} ON ${table} FOR EACH ROW ${bump}`)
  }
}

/** Drops what `createVersionTriggers` made. */
export async function dropVersionTriggers(knex: Knex, table: string): Promise<void> {
  for (const [suffix] of VERSION_EVENTS) await knex.raw(`DROP TRIGGER IF EXISTS dv_${table}_${suffix}`)
}

/**
 * Adds a nullable column that references `refTable.id` to an existing table (migration 004). SQLite can add such a column
 * in place (`ALTER TABLE … ADD COLUMN … REFERENCES`), whereas knex would rebuild the table, and dropping a table that
 * others reference with ON DELETE CASCADE would take their rows with it; MySQL adds the column and a named constraint.
 */
export async function addReferenceColumn(knex: Knex, table: string, column: string, refTable: string, onDelete: 'SET NULL' | 'CASCADE'): Promise<void> {
  if (engineOf(knex) === 'sqlite') {
    await knex.raw(`ALTER TABLE ?? ADD COLUMN ?? INTEGER NULL REFERENCES ??(id) ON DELETE ${onDelete}`, [table, column, refTable])
  } else {
    await knex.schema.alterTable(table, (t) => {
      t.integer(column).unsigned().nullable().references(`${refTable}.id`).onDelete(onDelete)
    })
  }
}

/**
 * The id of the top-level category in a materialised path column ("/3/17/" → 3; null for NULL or "/"), as SQL: the
 * mini-cart groups lines by top-level category in one query.
 */
export function topCategoryIdSql(db: Knex, pathColumn: string): Knex.Raw {
  if (engineOf(db) === 'sqlite') {
    return db.raw(`CAST(NULLIF(substr(??, 2, instr(substr(??, 2), '/') - 1), '') AS INTEGER)`, [pathColumn, pathColumn])
  }
  return db.raw(`CAST(NULLIF(SUBSTRING_INDEX(SUBSTRING(??, 2), '/', 1), '') AS UNSIGNED)`, [pathColumn])
}

/**
 * Ids of the products whose name has one word the name index answers (see `indexableWords`), as a subquery that the engine
 * reads lazily: SQLite streams FTS5 rowids, so a LIMIT on it (a capped count) stops early however common the word is.
 * The quick order counts candidate words this way and then drives each line's search from its rarest word.
 */
export function nameWordIds(db: Knex, word: string): Knex.QueryBuilder {
  if (engineOf(db) === 'sqlite') return db('products_fts').whereRaw('products_fts MATCH ?', [`"${word.replace(/"/g, '""')}"`]).select('rowid as id')
  return db('products').whereRaw('MATCH(??) AGAINST (? IN BOOLEAN MODE)', ['name_search', `+${word}*`]).select('id')
}

/**
 * True when a transaction failed only because of concurrency and may simply run again: a deadlock or a lock wait timeout on
 * MySQL/MariaDB (InnoDB rolls the transaction back), or a busy or locked SQLite database (another process wrote).
 */
export function isRetryableTxError(err: unknown): boolean {
  const e = err as { code?: string; errno?: number; message?: string }
  return (
    e?.code === 'ER_LOCK_DEADLOCK' ||
    e?.errno === 1213 ||
    e?.code === 'ER_LOCK_WAIT_TIMEOUT' ||
    e?.errno === 1205 ||
    e?.code === 'SQLITE_BUSY' ||
    e?.code === 'SQLITE_BUSY_SNAPSHOT' ||
    e?.code === 'SQLITE_LOCKED' ||
    /database is locked|Deadlock found/i.test(e?.message ?? '')
  )
}

/**
 * Runs `fn` in a transaction and runs it again, up to `attempts` times with a short random pause, when the engine gave up
 * on it for concurrency alone (`isRetryableTxError`): InnoDB deadlocks and lock wait timeouts, SQLite busy errors. `fn`
 * must be safe to repeat (everything it wrote was rolled back). Other errors and the last failure propagate.
 */
export async function transactionWithRetry<T>(db: Knex, fn: (trx: Knex.Transaction) => Promise<T>, attempts = 6): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(fn)
    } catch (err) {
      if (attempt >= attempts || !isRetryableTxError(err)) throw err
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 20 * attempt) + 1))
    }
  }
}
