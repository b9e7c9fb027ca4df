/**
 * Pure rules of the quick order: reading lines pasted from Excel, an email or a 1C printout (or rows of an uploaded
 * spreadsheet) into article, name words and quantity; choosing the packaging a quantity word names; merging duplicates.
 * No IO here: the service looks products up and passes them in.
 */

import { correctQty, foldText, formatQty, normalizeSku, packagingRule } from '../catalog/rules.js'
import { packagingsToMilli, parseQtyMilli } from '../shared/quantity.js'
import type { Columns, ColumnRole, LineStatus, ParsedLine, QuickPackaging, QuickProduct, ResolvedLine, UnitWord } from './types.js'

/** The most lines one paste or file is read for; the rest is dropped with a message. */
export const MAX_LINES = 1000
/** Longer lines are cut: no product line is this long, and the page must stay small. */
export const MAX_LINE_LENGTH = 300
/** Products offered for an ambiguous line. */
export const MAX_CANDIDATES = 5
/** More packagings than this on one line is a typo, not an order. */
const MAX_COUNT_MILLI = 1_000_000_000

/* ------------------------------------------------------------------ words */

/** Base units as typed after a number; «ед.» stands for whatever the product's base unit is. */
const BASE_UNIT_WORDS: [RegExp, string][] = [
  [/^(шт|штук|штука|штуки|штучек|pcs)$/, 'шт'],
  [/^(кг|килограмм|килограмма|килограммов|кило|kg)$/, 'кг'],
  [/^(л|литр|литра|литров)$/, 'л'],
  [/^(ед|единиц|единица|единицы)$/, '*'],
]

/**
 * Packaging words in the forms buyers write them, abbreviations included («кор», «уп», «меш»). A word is only read as a
 * unit right after a number, so «Держатель для 2 стаканов» keeps its words.
 */
const PACK_WORD =
  /^(меш(ок|ка|ков|ки|ке)?|кор(об(ка|ки|ок|ку|ов|а|ы)?)?|уп(ак(овк(а|и|у)|овок)?)?|пач(ка|ки|ек|ку)?|пак(ет|ета|етов|еты)?|блин(а|ов|ы)?|кирпич(а|ей|и)?|тун(а|ов|ы)?|рукав(а|ов)?|ящ(ик|ика|иков|ики)?|бан(ка|ки|ок|ку)?|бут(ылка|ылки|ылок)?|рул(он|она|онов|оны)?|блок(а|ов|и)?|пал+ет(а|ы)?|кейс(а|ов|ы)?|флак(он|она|онов)?|канистр(а|ы)?|ведр(о|а)|вед[её]р|брикет(а|ов|ы)?|комплект(а|ов|ы)?|набор(а|ов|ы)?|фас(овк(а|и)|овок)?)$/

/** A unit word (folded, trailing dot removed) as a base unit or a packaging word; null when it is neither. */
export function unitWord(raw: string): UnitWord | null {
  const word = foldText(raw).replace(/\.+$/, '')
  for (const [re, unit] of BASE_UNIT_WORDS) if (re.test(word)) return { word, baseUnit: unit, sizeMilli: null, packName: null }
  return PACK_WORD.test(word) ? { word, baseUnit: null, sizeMilli: null, packName: null } : null
}

/** Words of a request that are never part of a product name («нужно 5 мешков кофе» searches «кофе»). */
const FILLER = new Set(['нужно', 'нужен', 'нужна', 'нужны', 'надо', 'пожалуйста', 'еще', 'также', 'плюс', 'добавьте', 'добавить', 'прошу', 'хотим', 'возьмем', 'заказ', 'заказать', 'и', 'по', 'x', 'х'])

/** Cyrillic letters that look like Latin ones: articles typed on a Russian layout («КF-0012» with a Cyrillic К). */
const LOOKALIKE: Record<string, string> = { А: 'A', В: 'B', Е: 'E', К: 'K', М: 'M', Н: 'H', О: 'O', Р: 'P', С: 'C', Т: 'T', У: 'Y', Х: 'X' }

/** Normalised article candidates: as typed, and with Cyrillic look-alikes made Latin when that leaves no Cyrillic. */
export function skuVariants(raw: string): string[] {
  const norm = normalizeSku(raw)
  if (!norm || norm.length > 100) return []
  const out = [norm]
  if (/[А-Я]/.test(norm)) {
    const latin = norm.replace(/[А-Я]/g, (c) => LOOKALIKE[c] ?? c)
    if (!/[А-Я]/.test(latin) && latin !== norm) out.push(latin)
  }
  return out
}

