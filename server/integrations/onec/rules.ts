import type { XNode } from './types.js'

/*
 * Pure rules of the CommerceML exchange: file names, numbers, deletion markers, Ид shapes. No IO.
 */

/** The exchange file kinds the catalog import understands, by base name. */
export type CatalogFileKind = 'import' | 'offers' | 'prices' | 'rests' | 'counterparties' | 'zip' | 'image'

/**
 * Reduces a `filename` sent by 1C to a safe relative path inside the session folder, or null when it must be refused.
 * Absolute Windows (`C:\…`, `\\server\…`) and Unix names and any `..` segment are refused; 1C's own temp-folder prefixes are
 * not guessed at. Images keep their `import_files/…` sub-path; everything else must be a plain base name ending in
 * `.xml` or `.zip`.
 */
export function safeExchangeName(raw: string): string | null {
  if (!raw || raw.length > 255 || /[\0-\x1f]/.test(raw)) return null
  const name = raw.replace(/\\/g, '/')
  if (name.startsWith('/') || /^[a-zA-Z]:/.test(name)) return null
  const parts = name.split('/')
  if (parts.some((p) => p === '..' || p === '.' || p === '')) return null
  if (parts.length > 1) {
    if (parts[0] !== 'import_files' || parts.length > 6) return null
    if (!parts.every((p) => /^[\p{L}\p{N}_.\- ]+$/u.test(p))) return null
    return parts.join('/')
  }
  if (!/^[\p{L}\p{N}_.\- ]+\.(xml|zip)$/iu.test(name)) return null
  return name
}

/** What a catalog file is, from its base name (null: not a catalog file we import). */
export function catalogFileKind(name: string): CatalogFileKind | null {
  const base = name.toLowerCase()
  if (base.startsWith('import_files/')) return 'image'
  if (base.endsWith('.zip')) return 'zip'
  if (!base.endsWith('.xml')) return null
  for (const k of ['import', 'offers', 'prices', 'rests'] as const) if (base.startsWith(k)) return k
  if (base.startsWith('contragents') || base.startsWith('counterparties') || base.startsWith('kontragent')) return 'counterparties'
  return null
}

/** A decimal as an exact integer and a scale: "12,50" → {n: 1250n, scale: 2}. Comma or dot, spaces (also NBSP) ignored. */
export function parseDecimal(raw: string | undefined | null): { n: bigint; scale: number } | null {
  if (raw == null) return null
  const s = raw.replace(/[\s\u00a0]/g, '').replace(',', '.')
  const m = /^(-?)(\d*)(?:\.(\d*))?$/.exec(s)
  if (!m || (!m[2] && !m[3])) return null
  const frac = (m[3] ?? '').replace(/0+$/, '')
  const n = BigInt(`${m[2] || '0'}${frac}`) * (m[1] ? -1n : 1n)
  return { n, scale: frac.length }
}

function roundDiv(num: bigint, den: bigint): bigint {
  if (den < 0n) return roundDiv(-num, -den)
  const q = num / den
  const r = num % den
  // Half away from zero, the rule 1C uses for money.
  if (r * 2n >= den) return q + 1n
  if (r * 2n <= -den) return q - 1n
  return q
}

/**
 * The price of one base unit in kopecks: `ЦенаЗаЕдиницу` is the price of one `Единица`, which holds `Коэффициент` base
 * units, so the base-unit price is price / coefficient, rounded half away from zero to the kopeck. Null when unreadable.
 */
export function priceKopecksPerBaseUnit(price: string | undefined, coefficient: string | undefined): number | null {
  const p = parseDecimal(price)
  if (!p || p.n < 0n) return null
  const c = parseDecimal(coefficient && coefficient.trim() !== '' ? coefficient : '1')
  if (!c || c.n <= 0n) return null
  const num = p.n * 100n * 10n ** BigInt(c.scale)
  const den = 10n ** BigInt(p.scale) * c.n
  return Number(roundDiv(num, den))
}

