import type { Db } from '../db/knex.js'
import { isUniqueViolation } from '../db/dialect.js'
import type { Clock } from '../shared/clock.js'
import { formatDateTime } from '../shared/time.js'
import type { Logger } from '../logger.js'
import type { Config } from '../config.js'
import { NotFound } from '../shared/errors.js'
import { enqueue } from '../integrations/outbox/store.js'
import { DeliveryError, type HandlerContext, type OutboxHandler } from '../integrations/outbox/dispatcher.js'
import type { CdekClient, CdekOrderStatusHook, CdekStatus } from '../integrations/cdek/types.js'
import { invalidRequest, isReturnStatus, parseCdekTime, problemsText, STATE_NAMES, stateOfCdekStatus, statusName, toCdekOrder, type DeliveryState } from '../integrations/cdek/map.js'
import * as store from './store.js'
import { activeKeyOf, cdekNumberOf, checkPackages, computePackages, recipientErrors, trackUrl } from './rules.js'
import type { CreateOutcome, DeliveryActor, DeliveryDraft, DeliveryInfo, DeliveryRequestRow, PackageInput, Recipient } from './types.js'

/** The outbox topic that creates the CDEK order of a request (payload `{ requestId }`). */
export const CDEK_ORDER_CREATE = 'cdek.order.create'
/** The outbox topic announcing a delivery status change (the Bitrix24 side posts a timeline comment). */
export const DELIVERY_STATUS = 'delivery.status'
/**
 * The outbox topic that tells the order what CDEK did (delivered, not delivered, returning), handled in the portal itself
 * (`applyToOrder`): written with the status, so a failure to update the order is retried, never lost.
 */
export const DELIVERY_ORDER = 'delivery.order'

/** Orders in these states may not get a delivery request. */
const CLOSED_ORDER = new Set(['cancelled', 'completed'])

export type DeliveryService = ReturnType<typeof createDeliveryService>

/** What delivery asks of the orders service when CDEK delivers or fails to (server/orders/service.ts). */
export interface OrdersForDelivery {
  carrierDelivered(orderId: number, shipmentId: number | null, actor: { kind: 'system'; userId: null }, note: string): Promise<'moved' | 'refused' | 'waiting' | 'already'>
  carrierNote(orderId: number, actor: { kind: 'system'; userId: null }, note: string): Promise<void>
}

/** The outcome of a subscription check as /admin/delivery shows it. */
export type WebhookCheck = store.WebhookCheckRow

/**
 * Delivery requests to CDEK for an order's shipments. A request is written with its outbox row (`cdek.order.create`) in one
 * transaction and never calls CDEK inside the manager's request; the outbox handler searches CDEK by our own number before
 * creating (a retry after a lost answer finds the first order), stores CDEK's uuid the moment it is known, and the track
 * number and statuses arrive by the `ORDER_STATUS` webhook and by the poll job, both de-duplicated on
 * (request, status code, CDEK's status time). Each new status is announced on the outbox as `delivery.status`.
 */
