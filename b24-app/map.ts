/*
 * Pure conversions between our shapes and Bitrix24 CRM fields (reference/bitrix24.md §7). No IO: the sync handlers
 * (sync.ts) read our data, call these, and send the result.
 */

import type { BankAccountRow, CompanyRow } from '../server/companies/types.js'
import type { OrderStatus } from '../server/orders/types.js'
import { STATUS_LABELS } from '../server/orders/rules.js'
import type { B24Settings } from './settings-store.js'

/** Our marks in the CRM: `ORIGINATOR_ID` names the portal, `ORIGIN_ID` / `XML_ID` carry our own id (searched before a create). */
export const ORIGINATOR = 'b2b-portal'
export const originOfCompany = (companyId: number) => `b2b-company-${companyId}`
export const originOfContact = (companyId: number, userId: number) => `b2b-contact-${companyId}-${userId}`
export const originOfOrder = (orderId: number) => `b2b-order-${orderId}`

const rub = (kopecks: number) => Math.round(Number(kopecks)) / 100

/** A requisite preset as `crm.requisite.preset.list` answers it. */
export interface Preset {
  ID: string | number
  NAME?: string
  XML_ID?: string
  COUNTRY_ID?: string | number
  ACTIVE?: string
}

/**
 * The preset for a kind of company. Preset ids differ per portal (reference §7), so they are looked up: by the XML_ID
 * Bitrix24 gives its built-in Russian presets, then by name, then the first active one.
 */
export function pickPreset(presets: Preset[], kind: CompanyRow['kind']): number | null {
  const active = presets.filter((p) => p.ACTIVE !== 'N')
  const xml = { legal: /RU_COMPANY/i, ip: /RU_INDIVIDUAL|RU_IP/i, person: /RU_PERSON/i }[kind]
  const name = { legal: /организац|organi[sz]ation|company|ооо/i, ip: /индивидуальн|\bип\b|sole|individual entrepreneur/i, person: /физ|person|individual$/i }[kind]
  const found = active.find((p) => xml.test(p.XML_ID ?? '')) ?? active.find((p) => name.test(p.NAME ?? '')) ?? active[0]
  return found ? Number(found.ID) : null
}

/** The Bitrix24 user responsible for a company: the manager who verified it (mapped in the settings), else the default. */
export function companyResponsible(s: B24Settings, verifiedBy: number | null): number {
  const mapped = verifiedBy != null ? s.responsible.managers[String(verifiedBy)] : undefined
  return Number(mapped) > 0 ? Number(mapped) : s.responsible.defaultUserId
}

/** The responsible of a deal by the settings' rule. */
export function dealResponsible(s: B24Settings, companyManager: number | null): number {
  if (s.responsible.rule === 'company_manager' && companyManager && companyManager > 0) return companyManager
  return s.responsible.defaultUserId
}

/** `crm.company.add` / `update` fields of our company. */
export function companyFields(c: CompanyRow, assignedById: number) {
  return {
    TITLE: c.name_short,
    COMPANY_TYPE: 'CUSTOMER',
    ASSIGNED_BY_ID: assignedById,
    ...(c.docs_phone ? { PHONE: [{ VALUE: c.docs_phone, VALUE_TYPE: 'WORK' }] } : {}),
    ...(c.docs_email ? { EMAIL: [{ VALUE: c.docs_email, VALUE_TYPE: 'WORK' }] } : {}),
    ...(c.legal_address ? { ADDRESS: c.legal_address } : {}),
    COMMENTS: c.inn ? `ИНН ${c.inn}${c.kpp ? `, КПП ${c.kpp}` : ''} (из B2B-кабинета)` : 'Из B2B-кабинета',
    ORIGINATOR_ID: ORIGINATOR,
    ORIGIN_ID: originOfCompany(c.id),
  }
}

