import type { Db } from '../server/db/knex.js'
import type { Clock } from '../server/shared/clock.js'
import type { OrdersService } from '../server/orders/service.js'
import type { AdminService } from '../server/admin/service.js'
import type { PricingService } from '../server/pricing/service.js'
import type { ImpersonationService } from '../server/impersonation/service.js'
import { presentAdminOrder, statusBadge } from '../server/orders/present.js'
import { formatRub } from '../server/shared/money.js'
import { formatDateTime } from '../server/shared/time.js'
import { STATUS_LABELS, TRANSITIONS, parseOrderFilter } from '../server/orders/rules.js'
import type { OrderStatus } from '../server/orders/types.js'
import { presentCard } from '../server/admin/present.js'
import * as companiesStore from '../server/companies/store.js'
import { NotFound, Validation } from '../server/shared/errors.js'
import type { PackageRowInput, PackageSpec, PlacementClaims } from './ui-rules.js'

/**
 * The delivery module as the deal tab uses it (server/delivery/service.ts): create a request for a shipment (the whole order
 * when not split) with typed or computed packages, the order's requests with their track numbers, and the computed packages
 * the form starts from.
 */
export interface DeliveryPort {
  createRequest(i: { orderId: number; shipmentId: number | null; packages?: PackageSpec[]; actor: { kind: 'b24' | 'staff'; userId: number | null } }): Promise<{ ok: true } | { ok: false; errors: Record<string, string> }>
  requestsForOrder(orderId: number): Promise<DeliveryRequestView[]>
  draft?(orderId: number, shipmentId: number | null): Promise<{ packages: PackageSpec[]; warnings: string[] }>
}

/** The fields of a delivery request the tab reads (whatever else the delivery module keeps is not needed here). */
export interface DeliveryRequestView {
  id: number
  shipmentId: number | null
  status: string
  statusText?: string
  trackNumber: string | null
  trackUrl?: string | null
  error?: string | null
  createdAt?: number
}

/** Where the links between CRM entities and ours come from (`b24_links`, owned by the sync). */
export interface LinkPort {
  orderOfDeal(memberId: string, dealId: string): Promise<number | null>
  companyOfB24(memberId: string, b24CompanyId: string): Promise<number | null>
}

/** Package rows for the form: identical places folded into one row with their count. */
function rowsOf(packages: PackageSpec[]): PackageRowInput[] {
  const rows: (PackageRowInput & { k: string })[] = []
  for (const p of packages) {
    const k = `${p.weightG}:${p.lengthCm}:${p.widthCm}:${p.heightCm}`
    const row = rows.find((r) => r.k === k)
    if (row) row.count = String(Number(row.count) + 1)
    else rows.push({ k, weight: String(p.weightG), length: String(p.lengthCm), width: String(p.widthCm), height: String(p.heightCm), count: '1' })
  }
  return [...rows.map(({ k: _k, ...r }) => r), { weight: '', length: '', width: '', height: '', count: '' }]
}

/** A placement action's outcome: a message for the page, or a URL the browser goes to (the cabinet ticket). */
export type ActionOutcome = { ok: true; message: string; redirect?: string } | { ok: false; message: string; fields?: Record<string, string> }

/**
 * The deal and company tabs: what they show and what their buttons do. Every action re-resolves the order or company from
 * the signed token's portal and entity (so a token for one deal cannot act on another deal's order), goes through the owning
 * service (orders' state machine, admin's verification, delivery's requests, impersonation) and is written to the audit log
 * with the Bitrix24 user who pressed the button.
 */
