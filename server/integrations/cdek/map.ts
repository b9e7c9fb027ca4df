/** CDEK shapes ↔ the portal's: statuses, the request body and CDEK's complaints in Russian (reference/cdek.md §3, §6). */
import type { CdekOrderRequest, CdekProblem, CdekRequestInfo } from './types.js'

/** The portal's state of a delivery request. */
export type DeliveryState = 'queued' | 'accepted' | 'created' | 'in_transit' | 'ready' | 'delivered' | 'not_delivered' | 'failed'

/** Russian names of the CDEK status codes the portal knows; an unknown code is shown as CDEK named it, or as is. */
export const CDEK_STATUS_NAMES: Record<string, string> = {
  ACCEPTED: 'Принят',
  CREATED: 'Создан',
  INVALID: 'Некорректный заказ',
  REMOVED: 'Удалён',
  RECEIVED_AT_SHIPMENT_WAREHOUSE: 'Принят на склад отправителя',
  RECEIVED_AT_SENDER_WAREHOUSE: 'Принят на склад отправителя',
  READY_FOR_SHIPMENT_IN_SENDER_CITY: 'Выдан на отправку в городе отправителя',
  TAKEN_BY_TRANSPORTER_FROM_SENDER_CITY: 'Сдан перевозчику в городе отправителя',
  SENT_TO_TRANSIT_CITY: 'Отправлен в город транзита',
  ACCEPTED_IN_TRANSIT_CITY: 'Встречен в городе транзита',
  ACCEPTED_AT_TRANSIT_WAREHOUSE: 'Принят на склад транзита',
  SENT_TO_RECIPIENT_CITY: 'Отправлен в город получателя',
  ACCEPTED_IN_RECIPIENT_CITY: 'Встречен в городе получателя',
  ARRIVED_AT_RECIPIENT_CITY: 'Прибыл в город получателя',
  ACCEPTED_AT_RECIPIENT_CITY_WAREHOUSE: 'Принят на склад доставки',
  ACCEPTED_AT_PICK_UP_POINT: 'Принят на склад до востребования',
  TAKEN_BY_COURIER: 'Выдан на доставку',
  DELIVERED: 'Вручён',
  NOT_DELIVERED: 'Не вручён',
  POSTOMAT_POSTED: 'Заложен в постамат',
  POSTOMAT_SEIZED: 'Изъят из постамата курьером',
  POSTOMAT_RECEIVED: 'Изъят из постамата клиентом',
  RETURNED: 'Возвращён отправителю',
  RETURNED_TO_SENDER_CITY_WAREHOUSE: 'Возвращён на склад в городе отправителя',
  RETURNED_TO_TRANSIT_WAREHOUSE: 'Возвращается: на складе транзита',
  RETURNED_TO_RECIPIENT_CITY_WAREHOUSE: 'Возвращается: на складе в городе получателя',
}

/** The name of a CDEK status in Russian: ours, else CDEK's own, else the raw code. */
export function statusName(code: string, cdekName?: string | null): string {
  const known = CDEK_STATUS_NAMES[code]
  if (known) return known
  // CDEK has several RETURNED_* codes and names them inconsistently: a return is said in Russian even when unnamed.
  if (code.startsWith('RETURNED') && (!cdekName || cdekName === code)) return 'Возвращается отправителю'
  return cdekName || code
}

/** Whether a CDEK status means the parcel goes back to the sender (`RETURNED_*`, seized from a parcel locker). */
export function isReturnStatus(code: string | null): boolean {
  return !!code && (code.startsWith('RETURNED') || code === 'POSTOMAT_SEIZED')
}

/**
 * The portal's state for a CDEK status code (reference/cdek.md §6, a design proposal): unknown codes mean "in transit",
 * since CDEK adds codes and names vary between sources.
 */
export function stateOfCdekStatus(code: string): DeliveryState {
  if (code === 'ACCEPTED' || code === 'CREATED') return 'created'
  if (code === 'INVALID' || code === 'REMOVED') return 'failed'
  if (code === 'ACCEPTED_AT_PICK_UP_POINT' || code === 'POSTOMAT_POSTED') return 'ready'
  if (code === 'DELIVERED' || code === 'POSTOMAT_RECEIVED') return 'delivered'
  if (code === 'NOT_DELIVERED' || code === 'POSTOMAT_SEIZED' || code.startsWith('RETURNED')) return 'not_delivered'
  return 'in_transit'
}

/** Russian words of the portal's states, for staff and buyers. */
export const STATE_NAMES: Record<DeliveryState, string> = {
  queued: 'отправляется в СДЭК',
  accepted: 'принята СДЭК, ждём трек-номер',
  created: 'заказ СДЭК создан',
  in_transit: 'в пути',
  ready: 'ждёт в пункте выдачи',
  delivered: 'доставлено',
  not_delivered: 'не доставлено',
  failed: 'ошибка заявки',
}

