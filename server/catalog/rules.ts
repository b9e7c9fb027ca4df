/** Pure rules of the catalog: article normalisation, text folding for search, quantities against packagings. */

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
  const whole = Math.trunc(milli / 1000)
  const frac = Math.abs(milli % 1000)
  const num = frac ? `${whole},${String(frac).padStart(3, '0').replace(/0+$/, '')}` : String(whole)
  return `${num.replace(/\B(?=(\d{3})+(?!\d))/g, '\u00a0')} ${unit}`
}
