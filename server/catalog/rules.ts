/** Pure rules of the catalog: article normalisation, text folding for search, quantities against packagings. */

import type { CatalogQuery, CategoryRow, SearchTerms, SortKey } from './types.js'
import { parseQtyMilli, packagingsToMilli } from '../shared/quantity.js'
import { groupThousands } from '../shared/money.js'

/** "ec-cup 250.ml" → "ECCUP250ML": the form articles are compared in (upper case, no spaces, dashes, dots, slashes). */
export function normalizeSku(sku: string): string {
  return sku.toUpperCase().replace(/Ё/g, 'Е').replace(/[\s\-–—._/\\]+/g, '')
}

/** Lower case with ё → е, the form names are searched in. */
export function foldText(text: string): string {
  return text.toLowerCase().replace(/ё/g, 'е')
}

export interface PackagingRule {
  /** Base units in one packaging, thousandths. */
  factorMilli: number
  /** Minimum order in base-unit thousandths (0: none). */
  minQtyMilli: number
  /** Order step in base-unit thousandths (0: one packaging). */
  stepMilli: number
}

/**
 * A packaging's ordering rule, as `correctQty` takes it; without a packaging the product is ordered in whole base units
 * with no minimum.
 */
export function packagingRule(p: { factor_milli: number; min_qty_milli: number; step_milli: number } | null | undefined): PackagingRule {
  return p ? { factorMilli: p.factor_milli, minQtyMilli: p.min_qty_milli, stepMilli: p.step_milli } : { factorMilli: 1000, minQtyMilli: 0, stepMilli: 0 }
}

/**
 * Brings a wanted quantity to what can be ordered: at least the minimum, and a whole number of steps (rounded up, so the
 * buyer never gets less than asked). Returns the quantity and a Russian note when it changed, for a visible correction.
 */
export function correctQty(wantMilli: number, p: PackagingRule, unit: string): { qtyMilli: number; note: string | null } {
  if (wantMilli <= 0) return { qtyMilli: 0, note: null }
  const step = p.stepMilli > 0 ? p.stepMilli : p.factorMilli > 0 ? p.factorMilli : 1
  let qty = Math.ceil(wantMilli / step) * step
  if (qty < p.minQtyMilli) qty = Math.ceil(p.minQtyMilli / step) * step
  if (qty === wantMilli) return { qtyMilli: qty, note: null }
  const why = qty > wantMilli && wantMilli < p.minQtyMilli ? `минимальный заказ ${formatQty(p.minQtyMilli, unit)}` : `кратность ${formatQty(step, unit)}`
  return { qtyMilli: qty, note: `Количество изменено на ${formatQty(qty, unit)}: ${why}` }
}

/** 36000 → "36 шт", 1500 → "1,5 кг". */
export function formatQty(milli: number, unit: string): string {
  const whole = groupThousands(String(Math.trunc(Math.abs(milli) / 1000)))
  const frac = Math.abs(milli % 1000)
  const num = frac ? `${whole},${String(frac).padStart(3, '0').replace(/0+$/, '')}` : whole
  return `${milli < 0 ? '-' : ''}${num} ${unit}`
}

/** Rows on one catalog page; «Показать ещё» adds the next page. */
export const PAGE_SIZE = 100
/** The API's page size limit. */
export const API_MAX_PER_PAGE = 200
/** Counts stop here, so a count never walks more of an index than this; the page then says «больше …». */
export const COUNT_CAP = 1000
/** The longest search text that is read; the rest is ignored. */
const MAX_QUERY = 200
const MAX_WORDS = 8

export const SORTS: { key: SortKey; label: string }[] = [
  { key: 'popular', label: 'по популярности' },
  { key: 'name', label: 'по названию' },
  { key: 'price', label: 'сначала дешевле' },
  { key: 'price_desc', label: 'сначала дороже' },
]

/**
 * Splits what the buyer typed into the article form (for the exact and prefix tiers) and the folded words of the name.
 * Punctuation inside a word stays (a word «100%» must match literally), whitespace separates words.
 */
