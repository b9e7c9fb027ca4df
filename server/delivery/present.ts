/** View-models of delivery requests for /admin/delivery and the order pages. */
import { isReturnStatus, STATE_NAMES, type DeliveryState } from '../integrations/cdek/map.js'
import type { WebhookCheck } from './service.js'
import type { DeliveryDraft, DeliveryInfo, PackageInput } from './types.js'

const STATE_BADGE: Record<DeliveryState, string> = {
  queued: 'info',
  accepted: 'info',
  created: 'info',
  in_transit: 'info',
  ready: 'warn',
  delivered: 'ok',
  not_delivered: 'err',
  failed: 'err',
}

/**
 * What went wrong with a delivery, in words for the buyer and staff, or null: CDEK could not hand the parcel over, or it
 * goes back to the sender.
 */
export function deliveryProblem(status: DeliveryState, cdekStatus: string | null, forBuyer: boolean): string | null {
  if (status !== 'not_delivered') return null
  if (isReturnStatus(cdekStatus)) return forBuyer ? 'Груз возвращается отправителю. Менеджер свяжется с вами, чтобы договориться о новой доставке.' : 'Груз возвращается отправителю: свяжитесь с покупателем'
  return forBuyer ? 'СДЭК не смог вручить груз. Менеджер свяжется с вами, чтобы договориться о повторной доставке.' : 'СДЭК не смог вручить груз: свяжитесь с покупателем и СДЭК'
}

/** One request as a row: state badge, track link, the last CDEK status and the history. */
export function presentRequest(r: DeliveryInfo & { companyName?: string }) {
  const places = r.packages.length
  const weightG = r.packages.reduce((s, p) => s + p.weightG, 0)
  return {
    id: r.id,
    orderNumber: r.orderNumber,
    orderUrl: `/admin/orders/${r.orderId}`,
    companyName: r.companyName ?? '',
    shipmentText: r.shipmentNo ? `отгрузка ${r.shipmentNo}` : 'весь заказ',
    state: r.status,
    stateText: r.statusText,
    badge: STATE_BADGE[r.status] ?? 'info',
    track: r.trackNumber,
    trackUrl: r.trackUrl,
    cdekStatus: r.cdekStatus,
    cdekStatusName: r.cdekStatusName,
    cdekStatusAt: r.cdekStatusAt,
    error: r.error,
    number: r.number,
    placesText: `${places} ${placesWord(places)}, ${(weightG / 1000).toLocaleString('ru-RU', { maximumFractionDigits: 3 })} кг`,
    packages: r.packages,
    history: [...r.history].reverse(),
    createdAt: r.createdAt,
    canRefresh: ['accepted', 'created', 'in_transit', 'ready'].includes(r.status),
    problem: deliveryProblem(r.status, r.cdekStatus, false),
  }
}

/**
 * «Подписка на статусы СДЭК: есть / нет / ошибка …» from the newest check, with a warning when `PUBLIC_URL` is a local address
 * CDEK cannot reach (with real credentials).
 */
export function presentWebhook(check: WebhookCheck | null, sandbox: boolean, publicUrl = '') {
  const local = !sandbox && /^https?:\/\/(localhost|127\.|0\.0\.0\.0|\[::1\])/i.test(publicUrl)
  const warning = local ? `PUBLIC_URL = ${publicUrl}: СДЭК не достучится до локального адреса — укажите внешний адрес портала` : null
  const base = { at: check?.checked_at ?? null, url: check?.url ?? '', sandbox, warning, by: check ? (check.actor === 'job' ? 'задание по расписанию' : 'сотрудник') : '' }
  if (!check) return { ...base, state: 'none', badge: 'warn', text: 'нет', detail: sandbox ? 'В песочнице подписка не нужна: эмулятор сам присылает статусы. С учётными данными СДЭК подписка проверяется при запуске и раз в сутки.' : 'Подписка ещё не проверялась: нажмите «проверить подписку»' }
  if (check.outcome === 'error') return { ...base, state: 'error', badge: 'err', text: 'ошибка', detail: check.error ?? '' }
  return { ...base, state: check.outcome, badge: 'ok', text: 'есть', detail: check.outcome === 'created' ? 'оформлена при этой проверке' : 'уже была оформлена' }
}

