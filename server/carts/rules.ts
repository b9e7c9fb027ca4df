/** Pure rules of carts: names, packagings a cart type sells, the forms of the cart page and of /admin/cart-types. */

import { parseQtyMilli } from '../shared/quantity.js'
import type { CartTypeInput } from './types.js'

/** A company keeps at most this many carts: enough for every downstream client, and a brake on a runaway script. */
export const MAX_CARTS_PER_COMPANY = 100
/** The name of the cart made on the first «добавить в корзину». */
export const DEFAULT_CART_NAME = 'Основная корзина'
export const NAME_MAX = 100
export const CLIENT_REF_MAX = 200
export const COMMENT_MAX = 500
/** A section of the cart page and the mini-cart for products without a category. */
export const NO_CATEGORY = 'Без раздела'

/** «Мешок  30 КГ» → «мешок 30 кг»: how packaging names are compared (case, ё/е and spaces do not matter). */
export function foldPackagingName(name: string): string {
  return name.toLowerCase().replace(/ё/g, 'е').replace(/\s+/g, ' ').trim()
}

/** Whether a cart type that sells `allowed` packagings (null: all of them) sells the packaging called `name`. */
export function packagingAllowed(allowed: readonly string[] | null, name: string): boolean {
  if (allowed === null) return true
  const folded = foldPackagingName(name)
  return allowed.some((a) => foldPackagingName(a) === folded)
}

/** «мешок 60 кг», «мешок 30 кг» and 3 more: the allowed packagings in a message. */
export function allowedText(allowed: readonly string[]): string {
  const shown = allowed.slice(0, 4).map((a) => `«${a}»`).join(', ')
  return allowed.length > 4 ? `${shown} и ещё ${allowed.length - 4}` : shown
}

/**
 * The packaging a line goes into a cart with. A requested packaging must be the product's own and sold by the cart's
 * type; without one, the first of the product's packagings (the default comes first) that the type sells. A product
 * without packagings is ordered in base units, which only a type that sells every packaging accepts.
 */
export function choosePackaging<P extends { id: number; name: string }>(
  own: readonly P[],
  requestedId: number | null,
  allowed: readonly string[] | null,
  cartTypeName: string,
): { packaging: P | null; error: string | null } {
  if (requestedId !== null) {
    const p = own.find((o) => o.id === requestedId)
    if (!p) return { packaging: null, error: 'такой упаковки у товара нет' }
    if (!packagingAllowed(allowed, p.name)) {
      return { packaging: null, error: `упаковка «${p.name}» не продаётся в корзине типа «${cartTypeName}» (можно: ${allowedText(allowed ?? [])})` }
    }
    return { packaging: p, error: null }
  }
  if (!own.length) {
    return allowed === null ? { packaging: null, error: null } : { packaging: null, error: `товар без упаковки, а в корзине типа «${cartTypeName}» продаются только ${allowedText(allowed)}` }
  }
  const p = own.find((o) => packagingAllowed(allowed, o.name))
  if (!p) return { packaging: null, error: `в корзине типа «${cartTypeName}» продаются только ${allowedText(allowed ?? [])}, у этого товара таких упаковок нет` }
  return { packaging: p, error: null }
}

/**
 * The type of a company's first cart, made when lines are added and no cart was chosen: the first type in the supplier's
 * order that sells a packaging of every line, else the one that sells one for most lines (the earlier on a tie), else
 * none (null: a cart without a type). `lines` holds, per line, the packaging names it can go in (the chosen one, or all
 * of the product's).
 */
export function pickCartType<T extends { id: number; packaging_names: readonly string[] | null }>(types: readonly T[], lines: readonly (readonly string[])[]): number | null {
  let best: { id: number; n: number } | null = null
  for (const t of types) {
    const n = lines.filter((names) => (names.length ? names.some((name) => packagingAllowed(t.packaging_names, name)) : t.packaging_names === null)).length
    if (n === lines.length) return t.id
    if (!best || n > best.n) best = { id: t.id, n }
  }
  return best?.id ?? null
}

