/**
 * Pure parsing and checks of the staff forms of pricing. Staff type thresholds in human units («36 шт», «500 000 ₽»,
 * «2,5 %»); these functions turn them into the integers the engine compares (base-unit thousandths, kopecks, basis points)
 * and back, never through a float.
 */
import { formatQty } from '../catalog/rules.js'
import { formatRub } from '../shared/money.js'
import { parseQtyMilli } from '../shared/quantity.js'
import { formatPercent } from './rules.js'
import type { PricingRuleKind } from './types.js'

/** The rule kinds in the order the form offers them, with the staff's words. */
export const RULE_KINDS: { kind: PricingRuleKind; label: string; hint: string }[] = [
  { kind: 'qty_tier', label: 'Количество', hint: 'порог в единицах товара: «36 шт», «100 кг»' },
  { kind: 'sum_tier', label: 'Сумма заказа', hint: 'сумма корзины по базовым ценам компании: «50 000 ₽»' },
  { kind: 'turnover', label: 'Оборот за 12 месяцев', hint: 'нижняя граница сегмента: «0 ₽», «500 000 ₽», «1 000 000 ₽»' },
  { kind: 'positions', label: 'Число позиций', hint: 'разных товаров в корзине: «10»' },
  { kind: 'category_discount', label: 'Скидка на категорию', hint: 'порог не нужен; скидка добавляется к выигравшей цене' },
]

/** The Russian name of a rule kind. */
export function kindLabel(kind: string): string {
  return RULE_KINDS.find((k) => k.kind === kind)?.label ?? kind
}

export function isRuleKind(kind: string): kind is PricingRuleKind {
  return RULE_KINDS.some((k) => k.kind === kind)
}

/** Spaces people type inside numbers: plain, no-break and thin. */
const SPACES = /[\s\u00a0\u202f\u2009]+/g

/**
 * "500 000 ₽", "500000", "1 000 000,50 руб.", "12 р" → kopecks; null for anything else (negative numbers, more than two
 * decimals, letters other than the rouble sign and its abbreviations).
 */
export function parseRubles(text: string): number | null {
  const t = text.replace(SPACES, '').replace(/(₽|руб\.?|р\.?)$/i, '').replace(',', '.')
  if (!/^\d{1,12}(\.\d{0,2})?$/.test(t)) return null
  const [whole, frac = ''] = t.split('.')
  return Number(whole) * 100 + Number((frac + '00').slice(0, 2))
}

/** "5", "2,5 %", "12.34%" → basis points (500, 250, 1234); null for anything else. */
export function parsePercent(text: string): number | null {
  const t = text.replace(SPACES, '').replace(/%$/, '').replace(',', '.')
  if (!/^\d{1,3}(\.\d{0,2})?$/.test(t)) return null
  const [whole, frac = ''] = t.split('.')
  return Number(whole) * 100 + Number((frac + '00').slice(0, 2))
}

/** "36 шт", "1,5 кг", "36" → thousandths and the unit word ('' when none was typed); null when the number is bad. */
export function parseQuantity(text: string): { milli: number; unit: string } | null {
  const m = /^([\d\s\u00a0\u202f\u2009.,]+?)\s*([a-zа-яё]{1,12}\.?)?$/i.exec(text.trim())
  if (!m) return null
  const milli = parseQtyMilli(m[1]!.replace(SPACES, ''))
  if (milli === null) return null
  return { milli, unit: (m[2] ?? '').replace(/\.$/, '').toLowerCase() }
}

/** The threshold as staff typed it, for a form showing a stored rule: «36 шт», «500 000 ₽», «10». */
export function thresholdText(kind: string, threshold: number, unit: string): string {
  switch (kind) {
    case 'qty_tier':
      return formatQty(threshold, unit || 'шт')
    case 'sum_tier':
    case 'turnover':
      return formatRub(threshold)
    case 'positions':
      return String(threshold)
    default:
      return ''
  }
}

/** Basis points as a form shows them: 250 → "2,5"; 0 → "". */
export function percentInput(bp: number): string {
  return bp ? formatPercent(bp).replace(/\u00a0%$/, '') : ''
}

/** Kopecks as a form shows them: 50 000 000 → "500 000"; kopecks only when there are any. */
export function rublesInput(kopecks: number): string {
  return formatRub(kopecks).replace(/\u00a0₽$/, '')
}

