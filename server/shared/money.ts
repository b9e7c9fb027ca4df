/** Money is integer kopecks everywhere; these helpers only format and round, stated once. */

/**
 * The one rounding rule of the portal: half away from zero to a whole kopeck. Used for a unit price after a percentage and
 * for a line total (unit price × quantity in thousandths / 1000).
 */
export function roundKopecks(value: number): number {
  return value < 0 ? -Math.round(-value) : Math.round(value)
}

/** Kopecks of a line: unit price per base unit × quantity in thousandths of the base unit, rounded once. */
export function lineKopecks(unitKopecks: number, qtyMilli: number): number {
  return roundKopecks((unitKopecks * qtyMilli) / 1000)
}

/** Applies a discount in basis points to a price, rounded by the one rule. */
export function discounted(kopecks: number, discountBp: number): number {
  return roundKopecks((kopecks * (10_000 - discountBp)) / 10_000)
}

/** "1234567" → "1 234 567" with no-break spaces: digits grouped by three from the right (a price list formats thousands). */
export function groupThousands(digits: string): string {
  if (digits.length <= 3) return digits
  let out = digits.slice(0, ((digits.length - 1) % 3) + 1)
  for (let i = out.length; i < digits.length; i += 3) out += `\u00a0${digits.slice(i, i + 3)}`
  return out
}

/** 123456 → "1 234,56 ₽" (thin no-break spaces between thousands, as Russian typography has it). */
export function formatRub(kopecks: number, withKopecks = true): string {
  const neg = kopecks < 0
  const abs = Math.abs(Math.trunc(kopecks))
  const rub = Math.trunc(abs / 100)
  const kop = abs % 100
  const rubText = groupThousands(String(rub))
  const text = withKopecks && kop ? `${rubText},${String(kop).padStart(2, '0')}` : rubText
  return `${neg ? '−' : ''}${text}\u00a0₽`
}