export function parseSearch(raw: string): SearchTerms {
  const text = raw.replace(/\s+/g, ' ').trim().slice(0, MAX_QUERY)
  const norm = normalizeSku(text)
  const words = [...new Set(foldText(text).split(' ').filter(Boolean).map((w) => w.slice(0, 64)))].slice(0, MAX_WORDS)
  return { text, skuNorm: /[\p{L}\p{N}]/u.test(norm) ? norm : '', words }
}

/** The first value of a query-string parameter (Express gives an array for a repeated key). */
function first(v: unknown): string {
  const s = Array.isArray(v) ? v[0] : v
  return typeof s === 'string' ? s.trim() : ''
}

/** Every value of a repeated query-string parameter. */
function all(v: unknown): string[] {
  return (Array.isArray(v) ? v : [v]).filter((s): s is string => typeof s === 'string')
}

/** A whole positive number of at most nine digits, or null. */
function positiveInt(s: string): number | null {
  return /^\d{1,9}$/.test(s) && Number(s) > 0 ? Number(s) : null
}

/**
 * Reads a catalog listing from query-string parameters: `q`, `sort`, `page`, `per_page`, `stock=1`, `f_<code>=<option id>`
 * (repeatable), `min_<code>` / `max_<code>` (numbers in the attribute's unit, "1,5" allowed) and, for the API and the price
 * list, `category`. Anything malformed is ignored rather than refused: a shared link must always open.
 */
export function parseCatalogQuery(params: Record<string, unknown>, o: { perPage?: number; maxPerPage?: number; categoryId?: number | null } = {}): CatalogQuery {
  const sortText = first(params.sort)
  const sort = (SORTS.find((s) => s.key === sortText)?.key ?? 'popular') as SortKey
  const maxPerPage = o.maxPerPage ?? PAGE_SIZE
  const perPage = Math.min(positiveInt(first(params.per_page)) ?? o.perPage ?? PAGE_SIZE, maxPerPage)
  const options: CatalogQuery['options'] = {}
  const ranges: CatalogQuery['ranges'] = {}
  for (const [key, value] of Object.entries(params)) {
    const m = /^(f|min|max)_([a-z0-9_]{1,64})$/.exec(key)
    if (!m) continue
    const code = m[2]!
    if (m[1] === 'f') {
      const ids = [...new Set(all(value).map((s) => positiveInt(s.trim())).filter((n): n is number => n !== null))].slice(0, 50)
      if (ids.length) options[code] = ids
    } else {
      const n = parseSignedMilli(first(value))
      if (n === null) continue
      const r = (ranges[code] ??= { min: null, max: null })
      if (m[1] === 'min') r.min = n
      else r.max = n
    }
  }
  const stock = first(params.stock)
  return {
    q: first(params.q).slice(0, MAX_QUERY),
    categoryId: o.categoryId !== undefined ? o.categoryId : positiveInt(first(params.category)),
    options,
    ranges,
    inStock: stock !== '' && stock !== '0',
    sort,
    page: Math.min(positiveInt(first(params.page)) ?? 1, 10_000),
    perPage,
  }
}

/** "1 800" / "-2,5" → thousandths; null when it is not a number. */
function parseSignedMilli(text: string): number | null {
  const neg = text.startsWith('-')
  const n = parseQtyMilli(neg ? text.slice(1) : text)
  return n === null ? null : neg ? -n : n
}

/** The query as URL parameters, in a stable order (the inverse of `parseCatalogQuery`, without the category path). */
export function catalogParams(q: CatalogQuery, o: { page?: number; withCategory?: boolean } = {}): [string, string][] {
  const out: [string, string][] = []
  if (q.q) out.push(['q', q.q])
  if (o.withCategory && q.categoryId) out.push(['category', String(q.categoryId)])
  for (const code of Object.keys(q.options).sort()) for (const id of q.options[code]!) out.push([`f_${code}`, String(id)])
  for (const code of Object.keys(q.ranges).sort()) {
    const r = q.ranges[code]!
    if (r.min !== null) out.push([`min_${code}`, milliText(r.min)])
    if (r.max !== null) out.push([`max_${code}`, milliText(r.max)])
  }
  if (q.inStock) out.push(['stock', '1'])
  if (q.sort !== 'popular') out.push(['sort', q.sort])
  const page = o.page ?? q.page
  if (page > 1) out.push(['page', String(page)])
  return out
}