/** The rule form exactly as typed (strings), so a form with errors comes back unchanged. */
export interface RuleInput {
  name: string
  kind: string
  sku: string
  category_id: string
  group_id: string
  threshold: string
  price_type_id: string
  discount: string
}

/** A rule parsed from the form, before the service checks that its product, category, group and type exist. */
export interface RuleDraft {
  name: string
  kind: PricingRuleKind
  sku: string
  categoryId: number | null
  groupId: number | null
  threshold: number
  /** The unit typed with a quantity threshold ('' when none). */
  unit: string
  priceTypeId: number | null
  discountBp: number
}

const idOrNull = (s: string) => (/^\d{1,12}$/.test(s) && Number(s) > 0 ? Number(s) : null)

/**
 * Parses the rule form: the shape of every field and what each kind needs (a scope for quantity tiers and category
 * discounts, a threshold in the kind's units, a price type or a discount). Returns the field errors in Russian.
 */
export function parseRule(input: RuleInput): { draft: RuleDraft | null; errors: Record<string, string> } {
  const errors: Record<string, string> = {}
  const name = input.name.trim()
  if (!name) errors.name = 'Назовите правило: покупатель увидит название рядом с ценой'
  else if (name.length > 200) errors.name = 'Не длиннее 200 символов'
  if (!isRuleKind(input.kind)) {
    errors.kind = 'Выберите вид правила'
    return { draft: null, errors }
  }
  const kind = input.kind
  const sku = input.sku.trim()
  const categoryId = idOrNull(input.category_id)
  if (sku && categoryId) errors.sku = 'Укажите либо артикул, либо категорию'
  else if (!sku && !categoryId && (kind === 'qty_tier' || kind === 'category_discount')) {
    errors.sku = kind === 'qty_tier' ? 'Порог по количеству считается по товару или категории: укажите артикул или выберите категорию' : 'Укажите артикул или выберите категорию'
  }
  if (input.group_id && !idOrNull(input.group_id)) errors.group_id = 'Выберите группу из списка'

  let threshold = 0
  let unit = ''
  const raw = input.threshold.trim()
  switch (kind) {
    case 'qty_tier': {
      const q = parseQuantity(raw)
      if (!raw) errors.threshold = 'Укажите порог, например «36 шт»'
      else if (!q) errors.threshold = 'Порог — число с единицей, например «36 шт» или «1,5 кг»'
      else if (q.milli <= 0) errors.threshold = 'Порог больше нуля'
      else {
        threshold = q.milli
        unit = q.unit
        if (categoryId && !unit) errors.threshold = 'Для категории укажите единицу: «36 шт» или «100 кг» (считаются товары в этой единице)'
      }
      break
    }
    case 'sum_tier':
    case 'turnover': {
      const k = parseRubles(raw)
      if (!raw) errors.threshold = kind === 'turnover' ? 'Укажите нижнюю границу оборота, например «500 000 ₽» (или «0»)' : 'Укажите сумму, например «50 000 ₽»'
      else if (k === null) errors.threshold = 'Сумма в рублях, например «500 000» или «1 250,50 ₽»'
      else threshold = k
      break
    }
    case 'positions': {
      if (!/^\d{1,5}$/.test(raw) || Number(raw) < 1) errors.threshold = 'Число позиций — целое число от 1, например «10»'
      else threshold = Number(raw)
      break
    }
    case 'category_discount':
      break
  }

  const priceTypeId = input.price_type_id ? idOrNull(input.price_type_id) : null
  if (input.price_type_id && !priceTypeId) errors.price_type_id = 'Выберите тип цен из списка'
  let discountBp = 0
  const d = input.discount.trim()
  if (d) {
    const bp = parsePercent(d)
    if (bp === null || bp <= 0 || bp >= 10_000) errors.discount = 'Скидка — от 0,01 до 99,99 %, например «5» или «2,5»'
    else discountBp = bp
  }
  if (kind === 'category_discount') {
    if (priceTypeId) errors.price_type_id = 'Скидка на категорию не меняет тип цен: оставьте поле пустым'
    if (!d) errors.discount = 'Укажите скидку, например «5»'
  } else if (!priceTypeId && !d && !errors.price_type_id) {
    errors.price_type_id = 'Выберите тип цен или укажите скидку'
  }
  if (Object.keys(errors).length) return { draft: null, errors }
  return { draft: { name, kind, sku, categoryId, groupId: idOrNull(input.group_id), threshold, unit, priceTypeId, discountBp }, errors }
}

/** The company terms form as typed. */
export interface TermsInput {
  group_ids: string[]
  pinned_price_type_id: string
  discount: string
  turnover: string
}