export function createPlacementPages(deps: {
  db: Db
  clock: Clock
  timezone: string
  publicUrl: () => string
  orders: OrdersService
  admin: AdminService
  pricing: PricingService
  impersonation: ImpersonationService
  links: LinkPort
  delivery?: DeliveryPort | null
}) {
  const { db, clock, orders } = deps
  const now = () => clock.now().getTime()
  const who = (c: PlacementClaims) => `${c.n} (Битрикс24, пользователь № ${c.u})`

  async function auditB24(c: PlacementClaims, companyId: number | null, action: string, details: Record<string, unknown>) {
    await companiesStore.audit(db, { actor: null, companyId, action, details: { ...details, b24_member_id: c.m, b24_user_id: c.u, manager: c.n }, now: now() })
  }

  async function orderOf(c: PlacementClaims): Promise<number> {
    if (c.p !== 'CRM_DEAL_DETAIL_TAB' || !c.id) throw new NotFound('Вкладка открыта не из сделки')
    const orderId = await deps.links.orderOfDeal(c.m, String(c.id))
    if (!orderId) throw new NotFound('Сделка не связана с заказом кабинета')
    return orderId
  }

  async function companyOf(c: PlacementClaims): Promise<number> {
    if (c.p !== 'CRM_COMPANY_DETAIL_TAB' || !c.id) throw new NotFound('Вкладка открыта не из компании')
    const companyId = await deps.links.companyOfB24(c.m, String(c.id))
    if (!companyId) throw new NotFound('Компания CRM не связана с компанией кабинета')
    return companyId
  }

  return {
    /** The deal tab: the linked order with everything staff see, its delivery requests and what may be done now. */
    async dealView(memberId: string, dealId: number | null, form: { packages?: Record<string, PackageRowInput[]>; packageErrors?: Record<string, Record<number, string>> } = {}) {
      const orderId = dealId ? await deps.links.orderOfDeal(memberId, String(dealId)) : null
      if (!orderId) return { unlinked: true, dealId }
      const d = await orders.viewForStaff(orderId)
      const base = presentAdminOrder(d, deps.timezone, null)
      const requests = deps.delivery ? await deps.delivery.requestsForOrder(orderId) : []
      // A request per shipment; an order that was not split ships as one (shipment null).
      const targets = d.shipments.length ? d.shipments.map((s) => ({ id: s.id as number | null, label: `Отгрузка ${s.no}` })) : [{ id: null as number | null, label: 'Весь заказ' }]
      const blankRows = (): PackageRowInput[] => [{ weight: '', length: '', width: '', height: '', count: '1' }, { weight: '', length: '', width: '', height: '', count: '' }]
      const delivery = await Promise.all(
        targets.map(async (t) => {
          const key = String(t.id ?? 'all')
          const mine = requests.filter((r) => (r.shipmentId ?? null) === t.id)
          const canCreate = !!deps.delivery && !['cancelled', 'completed'].includes(d.order.status) && !mine.some((r) => r.status !== 'failed')
          // The form starts from the packages the delivery module computes from the packagings (same places folded into one row).
          const draft = canCreate && !form.packages?.[key] && deps.delivery?.draft ? await deps.delivery.draft(orderId, t.id).catch(() => null) : null
          const rows = form.packages?.[key] ?? (draft?.packages.length ? rowsOf(draft.packages) : blankRows())
          return {
            key,
            label: t.label,
            requests: mine.map((r) => ({ ...r, statusText: r.statusText ?? r.status })),
            canCreate,
            warnings: draft?.warnings ?? [],
            rows: rows.map((row, i) => ({ ...row, error: form.packageErrors?.[key]?.[i] ?? null })),
          }
        }),
      )
      const moves = TRANSITIONS[d.order.status].filter((s) => s !== 'cancelled').map((s) => ({ code: s, label: STATUS_LABELS[s] }))
      return { unlinked: false, dealId, ...base, moves, canCancel: TRANSITIONS[d.order.status].includes('cancelled'), delivery, deliveryAvailable: !!deps.delivery }
    },

    /** The company tab: requisites and verification, price terms, members, delivery points and the company's orders. */
    async companyView(memberId: string, b24CompanyId: number | null) {
      const companyId = b24CompanyId ? await deps.links.companyOfB24(memberId, String(b24CompanyId)) : null
      if (!companyId) return { unlinked: true, b24CompanyId }
      const card = presentCard(await deps.admin.companyCard(companyId))
      const terms = await deps.pricing.admin.cardTerms(companyId)
      const list = await orders.history({ ...card.company, role: 'viewer' }, parseOrderFilter({}, deps.timezone))
      const history = list.rows.map((r) => ({ number: r.number, placed: formatDateTime(r.created_at, deps.timezone), status: statusBadge(r.status), total: formatRub(r.total_kopecks), paid: formatRub(r.paid_kopecks), positions: r.positions }))
      return { unlinked: false, b24CompanyId, ...card, terms, history, historyMore: list.hasMore }
    },

    /** «→ состояние»: a move along the state machine, as the Bitrix24 user. */
    async changeStatus(c: PlacementClaims, toRaw: string, note: string): Promise<ActionOutcome> {
      const orderId = await orderOf(c)
      const to = toRaw as OrderStatus
      if (!(to in STATUS_LABELS)) return { ok: false, message: 'Выберите состояние из списка' }
      try {
        await orders.transition(orderId, to, { kind: 'b24', userId: null }, `${who(c)}${note ? `: ${note}` : ''}`)
      } catch (e) {
        if (e instanceof Validation) return { ok: false, message: e.message }
        throw e
      }
      await auditB24(c, (await orders.viewForStaff(orderId)).order.company_id, 'b24.order_status', { order_id: orderId, to })
      return { ok: true, message: to === 'cancelled' ? 'Заказ отменён' : `Состояние заказа: ${STATUS_LABELS[to]}` }
    },

    /** «Создать заявку СДЭК» for a shipment (or the whole order) with the typed packages, or computed ones when none. */
    async createDeliveryRequest(c: PlacementClaims, shipmentId: number | null, packages: PackageSpec[] | null): Promise<ActionOutcome> {
      const orderId = await orderOf(c)
      if (!deps.delivery) return { ok: false, message: 'Заявки СДЭК пока недоступны: модуль доставки не подключён' }
      try {
        const out = await deps.delivery.createRequest({ orderId, shipmentId, ...(packages ? { packages } : {}), actor: { kind: 'b24', userId: null } })
        if (!out.ok) return { ok: false, message: `Заявка СДЭК не создана: ${Object.values(out.errors).join('; ')}`, fields: out.errors }
      } catch (e) {
        if (e instanceof Validation || e instanceof NotFound) return { ok: false, message: e.message, fields: e instanceof Validation ? e.fields : undefined }
        throw e
      }
      await auditB24(c, (await orders.viewForStaff(orderId)).order.company_id, 'b24.delivery_request', { order_id: orderId, shipment_id: shipmentId, packages: packages?.length ?? 'по упаковкам' })
      return { ok: true, message: 'Заявка СДЭК создана: номер отслеживания появится, когда СДЭК его присвоит' }
    },

    /** «Подтвердить»: the admin verification service, with the Bitrix24 user in the audit entry. */
    async verifyCompany(c: PlacementClaims): Promise<ActionOutcome> {
      const companyId = await companyOf(c)
      const r = await deps.admin.verifyFromB24(companyId, { b24_member_id: c.m, b24_user_id: c.u, manager: c.n })
      return r.ok ? { ok: true, message: r.message } : { ok: false, message: r.message }
    },

    /** «Открыть кабинет клиента»: a one-time ticket the new tab exchanges for a read-only session. */
    async openCabinet(c: PlacementClaims): Promise<ActionOutcome> {
      const companyId = await companyOf(c)
      try {
        const ticket = await deps.impersonation.issue(companyId, { kind: 'b24', memberId: c.m, userId: c.u, name: c.n })
        return { ok: true, message: 'Кабинет клиента открыт в новой вкладке', redirect: `${deps.publicUrl().replace(/\/$/, '')}/b24/cabinet/${ticket}` }
      } catch (e) {
        if (e instanceof Validation) return { ok: false, message: e.message }
        throw e
      }
    },
  }
}

export type PlacementPages = ReturnType<typeof createPlacementPages>