/** CDEK error codes the portal has words for; the rest are shown with CDEK's own message. */
const PROBLEM_WORDS: Record<string, string> = {
  v2_field_is_empty: 'не заполнено обязательное поле',
  v2_invalid_value_type: 'неверное значение поля',
  v2_entity_not_found: 'не найдено в СДЭК',
  v2_internal_error: 'внутренняя ошибка СДЭК',
  v2_bad_request: 'неверный запрос',
  v2_order_not_found: 'заказ не найден в СДЭК',
  v2_similar_order_exists: 'такой заказ уже есть в СДЭК',
  v2_entity_forbidden: 'нет доступа к заказу',
  v2_parameter_empty: 'не указан обязательный параметр',
  v2_order_number_empty: 'не указан номер заказа',
  v2_recipient_phone_empty: 'не указан телефон получателя',
  v2_invalid_phone: 'неверный номер телефона',
  v2_tariff_not_available: 'тариф недоступен для этого направления',
  v2_weight_is_empty: 'не указан вес места',
  v2_location_not_found: 'адрес или город не найден в СДЭК',
}

/** CDEK's complaints as one Russian sentence for the manager («СДЭК отклонил заявку: не указан телефон получателя (…)»). */
export function problemsText(problems: CdekProblem[] | undefined): string {
  const parts = (problems ?? []).map((p) => {
    const words = p.code ? PROBLEM_WORDS[p.code] : undefined
    const msg = (p.message ?? '').trim()
    if (words && msg) return `${words} (${msg})`
    return words ?? (msg || p.code || 'ошибка без описания')
  })
  return parts.length ? `СДЭК отклонил заявку: ${parts.join('; ')}` : 'СДЭК отклонил заявку без объяснения причин'
}

/** The last INVALID request of an answer, if any: ACCEPTED only means it passed pre-validation (cdek.md §9.1). */
export function invalidRequest(requests: CdekRequestInfo[] | undefined): CdekRequestInfo | null {
  return (requests ?? []).filter((r) => r.state === 'INVALID').pop() ?? null
}

/** CDEK's date-time («2026-02-02T10:00:00+0300», with or without the colon in the offset) as epoch ms, or null. */
export function parseCdekTime(s: string | undefined | null): number | null {
  if (!s) return null
  const fixed = s.trim().replace(/([+-]\d{2})(\d{2})$/, '$1:$2')
  const t = Date.parse(fixed)
  return Number.isNaN(t) ? null : t
}

/** What the portal keeps of a delivery request to build the CDEK body from. */
export interface RequestForCdek {
  number: string
  orderType: number
  tariffCode: number
  comment: string
  sender: { company: string; name: string; phone: string; email: string; cityCode: number; address: string; shipmentPoint: string }
  recipient: { company: string; name: string; phone: string; email: string; address: string; cityCode: number | null; deliveryPoint: string }
  packages: { weightG: number; lengthCm: number; widthCm: number; heightCm: number }[]
  items: { name: string; sku: string; costRub: number; weightG: number; amount: number }[]
}

/** Only the digits and a leading plus of a phone: CDEK wants «+79991112233». */
export function cleanPhone(phone: string): string {
  const digits = phone.replace(/[^\d]/g, '')
  if (digits.length === 11 && digits.startsWith('8')) return `+7${digits.slice(1)}`
  if (digits.length === 10) return `+7${digits}`
  return digits ? `+${digits}` : ''
}

/**
 * The `POST /v2/orders` body: `type` 2 (delivery) unless configured otherwise, the sender's shipment point or address, the
 * recipient's pickup point or address, one package per place numbered from 1. Items go with the first package (CDEK wants
 * them per package on an e-shop contract; for `type: 2` they are informational).
 */
export function toCdekOrder(r: RequestForCdek): CdekOrderRequest {
  const body: CdekOrderRequest = {
    type: r.orderType,
    number: r.number,
    tariff_code: r.tariffCode,
    comment: r.comment.slice(0, 255),
    sender: {
      company: r.sender.company,
      name: r.sender.name,
      ...(r.sender.email ? { email: r.sender.email } : {}),
      phones: [{ number: cleanPhone(r.sender.phone) }],
    },
    recipient: {
      company: r.recipient.company,
      name: r.recipient.name || r.recipient.company,
      ...(r.recipient.email ? { email: r.recipient.email } : {}),
      phones: [{ number: cleanPhone(r.recipient.phone) }],
    },
    packages: r.packages.map((p, i) => ({
      number: String(i + 1),
      weight: p.weightG,
      length: p.lengthCm,
      width: p.widthCm,
      height: p.heightCm,
      ...(i === 0 && r.items.length
        ? { items: r.items.map((it) => ({ name: it.name.slice(0, 255), ware_key: it.sku.slice(0, 50), payment: { value: 0 }, cost: it.costRub, weight: it.weightG, amount: it.amount })) }
        : {}),
    })),
  }
  if (r.sender.shipmentPoint) body.shipment_point = r.sender.shipmentPoint
  else body.from_location = { code: r.sender.cityCode, address: r.sender.address }
  if (r.recipient.deliveryPoint) body.delivery_point = r.recipient.deliveryPoint
  else body.to_location = { ...(r.recipient.cityCode ? { code: r.recipient.cityCode } : {}), address: r.recipient.address }
  return body
}
