/** Pure rules of delivery requests: packages from packagings, the checks of a typed package list. */
import type { PackageInput, Recipient } from './types.js'

/** One line going into a shipment, with what the catalog knows about its packaging. */
export interface LineForPackages {
  qtyMilli: number
  /** Weight of one base unit, g (0: unknown). */
  unitWeightG: number
  name: string
  packaging: { factorMilli: number; lengthCm: number | null; widthCm: number | null; heightCm: number | null; weightG: number | null } | null
}

/** Limits a package may not pass (CDEK's own limits are per tariff; these catch typing slips). */
export const LIMITS = { maxPlaces: 99, maxWeightG: 1_000_000, maxSideCm: 1_500 }

/**
 * Packages of a shipment. A line whose packaging has its sizes becomes one place per packaging (a bag of 30 kg, a box of 12),
 * weighing the packaging's own weight or its content's. Everything else goes into standard boxes (`box`), as many as its
 * weight needs at `maxPlaceG` per box, the weight spread evenly. Unknown weights count 1 kg per base unit and are reported,
 * so the manager checks them before sending.
 */
export function computePackages(
  lines: LineForPackages[],
  box: { lengthCm: number; widthCm: number; heightCm: number },
  maxPlaceG: number,
): { packages: PackageInput[]; warnings: string[] } {
  const packages: PackageInput[] = []
  const warnings: string[] = []
  let looseG = 0
  for (const l of lines) {
    if (l.qtyMilli <= 0) continue
    const unitG = l.unitWeightG > 0 ? l.unitWeightG : 1000
    if (l.unitWeightG <= 0) warnings.push(`У товара «${l.name}» не указан вес: посчитано 1 кг за единицу`)
    const p = l.packaging
    if (p && p.factorMilli > 0 && p.lengthCm && p.widthCm && p.heightCm) {
      const count = Math.ceil(l.qtyMilli / p.factorMilli)
      const perPlace = p.weightG && p.weightG > 0 ? p.weightG : Math.ceil((p.factorMilli / 1000) * unitG)
      for (let i = 0; i < count; i++) packages.push({ weightG: Math.max(1, perPlace), lengthCm: p.lengthCm, widthCm: p.widthCm, heightCm: p.heightCm })
    } else {
      looseG += Math.ceil((l.qtyMilli / 1000) * unitG)
    }
  }
  if (looseG > 0 || packages.length === 0) {
    const boxes = Math.max(1, Math.ceil(looseG / Math.max(1, maxPlaceG)))
    for (let i = 0; i < boxes; i++) {
      const share = Math.floor(looseG / boxes) + (i < looseG % boxes ? 1 : 0)
      packages.push({ weightG: Math.max(1, share), lengthCm: box.lengthCm, widthCm: box.widthCm, heightCm: box.heightCm })
    }
  }
  if (packages.length > LIMITS.maxPlaces) warnings.push(`Получилось ${packages.length} мест: СДЭК примет не больше ${LIMITS.maxPlaces} в одной заявке, объедините места`)
  return { packages, warnings }
}

/** A typed package form: strings as they came from the form, one entry per row (rows left blank are dropped). */
export interface PackageFields {
  weightG: string
  lengthCm: string
  widthCm: string
  heightCm: string
}

/** A whole positive number typed with optional spaces, or NaN. */
function wholeNumber(s: string): number {
  const t = s.replace(/[\s\u00a0]/g, '')
  return /^\d{1,9}$/.test(t) ? Number(t) : NaN
}

/**
 * Checks the typed packages: every field a whole number, weight 1 g … 1 t, sides 1 … 1500 cm, 1 … 99 places. Errors are
 * keyed `packages.<row>.<field>` (row as typed, from 0) or `packages` for the list, in Russian.
 */
export function parsePackages(rows: PackageFields[]): { packages: PackageInput[]; errors: Record<string, string> } {
  const errors: Record<string, string> = {}
  const packages: PackageInput[] = []
  rows.forEach((r, i) => {
    if (![r.weightG, r.lengthCm, r.widthCm, r.heightCm].some((v) => v.trim() !== '')) return
    const weightG = wholeNumber(r.weightG)
    const sides = { lengthCm: wholeNumber(r.lengthCm), widthCm: wholeNumber(r.widthCm), heightCm: wholeNumber(r.heightCm) }
    if (!(weightG >= 1 && weightG <= LIMITS.maxWeightG)) errors[`packages.${i}.weightG`] = 'Вес места — целое число граммов от 1 до 1 000 000'
    for (const [k, v] of Object.entries(sides)) {
      if (!(v >= 1 && v <= LIMITS.maxSideCm)) errors[`packages.${i}.${k}`] = 'Размер — целое число сантиметров от 1 до 1500'
    }
    packages.push({ weightG, ...sides })
  })
  if (packages.length === 0) errors.packages = 'Укажите хотя бы одно место: вес и размеры'
  else if (packages.length > LIMITS.maxPlaces) errors.packages = `Не больше ${LIMITS.maxPlaces} мест в одной заявке`
  return { packages, errors }
}

/** The same checks for packages given as numbers (the service interface the Bitrix24 tab calls). */
export function checkPackages(list: PackageInput[]): Record<string, string> {
  return parsePackages(list.map((p) => ({ weightG: String(p.weightG), lengthCm: String(p.lengthCm), widthCm: String(p.widthCm), heightCm: String(p.heightCm) }))).errors
}

/** What the recipient lacks for CDEK, in Russian, keyed `recipient`; empty when it is complete. */
export function recipientErrors(r: Recipient): Record<string, string> {
  const missing: string[] = []
  if (!r.address.trim() && !r.deliveryPoint) missing.push('адрес доставки (точка доставки заказа)')
  if (r.phone.replace(/\D/g, '').length < 10) missing.push('телефон получателя (в точке доставки или телефон для документов компании)')
  return missing.length ? { recipient: `Для заявки в СДЭК не хватает: ${missing.join(', ')}` } : {}
}

/** The CDEK order number of a request: «<order>-<shipment no or 0>-<request id>», ASCII, at most 40 characters. */
export function cdekNumberOf(orderNumber: string, shipmentNo: number | null, requestId: number): string {
  return `${orderNumber}-${shipmentNo ?? 0}-${requestId}`.replace(/[^\x20-\x7e]/g, '').slice(0, 40)
}

/** The key that keeps one live request per shipment (or per whole order when it is not split). */
export function activeKeyOf(orderId: number, shipmentId: number | null): string {
  return `${orderId}:${shipmentId ?? 0}`
}

/** The public tracking page of a CDEK track number. */
export function trackUrl(cdekNumber: string | null): string | null {
  return cdekNumber ? `https://www.cdek.ru/ru/tracking?order_id=${encodeURIComponent(cdekNumber)}` : null
}
