/** Quantities are exact integers in thousandths of a unit; parsing never goes through a float. */

/**
 * "1,5" / "1.5" / "12" / " 2 " → thousandths (1500, 12000, 2000); null for anything that is not a non-negative number with
 * at most three decimals.
 */
export function parseQtyMilli(text: string): number | null {
  const t = text.trim().replace(/\s/g, '').replace(',', '.')
  if (!/^\d{1,9}(\.\d{0,3})?$/.test(t)) return null
  const [whole, frac = ''] = t.split('.')
  return Number(whole) * 1000 + Number((frac + '000').slice(0, 3))
}

/** Quantity of packagings × base units per packaging (both in thousandths) → base-unit thousandths. */
export function packagingsToMilli(countMilli: number, factorMilli: number): number {
  return Math.round((countMilli * factorMilli) / 1000)
}