export function createDeliveryService(deps: { db: Db; clock: Clock; logger: Logger; config: Config; cdek: CdekClient; orders: OrdersForDelivery }) {
  const { db, clock, logger } = deps
  const cfg = deps.config.cdek
  const now = () => clock.now().getTime()

  /** The recipient of an order: the buyer company and its delivery point (as it is now, or as written at checkout). */
  function recipientOf(o: store.OrderForDelivery, extra: { cityCode?: number | null; deliveryPoint?: string } = {}): Recipient {
    return {
      company: o.company_name,
      name: o.point_contact_name || o.director_name || o.company_name,
      phone: o.point_contact_phone || o.docs_phone || '',
      email: o.docs_email || '',
      address: o.point_address || o.point_text || '',
      cityCode: extra.cityCode ?? null,
      deliveryPoint: extra.deliveryPoint ?? '',
    }
  }

  async function info(rows: (DeliveryRequestRow & { shipment_no: number | null; order_number: string })[]): Promise<DeliveryInfo[]> {
    const history = await store.historyOf(db, rows.map((r) => r.id))
    return rows.map((r) => ({
      id: r.id,
      orderId: r.order_id,
      orderNumber: r.order_number,
      shipmentId: r.shipment_id,
      shipmentNo: r.shipment_no,
      status: r.status,
      statusText: STATE_NAMES[r.status] ?? r.status,
      cdekStatus: r.cdek_status,
      cdekStatusName: r.cdek_status_name,
      cdekStatusAt: r.cdek_status_at === null ? null : Number(r.cdek_status_at),
      trackNumber: r.cdek_number,
      trackUrl: trackUrl(r.cdek_number),
      error: r.error,
      number: r.number,
      packages: JSON.parse(r.packages) as PackageInput[],
      recipient: JSON.parse(r.recipient) as Recipient,
      createdAt: Number(r.created_at),
      updatedAt: Number(r.updated_at),
      history: history.filter((h) => h.request_id === r.id).map((h) => ({ code: h.code, name: h.name, at: Number(h.at), city: h.city })),
    }))
  }

  async function requestsForOrder(orderId: number): Promise<DeliveryInfo[]> {
    return info(await store.requestsOfOrder(db, orderId))
  }

  async function infoById(id: number): Promise<DeliveryInfo> {
    const row = await store.requestById(db, id)
    if (!row) throw new NotFound()
    return (await requestsForOrder(row.order_id)).find((r) => r.id === id)!
  }

  /** The order and (when given) its shipment, or NotFound when the shipment is not of that order. */
  async function load(orderId: number, shipmentId: number | null) {
    const order = await store.orderForDelivery(db, orderId)
    if (!order) throw new NotFound()
    const shipments = await store.shipmentsOf(db, orderId)
    const shipment = shipmentId === null ? null : shipments.find((s) => s.id === shipmentId)
    if (shipmentId !== null && !shipment) throw new NotFound()
    return { order, shipments, shipment: shipment ?? null }
  }

  async function packagesFor(orderId: number, shipmentId: number | null) {
    const lines = await store.linesToShip(db, orderId, shipmentId)
    return computePackages(
      lines.map((l) => ({
        qtyMilli: Number(l.qty_milli),
        unitWeightG: Number(l.weight_grams ?? 0),
        name: l.name,
        packaging: l.factor_milli
          ? { factorMilli: Number(l.factor_milli), lengthCm: l.length_cm, widthCm: l.width_cm, heightCm: l.height_cm, weightG: l.weight_g }
          : null,
      })),
      cfg.box,
      cfg.maxPlaceG,
    )
  }

  /** The products of a shipment whose packaging has no sizes (their goods go into standard boxes): staff may add them. */
  async function withoutSizes(orderId: number, shipmentId: number | null): Promise<{ sku: string; name: string }[]> {
    const lines = await store.linesToShip(db, orderId, shipmentId)
    const seen = new Set<string>()
    return lines
      .filter((l) => Number(l.qty_milli) > 0 && !(l.length_cm && l.width_cm && l.height_cm))
      .filter((l) => (seen.has(l.sku) ? false : (seen.add(l.sku), true)))
      .map((l) => ({ sku: l.sku, name: l.name }))
  }

  /** Advances a request to a CDEK status once; announces it on the outbox. Returns false for a status already known. */
  async function applyStatus(req: DeliveryRequestRow, s: { code: string; name?: string | null; cdekTime: string; city?: string; source: 'webhook' | 'poll'; cdekNumber?: string | null }): Promise<boolean> {
    const at = parseCdekTime(s.cdekTime) ?? now()
    const name = statusName(s.code, s.name)
    return db.transaction(async (trx) => {
      const t = now()
      const fresh = (await store.requestById(trx, req.id))!
      const patch: Partial<DeliveryRequestRow> = {}
      if (s.cdekNumber && !fresh.cdek_number) patch.cdek_number = s.cdekNumber
      const statusId = await store.insertStatus(trx, { request_id: req.id, code: s.code, name, cdek_time: s.cdekTime, at, city: s.city ?? '', source: s.source, created_at: t })
      const newest = statusId !== null && (fresh.cdek_status_at === null || at >= Number(fresh.cdek_status_at))
      const state = stateOfCdekStatus(s.code)
      if (newest) {
        Object.assign(patch, { cdek_status: s.code, cdek_status_name: name, cdek_status_at: at, status: state })
        if (state === 'failed') Object.assign(patch, { active_key: null, error: fresh.error ?? `СДЭК: ${name}` })
      } else if (patch.cdek_number && fresh.status === 'accepted') {
        patch.status = 'created'
      }
      if (Object.keys(patch).length) await store.updateRequest(trx, req.id, { ...patch, updated_at: t })
      if (newest && ((state === 'delivered' && fresh.status !== 'delivered') || state === 'not_delivered')) {
        await enqueue(trx, {
          topic: DELIVERY_ORDER,
          key: `${DELIVERY_ORDER}:${req.id}:${statusId}`,
          now: t,
          payload: { orderId: fresh.order_id, shipmentId: fresh.shipment_id, state, code: s.code, name, city: s.city ?? '', at },
        })
      }
      if (statusId !== null) {
        await enqueue(trx, {
          topic: DELIVERY_STATUS,
          key: `${DELIVERY_STATUS}:${req.id}:${statusId}`,
          now: t,
          payload: {
            order_id: fresh.order_id,
            shipment_id: fresh.shipment_id,
            request_id: fresh.id,
            track_number: patch.cdek_number ?? fresh.cdek_number,
            // The same number under CDEK's own name (the Bitrix24 comment reads `cdek_number`), and where the status happened.
            cdek_number: patch.cdek_number ?? fresh.cdek_number,
            status_code: s.code,
            status_name: name,
            city: s.city ?? '',
            state: newest ? patch.status : fresh.status,
            at: new Date(at).toISOString(),
          },
        })
      }
      return statusId !== null
    })
  }

  /**
   * The `delivery.order` handler: tells the order what CDEK did. Delivered → the shipment is delivered and the order may
   * become «доставлен» (through the orders state machine, which may refuse: then the refusal is only recorded in the order's
   * history); not delivered or returning → a «Доставка СДЭК» event in the order's history. Throws on failure, so the
   * outbox retries.
   */
  const applyToOrder = (async (p: { orderId: number; shipmentId: number | null; state: DeliveryState; code: string; name: string; city: string; at?: number }) => {
    const actor = { kind: 'system' as const, userId: null }
    const shipmentNo = p.shipmentId === null ? null : (await store.shipmentsOf(db, p.orderId)).find((x) => x.id === p.shipmentId)?.no ?? null
    // CDEK's own time of the status is in the note: the orders service records a note once, so a retried row adds nothing.
    const when = p.at ? ` (${formatDateTime(p.at, deps.config.timezone)})` : ''
    const what = `СДЭК: ${shipmentNo === null ? 'заказ' : `отгрузка ${shipmentNo}`} — ${p.name}${p.city ? `, ${p.city}` : ''}${when}`
    if (p.state === 'delivered') {
      const outcome = await deps.orders.carrierDelivered(p.orderId, p.shipmentId, actor, what)
      logger.info({ orderId: p.orderId, shipmentId: p.shipmentId, outcome }, 'cdek delivered a shipment')
      return null
    }
    await deps.orders.carrierNote(p.orderId, actor, `${what}: ${isReturnStatus(p.code) ? 'груз возвращается отправителю' : 'СДЭК не смог вручить груз'}`)
    return null
  }) as OutboxHandler

  /** The url CDEK posts statuses to: our public address and the secret path. */
  const hookUrl = () => `${deps.config.publicUrl}/hooks/cdek/${cfg.webhookSecret}`

  /** Marks a request refused by CDEK: the reason in Russian for the manager, the shipment free for a new request. */
  async function fail(id: number, reason: string): Promise<void> {
    await store.updateRequest(db, id, { status: 'failed', error: reason.slice(0, 2000), active_key: null, updated_at: now() })
  }

  /** Reads CDEK's view of one request and applies what is new: INVALID, the track number, statuses. */
  async function refresh(req: DeliveryRequestRow): Promise<void> {
    const res = await deps.cdek.getOrder(req.cdek_uuid!)
    const bad = invalidRequest(res.requests)
    if (bad && !res.entity?.cdek_number) {
      await fail(req.id, problemsText(bad.errors))
      return
    }
    const e = res.entity
    const t = now()
    if (e?.cdek_number && !req.cdek_number) {
      await store.moveRequest(db, req.id, ['accepted'], { status: 'created', cdek_number: e.cdek_number, updated_at: t })
      await store.updateRequest(db, req.id, { cdek_number: e.cdek_number })
    }
    const statuses: CdekStatus[] = [...(e?.statuses ?? [])].sort((a, b) => (parseCdekTime(a.date_time) ?? 0) - (parseCdekTime(b.date_time) ?? 0))
    for (const s of statuses) {
      if (!s.code || !s.date_time) continue
      await applyStatus((await store.requestById(db, req.id))!, { code: s.code, name: s.name, cdekTime: s.date_time, city: s.city, source: 'poll', cdekNumber: e?.cdek_number })
    }
    await store.updateRequest(db, req.id, { polled_at: now() })
  }

  return {
    requestsForOrder,
    infoById,
    applyToOrder,

    /** The create form's start: the order, its shipments, computed packages and the recipient. */
    async draft(orderId: number, shipmentId: number | null): Promise<DeliveryDraft> {
      const { order, shipments, shipment } = await load(orderId, shipmentId)
      const { packages, warnings } = await packagesFor(orderId, shipmentId)
      const existing = (await requestsForOrder(orderId)).find((r) => r.shipmentId === shipmentId && r.status !== 'failed') ?? null
      return {
        orderId,
        orderNumber: order.number,
        companyName: order.company_name,
        shipmentId,
        shipmentNo: shipment?.no ?? null,
        shipments: shipments.map((s) => ({ id: s.id, no: s.no, plannedOn: s.planned_on, status: s.status })),
        packages,
        warnings,
        recipient: recipientOf(order),
        existing,
        noSizes: await withoutSizes(orderId, shipmentId),
      }
    },

    /** The order id of an order number (the /admin form asks for the number), or null. */
    orderIdByNumber: (number: string) => store.orderIdByNumber(db, number.trim().replace(/^№\s*/, '')),

    /**
     * Creates a delivery request for a shipment (`shipmentId` null: the whole order when it is not split), with the given
     * packages or the computed ones. Returns the field errors in Russian instead when the packages, the recipient or the
     * order do not allow it; throws NotFound for an order or shipment that does not exist.
     */
    async createRequest(input: { orderId: number; shipmentId: number | null; packages?: PackageInput[]; actor: DeliveryActor; cityCode?: number | null; deliveryPoint?: string; comment?: string }): Promise<CreateOutcome> {
      const { order, shipments, shipment } = await load(input.orderId, input.shipmentId)
      const errors: Record<string, string> = {}
      if (CLOSED_ORDER.has(order.status)) errors.order = order.status === 'cancelled' ? 'Заказ отменён: доставку не заказать' : 'Заказ завершён: доставку не заказать'
      if (input.shipmentId === null && shipments.length > 0) errors.shipment = 'Заказ разделён на отгрузки: выберите отгрузку'
      const packages = input.packages ?? (await packagesFor(input.orderId, input.shipmentId)).packages
      Object.assign(errors, checkPackages(packages))
      const recipient = recipientOf(order, { cityCode: input.cityCode ?? null, deliveryPoint: input.deliveryPoint?.trim() ?? '' })
      Object.assign(errors, recipientErrors(recipient))
      if (Object.keys(errors).length) return { ok: false, errors }
      const lines = await store.linesToShip(db, input.orderId, input.shipmentId)
      const t = now()
      const sender = { ...cfg.sender }
      try {
        const id = await db.transaction(async (trx) => {
          const rid = await store.insertRequest(trx, {
            order_id: order.id,
            shipment_id: input.shipmentId,
            active_key: activeKeyOf(order.id, input.shipmentId),
            status: 'queued',
            number: `pending-${t}-${Math.random().toString(36).slice(2, 10)}`,
            tariff_code: cfg.tariffCode,
            packages: JSON.stringify(packages),
            sender: JSON.stringify(sender),
            recipient: JSON.stringify(recipient),
            cdek_uuid: null,
            cdek_number: null,
            cdek_status: null,
            cdek_status_name: null,
            cdek_status_at: null,
            error: null,
            created_by: input.actor.userId,
            created_via: input.actor.kind === 'b24' ? 'b24' : 'admin',
            polled_at: null,
            created_at: t,
            updated_at: t,
          })
          const number = cdekNumberOf(order.number, shipment?.no ?? null, rid)
          await store.updateRequest(trx, rid, { number })
          const body = toCdekOrder({
            number,
            orderType: cfg.orderType,
            tariffCode: cfg.tariffCode,
            comment: input.comment ?? `Заказ № ${order.number}${shipment ? `, отгрузка ${shipment.no}` : ''}`,
            sender,
            recipient,
            packages,
            items: lines.map((l) => ({
              name: l.name,
              sku: l.sku,
              costRub: Math.round(Number(l.unit_kopecks)) / 100,
              weightG: Math.max(1, Number(l.weight_grams ?? 0)),
              amount: Math.max(1, Math.round(Number(l.qty_milli) / 1000)),
            })),
          })
          await enqueue(trx, { topic: CDEK_ORDER_CREATE, key: `${CDEK_ORDER_CREATE}:${rid}`, now: t, payload: { requestId: rid, body } })
          return rid
        })
        logger.info({ requestId: id, orderId: order.id, shipmentId: input.shipmentId, actor: input.actor }, 'delivery request queued')
        return { ok: true, request: await infoById(id) }
      } catch (err) {
        if (isUniqueViolation(err)) return { ok: false, errors: { shipment: 'Для этой отгрузки уже есть заявка в СДЭК' } }
        throw err
      }
    },

    /** The outbox handler of `cdek.order.create` (see the service's comment for the idempotency rules). */
    sendToCdek: (async (payload: { requestId: number; body: Parameters<CdekClient['createOrder']>[0] }, ctx: HandlerContext) => {
      const req = await store.requestById(db, payload.requestId)
      if (!req) return null
      if (req.status !== 'queued' && req.status !== 'failed') return req.cdek_uuid
      if (req.status === 'failed') {
        // «повторить» on a dead row after the cause was fixed: the request comes back to life if its shipment is still free.
        try {
          if (!(await store.moveRequest(db, req.id, ['failed'], { status: 'queued', active_key: activeKeyOf(req.order_id, req.shipment_id), error: null, updated_at: now() }))) return req.cdek_uuid
        } catch {
          throw new DeliveryError('Для этой отгрузки уже создана другая заявка в СДЭК', true)
        }
      }
      try {
        let uuid = ctx.externalId ?? req.cdek_uuid
        // A retry after a lost answer: CDEK may already have the order under our number.
        if (!uuid && ctx.attempt > 1) uuid = (await deps.cdek.findByNumber(req.number))?.uuid ?? null
        if (!uuid) {
          const created = await deps.cdek.createOrder(payload.body)
          if (created.request?.state === 'INVALID') throw new DeliveryError(problemsText(created.request.errors), true)
          if (!created.uuid) throw new DeliveryError('СДЭК не вернул uuid заказа', false)
          uuid = created.uuid
        }
        // The request learns the uuid first, so a webhook that comes at once finds it; then the row keeps it for a retry.
        if (!(await store.moveRequest(db, req.id, ['queued'], { status: 'accepted', cdek_uuid: uuid, error: null, updated_at: now() }))) {
          await store.updateRequest(db, req.id, { cdek_uuid: uuid })
        }
        await ctx.saveExternalId(uuid)
        return uuid
      } catch (err) {
        if (err instanceof DeliveryError && err.permanent) await fail(req.id, err.message)
        else if (err instanceof Error) await store.updateRequest(db, req.id, { error: `Повторим отправку: ${err.message}`.slice(0, 2000), updated_at: now() })
        throw err
      }
    }) as OutboxHandler,

    /**
     * An `ORDER_STATUS` webhook body (already authenticated by its secret path). Unknown orders and other types are
     * ignored; a repeated delivery changes nothing. Returns whether a new status was recorded.
     */
    async applyHook(body: CdekOrderStatusHook): Promise<boolean> {
      if (body?.type !== 'ORDER_STATUS' || typeof body.uuid !== 'string') return false
      const a = body.attributes ?? {}
      const code = a.status_code ?? a.code
      const cdekTime = a.status_date_time ?? body.date_time
      if (!code || !cdekTime) return false
      const req = await store.requestByUuid(db, body.uuid)
      if (!req) {
        logger.info({ uuid: body.uuid, code }, 'cdek webhook for an unknown order, ignored')
        return false
      }
      return applyStatus(req, { code, cdekTime, city: a.city_name ?? '', source: 'webhook', cdekNumber: a.cdek_number || null })
    },

    /**
     * Asks CDEK about open requests: those still without a track number every minute, those on the way once per
     * `CDEK_POLL_MINUTES` (the webhook has no retry).
     */
    async poll(o: { limit?: number } = {}): Promise<{ polled: number; failed: number }> {
      // A request waiting for its track number is asked every minute (poll until `cdek_number` appears), the rest less often.
      const rows = await store.openRequests(db, { acceptedBefore: now() - Math.min(60_000, cfg.pollMs), movingBefore: now() - cfg.pollMs, limit: o.limit ?? 50 })
      let failed = 0
      for (const r of rows) {
        try {
          await refresh(r)
        } catch (err) {
          failed++
          await store.updateRequest(db, r.id, { polled_at: now() })
          logger.warn({ requestId: r.id, err: (err as Error).message }, 'cdek poll failed')
        }
      }
      return { polled: rows.length, failed }
    },

    /** Asks CDEK about one request now (the «обновить» button). */
    async refreshOne(id: number): Promise<void> {
      const r = await store.requestById(db, id)
      if (!r) throw new NotFound()
      if (r.cdek_uuid) await refresh(r)
    },

    /**
     * Makes sure CDEK posts `ORDER_STATUS` to our hook: lists the subscriptions first and subscribes only when ours is
     * missing (CDEK keeps one per type, so a subscription to another url is replaced). The outcome is recorded (present,
     * created, or the error in Russian) for /admin/delivery; a failure is recorded, not thrown.
     */
    async ensureWebhook(actor: string): Promise<WebhookCheck> {
      const url = hookUrl()
      // What is kept and shown hides the secret part of the path.
      const shown = url.replace(/\/hooks\/cdek\/.*$/, '/hooks/cdek/…')
      let row: Omit<store.WebhookCheckRow, 'id'>
      try {
        const mine = (await deps.cdek.listWebhooks()).find((w) => w.type === 'ORDER_STATUS' && w.url === url)
        if (mine) row = { outcome: 'present', url: shown, cdek_uuid: mine.uuid || null, error: null, actor, checked_at: now() }
        else {
          const uuid = await deps.cdek.subscribeWebhook(url, 'ORDER_STATUS')
          row = { outcome: 'created', url: shown, cdek_uuid: uuid, error: null, actor, checked_at: now() }
        }
      } catch (err) {
        const msg = (err as Error).message
        row = { outcome: 'error', url: shown, cdek_uuid: null, error: (/^СДЭК/.test(msg) ? msg : `СДЭК не ответил: ${msg}`).slice(0, 2000), actor, checked_at: now() }
        logger.warn({ err: row.error }, 'cdek webhook subscription check failed')
      }
      const id = await store.insertWebhookCheck(db, row)
      return { id, ...row }
    },

    /** The newest subscription check, or null before the first. */
    lastWebhookCheck: async (): Promise<WebhookCheck | null> => (await store.lastWebhookCheck(db)) ?? null,

    /** The /admin list: newest requests, optionally of one state, with counts per state. */
    async list(status: DeliveryState | null) {
      const [rows, counts] = await Promise.all([store.listRequests(db, { status, limit: 200 }), store.countByStatus(db)])
      const infos = await info(rows)
      return { rows: infos.map((r, i) => ({ ...r, companyName: rows[i]!.company_name })), counts }
    },
  }
}