/** `crm.requisite.add` fields (without ENTITY_ID and PRESET_ID), or null for a private person (no requisites to send). */
export function requisiteFields(c: CompanyRow) {
  if (c.kind === 'person') return null
  return {
    ENTITY_TYPE_ID: 4,
    NAME: c.name_short,
    RQ_COMPANY_NAME: c.name_short,
    RQ_COMPANY_FULL_NAME: c.name_full || c.name_short,
    RQ_INN: c.inn ?? '',
    ...(c.kind === 'legal' ? { RQ_KPP: c.kpp ?? '', RQ_OGRN: c.ogrn ?? '' } : { RQ_OGRNIP: c.ogrn ?? '' }),
    ...(c.director_name ? { RQ_DIRECTOR: c.director_name } : {}),
    XML_ID: originOfCompany(c.id),
    ORIGINATOR_ID: ORIGINATOR,
  }
}

/** What `crm.requisite.bankdetail.add` / `update` get of our main bank account (without ENTITY_ID, the requisite's id). */
export function bankDetailFields(a: Pick<BankAccountRow, 'bik' | 'account' | 'corr_account' | 'bank_name' | 'bank_city'>) {
  return {
    NAME: a.bank_city ? `${a.bank_name}, ${a.bank_city}` : a.bank_name,
    RQ_BANK_NAME: a.bank_name,
    RQ_BIK: a.bik,
    RQ_ACC_NUM: a.account,
    RQ_COR_ACC_NUM: a.corr_account,
  }
}

/** Does a bank detail the CRM holds differ from what we would send (so a `crm.requisite.bankdetail.update` is due)? */
export function bankDetailChanged(have: Record<string, unknown>, want: ReturnType<typeof bankDetailFields>): boolean {
  return (Object.keys(want) as (keyof typeof want)[]).some((k) => String(have[k] ?? '') !== want[k])
}

/** Splits «Фамилия Имя Отчество» into the contact's LAST_NAME, NAME, SECOND_NAME. */
export function splitFullName(full: string): { LAST_NAME: string; NAME: string; SECOND_NAME: string } {
  const parts = full.trim().split(/\s+/).filter(Boolean)
  if (parts.length <= 1) return { LAST_NAME: '', NAME: parts[0] ?? '', SECOND_NAME: '' }
  return { LAST_NAME: parts[0]!, NAME: parts[1]!, SECOND_NAME: parts.slice(2).join(' ') }
}

/** `crm.contact.add` fields of a company's person (without COMPANY_ID). */
export function contactFields(companyId: number, p: { user_id: number; full_name: string; email: string; phone: string }, assignedById: number) {
  return {
    ...splitFullName(p.full_name),
    ...(p.phone ? { PHONE: [{ VALUE: p.phone, VALUE_TYPE: 'WORK' }] } : {}),
    ...(p.email ? { EMAIL: [{ VALUE: p.email, VALUE_TYPE: 'WORK' }] } : {}),
    ASSIGNED_BY_ID: assignedById,
    ORIGINATOR_ID: ORIGINATOR,
    ORIGIN_ID: originOfContact(companyId, p.user_id),
  }
}

/** What the deal needs of an order (the `order.placed` payload's order, or the order row). */
export interface OrderForDeal {
  id: number
  number: string
  status: OrderStatus
  total_kopecks: number
  comment?: string
  client_ref?: string
  point_text?: string
}

/** `crm.deal.add` / `update` fields of an order. */
export function dealFields(o: OrderForDeal, x: { s: B24Settings; companyTitle: string; companyId: string; contactId: string | null; assignedById: number; adminUrl: string }) {
  const comments = [
    `Заказ № ${o.number} в B2B-кабинете: ${x.adminUrl}`,
    o.client_ref ? `Номер у клиента: ${o.client_ref}` : '',
    o.point_text ? `Доставка: ${o.point_text}` : '',
    o.comment ? `Комментарий клиента: ${o.comment}` : '',
  ].filter(Boolean)
  return {
    TITLE: `Заказ № ${o.number} — ${x.companyTitle}`,
    CATEGORY_ID: x.s.categoryId,
    STAGE_ID: x.s.stageByStatus[o.status],
    COMPANY_ID: x.companyId,
    ...(x.contactId ? { CONTACT_IDS: [x.contactId] } : {}),
    OPPORTUNITY: rub(o.total_kopecks),
    IS_MANUAL_OPPORTUNITY: 'Y',
    CURRENCY_ID: 'RUB',
    ASSIGNED_BY_ID: x.assignedById,
    ORIGINATOR_ID: ORIGINATOR,
    ORIGIN_ID: originOfOrder(o.id),
    COMMENTS: comments.join('\n'),
  }
}

