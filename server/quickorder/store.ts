import type { Knex } from 'knex'
import type { Db } from '../db/knex.js'
import { indexableWords, nameWordIds, whereNameHasWords, whereStartsWith } from '../db/dialect.js'

/*
 * Set-based catalog reads of the quick order: every query answers many pasted lines at once (an IN list, or one UNION ALL
 * of small per-line index reads tagged with the line's key), so 500 lines cost a handful of round trips, never one query
 * per line.
 */

/** A product found for a line; `k` is the caller's key of the line (or of one of its search variants). */
export interface FoundProduct {
  k: number
  id: number
  sku: string
  sku_norm: string
  name: string
  name_search: string
  base_unit: string
  is_active: boolean
  popularity: number
}

const COLUMNS = ['p.id', 'p.sku', 'p.sku_norm', 'p.name', 'p.name_search', 'p.base_unit', 'p.is_active', 'p.popularity']

/** IN lists are cut to this many values; UNION ALL statements to this many parts (SQLite allows 500 compound terms). */
const IN_CHUNK = 500
const UNION_CHUNK = 100

function normalize(r: FoundProduct): FoundProduct {
  return { ...r, k: Number(r.k ?? 0), id: Number(r.id), is_active: !!r.is_active, popularity: Number(r.popularity) }
}

/** Products (any state) whose normalised article is one of `norms`. */
export async function productsBySkuNorms(db: Db, norms: string[]): Promise<FoundProduct[]> {
  const unique = [...new Set(norms)]
  const out: FoundProduct[] = []
  for (let i = 0; i < unique.length; i += IN_CHUNK) {
    const rows: FoundProduct[] = await db('products as p').whereIn('p.sku_norm', unique.slice(i, i + IN_CHUNK)).select(COLUMNS)
    out.push(...rows.map(normalize))
  }
  return out
}

/** Products (any state) whose folded name is exactly one of `names`, through the (is_active, name_search) index. */
export async function productsByExactNames(db: Db, names: string[]): Promise<FoundProduct[]> {
  const unique = [...new Set(names)].filter((n) => n.length <= 500)
  const out: FoundProduct[] = []
  for (let i = 0; i < unique.length; i += IN_CHUNK) {
    const rows: FoundProduct[] = await db('products as p').whereIn('p.is_active', [1, 0]).whereIn('p.name_search', unique.slice(i, i + IN_CHUNK)).select(COLUMNS)
    out.push(...rows.map(normalize))
  }
  return out
}

/** Products by id (any state), for the buyer's choices. */
export async function productsByIds(db: Db, ids: number[]): Promise<FoundProduct[]> {
  if (!ids.length) return []
  const rows: FoundProduct[] = await db('products as p').whereIn('p.id', [...new Set(ids)]).select(COLUMNS)
  return rows.map(normalize)
}

/** Runs one small query per item as parts of UNION ALL statements (each part a derived table, which both engines accept). */
async function unionAll<T, R>(db: Db, items: T[], part: (item: T) => Knex.QueryBuilder): Promise<R[]> {
  const out: R[] = []
  for (let i = 0; i < items.length; i += UNION_CHUNK) {
    const parts = items.slice(i, i + UNION_CHUNK).map((item, j) => db.select('*').from(part(item).as(`t${j}`)))
    const [head, ...rest] = parts
    out.push(...((rest.length ? await head!.unionAll(rest) : await head!) as R[]))
  }
  return out
}

/**
 * For each `{k, prefix}`, up to `limit` active products whose normalised article starts with the prefix (an index range on
 * the unique `sku_norm`), tagged with `k`.
 */
export async function productsBySkuPrefixes(db: Db, items: { k: number; prefix: string }[], limit: number): Promise<FoundProduct[]> {
  const rows = await unionAll<{ k: number; prefix: string }, FoundProduct>(db, items, ({ k, prefix }) =>
    whereStartsWith(db('products as p'), db, 'p.sku_norm', prefix)
      // An expression, so the read walks the article index (in its order, stopping at the limit), not (is_active, …).
      .whereRaw('(p.is_active + 0) = 1')
      .orderBy('p.sku_norm')
      .limit(limit)
      .select(db.raw('? as k', [k]), ...COLUMNS),
  )
  return rows.map(normalize)
}

/**
 * How many products have each word in their name (words the name index answers), counted up to `cap` + 1: the engine
 * stops reading a common word's index there, so a hundred words cost about as much as a hundred rare ones.
 */
export async function nameWordCounts(db: Db, words: string[], cap: number): Promise<Map<string, number>> {
  const rows = await unionAll<string, { w: string; n: number | string }>(db, indexableWords(db, [...new Set(words)]).indexed, (w) =>
    db.from(nameWordIds(db, w).limit(cap + 1).as('c')).select(db.raw('? as w', [w])).count({ n: '*' }),
  )
  return new Map(rows.map((r) => [String(r.w), Number(r.n)]))
}

/**
 * For each word, up to `limit` active products whose name has it (the caller asks for rare words only, counted by
 * `nameWordCounts`), tagged with the word: lines and search variants that start from the same word share one read.
 */
export async function productsByNameWord(db: Db, words: string[], limit: number): Promise<(FoundProduct & { w: string })[]> {
  const rows = await unionAll<string, FoundProduct & { w: string }>(db, words, (w) =>
    db('products as p')
      .whereIn('p.id', nameWordIds(db, w))
      .whereRaw('(p.is_active + 0) = 1')
      .limit(limit)
      .select(db.raw('? as w', [w]), ...COLUMNS),
  )
  return rows.map((r) => ({ ...normalize(r), w: String(r.w) }))
}

/**
 * For each `{k, words}`, up to `limit` active products whose name has every word, most popular first, tagged with `k`:
 * the catalog's name search (FTS5 trigram on SQLite, FULLTEXT on MySQL, LIKE for short words), for lines whose words are
 * all common. «Active» is an expression so the planner starts from the name index, not from walking the popularity index.
 */
export async function productsByNameWords(db: Db, items: { k: number; words: string[] }[], limit: number): Promise<FoundProduct[]> {
  const rows = await unionAll<{ k: number; words: string[] }, FoundProduct>(db, items, ({ k, words }) =>
    whereNameHasWords(db('products as p'), db, 'p.id', 'p.name_search', words)
      .whereRaw('(p.is_active + 0) = 1')
      .orderBy([{ column: 'p.popularity', order: 'desc' }, { column: 'p.id', order: 'desc' }])
      .limit(limit)
      .select(db.raw('? as k', [k]), ...COLUMNS),
  )
  return rows.map(normalize)
}