/** An id typed into a select: '' is none (null), a positive whole number is an id, anything else undefined (invalid). */
export function optionalId(text: string): number | null | undefined {
  if (text === '') return null
  return /^\d{1,12}$/.test(text) && Number(text) > 0 ? Number(text) : undefined
}

/** Field errors of a cart's name and downstream client reference. */
export function cartTextErrors(input: { name: string; client_ref: string }): Record<string, string> {
  const e: Record<string, string> = {}
  if (!input.name.trim()) e.name = 'Назовите корзину, например «Кафе на Ленина» или «Заказ на март»'
  else if (input.name.length > NAME_MAX) e.name = `Название не длиннее ${NAME_MAX} символов`
  if (input.client_ref.length > CLIENT_REF_MAX) e.client_ref = `Не длиннее ${CLIENT_REF_MAX} символов`
  return e
}

/** «Кафе (копия)», then «Кафе (копия 2)»…: a name for a copy that no cart of the company has yet. */
export function copyName(name: string, taken: ReadonlySet<string>): string {
  const base = name.replace(/ \(копия(?: \d+)?\)$/, '')
  for (let n = 1; ; n++) {
    const suffix = n === 1 ? ' (копия)' : ` (копия ${n})`
    const candidate = `${base.slice(0, NAME_MAX - suffix.length)}${suffix}`
    if (!taken.has(candidate)) return candidate
  }
}

/** «Транзит», then «Транзит 2», «Транзит 3»…: a name for a new cart that no cart of the company has yet. */
export function uniqueName(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base
  for (let n = 2; ; n++) {
    const suffix = ` ${n}`
    const candidate = `${base.slice(0, NAME_MAX - suffix.length)}${suffix}`
    if (!taken.has(candidate)) return candidate
  }
}

/** A quantity and a comment typed into one line of the cart page, read and checked. */
export interface LineEdit {
  lineId: number
  /** What was typed, kept to show again. */
  text: string
  /** Packagings in thousandths; null when unreadable (then `error` says why). */
  countMilli: number | null
  comment: string
  error: string | null
}

/**
 * Reads every `qty[<line id>]` and `comment[<line id>]` of the cart page's form; a line with only a comment field keeps
 * its quantity (null `countMilli`, no error). An empty quantity means zero (the line goes). Unreadable quantities and
 * too long comments come back with a Russian message; what was typed is kept to show again.
 */
export function parseLineEdits(body: Record<string, unknown>): LineEdit[] {
  const str = (v: unknown) => (typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : null)
  const ids = new Set<number>()
  for (const key of Object.keys(body)) {
    const m = /^(?:qty|comment)\[(\d{1,12})\]$/.exec(key)
    if (m && Number(m[1]) > 0) ids.add(Number(m[1]))
  }
  const out: LineEdit[] = []
  for (const lineId of ids) {
    const qty = str(body[`qty[${lineId}]`])
    const comment = str(body[`comment[${lineId}]`])
    const text = (qty ?? '').trim().slice(0, 20)
    let countMilli: number | null = null
    let error: string | null = null
    if (qty !== null) {
      countMilli = text === '' ? 0 : parseQtyMilli(text)
      if (countMilli === null) error = `Количество — число упаковок, например 2 или 1,5 (вы ввели «${text}»)`
    }
    const c = (comment ?? '').trim()
    if (c.length > COMMENT_MAX) error = error ?? `Комментарий не длиннее ${COMMENT_MAX} символов (сейчас ${c.length})`
    out.push({ lineId, text, countMilli, comment: c.slice(0, COMMENT_MAX * 2), error })
  }
  return out
}

/** Line ids ticked in the cart page's form (`sel`, repeated), positive and unique. */
export function selectedIds(v: unknown): number[] {
  const all = (Array.isArray(v) ? v : [v]).filter((s): s is string => typeof s === 'string' && /^\d{1,12}$/.test(s))
  return [...new Set(all.map(Number).filter((n) => n > 0))]
}