/** An order line as the payload or the order row carries it. */
export interface LineForDeal {
  sku: string
  name: string
  unit: string
  packaging?: string | null
  packaging_name?: string
  qty_milli: number
  unit_kopecks: number
  line_kopecks: number
  vat_rate: string | number | null
}

/** `crm.deal.productrows.set` rows: free rows (PRODUCT_ID 0) with our name, price per base unit with VAT, VAT rate. */
export function productRows(lines: LineForDeal[]) {
  return lines.map((l) => {
    const rate = l.vat_rate === null || l.vat_rate === '' || l.vat_rate === 'none' ? null : Number(l.vat_rate)
    const packaging = l.packaging ?? l.packaging_name ?? ''
    return {
      PRODUCT_ID: 0,
      PRODUCT_NAME: `${l.sku} ${l.name}${packaging ? ` (${packaging})` : ''}`.slice(0, 255),
      PRICE: rub(l.unit_kopecks),
      QUANTITY: Number(l.qty_milli) / 1000,
      DISCOUNT_TYPE_ID: 1,
      DISCOUNT_SUM: 0,
      ...(rate !== null && Number.isFinite(rate) ? { TAX_RATE: rate, TAX_INCLUDED: 'Y' } : {}),
      MEASURE_NAME: l.unit,
    }
  })
}

/** The timeline comment of an order change (`order.changed` / `order.cancelled` payload). */
export function changeComment(p: { change: string; from: OrderStatus | null; to: OrderStatus | null; note?: string; order: { number: string; total_kopecks: number }; invoices?: { amount_kopecks: number; paid_kopecks: number }[]; actor?: { via?: string } }): string {
  const label = (s: OrderStatus | null) => (s ? `«${STATUS_LABELS[s]}»` : '')
  // The order followed its deal: the deal already shows the stage, the comment only confirms the cabinet moved too.
  if (fromDealStage(p) && (p.change === 'status' || p.change === 'cancelled')) {
    return p.change === 'cancelled' ? `Заказ № ${p.order.number} отменён из Битрикс24` : `Заказ № ${p.order.number} переведён из Битрикс24 в ${label(p.to)}${p.from && p.from !== p.to ? ` (был ${label(p.from)})` : ''}`
  }
  const head: Record<string, string> = {
    status: `Статус заказа № ${p.order.number}: ${label(p.to)}${p.from && p.from !== p.to ? ` (был ${label(p.from)})` : ''}`,
    cancelled: `Заказ № ${p.order.number} отменён`,
    payment: `Оплата по заказу № ${p.order.number}`,
    split: `Заказ № ${p.order.number} разделён на отгрузки`,
    merged: `В заказ № ${p.order.number} объединены другие заказы; сумма ${rub(p.order.total_kopecks).toFixed(2)} ₽`,
    merged_into: `Заказ № ${p.order.number} объединён с другим заказом и отменён`,
  }
  const lines = [head[p.change] ?? `Заказ № ${p.order.number} изменён (${p.change})${p.to ? `: ${label(p.to)}` : ''}`]
  if (p.change === 'payment' && p.invoices?.length) {
    const paid = p.invoices.reduce((s, i) => s + Number(i.paid_kopecks), 0)
    const total = p.invoices.reduce((s, i) => s + Number(i.amount_kopecks), 0)
    lines.push(`Оплачено ${rub(paid).toFixed(2)} из ${rub(total).toFixed(2)} ₽`)
  }
  if (p.note) lines.push(p.note)
  return lines.join('\n')
}

/** True when an order change was made by Bitrix24 itself (the order followed its deal's stage: `actor.via` = `b24_deal`). */
export function fromDealStage(p: { actor?: { via?: string } | null }): boolean {
  return p?.actor?.via === 'b24_deal'
}