/** 1800000 → "1800", 1500 → "1,5": a number in thousandths as a buyer types it. */
export function milliText(milli: number): string {
  const neg = milli < 0
  const abs = Math.abs(milli)
  const whole = Math.trunc(abs / 1000)
  const frac = abs % 1000
  return `${neg ? '-' : ''}${whole}${frac ? ',' + String(frac).padStart(3, '0').replace(/0+$/, '') : ''}`
}

export type StockLevel = 'many' | 'few' | 'none'

/** Words buyers see for a warehouse that shows a status instead of a quantity. */
export const STOCK_WORDS: Record<StockLevel, string> = { many: 'много', few: 'мало', none: 'под заказ' }

/**
 * The status of a warehouse's stock: nothing available is «под заказ», less than the warehouse's threshold (in default
 * packagings) is «мало», otherwise «много». Reserved quantities are already subtracted from `availableMilli`.
 */
export function stockLevel(availableMilli: number, lowPackagings: number, packFactorMilli: number): StockLevel {
  if (availableMilli <= 0) return 'none'
  return availableMilli < lowPackagings * (packFactorMilli > 0 ? packFactorMilli : 1000) ? 'few' : 'many'
}

/** What the buyer sees for one warehouse: the quantity («120 кг», «нет») or the status word. */
export function stockText(mode: 'qty' | 'status', availableMilli: number, unit: string, level: StockLevel): string {
  if (mode === 'qty') return availableMilli > 0 ? formatQty(availableMilli, unit) : 'нет'
  return STOCK_WORDS[level]
}

/** On hand minus reserved, never below zero (an over-reservation shows as nothing available). */
export function availableMilli(onHandMilli: number, reservedMilli: number): number {
  return Math.max(0, onHandMilli - reservedMilli)
}

/**
 * The quantity a row is priced with: what the buyer typed (a count of packagings, corrected to the packaging's minimum and
 * step, as the cart will do), or, with nothing typed, the smallest amount of that packaging that can be ordered. A typo
 * is reported and the row keeps the default price.
 */
export function rowQuantity(
  typed: string,
  pack: PackagingRule | null,
  unit: string,
): { qtyMilli: number; ordered: boolean; note: string | null; error: string | null } {
  const rule = pack ?? { factorMilli: 1000, minQtyMilli: 0, stepMilli: 0 }
  const smallest = correctQty(rule.factorMilli, rule, unit).qtyMilli
  const text = typed.trim()
  if (!text) return { qtyMilli: smallest, ordered: false, note: null, error: null }
  const count = parseQtyMilli(text)
  if (count === null) return { qtyMilli: smallest, ordered: false, note: null, error: 'Количество — число, например 2 или 1,5' }
  if (count === 0) return { qtyMilli: smallest, ordered: false, note: null, error: null }
  const { qtyMilli, note } = correctQty(packagingsToMilli(count, rule.factorMilli), rule, unit)
  return { qtyMilli, ordered: true, note, error: null }
}