/** «GRN-ETH-YIR», «KF000123», «ECO.CUP/250»: one token with letters and digits, or letters and digits joined by -./_. */
export function looksLikeSku(token: string): boolean {
  const t = token.replace(/^[(«"'[]+|[)»"'\].,;:]+$/g, '')
  if (t.length < 3 || t.length > 60 || !/^[\p{L}\p{N}][\p{L}\p{N}\-./_]*$/u.test(t)) return false
  return (/\p{N}/u.test(t) && /\p{L}/u.test(t)) || (/[-./_]/.test(t) && /^[\p{Lu}\p{N}\-./_]+$/u.test(t))
}

/* ------------------------------------------------------------------ numbers */

/** A number as buyers write quantities: «2», «1,5», «1.5», «1 234,5» (thin, non-breaking or plain spaces between thousands). */
const NUM = String.raw`\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?`

/** Money in a printout: two decimals, thousands grouped or not, an optional currency. */
const MONEY = String.raw`\d{1,3}(?:[ \u00a0\u202f]\d{3})*[.,]\d{2}|\d+[.,]\d{2}`
const CURRENCY = String.raw`(?:\s*(?:₽|руб\.?|р\.))`

/** A count as typed → thousandths, or an error message. Leading zeros («000123») are an article, not a count. */
export function readCount(text: string): { milli: number } | { error: string } | null {
  const t = text.replace(/[ \u00a0\u202f]/g, '')
  if (!/^\d+([.,]\d+)?$/.test(t) || /^0\d/.test(t)) return null
  const milli = parseQtyMilli(t)
  if (milli === null) return { error: `Количество «${text}»: не больше трёх знаков после запятой` }
  if (milli > MAX_COUNT_MILLI) return { error: `Количество «${text}» слишком большое` }
  return { milli }
}

/* ------------------------------------------------------------------ headers and junk */

const HEADER_ROLES: [RegExp, ColumnRole][] = [
  [/^(№|n|#|no|нн|п\/п|№ п\/п|номер)$/, 'no'],
  [/^(артикул|арт(?!\p{L})|код(?!\p{L})|sku|article|art(?!\p{L}))/u, 'sku'],
  [/^(наименование|название|товар|номенклатура|продукция|позиция|описание|name|product)/, 'name'],
  [/^(кол-?во|количество|кол|qty|quantity|заказ|к заказу)($|[\s,(])/, 'qty'],
  [/^(упаковка|фасовка|тара)/, 'pack'],
  [/^(ед|единица|ед изм|unit)($|[\s,.(])/, 'unit'],
  [/^цена|^price/, 'price'],
  [/^(сумма|стоимость|всего|итого|sum|total)/, 'sum'],
]

/** The role a header cell names, or null. */
export function headerRole(cell: string): ColumnRole | null {
  const t = foldText(cell).replace(/[.:]+/g, ' ').replace(/\s+/g, ' ').trim()
  if (!t) return null
  for (const [re, role] of HEADER_ROLES) if (re.test(t)) return role
  return null
}

/**
 * Reads a header row: each role's first column. A row is a header when at least two cells name a role (or one names the
 * article or quantity and no cell is a number) and no cell is a count: data rows always carry a quantity.
 */
export function detectColumns(cells: string[]): Columns | null {
  const out: Columns = {}
  let named = 0
  if (cells.length < 2) return null
  for (const [i, c] of cells.entries()) {
    if (/^\s*\d/.test(c) && readCount(c.trim())) return null
    const role = headerRole(c)
    if (!role) continue
    named++
    if (out[role] === undefined) out[role] = i
  }
  if (named < 2) return null
  return out.sku !== undefined || out.name !== undefined ? out : null
}

/** Greetings, sign-offs, requests and contact lines of an email: never product lines when they carry no quantity. */
const JUNK = /^(здравствуй|добр(ый|ое|ого|ой)\s|привет|коллеги|уважаем|спасибо|благодар|с уважением|заранее|прошу|просим|пожалуйста|пришлит|выставит|выставьте|счет|подтверд|ждем|жду|срочно|тел(?!\p{L})|телефон|моб(?!\p{L})|e-?mail|почта|адрес|доставк|отправлено|sent from|от:|from:|to:|кому:|тема:|subject:|итого|всего|заказ(?!\p{L})|ооо\s|ип\s|--|__|best regards|regards)/u

/**
 * Lines of a printed invoice or letter that are never product lines, whatever numbers they hold: the title, the parties
 * with their INN and KPP, totals, VAT, the amount in words, signatures.
 */
const NEVER_ITEM = /^(счет на оплату|счет №|счет-оферта|поставщик|покупатель|грузополучатель|грузоотправитель|плательщик|получатель|основание|в том числе|в т ч|итого|всего|ндс|без ндс|сумма прописью|руководитель|бухгалтер|главный бухгалтер|исполнитель|банк получателя|бик|р\/с|к\/с|сч №|инн|кпп|огрн)(?!\p{L})/u
/** The amount in words or an INN anywhere in the line (looked for only when the line has «руб», «коп» or «инн»). */
const NEVER_ITEM_INSIDE = /(?<!\p{L})(рубл(ей|я|ь)|копе(ек|йки|йка))(?!\p{L})|(?<!\p{L})инн\s*\d{10}/u

/** True for a printed document's title, parties, totals and signatures (`folded`: lower case, ё → е). */
function neverItem(folded: string): boolean {
  const t = folded.replace(/[.:]/g, ' ').replace(/\s+/g, ' ')
  return NEVER_ITEM.test(t) || ((t.includes('руб') || t.includes('коп') || t.includes('инн')) && NEVER_ITEM_INSIDE.test(t))
}

/** A line that may hold contacts: an @, a link, or ten digits (a phone). Cheap, so the contact pattern runs rarely. */
function mayHoldContacts(s: string): boolean {
  if (s.includes('@') || s.includes('http')) return true
  let digits = 0
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57 && ++digits >= 10) return true
  return false
}

/** Lines after which an email only has its signature. */
const SIGN_OFF = /^(с уважением|best regards|regards|спасибо|благодарю|заранее спасибо)/

/** A Russian phone number, an email address or a link: contact lines, whatever else they hold. */
const CONTACT = /(?:\+7|(?<!\d)8)[\s(-]*\d{3}[\s)-]*\d{3}[\s-]*\d{2}[\s-]*\d{2}(?!\d)|[\w.+-]+@[\w-]+\.[\w.]+|https?:\/\//u

/** Why a line without a usable quantity is not a product line, or null when it may be one. */
function junkReason(line: string): string | null {
  const t = foldText(line).trim()
  if (!/[\p{L}\p{N}]/u.test(t)) return 'Служебная строка'
  if (JUNK.test(t)) return 'Текст письма'
  if (/[:!?.]$/.test(t) && !/\p{N}/u.test(t)) return 'Текст письма'
  const words = t.split(/\s+/)
  if (words.length >= 2 && !/\d/.test(t) && words.every((w) => headerRole(w) !== null || /^[|;,]$/.test(w))) return 'Заголовок таблицы'
  return null
}

/* ------------------------------------------------------------------ one line */

/** What identifies the product and how much of it, before the catalog is asked. */
interface Pieces {
  skuText: string
  nameText: string
  countText: string | null
  unit: UnitWord | null
  /** 1C printouts: the line ended in a price and a sum, so a leading number is the line number. */
  printout: boolean
}

const COUNT_CELL = new RegExp(String.raw`^(${NUM})\s*([\p{L}]+\.?)?$`, 'u')
/** «1 мешок 60 кг», «2 мешка по 30 кг»: a count of a packaging with its size in one cell. */
const COUNT_SIZED_CELL = new RegExp(String.raw`^(${NUM})\s*([\p{L}]+)\.?\s+(?:по\s*)?(${NUM})\s*(кг|шт|л|г)\.?$`, 'u')

/** A cell that is only a count, optionally with a unit word: «2», «1,5 кг», «3 кор.», «60,000». */
function countCell(cell: string): { count: string; unit: UnitWord | null } | null {
  if (!/^\d/.test(cell.trimStart())) return null
  const sized = COUNT_SIZED_CELL.exec(foldText(cell.trim()))
  if (sized && readCount(sized[1]!)) {
    const unit = unitWord(sized[2]!)
    if (unit && !unit.baseUnit) return { count: sized[1]!, unit: { ...unit, sizeMilli: sizeInBase(sized[3]!, sized[4]!) } }
  }
  const m = COUNT_CELL.exec(cell.trim())
  if (!m || !readCount(m[1]!)) return null
  if (!m[2]) return { count: m[1]!, unit: null }
  const unit = unitWord(m[2])
  return unit ? { count: m[1]!, unit } : null
}

const SIZE_ANYWHERE = new RegExp(String.raw`(${NUM})\s*(кг|шт|л|г)(?![\p{L}])`, 'u')

/** A cell that is only a unit or a packaging with its size: «кг», «шт.», «мешок 30 кг», «мешок по 30 кг». */
const UNIT_CELL = new RegExp(String.raw`^[\p{L}]+\.?(?:[\s,]+(?:по\s*)?(?:${NUM})\s*[\p{L}]+\.?)?$`, 'u')

/** A unit or packaging cell: «кг», «шт.», «мешок 30 кг» (a whole packaging name is kept for an exact match). */
function unitCell(cell: string): UnitWord | null {
  const t = cell.trim()
  if (!t) return null
  const first = t.split(/[\s,]+/)[0]!
  const unit = unitWord(first)
  if (!unit) return null
  const size = SIZE_ANYWHERE.exec(foldText(t).slice(first.length))
  const sizeMilli = size ? sizeInBase(size[1]!, size[2]!) : null
  return { ...unit, sizeMilli, packName: foldText(t).replace(/\s+/g, ' ') }
}

/** «30» «кг» → 30 000; «250» «г» → 250 (grams as thousandths of a kilogram). */
function sizeInBase(num: string, unit: string): number | null {
  const r = readCount(num)
  if (!r || !('milli' in r)) return null
  return unit === 'г' ? Math.round(r.milli / 1000) : r.milli
}

/** Price and sum at the end of a printout row (both, or one with a currency). */
const TRAILING_MONEY = new RegExp(String.raw`\s(?:${MONEY})${CURRENCY}?\s+(?:${MONEY})${CURRENCY}?\s*$|\s(?:${MONEY})${CURRENCY}\s*$`, 'u')
/** A number followed by a word: a quantity when the word is a unit. */
const NUM_WORD = new RegExp(String.raw`(?<![\p{L}\p{N}\-./])(${NUM})\s*([\p{L}]+)\.?(?![\p{L}\p{N}])`, 'gu')
/** «по 30 кг» / «30 кг» right after a packaging word: the packaging's size. */
const SIZE_AFTER = new RegExp(String.raw`^\s*(?:по\s*)?(${NUM})\s*(кг|шт|л|г)\.?(?![\p{L}])`, 'u')
/** A bare number ending the line after a space or a separator («KF-000123 5», «…, 5», «… x 5», «… — 5»). */
const END_NUMBER = new RegExp(String.raw`(?:^|\s+(?:[-–—=:]\s*|[xх×*]\s*)?|[,;:=×*]\s*)(${NUM})\s*$`, 'u')
/** A bare number starting the line («5 KF-000123», «5 x KF-000123»). */
const START_NUMBER = new RegExp(String.raw`^(${NUM})\s*(?:[xх×*]\s*)?\s(?=\S)`, 'u')

/**
 * Splits free text («KF-000123 5», «Кофе Эфиопия — 2 мешка», «1 GRN-ETH Кофе … 60 кг 1 234,00 74 040,00», «5 x EC-250»)
 * into the identifier and the quantity. The quantity is a number with a unit word (at the end, else at the start, else the
 * first one not saying a packaging's size: «по 30 кг»), else a bare number at the end after a space or separator, else a
 * bare number at the start. A number glued to an article («KF-000123») is never a quantity.
 */
function splitFreeText(raw: string): Pieces {
  let s = raw.replace(/\s+/g, ' ').trim()
  s = s.replace(/^(?:[-–—•*·▪►]+\s*|\d{1,4}[.)]\s+|\(\d{1,4}\)\s+)/, '')
  let printout = false
  const m0 = /\d[.,]\d\d\s*\S*$/.test(s) ? TRAILING_MONEY.exec(s) : null
  if (m0) {
    s = s.slice(0, m0.index).trim()
    printout = true
  }
  let countText: string | null = null
  let unit: UnitWord | null = null
  const hits: { index: number; end: number; count: string; unit: UnitWord; size: boolean }[] = []
  for (const m of s.matchAll(NUM_WORD)) {
    const u = unitWord(m[2]!)
    if (!u || !readCount(m[1]!)) continue
    const before = s.slice(0, m.index)
    hits.push({ index: m.index!, end: m.index! + m[0].length, count: m[1]!, unit: u, size: /(^|\s)по\s*$/i.test(before) })
  }
  // «1 мешок 60 кг»: a base-unit amount right after a packaging word is that packaging's size, not the quantity.
  for (let i = 1; i < hits.length; i++) {
    if (hits[i]!.unit.baseUnit && !hits[i - 1]!.unit.baseUnit && !s.slice(hits[i - 1]!.end, hits[i]!.index).trim()) hits[i]!.size = true
  }
  const usable = hits.filter((h) => !h.size)
  const tail = (h: { end: number }) => /^[\s.,;:!)]*$/.test(s.slice(h.end))
  const chosen = usable.find(tail) ?? usable.find((h) => h.index === 0) ?? usable[0]
  if (chosen) {
    countText = chosen.count
    unit = chosen.unit
    // «2 мешка по 30 кг» / «2 мешка 30 кг»: the size picks among packagings of the same kind.
    const rest = s.slice(chosen.end)
    const size = SIZE_AFTER.exec(rest)
    if (size && !unit.baseUnit) {
      unit = { ...unit, sizeMilli: sizeInBase(size[1]!, foldText(size[2]!)) }
      s = s.slice(0, chosen.index) + ' ' + rest.slice(size[0].length)
    } else {
      s = s.slice(0, chosen.index) + ' ' + rest
    }
    // Sizes said with «по» belong to the packaging, not to the name.
    for (const h of hits.filter((x) => x.size)) s = s.replace(new RegExp(String.raw`(^|\s)по\s*${escapeRe(h.count)}\s*${escapeRe(h.unit.word)}\.?`, 'iu'), ' ')
  } else {
    const end = END_NUMBER.exec(s)
    if (end && readCount(end[1]!)) {
      countText = end[1]!
      s = s.slice(0, end.index)
    } else {
      const start = START_NUMBER.exec(s)
      if (start && readCount(start[1]!)) {
        countText = start[1]!
        s = s.slice(start[0].length)
      }
    }
  }
  return { skuText: '', nameText: s, countText, unit, printout }
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** Separators and list punctuation around an identifier. */
function trimIdentifier(s: string): string {
  return s
    .replace(/(^|\s)[xх×*](?=\s|$)/g, ' ')
    .replace(/^[\s,;:=\-–—*•·()"«»']+|[\s,;:=\-–—*•·("«»']+$/g, '')
    .replace(/\s+/g, ' ')
    .trim()
}

/** Folded words of a name for the search: no fillers, no single letters, at most eight. */
export function nameWords(text: string): string[] {
  const words = foldText(text)
    .split(/[\s,;()«»"]+/)
    .map((w) => w.replace(/^[.:!?'-]+|[.:!?'-]+$/g, ''))
    .filter((w) => w && !FILLER.has(w) && !(w.length === 1 && /\p{L}/u.test(w)))
  return [...new Set(words)].slice(0, 8)
}

/**
 * The article and name of a line from its identifier text(s): a separate article (a spreadsheet column), else an
 * article-looking first or last token («GRN-ETH-YIR Кофе …», «Кофе … (GRN-ETH-YIR)»), else the whole text as a possible
 * article (one token, or «KF 000123» typed with a space) and its words as a name.
 */
function identify(skuText: string, nameText: string): Pick<ParsedLine, 'skus' | 'skuLike' | 'exactName' | 'words'> {
  const name = trimIdentifier(nameText)
  const sku = skuText.trim()
  if (sku) {
    const words = name ? nameWords(name) : []
    const skuOnly = !/\s/.test(sku) || looksLikeSku(sku)
    if (skuOnly) return { skus: skuVariants(sku), skuLike: looksLikeSku(sku) || /^\d{3,}$/.test(sku), exactName: fold(name), words }
    // An «Артикул» column holding a name: read it as the name when there is no other.
    if (!name) return { skus: skuVariants(sku), skuLike: false, exactName: fold(sku), words: nameWords(sku) }
    return { skus: skuVariants(sku), skuLike: false, exactName: fold(name), words }
  }
  const tokens = name.split(' ').filter(Boolean)
  if (!tokens.length) return { skus: [], skuLike: false, exactName: '', words: [] }
  if (tokens.length === 1) {
    const t = tokens[0]!
    const like = looksLikeSku(t) || /^\d{3,}$/.test(t)
    return { skus: skuVariants(t), skuLike: like, exactName: fold(t), words: like ? [] : nameWords(t) }
  }
  const strip = (t: string) => t.replace(/^[(«"'[]+|[)»"'\].,;:]+$/g, '')
  if (looksLikeSku(tokens[0]!)) {
    const rest = tokens.slice(1).join(' ')
    return { skus: skuVariants(strip(tokens[0]!)), skuLike: true, exactName: fold(rest), words: nameWords(rest) }
  }
  if (looksLikeSku(tokens.at(-1)!) && /[-./_]|\p{Lu}\p{N}|\p{N}\p{Lu}/u.test(strip(tokens.at(-1)!))) {
    const rest = tokens.slice(0, -1).join(' ')
    return { skus: skuVariants(strip(tokens.at(-1)!)), skuLike: true, exactName: fold(rest), words: nameWords(rest) }
  }
  // «KF 000123» or «grn eth yir» typed with spaces: a short text with a digit, or in Latin letters, may be a whole article.
  const whole = tokens.length <= 3 && name.length <= 40 && (/\d/.test(name) || /^[A-Za-z\s]+$/.test(name)) ? skuVariants(name) : []
  return { skus: whole, skuLike: false, exactName: fold(name), words: nameWords(name) }
}

function fold(s: string): string {
  return foldText(s).replace(/\s+/g, ' ').trim()
}

/**
 * One row of cells without a header: a leading line number is dropped, cells with letters identify the product (an
 * article-looking one is the article, the longest other the name), the first count after them is the quantity (a unit
 * cell right before or after it names the unit), and numbers after it (price, sum) are ignored.
 */
function splitCells(cells: string[]): Pieces | null {
  let c = cells.map((x) => x.replace(/\s+/g, ' ').trim()).filter(Boolean)
  let printout = false
  if (c.length >= 3 && /^\d{1,5}[.)]?$/.test(c[0]!)) {
    c = c.slice(1)
    printout = true
  }
  const kinds = c.map((x) => (countCell(x) ? 'count' : UNIT_CELL.test(x) && unitCell(x) ? 'unit' : 'text'))
  const firstText = kinds.indexOf('text')
  if (firstText < 0) return null
  let q = kinds.findIndex((k, i) => k === 'count' && i > firstText)
  if (q < 0) q = kinds.indexOf('count')
  if (q < 0) return null
  const texts = c.filter((_, i) => kinds[i] === 'text')
  const parsed = countCell(c[q]!)!
  let unit = parsed.unit
  if (!unit && kinds[q + 1] === 'unit') unit = unitCell(c[q + 1]!)
  if (!unit && q > 0 && kinds[q - 1] === 'unit') unit = unitCell(c[q - 1]!)
  if (texts.length === 1) return { skuText: '', nameText: texts[0]!, countText: parsed.count, unit, printout }
  const skuIdx = texts.findIndex((t) => !t.includes(' ') && (looksLikeSku(t) || /^\d{3,}$/.test(t)))
  const others = texts.filter((_, i) => i !== skuIdx)
  const name = others.reduce((a, b) => (b.length > a.length ? b : a), '')
  return { skuText: skuIdx >= 0 ? texts[skuIdx]! : '', nameText: name, countText: parsed.count, unit, printout }
}

/** A row read through the roles of its header. Returns 'empty' for a row with no quantity in the quantity column. */
function splitByColumns(cells: string[], cols: Columns): Pieces | 'empty' | null {
  const at = (role: ColumnRole) => (cols[role] === undefined ? '' : (cells[cols[role]!] ?? '').replace(/\s+/g, ' ').trim())
  const skuText = at('sku')
  const nameText = at('name')
  if (!skuText && !nameText) return null
  if (cols.qty === undefined) return { skuText, nameText, countText: null, unit: unitCell(at('pack')) ?? unitCell(at('unit')), printout: false }
  const qty = at('qty')
  if (!qty) return 'empty'
  const parsed = countCell(qty)
  const unit = parsed?.unit ?? unitCell(at('pack')) ?? unitCell(at('unit'))
  return { skuText, nameText, countText: parsed ? parsed.count : qty, unit, printout: false }
}

/**
 * Reads one line (a row of cells: one cell for free text, several for tab- or semicolon-separated text and spreadsheets)
 * into a `ParsedLine`; `columns` are the roles of a header row above it. Returns null for a spreadsheet row whose quantity
 * cell is empty (not an order line, not shown).
 */
export function parseLine(no: number, cells: string[], columns: Columns | null = null): ParsedLine | null {
  const trimmed = [...cells]
  while (trimmed.length && !trimmed.at(-1)!.trim()) trimmed.pop()
  const text = trimmed.join('\t').slice(0, MAX_LINE_LENGTH)
  const base: ParsedLine = { no, text, ignored: null, skus: [], skuLike: false, exactName: '', words: [], countMilli: null, unit: null, qtyError: null }
  const nonEmpty = trimmed.filter((c) => c.trim())
  if (!nonEmpty.length) return { ...base, ignored: 'Пустая строка' }
  if (trimmed.length > 1 && detectColumns(trimmed)) return { ...base, ignored: 'Заголовок таблицы' }

  const whole = nonEmpty.join(' ').replace(/\s+/g, ' ').trim()
  const folded = foldText(whole)
  if (/^(итого|всего)(?!\p{L})/u.test(folded)) return { ...base, ignored: 'Итоговая строка' }
  if (mayHoldContacts(whole) && CONTACT.test(whole)) return { ...base, ignored: 'Контакты' }
  if (neverItem(folded)) return { ...base, ignored: 'Реквизиты или итоги документа' }

  let pieces: Pieces | 'empty' | null = null
  if (columns && trimmed.length > 1) pieces = splitByColumns(trimmed, columns)
  if (pieces === 'empty') return null
  if (!pieces && nonEmpty.length > 1) pieces = splitCells(trimmed)
  if (!pieces) pieces = splitFreeText(whole)

  if (pieces.countText === null) {
    const junk = junkReason(whole)
    if (junk) return { ...base, ignored: junk }
  }
  let nameText = pieces.nameText
  // 1C printouts and numbered lists: «1 GRN-ETH-YIR Кофе …» starts with the line number.
  if (!pieces.skuText) {
    const lead = /^(\d{1,5})\s+(\S+)/.exec(nameText)
    if (lead && (pieces.printout || looksLikeSku(lead[2]!)) && pieces.countText !== null) nameText = nameText.slice(lead[1]!.length)
  }
  const id = identify(pieces.skuText, nameText)
  const line: ParsedLine = { ...base, ...id, unit: pieces.unit }
  if (pieces.countText !== null) {
    const r = readCount(pieces.countText)
    if (!r) line.qtyError = `Не понял количество «${pieces.countText.slice(0, 20)}»: пишите числом, например 2 или 1,5`
    else if ('error' in r) line.qtyError = r.error
    else line.countMilli = r.milli
  }
  if (line.countMilli === 0) return { ...base, ignored: 'Количество 0' }
  return line
}

/**
 * Splits pasted text into rows of cells: tabs (Excel, 1C), semicolons, or runs of two or more spaces (a printout copied
 * from a PDF) separate cells; any other line is one cell of free text.
 */
export function textRows(text: string): string[][] {
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => {
      if (line.includes('\t')) return line.split('\t')
      if (line.includes(';')) return line.split(';')
      if ((line.trim().match(/ {2,}/g) ?? []).length >= 2) return line.trim().split(/ {2,}/)
      return [line]
    })
}

/**
 * Parses rows (of pasted text or a spreadsheet) into lines: a header row among the first lines gives the column roles for
 * the rows under it; blank rows are dropped (numbers still count them, so «строка 7» is the seventh line pasted).
 * `columns` carries the roles of an earlier parse (the page's re-check) for rows that no longer include their header.
 */
export function parseRows(rows: string[][], columns: Columns | null = null): { lines: ParsedLine[]; columns: Columns | null; truncated: boolean; skipped: number } {
  let cols = columns
  const lines: ParsedLine[] = []
  let skipped = 0
  let truncated = false
  let signedOff = false
  for (const [i, cells] of rows.entries()) {
    if (!cells.some((c) => c.trim())) continue
    if (lines.length >= MAX_LINES) {
      truncated = true
      break
    }
    if (cells.length > 1) {
      const header = detectColumns(cells)
      if (header) cols = header
    }
    const line = parseLine(i + 1, cells, cells.length > 1 ? cols : null)
    if (!line) {
      skipped++
      continue
    }
    // Below «С уважением» an email has only its signature: names and positions, never products.
    if (signedOff && !line.ignored && line.countMilli === null && !line.skuLike) line.ignored = 'Подпись'
    if (cells.length === 1 && SIGN_OFF.test(foldText(cells[0]!.trim()))) signedOff = true
    lines.push(line)
  }
  return { lines, columns: cols, truncated, skipped }
}

/* ------------------------------------------------------------------ name search */

/** A word without its ending: six letters and more lose two, five letters one; numbers and short words stay. */
export function stemWord(w: string): string {
  if (!/^\p{L}+$/u.test(w)) return w
  return w.length >= 6 ? w.slice(0, -2) : w.length === 5 ? w.slice(0, -1) : w
}

/**
 * Name search variants for a line the exact words did not find: words of five letters and more lose their ending
 * («эфиопии» → «эфиоп», a typo at the end is forgiven), and with two words or more each word is left out once in turn (a
 * typo anywhere else). Variants without a word of three characters would match half the catalog and are dropped. `keep`
 * is a word known to be rare and present in the catalog (the line's search started from it): every variant keeps it, as
 * leaving it out could only widen the search to common words.
 */
export function fuzzyVariants(words: string[], keep: string | null = null): string[][] {
  const stemmed = [...new Set(words.map(stemWord))]
  const kept = keep === null ? null : stemWord(keep)
  const out = new Map<string, string[]>()
  const add = (v: string[]) => {
    if (v.some((w) => w.length >= 3) && (kept === null || v.includes(kept))) out.set(v.join(' '), v)
  }
  if (stemmed.join(' ') !== words.join(' ')) add(stemmed)
  if (stemmed.length >= 2) stemmed.forEach((_, i) => add(stemmed.filter((_, j) => j !== i)))
  return [...out.values()].slice(0, 6)
}

/** A word found in more names than this is too common to start a line's search from (the count stops here). */
export const WORD_CAP = 100

/**
 * The words of a line in the order they are counted, the likeliest rare one first: a word with digits («12345», «185»)
 * ahead of letters-only words unless they are much longer, then longer words first, words under three characters never (no name
 * index answers them). Counting goes down this list only until a rare word turns up, so a line's common words
 * («кофе», «стакан»), which cost the most to count on MySQL's FULLTEXT, are usually never counted at all.
 */
export function driverOrder(words: string[]): string[] {
  const weight = (w: string) => [...w].length + (/\p{N}/u.test(w) ? 7 : 0)
  return [...new Set(words)].filter((w) => [...w].length >= 3).sort((a, b) => weight(b) - weight(a))
}

/**
 * The word to start a line's name search from: the one in the fewest names (counted up to `WORD_CAP`). Undefined when
 * some word is in no name at all (the line cannot match: no query), null when every word is common or cannot be counted
 * (short words): then the search takes all words at once.
 */
export function driverOf(words: string[], counts: Map<string, number>): string | null | undefined {
  let best: string | null = null
  let min = Infinity
  for (const w of words) {
    const n = counts.get(w)
    if (n === undefined) continue
    if (n === 0) return undefined
    if (n < min) {
      min = n
      best = w
    }
  }
  return min <= WORD_CAP ? best : null
}

/* ------------------------------------------------------------------ packagings and quantities */

function lcp(a: string, b: string): number {
  let i = 0
  while (i < a.length && i < b.length && a[i] === b[i]) i++
  return i
}

/** The first word of a packaging name, folded: «мешок 30 кг» → «мешок», «шт, кратно 12» → «шт». */
function packWord(p: QuickPackaging): string {
  return foldText(p.name).split(/[\s,]+/)[0] ?? ''
}

/**
 * The packaging a unit word names and the wanted quantity in base-unit thousandths, with a note when it had to guess.
 * No unit: the count is of the default packaging (as in the catalog). A base unit of the product («12 шт», «1,5 кг»): a
 * packaging named by that unit («шт, кратно 12»), else one of exactly one unit, else the default; the count is in base
 * units. A packaging word («2 мешка», «3 кор»): the packaging whose name starts most like it (its size, if typed, decides
 * among several of the same kind; then the default; then the smallest). Packagings come default first.
 */
export function choosePackaging(
  product: Pick<QuickProduct, 'base_unit'>,
  packagings: QuickPackaging[],
  countMilli: number,
  unit: UnitWord | null,
): { packaging: QuickPackaging | null; wantMilli: number; note: string | null } {
  const def = packagings[0] ?? null
  const inPacks = (p: QuickPackaging | null) => (p ? packagingsToMilli(countMilli, p.factor_milli) : countMilli)
  if (!unit) return { packaging: def, wantMilli: inPacks(def), note: null }
  if (unit.packName) {
    const exact = packagings.find((p) => foldText(p.name).replace(/\s+/g, ' ') === unit.packName)
    if (exact) return { packaging: exact, wantMilli: inPacks(exact), note: null }
  }
  const baseUnit = foldText(product.base_unit)
  if (unit.baseUnit && (unit.baseUnit === baseUnit || unit.baseUnit === '*')) {
    const p = packagings.find((x) => packWord(x) === baseUnit) ?? packagings.find((x) => x.factor_milli === 1000) ?? def
    return { packaging: p, wantMilli: countMilli, note: null }
  }
  const scored = packagings
    .map((p) => {
      const w = packWord(p)
      const n = lcp(unit.word, w)
      const ok = n >= Math.min(3, unit.word.length) && (n >= 3 || w.startsWith(unit.word))
      return { p, ok, score: n + (n === w.length ? 0.5 : 0) + (unit.sizeMilli !== null && p.factor_milli === unit.sizeMilli ? 100 : 0) }
    })
    .filter((x) => x.ok)
    .sort((a, b) => b.score - a.score || Number(b.p === def) - Number(a.p === def) || a.p.factor_milli - b.p.factor_milli)
  if (scored.length) return { packaging: scored[0]!.p, wantMilli: inPacks(scored[0]!.p), note: null }
  const what = unit.baseUnit ? `Единица «${unit.word}» не подходит товару (${product.base_unit})` : `Упаковки «${unit.word}» у товара нет`
  return { packaging: def, wantMilli: inPacks(def), note: def ? `${what}: посчитано упаковками «${def.name}»` : `${what}: посчитано в ${product.base_unit}` }
}

/** A line resolved to a product, before duplicates are merged and the quantity corrected. */
export interface Pending extends ResolvedLine {
  wantMilli: number
}

/**
 * Turns a line found in the catalog into a matched line waiting for merge and correction: the packaging the unit word
 * names, the wanted quantity (one default packaging when none was typed, with a note).
 */
export function matchLine(line: ParsedLine, product: QuickProduct, packagings: QuickPackaging[], via: ResolvedLine['via'], extraNotes: string[] = []): Pending {
  const typed = line.countMilli
  const { packaging, wantMilli, note } = choosePackaging(product, packagings, typed ?? 1000, line.unit)
  const notes = [...extraNotes]
  if (typed === null) notes.push(`Количество не указано: взята 1 ${packaging ? `упаковка «${packaging.name}»` : product.base_unit}`)
  if (note) notes.push(note)
  return { ...emptyResolved(line), status: 'matched', product, packaging, notes, via, wantMilli }
}

/**
 * A short fingerprint of the line's identifier (articles, words, name; not the quantity): FNV-1a, base 36. A product
 * picked for a line stays picked while the buyer changes its quantity, and is dropped when they change what it names.
 */
export function lineKey(line: Pick<ParsedLine, 'skus' | 'words' | 'exactName'>): string {
  let h = 0x811c9dc5
  for (const ch of `${line.skus.join(',')}|${line.words.join(' ')}|${line.exactName}`) {
    h ^= ch.codePointAt(0)!
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h.toString(36)
}

/** A line with nothing resolved yet. */
export function emptyResolved(line: Pick<ParsedLine, 'no' | 'text' | 'skus' | 'words' | 'exactName'>): ResolvedLine {
  return { no: line.no, text: line.text, key: lineKey(line), status: 'unmatched', reason: null, product: null, packaging: null, qtyMilli: 0, notes: [], candidates: [], suggested: null, mergedInto: null, via: null }
}

/**
 * Merges matched lines of the same product and packaging into the first of them (the others become `merged`, pointing to
 * it) and corrects every matched quantity to the packaging's minimum and step once, after merging, with a visible note.
 */
export function finish(lines: (ResolvedLine | Pending)[]): ResolvedLine[] {
  const first = new Map<string, Pending & { merged: number[] }>()
  const out: ResolvedLine[] = []
  for (const l of lines) {
    if (l.status !== 'matched' || !('wantMilli' in l)) {
      out.push(l)
      continue
    }
    const key = `${l.product!.id}:${l.packaging?.id ?? 0}`
    const head = first.get(key)
    if (head) {
      head.wantMilli += l.wantMilli
      head.merged.push(l.no)
      const { wantMilli: _w, ...rest } = l
      out.push({ ...rest, status: 'merged', reason: `Повтор строки ${head.no}: количество прибавлено к ней`, mergedInto: head.no, notes: [] })
      continue
    }
    const h = { ...l, notes: [...l.notes], merged: [] as number[] }
    first.set(key, h)
    out.push(h)
  }
  return out.map((l) => {
    if (l.status !== 'matched' || !('wantMilli' in l)) return l
    const { wantMilli, merged, ...rest } = l as Pending & { merged?: number[] }
    const unit = rest.product!.base_unit
    const notes = [...rest.notes]
    if (merged?.length) notes.push(`Объединено со ${merged.length === 1 ? 'строкой' : 'строками'} ${merged.join(', ')}: всего ${formatQty(wantMilli, unit)}`)
    const { qtyMilli, note } = correctQty(wantMilli, packagingRule(rest.packaging), unit)
    if (note) notes.push(note)
    return { ...rest, qtyMilli, notes }
  })
}

/** How many lines ended in each status. */
export function countStatuses(lines: ResolvedLine[]): Record<LineStatus, number> {
  const out: Record<LineStatus, number> = { matched: 0, ambiguous: 0, unmatched: 0, inactive: 0, merged: 0, ignored: 0 }
  for (const l of lines) out[l.status]++
  return out
}

/* ------------------------------------------------------------------ CSV */

/**
 * The text of an uploaded CSV: a BOM decides (UTF-8, UTF-16LE); else valid UTF-8 is UTF-8 and anything else is read as
 * windows-1251, the encoding Excel and 1C save Russian CSV in. Node's ICU decodes it, so no codec package is needed.
 */
export function decodeCsv(buf: Uint8Array): string {
  if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) return new TextDecoder('utf-8').decode(buf.subarray(3))
  if (buf[0] === 0xff && buf[1] === 0xfe) return new TextDecoder('utf-16le').decode(buf.subarray(2))
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf)
  } catch {
    return new TextDecoder('windows-1251').decode(buf)
  }
}

/** True when the bytes can be a text file (no NUL bytes in the first kilobytes), for the upload check. */
export function looksLikeText(buf: Uint8Array): boolean {
  if (buf[0] === 0xff && buf[1] === 0xfe) return true
  const n = Math.min(buf.length, 8192)
  for (let i = 0; i < n; i++) if (buf[i] === 0) return false
  return true
}

/**
 * Parses CSV text into rows of cells (quoted fields with doubled quotes and line breaks inside quotes). The separator is
 * the one of tab, semicolon and comma found most often outside quotes in the first lines; Russian Excel writes «;».
 */
export function parseCsv(text: string, maxRows = MAX_LINES + 50): string[][] {
  const sample = text.slice(0, 4096)
  let best = ';'
  let bestCount = -1
  for (const sep of ['\t', ';', ',']) {
    let n = 0
    let quoted = false
    for (const ch of sample) {
      if (ch === '"') quoted = !quoted
      else if (ch === sep && !quoted) n++
    }
    if (n > bestCount) {
      best = sep
      bestCount = n
    }
  }
  const rows: string[][] = []
  let row: string[] = []
  let cell = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"'
        i++
      } else if (ch === '"') quoted = false
      else cell += ch
    } else if (ch === '"' && cell.trim() === '') {
      quoted = true
      cell = ''
    } else if (ch === best) {
      row.push(cell)
      cell = ''
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++
      row.push(cell)
      rows.push(row)
      if (rows.length >= maxRows) return rows
      row = []
      cell = ''
    } else cell += ch
  }
  if (cell || row.length) {
    row.push(cell)
    rows.push(row)
  }
  return rows
}