/** Parsed company terms. */
export interface TermsDraft {
  groupIds: number[]
  pinnedPriceTypeId: number | null
  discountBp: number
  turnoverKopecks: number
}

/** Parses the company terms form; empty discount and turnover mean zero. */
export function parseTerms(input: TermsInput): { draft: TermsDraft | null; errors: Record<string, string> } {
  const errors: Record<string, string> = {}
  const groupIds = [...new Set(input.group_ids.map(idOrNull))]
  if (groupIds.some((g) => g === null)) errors.group_ids = 'Выберите группы из списка'
  const pinned = input.pinned_price_type_id ? idOrNull(input.pinned_price_type_id) : null
  if (input.pinned_price_type_id && !pinned) errors.pinned_price_type_id = 'Выберите тип цен из списка'
  let discountBp = 0
  if (input.discount.trim()) {
    const bp = parsePercent(input.discount)
    if (bp === null || bp >= 10_000) errors.discount = 'Скидка — число процентов от 0 до 99,99, например «3» или «2,5»'
    else discountBp = bp
  }
  let turnoverKopecks = 0
  if (input.turnover.trim()) {
    const k = parseRubles(input.turnover)
    if (k === null) errors.turnover = 'Оборот в рублях, например «640 000» или «1 250 000,50»'
    else turnoverKopecks = k
  }
  if (Object.keys(errors).length) return { draft: null, errors }
  return { draft: { groupIds: (groupIds as number[]).sort((a, b) => a - b), pinnedPriceTypeId: pinned, discountBp, turnoverKopecks }, errors }
}

/** The price type form as typed. */
export interface PriceTypeInput {
  name: string
  code: string
}

const TRANSLIT: Record<string, string> = {
  а: 'a', б: 'b', в: 'v', г: 'g', д: 'd', е: 'e', ё: 'e', ж: 'zh', з: 'z', и: 'i', й: 'y', к: 'k', л: 'l', м: 'm', н: 'n', о: 'o',
  п: 'p', р: 'r', с: 's', т: 't', у: 'u', ф: 'f', х: 'h', ц: 'c', ч: 'ch', ш: 'sh', щ: 'sch', ъ: '', ы: 'y', ь: '', э: 'e', ю: 'yu', я: 'ya',
}

/** A code for a price type from its name, «Крупный опт» → "krupnyy-opt", when staff leave the code empty. */
export function codeFromName(name: string): string {
  const latin = [...name.toLowerCase()].map((ch) => TRANSLIT[ch] ?? ch).join('')
  return latin.replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'type'
}

/** Checks a price type form: a name, and a code of latin letters, digits, dashes and underscores (or empty). */
export function priceTypeErrors(input: PriceTypeInput): Record<string, string> {
  const errors: Record<string, string> = {}
  if (!input.name) errors.name = 'Укажите название типа цен'
  else if (input.name.length > 200) errors.name = 'Не длиннее 200 символов'
  if (input.code && !/^[A-Za-z0-9_-]{1,64}$/.test(input.code)) errors.code = 'Код — латинские буквы, цифры, «-» и «_», до 64 символов'
  return errors
}

/** The client group form as typed. */
export interface GroupInput {
  name: string
  default_price_type_id: string
}

/** Checks a client group form; returns the parsed default type too. */
export function parseGroup(input: GroupInput): { name: string; defaultPriceTypeId: number | null; errors: Record<string, string> } {
  const errors: Record<string, string> = {}
  if (!input.name) errors.name = 'Укажите название группы'
  else if (input.name.length > 200) errors.name = 'Не длиннее 200 символов'
  const defaultPriceTypeId = input.default_price_type_id ? idOrNull(input.default_price_type_id) : null
  if (input.default_price_type_id && !defaultPriceTypeId) errors.default_price_type_id = 'Выберите тип цен из списка'
  return { name: input.name, defaultPriceTypeId, errors }
}

/**
 * What staff typed to find a company for a group: a 10- or 12-digit INN, or the company's number in the portal («№ 42» or
 * «42»). Null when it is neither.
 */
export function parseCompanyRef(text: string): { inn: string } | { id: number } | null {
  const t = text.replace(SPACES, '')
  if (/^\d{10}$|^\d{12}$/.test(t)) return { inn: t }
  const m = /^№?(\d{1,9})$/.exec(t)
  return m && Number(m[1]) > 0 ? { id: Number(m[1]) } : null
}
