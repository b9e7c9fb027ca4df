/** Shapes of the quick order: lines parsed from pasted text or a spreadsheet, and what resolving them against the catalog gives. */

/** What a column of a spreadsheet (or of a pasted table with a header row) holds. */
export type ColumnRole = 'no' | 'sku' | 'name' | 'qty' | 'unit' | 'pack' | 'price' | 'sum'

/** Column index → role, read from a header row. */
export type Columns = Partial<Record<ColumnRole, number>>

/** A quantity word as typed after the number: a base unit («шт», «кг») or a packaging («мешка», «кор»). */
export interface UnitWord {
  /** Folded, without a trailing dot: «мешка», «кор», «шт». */
  word: string
  /** The base unit the word names (шт, кг, л; '*' for «ед.»), or null for a packaging word. */
  baseUnit: string | null
  /** The packaging's size when typed with it («2 мешка по 30 кг»: 30 000), thousandths of the base unit. */
  sizeMilli: number | null
  /** A whole packaging name from a spreadsheet's «Упаковка» column, folded, for an exact match. */
  packName: string | null
}

/** One line as the buyer typed it, split into what identifies the product and how much of it. */
export interface ParsedLine {
  /** 1-based position in what was pasted or uploaded (header and junk lines count too). */
  no: number
  /** The line as typed (spreadsheet rows: cells joined by tabs); the page shows it for fixing in place. */
  text: string
  /** Headers, greetings, totals and signatures are kept (shown) but never resolved. */
  ignored: string | null
  /** Normalised article candidates, most likely first (as typed, then with Cyrillic look-alike letters made Latin). */
  skus: string[]
  /** True when the identifier looks like an article (one token with a digit): only then is an article prefix tried. */
  skuLike: boolean
  /** The identifier folded (lower case, ё → е, single spaces) for an exact name match; '' when there is none. */
  exactName: string
  /** Folded words of the name for the name search (at most eight). */
  words: string[]
  /** The quantity typed, in thousandths of the unit typed (or of the default packaging without a unit); null when none. */
  countMilli: number | null
  unit: UnitWord | null
  /** A quantity that could not be read («много», «1,2345»), shown instead of resolving. */
  qtyError: string | null
}

/** How a line came out. */
export type LineStatus = 'matched' | 'ambiguous' | 'unmatched' | 'inactive' | 'merged' | 'ignored'

/** A product as the quick order shows it. */
export interface QuickProduct {
  id: number
  sku: string
  name: string
  base_unit: string
  is_active: boolean
}

/** A packaging as the quick order uses it. */
export interface QuickPackaging {
  id: number
  product_id: number
  name: string
  factor_milli: number
  min_qty_milli: number
  step_milli: number
}

/** One resolved line. */
export interface ResolvedLine {
  no: number
  text: string
  /** A short fingerprint of what identifies the product in the line (not its quantity): a pick sent back with the page
   * applies only while the line still names the same thing. */
  key: string
  status: LineStatus
  /** Why a line is not matched, in Russian («Артикул не найден», «Заголовок таблицы»). */
  reason: string | null
  product: QuickProduct | null
  packaging: QuickPackaging | null
  /** The quantity to order after corrections, thousandths of the base unit (0 unless matched). */
  qtyMilli: number
  /** Visible corrections: minimum, step, packaging guessed, quantity not typed, duplicates merged. */
  notes: string[]
  /** Products to choose from (ambiguous lines), most popular first. */
  candidates: QuickProduct[]
  /** The candidate pre-selected for an inexact name match (the buyer confirms it). */
  suggested: number | null
  /** For a duplicate: the line number it was merged into. */
  mergedInto: number | null
  /** How the product was found: exact article, exact name, article prefix, name words, or the buyer's choice. */
  via: 'sku' | 'name_exact' | 'prefix' | 'name' | 'fuzzy' | 'choice' | null
}

/** The buyer's pick for an ambiguous line, valid for the line whose `key` it was made on. */
export interface Choice {
  productId: number
  key: string
}

/** The resolution of a whole paste or file. */
export interface QuickOrderResult {
  lines: ResolvedLine[]
  /** Column roles of a header row, kept so a re-check parses the rows the same way. */
  columns: Columns | null
  /** More lines were sent than are read; the rest were dropped. */
  truncated: boolean
  /** Spreadsheet rows with nothing in the quantity column (a price list with a few quantities filled in): not shown. */
  skipped: number
  counts: Record<LineStatus, number>
}
