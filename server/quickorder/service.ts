import type { Db } from '../db/knex.js'
import { readVersions } from '../db/versions.js'
import { VersionedMap } from '../shared/cache.js'
import * as catalogStore from '../catalog/store.js'
import type { PricingService } from '../pricing/service.js'
import type { CartTarget, CartsService } from '../carts/service.js'
import type { MemberCompany } from '../companies/types.js'
import type { PricedLine } from '../pricing/types.js'
import * as store from './store.js'
import type { FoundProduct } from './store.js'
import { MAX_CANDIDATES, WORD_CAP, countStatuses, driverOf, driverOrder, emptyResolved, finish, fuzzyVariants, lineKey, matchLine, parseRows, textRows, type Pending } from './rules.js'
import { readOrderFile } from './spreadsheet.js'
import type { Choice, Columns, ParsedLine, QuickOrderResult, QuickPackaging, QuickProduct, ResolvedLine } from './types.js'

export type QuickOrderService = ReturnType<typeof createQuickOrderService>

/** What the page and the API pass in besides the lines: the buyer's picks for ambiguous lines and a header's columns. */
export interface ResolveOptions {
  /** Line number → the product picked for an ambiguous line (radio buttons), for the line it was picked on. */
  choices?: Map<number, Choice>
  columns?: Columns | null
}

function brief(p: FoundProduct): QuickProduct {
  return { id: p.id, sku: p.sku, name: p.name, base_unit: p.base_unit, is_active: p.is_active }
}

/** Most popular first, then by article, so candidates come in a stable order. */
function byPopularity(a: FoundProduct, b: FoundProduct): number {
  return b.popularity - a.popularity || a.sku.localeCompare(b.sku)
}

/**
 * The quick order: pasted text or an uploaded spreadsheet read into lines (pure `rules.ts`), resolved against the catalog
 * in a few set-based queries (exact article, exact name, article prefix when unique, name words, then forgiving name
 * variants), with packagings chosen and quantities corrected; and the matched lines added to the company's cart.
 */