/** «Прайс-лист ООО "Ромашка" — Кофе, 2026-03-01.xlsx» without characters that file systems refuse. */
export function priceListFileName(companyName: string, categoryName: string | null, isoDate: string): string {
  const clean = (s: string) => s.replace(/[\\/:*?"<>|\u0000-\u001f]+/g, ' ').replace(/\s+/g, ' ').trim()
  return `Прайс-лист ${clean(companyName)}${categoryName ? ` — ${clean(categoryName)}` : ''}, ${isoDate}.xlsx`
}

/** Categories depth-first: each parent followed by its children, siblings in their order. */
export function treeOrder(categories: CategoryRow[]): CategoryRow[] {
  const children = new Map<number | null, CategoryRow[]>()
  const ids = new Set(categories.map((c) => c.id))
  for (const c of categories) {
    const parent = c.parent_id !== null && ids.has(c.parent_id) ? c.parent_id : null
    children.set(parent, [...(children.get(parent) ?? []), c])
  }
  const out: CategoryRow[] = []
  const walk = (parent: number | null) => {
    for (const c of (children.get(parent) ?? []).sort((a, b) => a.sort - b.sort || a.name.localeCompare(b.name, 'ru') || a.id - b.id)) {
      out.push(c)
      walk(c.id)
    }
  }
  walk(null)
  return out
}

/** Warehouse kinds and how they read in Russian. */
export const WAREHOUSE_KINDS: Record<string, string> = { main: 'основной склад', office: 'офис', transit: 'в пути (транзит)', farmer: 'у фермера' }

/** What the warehouse form sends. */
export interface WarehouseInput {
  name: string
  kind: string
  show_mode: 'qty' | 'status'
  low_packagings: number
  sort: number
}

/** Field errors of the warehouse form (empty when fine). */
export function warehouseErrors(w: WarehouseInput): Record<string, string> {
  const e: Record<string, string> = {}
  if (!w.name.trim()) e.name = 'Укажите название склада'
  else if (w.name.length > 200) e.name = 'Название не длиннее 200 символов'
  if (!WAREHOUSE_KINDS[w.kind]) e.kind = 'Выберите вид склада'
  if (w.show_mode !== 'qty' && w.show_mode !== 'status') e.show_mode = 'Выберите, что видят покупатели'
  if (!Number.isInteger(w.low_packagings) || w.low_packagings < 0 || w.low_packagings > 100_000) e.low_packagings = 'Целое число упаковок от 0'
  if (!Number.isInteger(w.sort) || Math.abs(w.sort) > 100_000) e.sort = 'Целое число'
  return e
}

/** A packaging's shipping sizes as staff typed them (strings from the form). */
export interface PackagingSizesInput {
  weightG: string
  lengthCm: string
  widthCm: string
  heightCm: string
}

/** The sizes as stored: whole grams and centimetres, null where not known. */
export interface PackagingSizes {
  weightG: number | null
  lengthCm: number | null
  widthCm: number | null
  heightCm: number | null
}

/**
 * Checks a packaging's shipping sizes (CDEK's units: grams and centimetres). Every field may be left empty (not known);
 * typed ones are whole numbers, the weight 1 g … 1 t, a side 1 … 1500 cm; the three sides go together (a place needs all
 * of them). Errors are keyed by field, in Russian.
 */
export function packagingSizesOf(input: PackagingSizesInput): { sizes: PackagingSizes; errors: Record<string, string> } {
  const errors: Record<string, string> = {}
  const num = (s: string): number | null | typeof Number.NaN => {
    const t = s.replace(/[\s\u00a0]/g, '')
    if (t === '') return null
    return /^\d{1,9}$/.test(t) ? Number(t) : Number.NaN
  }
  const weightG = num(input.weightG)
  if (weightG !== null && !(weightG >= 1 && weightG <= 1_000_000)) errors.weightG = 'Вес — целое число граммов от 1 до 1 000 000, например 700'
  const sides = { lengthCm: num(input.lengthCm), widthCm: num(input.widthCm), heightCm: num(input.heightCm) }
  for (const [k, v] of Object.entries(sides)) {
    if (v !== null && !(v >= 1 && v <= 1500)) errors[k] = 'Размер — целое число сантиметров от 1 до 1500'
  }
  const typed = Object.values(sides).filter((v) => v !== null).length
  if (typed > 0 && typed < 3) {
    for (const [k, v] of Object.entries(sides)) if (v === null) errors[k] = 'Укажите все три размера (длина, ширина, высота) или оставьте их пустыми'
  }
  return { sizes: { weightG, ...sides }, errors }
}