/** A quantity in thousandths of the base unit; an empty value (1C writes `КоличествоНаСкладе=""` for none) is 0. */
export function quantityMilli(raw: string | undefined | null): number | null {
  if (raw == null) return null
  if (raw.trim() === '') return 0
  const d = parseDecimal(raw)
  if (!d) return null
  const v = Number(roundDiv(d.n * 1000n, 10n ** BigInt(d.scale)))
  return v < 0 ? 0 : v
}

/** The portal's VAT code from `СтавкаНалога/Ставка`: "22", "10", "20%", "0" → digits; «Без НДС» → "none". */
export function vatCode(raw: string | undefined | null): string | null {
  if (raw == null || raw.trim() === '') return null
  const s = raw.trim().toLowerCase()
  if (s.includes('без')) return 'none'
  const m = /^(\d+)(?:[.,]0+)?\s*%?$/.exec(s)
  return m ? String(Number(m[1])) : null
}

/** Splits an offer Ид `product#characteristic` (the characteristic part may be absent or empty). */
export function splitOfferId(id: string): { product: string; variant: string | null } {
  const i = id.indexOf('#')
  if (i < 0) return { product: id, variant: null }
  const variant = id.slice(i + 1)
  return { product: id.slice(0, i), variant: variant === '' ? null : variant }
}

/** The first child with this local name. */
export function child(node: XNode | undefined, name: string): XNode | undefined {
  return node?.children.find((c) => c.name === name)
}

/** Every child with this local name. */
export function children(node: XNode | undefined, name: string): XNode[] {
  return node ? node.children.filter((c) => c.name === name) : []
}

/** The text of a child path such as `БазоваяЕдиница` or `Цены/Цена`, trimmed; '' when absent. */
export function textOf(node: XNode | undefined, path: string): string {
  let cur = node
  for (const p of path.split('/')) cur = child(cur, p)
  return cur?.text.trim() ?? ''
}

/**
 * Whether an element is marked deleted, in any of the three forms 1C uses: the attribute `Статус="Удален"`, a child
 * `<Статус>Удален</Статус>`, or `<ПометкаУдаления>true|Да</ПометкаУдаления>` (also as a requisite).
 */
export function isDeleted(node: XNode): boolean {
  const yes = (v: string | undefined) => /^(удален|удалён)$/i.test((v ?? '').trim())
  if (yes(node.attrs['Статус'])) return true
  if (yes(textOf(node, 'Статус'))) return true
  const mark = (v: string) => /^(true|да|1)$/i.test(v.trim())
  if (mark(textOf(node, 'ПометкаУдаления'))) return true
  for (const r of children(child(node, 'ЗначенияРеквизитов'), 'ЗначениеРеквизита')) {
    if (textOf(r, 'Наименование') === 'ПометкаУдаления' && mark(textOf(r, 'Значение'))) return true
  }
  return false
}

/** «true»/«false» in either language; null when absent. */
export function boolValue(raw: string | undefined | null): boolean | null {
  if (raw == null || raw.trim() === '') return null
  return /^(true|да|1)$/i.test(raw.trim())
}

/** The encoding named in the XML prolog (`<?xml … encoding="windows-1251"?>`); UTF-8 when absent. */
export function prologEncoding(head: Buffer): string {
  const text = head.subarray(0, 200).toString('latin1')
  const m = /^(?:\xef\xbb\xbf)?\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.\-]+)["']/.exec(text)
  return m ? m[1]!.toLowerCase() : 'utf-8'
}

/** Decodes an `Authorization: Basic …` header; null when it is not one. */
export function parseBasic(header: string | undefined): { user: string; password: string } | null {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '')
  if (!m) return null
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8')
  const i = decoded.indexOf(':')
  if (i < 0) return null
  return { user: decoded.slice(0, i), password: decoded.slice(i + 1) }
}

/** A personal discount in basis points from a percentage («5», «2,5 %»); null when unreadable or outside 0–100 %. */
export function discountBp(raw: string | undefined | null): number | null {
  if (raw == null || raw.trim() === '') return null
  const d = parseDecimal(raw.replace('%', ''))
  if (!d) return null
  const bp = Number(roundDiv(d.n * 100n, 10n ** BigInt(d.scale)))
  return bp >= 0 && bp <= 10_000 ? bp : null
}