export function createQuickOrderService(deps: { db: Db; pricing: PricingService; carts: CartsService }) {
  const { db, pricing, carts } = deps
  // How many names each word is in (capped), under the catalog's data version: common words («кофе», «стакан») are
  // counted once per catalog change, not on every paste; a changed catalog starts the cache afresh.
  const wordCounts = new VersionedMap<string, number>(50_000)

  async function countWords(words: string[]): Promise<Map<string, number>> {
    const { catalog } = await readVersions(db)
    return wordCounts.getMany(catalog, words, (missing) => store.nameWordCounts(db, missing, WORD_CAP))
  }

  /**
   * The driver of each word list (see `driverOf`), counting words in rounds: each round counts the next candidate of every
   * list still undecided (`driverOrder`), so a list stops at its first rare word. One query per round, a round or two in
   * practice; `maxRounds` stops earlier (search variants: a variant whose first words are common is not worth reading).
   * null: every word counted is common (or none can be counted); undefined: some word is in no name.
   */
  async function pickDrivers(lists: string[][], maxRounds = Infinity): Promise<(string | null | undefined)[]> {
    const order = lists.map((words) => driverOrder(words).slice(0, maxRounds))
    const out: (string | null | undefined)[] = lists.map(() => null)
    const known = new Map<string, number>()
    let undecided = lists.map((_, i) => i)
    for (let round = 0; undecided.length; round++) {
      const ask = undecided.map((i) => order[i]![round]).filter((w): w is string => !!w)
      if (!ask.length) break
      for (const [w, n] of await countWords(ask)) known.set(w, n)
      undecided = undecided.filter((i) => {
        const d = driverOf(order[i]!.slice(0, round + 1), known)
        if (d === null && round + 1 < order[i]!.length) return true
        out[i] = d
        return false
      })
    }
    return out
  }

  /** Resolves parsed lines; every line comes back, in order, with its status. */
  async function resolveLines(parsed: ParsedLine[], o: ResolveOptions = {}): Promise<ResolvedLine[]> {
    const done = new Map<number, ResolvedLine | Pending>()
    const found: { line: ParsedLine; product: FoundProduct; via: ResolvedLine['via']; notes: string[] }[] = []
    const foundNos = new Set<number>()
    let open: ParsedLine[] = []
    for (const l of parsed) {
      if (l.ignored) done.set(l.no, { ...emptyResolved(l), status: 'ignored', reason: l.ignored })
      else if (l.qtyError) done.set(l.no, { ...emptyResolved(l), reason: l.qtyError })
      else if (!l.skus.length && !l.words.length && !l.exactName) done.set(l.no, { ...emptyResolved(l), reason: 'Нет артикула или названия' })
      else open.push(l)
    }
    const settle = (l: ParsedLine, product: FoundProduct, via: ResolvedLine['via'], notes: string[] = []) => {
      if (product.is_active) {
        found.push({ line: l, product, via, notes })
        foundNos.add(l.no)
      } else done.set(l.no, { ...emptyResolved(l), status: 'inactive', product: brief(product), reason: `Товар ${product.sku} снят с продажи` })
    }
    const ambiguous = (l: ParsedLine, list: FoundProduct[], reason: string, suggested: number | null = null) => {
      done.set(l.no, { ...emptyResolved(l), status: 'ambiguous', reason, candidates: list.slice(0, MAX_CANDIDATES).map(brief), suggested })
    }
    const still = (l: ParsedLine) => !done.has(l.no) && !foundNos.has(l.no)

    // The buyer's own picks for lines that were ambiguous.
    const picked = new Map<number, number>()
    for (const l of open) {
      const c = o.choices?.get(l.no)
      if (c && c.key === lineKey(l)) picked.set(l.no, c.productId)
    }
    if (picked.size) {
      const byId = new Map((await store.productsByIds(db, [...picked.values()])).map((p) => [p.id, p]))
      for (const l of open) {
        const p = picked.has(l.no) ? byId.get(picked.get(l.no)!) : undefined
        if (p) settle(l, p, 'choice')
      }
      open = open.filter(still)
    }

    // 1. Exact normalised article (any state: an inactive product is reported, not passed over for a similar one).
    if (open.length) {
      const bySku = new Map((await store.productsBySkuNorms(db, open.flatMap((l) => l.skus))).map((p) => [p.sku_norm, p]))
      for (const l of open) {
        const p = l.skus.map((s) => bySku.get(s)).find(Boolean)
        if (p) settle(l, p, 'sku')
      }
      open = open.filter(still)
    }

    // 2. The whole name exactly as in the catalog.
    const named = open.filter((l) => l.exactName && l.words.length)
    if (named.length) {
      const byName = new Map<string, FoundProduct[]>()
      for (const p of await store.productsByExactNames(db, named.map((l) => l.exactName))) byName.set(p.name_search, [...(byName.get(p.name_search) ?? []), p])
      for (const l of named) {
        const list = byName.get(l.exactName) ?? []
        const active = list.filter((p) => p.is_active).sort(byPopularity)
        if (active.length === 1) settle(l, active[0]!, 'name_exact')
        else if (active.length > 1) ambiguous(l, active, 'Несколько товаров с таким названием: выберите')
        else if (list.length) settle(l, list[0]!, 'name_exact')
      }
      open = open.filter(still)
    }

    // 3. Articles that start with what was typed, when only one does.
    const prefixed = open.filter((l) => l.skuLike)
    if (prefixed.length) {
      const items = prefixed.flatMap((l, i) => l.skus.filter((s) => s.length >= 3).map((prefix) => ({ k: i, prefix })))
      const hits = groupByKey(await store.productsBySkuPrefixes(db, items, MAX_CANDIDATES + 1))
      for (const [i, l] of prefixed.entries()) {
        const list = hits.get(i) ?? []
        if (list.length === 1) settle(l, list[0]!, 'prefix', [`Артикул найден по началу «${l.skus[0]}»: ${list[0]!.sku}`])
        else if (list.length > 1) ambiguous(l, list.sort((a, b) => a.sku.localeCompare(b.sku)), `Артикул «${l.skus[0]}» — начало нескольких артикулов: выберите`)
        else if (!l.words.length) done.set(l.no, { ...emptyResolved(l), reason: 'Артикул не найден' })
      }
      open = open.filter(still)
    }

    // Products of each rare word (at most WORD_CAP of them), read once however many lines or variants start from it.
    const wordRows = new Map<string, FoundProduct[]>()
    const loadWords = async (words: string[]) => {
      const missing = [...new Set(words)].filter((w) => !wordRows.has(w))
      for (const w of missing) wordRows.set(w, [])
      if (missing.length) for (const r of await store.productsByNameWord(db, missing, WORD_CAP + 1)) wordRows.get(r.w)!.push(r)
    }
    /** Products whose name has every word, from the rows of the driver word (the same substring test as LIKE). */
    const having = (words: string[], driver: string) =>
      (wordRows.get(driver) ?? []).filter((p) => words.every((w) => w === driver || p.name_search.includes(w))).sort(byPopularity)

    // 4. Every word of the name (the catalog's name search), each line read from its rarest word.
    const worded = open.filter((l) => l.words.length)
    const fuzzy: ParsedLine[] = []
    // The rare word a line's search started from, when it found nothing: its variants keep that word.
    const fuzzyKeep = new Map<ParsedLine, string>()
    if (worded.length) {
      const picked = await pickDrivers(worded.map((l) => l.words))
      const drivers = new Map<ParsedLine, string>()
      const common: ParsedLine[] = []
      for (const [i, l] of worded.entries()) {
        const d = picked[i]
        if (d === undefined) fuzzy.push(l)
        else if (d === null) common.push(l)
        else drivers.set(l, d)
      }
      await loadWords([...drivers.values()])
      // Lines made of common words only are searched with all their words at once.
      const hits = common.length ? groupByKey(await store.productsByNameWords(db, common.map((l, k) => ({ k, words: l.words })), MAX_CANDIDATES + 1)) : new Map<number, FoundProduct[]>()
      const lists = new Map<ParsedLine, FoundProduct[]>(common.map((l, k) => [l, (hits.get(k) ?? []).sort(byPopularity)]))
      for (const [l, d] of drivers) lists.set(l, having(l.words, d))
      for (const l of worded) {
        const list = lists.get(l)
        if (!list) continue
        if (list.length === 1) settle(l, list[0]!, 'name')
        else if (list.length > MAX_CANDIDATES) ambiguous(l, list, `Подходят больше ${MAX_CANDIDATES} товаров: выберите или уточните строку`)
        else if (list.length > 1) ambiguous(l, list, 'Подходят несколько товаров: выберите')
        else {
          fuzzy.push(l)
          const d = drivers.get(l)
          if (d) fuzzyKeep.set(l, d)
        }
      }
    }

    // 5. Forgiving variants of the name, offered for the buyer to confirm, never matched silently. Only variants with a
    //    word rare enough to start from are read: one made of common words only would list half the catalog.
    if (fuzzy.length) {
      const variants = fuzzy.map((l) => fuzzyVariants(l.words, fuzzyKeep.get(l) ?? null))
      const chosen = await pickDrivers(variants.flat(), 2)
      let at = 0
      const plans = variants.map((vs) => vs.flatMap((v) => {
        const d = chosen[at++]
        return d ? [{ words: v, driver: d }] : []
      }))
      await loadWords(plans.flat().map((p) => p.driver))
      for (const [i, l] of fuzzy.entries()) {
        // A product found by more variants is the likelier one.
        const score = new Map<number, { p: FoundProduct; n: number }>()
        for (const { words, driver } of plans[i]!) {
          for (const p of having(words, driver).slice(0, MAX_CANDIDATES + 1)) {
            const s = score.get(p.id) ?? { p, n: 0 }
            s.n++
            score.set(p.id, s)
          }
        }
        const ranked = [...score.values()].sort((a, b) => b.n - a.n || byPopularity(a.p, b.p))
        if (!ranked.length) {
          done.set(l.no, { ...emptyResolved(l), reason: l.skuLike ? 'Артикул не найден' : 'Не найдено: исправьте название или впишите артикул' })
          continue
        }
        const clear = ranked.length === 1 || ranked[0]!.n > ranked[1]!.n
        ambiguous(l, ranked.map((r) => r.p), clear ? 'Точного совпадения нет, похожий товар: подтвердите' : 'Точного совпадения нет, похожие товары: выберите', clear ? ranked[0]!.p.id : null)
      }
    }

    // Packagings of everything found, in one read; then the quantities.
    const packs = await catalogStore.packagingsOf(db, [...new Set(found.map((f) => f.product.id))])
    const packsOf = new Map<number, QuickPackaging[]>()
    for (const p of packs) packsOf.set(p.product_id, [...(packsOf.get(p.product_id) ?? []), p])
    for (const f of found) done.set(f.line.no, matchLine(f.line, brief(f.product), packsOf.get(f.product.id) ?? [], f.via, f.notes))
    return finish(parsed.map((l) => done.get(l.no)!))
  }

  async function resolveRows(rows: string[][], o: ResolveOptions = {}): Promise<QuickOrderResult> {
    const parsed = parseRows(rows, o.columns ?? null)
    const lines = await resolveLines(parsed.lines, o)
    return { lines, columns: parsed.columns, truncated: parsed.truncated, skipped: parsed.skipped, counts: countStatuses(lines) }
  }

  return {
    /** Resolves pasted text (Excel, email, 1C printout). */
    resolveText: (text: string, o: ResolveOptions = {}) => resolveRows(textRows(text), o),

    /** Resolves rows of cells (a spreadsheet, or the page's lines sent back for a re-check). */
    resolveRows,

    /** Reads an uploaded XLSX or CSV into rows, or a Russian refusal (the type is checked by content). */
    readFile: (buffer: Buffer) => readOrderFile(buffer),

    /**
     * Prices the matched lines for the company as one list (what they would cost together in a cart), in line order;
     * lines without a product get null.
     */
    async price(companyId: number, lines: ResolvedLine[]): Promise<{ perLine: (PricedLine | null)[]; totalKopecks: number }> {
      const matched = lines.filter((l) => l.status === 'matched' && l.product && l.qtyMilli > 0)
      if (!matched.length) return { perLine: lines.map(() => null), totalKopecks: 0 }
      const priced = await pricing.priceLines(companyId, matched.map((l) => ({ productId: l.product!.id, qtyMilli: l.qtyMilli })))
      const byNo = new Map(matched.map((l, i) => [l.no, priced.lines[i]!]))
      return { perLine: lines.map((l) => byNo.get(l.no) ?? null), totalKopecks: priced.totalKopecks }
    },

    /**
     * Adds every matched line to the chosen cart of the company (quantities already corrected; the cart checks them
     * again, and its type may refuse a packaging). Lines that are not matched are left for the buyer to fix.
     */
    addToCart(member: MemberCompany, userId: number, lines: ResolvedLine[], target: CartTarget = {}) {
      const wanted = lines.filter((l) => l.status === 'matched' && l.product && l.qtyMilli > 0)
      return carts.addLines(member, userId, wanted.map((l) => ({ productId: l.product!.id, packagingId: l.packaging?.id ?? null, qtyMilli: l.qtyMilli })), target)
    },
  }
}

/** Found rows grouped by their key, each product once. */
function groupByKey(rows: FoundProduct[]): Map<number, FoundProduct[]> {
  const out = new Map<number, FoundProduct[]>()
  for (const r of rows) {
    const list = out.get(r.k) ?? []
    if (!list.some((p) => p.id === r.id)) list.push(r)
    out.set(r.k, list)
  }
  return out
}