/** «место / места / мест». */
export function placesWord(n: number): string {
  const m10 = n % 10
  const m100 = n % 100
  if (m10 === 1 && m100 !== 11) return 'место'
  if (m10 >= 2 && m10 <= 4 && (m100 < 12 || m100 > 14)) return 'места'
  return 'мест'
}

/** The state filter of the list with counts. */
export function stateFilter(current: DeliveryState | null, counts: Record<string, number>) {
  const all = Object.values(counts).reduce((a, b) => a + b, 0)
  return [
    { value: '', label: 'Все', count: all, current: current === null, href: '/admin/delivery' },
    ...(Object.keys(STATE_NAMES) as DeliveryState[]).map((s) => ({ value: s, label: STATE_NAMES[s], count: counts[s] ?? 0, current: current === s, href: `/admin/delivery?status=${s}` })),
  ]
}

/** The rows of the packages form: the given (or typed) packages, then empty rows to add places. */
export function packageRows(packages: (PackageInput | { weightG: string; lengthCm: string; widthCm: string; heightCm: string })[], errors: Record<string, string>, spare = 3) {
  // Rows typed empty at the end (the form's own spare rows) are not kept: the spare rows are added afresh below.
  let used = packages.length
  while (used > 0 && [packages[used - 1]!.weightG, packages[used - 1]!.lengthCm, packages[used - 1]!.widthCm, packages[used - 1]!.heightCm].every((v) => String(v).trim() === '')) used--
  const rows = packages.slice(0, used).map((p, i) => ({
    i,
    n: i + 1,
    weightG: String(p.weightG),
    lengthCm: String(p.lengthCm),
    widthCm: String(p.widthCm),
    heightCm: String(p.heightCm),
    errors: ['weightG', 'lengthCm', 'widthCm', 'heightCm'].map((f) => errors[`packages.${i}.${f}`]).filter(Boolean),
    bad: {
      weightG: !!errors[`packages.${i}.weightG`],
      lengthCm: !!errors[`packages.${i}.lengthCm`],
      widthCm: !!errors[`packages.${i}.widthCm`],
      heightCm: !!errors[`packages.${i}.heightCm`],
    },
  }))
  for (let k = 0; k < spare; k++) {
    const i = rows.length
    rows.push({ i, n: i + 1, weightG: '', lengthCm: '', widthCm: '', heightCm: '', errors: [], bad: { weightG: false, lengthCm: false, widthCm: false, heightCm: false } })
  }
  return rows
}

/** The create form: the order, shipment choice, recipient and the packages rows. */
export function presentDraft(d: DeliveryDraft) {
  return {
    orderId: d.orderId,
    orderNumber: d.orderNumber,
    companyName: d.companyName,
    shipmentId: d.shipmentId,
    shipmentNo: d.shipmentNo,
    split: d.shipments.length > 0,
    shipments: d.shipments.map((s) => ({
      ...s,
      current: s.id === d.shipmentId,
      href: `/admin/delivery/new?order=${encodeURIComponent(d.orderNumber)}&shipment=${s.id}`,
      statusText: s.status === 'shipped' ? 'отгружена' : 'запланирована',
    })),
    recipient: d.recipient,
    warnings: d.warnings,
    noSizes: d.noSizes.map((p) => ({ ...p, href: `/admin/catalog/packagings?sku=${encodeURIComponent(p.sku)}` })),
    existing: d.existing ? presentRequest(d.existing) : null,
  }
}

/** Per shipment (id, or 0 for the whole order) the live request, for the buyer's order page. */
export function deliveryForBuyer(list: DeliveryInfo[]) {
  return list
    .filter((r) => r.status !== 'failed' && r.status !== 'queued')
    .map((r) => ({
      shipmentId: r.shipmentId,
      shipmentText: r.shipmentNo ? `Отгрузка ${r.shipmentNo}` : 'Заказ',
      track: r.trackNumber,
      trackUrl: r.trackUrl,
      status: r.cdekStatusName ?? r.statusText,
      problem: deliveryProblem(r.status, r.cdekStatus, true),
      stateText: r.statusText,
      badge: STATE_BADGE[r.status] ?? 'info',
      at: r.cdekStatusAt ?? r.updatedAt,
    }))
}
