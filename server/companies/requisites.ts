/**
 * Checksums of Russian requisites (reference/dadata.md §5). Pure functions: they run before any DaData call so that a typo
 * never costs a lookup, and their messages are shown next to the field.
 */

const INN10_W = [2, 4, 10, 3, 5, 9, 4, 6, 8]
const INN12_W1 = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8]
const INN12_W2 = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8]

function checkDigit(digits: number[], weights: number[]): number {
  return (weights.reduce((s, w, i) => s + w * digits[i]!, 0) % 11) % 10
}

export type InnKind = 'legal' | 'ip'

/** Returns null when the INN is valid, or a Russian message. `kind` restricts the length when the form already knows it. */
export function innError(inn: string, kind?: InnKind): string | null {
  if (!inn) return 'Укажите ИНН'
  if (!/^\d+$/.test(inn)) return 'ИНН состоит только из цифр'
  if (kind === 'legal' && inn.length !== 10) return 'ИНН организации состоит из 10 цифр'
  if (kind === 'ip' && inn.length !== 12) return 'ИНН индивидуального предпринимателя состоит из 12 цифр'
  if (inn.length !== 10 && inn.length !== 12) return 'ИНН состоит из 10 цифр (организация) или 12 цифр (ИП)'
  if (/^0+$/.test(inn)) return 'ИНН не может состоять из одних нулей'
  const d = [...inn].map(Number)
  if (inn.length === 10) {
    return checkDigit(d, INN10_W) === d[9] ? null : 'Неверный ИНН: не сходится контрольная цифра'
  }
  const ok = checkDigit(d, INN12_W1) === d[10] && checkDigit(d, INN12_W2) === d[11]
  return ok ? null : 'Неверный ИНН: не сходятся контрольные цифры'
}

/** The kind of taxpayer an INN of valid length belongs to. */
export function innKind(inn: string): InnKind | null {
  return inn.length === 10 ? 'legal' : inn.length === 12 ? 'ip' : null
}

/** КПП: 4 digits, 2 digits or Latin capitals, 3 digits; it has no checksum. */
export function kppError(kpp: string): string | null {
  if (!kpp) return 'Укажите КПП'
  return /^\d{4}[\dA-Z]{2}\d{3}$/.test(kpp) ? null : 'КПП состоит из 9 символов: 4 цифры, 2 цифры или латинские буквы, 3 цифры'
}

/** ОГРН (13 digits) or ОГРНИП (15 digits); `kind` says which one is expected. */
export function ogrnError(ogrn: string, kind: InnKind): string | null {
  if (!ogrn) return null
  if (!/^\d+$/.test(ogrn)) return 'ОГРН состоит только из цифр'
  if (kind === 'legal') {
    if (ogrn.length !== 13) return 'ОГРН организации состоит из 13 цифр'
    const rem = Number(BigInt(ogrn.slice(0, 12)) % 11n) % 10
    return rem === Number(ogrn[12]) ? null : 'Неверный ОГРН: не сходится контрольная цифра'
  }
  if (ogrn.length !== 15) return 'ОГРНИП состоит из 15 цифр'
  // The last digit of the remainder mod 13 (remainders 10, 11 and 12 give 0, 1 and 2).
  const rem = Number(BigInt(ogrn.slice(0, 14)) % 13n) % 10
  return rem === Number(ogrn[14]) ? null : 'Неверный ОГРНИП: не сходится контрольная цифра'
}

/** Appends the INN check digits to a 9- or 10-digit stem: used by the demo seed and test factories. */
export function completeInn(stem: string): string {
  const d = [...stem].map(Number)
  if (stem.length === 9) return stem + checkDigit(d, INN10_W)
  if (stem.length === 10) {
    const d11 = checkDigit(d, INN12_W1)
    const d12 = checkDigit([...d, d11], INN12_W2)
    return `${stem}${d11}${d12}`
  }
  throw new Error('INN stem must have 9 or 10 digits')
}

/** Appends the ОГРН (12-digit stem) or ОГРНИП (14-digit stem) check digit. */
export function completeOgrn(stem: string): string {
  if (stem.length === 12) return stem + (Number(BigInt(stem) % 11n) % 10)
  if (stem.length === 14) return stem + (Number(BigInt(stem) % 13n) % 10)
  throw new Error('OGRN stem must have 12 or 14 digits')
}