/** Two comments of lines merged into one line: both kept, the same one once. */
export function mergeComments(a: string, b: string): string {
  if (!a) return b.slice(0, COMMENT_MAX)
  if (!b || a.split('; ').includes(b)) return a
  return `${a}; ${b}`.slice(0, COMMENT_MAX)
}

/**
 * Lines grouped by their top-level category in the catalog's order (by sort, then name), products without a category
 * last, each group with its subtotal (lines without a price add nothing).
 */
export function groupByCategory<L extends { top_category_id: number | null; top_category_name: string | null; top_category_sort: number; lineKopecks: number | null }>(
  lines: readonly L[],
): { categoryId: number | null; name: string; subtotalKopecks: number; lines: L[] }[] {
  const groups = new Map<number | null, { categoryId: number | null; name: string; sort: number; subtotalKopecks: number; lines: L[] }>()
  for (const l of lines) {
    const key = l.top_category_name === null ? null : l.top_category_id
    let g = groups.get(key)
    if (!g) groups.set(key, (g = { categoryId: key, name: key === null ? NO_CATEGORY : l.top_category_name!, sort: l.top_category_sort, subtotalKopecks: 0, lines: [] }))
    g.lines.push(l)
    g.subtotalKopecks += l.lineKopecks ?? 0
  }
  return [...groups.values()]
    .sort((a, b) => (a.categoryId === null ? 1 : 0) - (b.categoryId === null ? 1 : 0) || a.sort - b.sort || a.name.localeCompare(b.name, 'ru'))
    .map(({ sort: _s, ...g }) => g)
}

/** «1 позиция», «3 позиции», «12 позиций». */
export function positionsWord(n: number): string {
  const d10 = n % 10
  const d100 = n % 100
  const word = d10 === 1 && d100 !== 11 ? 'позиция' : d10 >= 2 && d10 <= 4 && (d100 < 12 || d100 > 14) ? 'позиции' : 'позиций'
  return `${n} ${word}`
}

/** Field errors of the cart type form; ids are checked against the price types and warehouses that exist. */
export function cartTypeErrors(input: CartTypeInput, known: { priceTypeIds: ReadonlySet<number>; warehouseIds: ReadonlySet<number> }): Record<string, string> {
  const e: Record<string, string> = {}
  if (!input.name.trim()) e.name = 'Укажите название, например «Со склада мешками»'
  else if (input.name.length > NAME_MAX) e.name = `Название не длиннее ${NAME_MAX} символов`
  if (input.description.length > 500) e.description = 'Описание не длиннее 500 символов'
  const priceType = optionalId(input.price_type_id)
  if (priceType === undefined || (priceType !== null && !known.priceTypeIds.has(priceType))) e.price_type_id = 'Выберите тип цен из списка'
  const warehouse = optionalId(input.warehouse_id)
  if (warehouse === undefined || (warehouse !== null && !known.warehouseIds.has(warehouse))) e.warehouse_id = 'Выберите склад из списка'
  if (!input.all_packagings && !input.packaging_names.length) e.packaging_names = 'Отметьте упаковки, которые продаются в этой корзине, или «все упаковки»'
  if (input.packaging_names.some((n) => n.length > 100)) e.packaging_names = 'Название упаковки не длиннее 100 символов'
  if (!/^-?\d{1,6}$/.test(input.sort.trim())) e.sort = 'Целое число, например 10'
  return e
}

/** The packaging names of a cart type form: trimmed, non-empty, each once (compared folded), in the order given. */
export function cleanPackagingNames(names: readonly string[]): string[] {
  const seen = new Set<string>()
  const out: string[] = []
  for (const raw of names) {
    const n = raw.replace(/\s+/g, ' ').trim()
    const k = foldPackagingName(n)
    if (!n || seen.has(k)) continue
    seen.add(k)
    out.push(n)
  }
  return out
}
