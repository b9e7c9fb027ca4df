import { timingSafeEqual, createHash } from 'node:crypto'
import express, { Router, type Request, type Response } from 'express'
import type { AppDeps } from '../app.js'
import { flash, requireStaff } from '../http/auth.js'
import { field } from '../http/forms.js'
import { idParam, userOf } from '../http/context.js'
import { NotFound } from '../shared/errors.js'
import { STATE_NAMES, type DeliveryState } from '../integrations/cdek/map.js'
import type { CdekOrderStatusHook } from '../integrations/cdek/types.js'
import { parsePackages, type PackageFields } from './rules.js'
import { packageRows, presentDraft, presentRequest, presentWebhook, stateFilter } from './present.js'

/** Compares two secrets in constant time (hashing first makes the lengths equal, so the length leaks nothing either). */
export function sameSecret(a: string, b: string): boolean {
  const h = (s: string) => createHash('sha256').update(s).digest()
  return timingSafeEqual(h(a), h(b))
}

/**
 * `POST /hooks/cdek/:secret`: CDEK's `ORDER_STATUS` webhook. CDEK signs nothing, so the secret is the path
 * (`CDEK_WEBHOOK_SECRET`), compared in constant time; a wrong one gets 404 and changes nothing. The status is recorded
 * de-duplicated and the answer is 200 right after (CDEK waits 15 s at most and never retries; a failure to record is logged
 * and the poll job reconciles).
 */
export function cdekHookRoutes(deps: AppDeps): Router {
  const r = Router()
  r.post('/hooks/cdek/:secret', express.json({ limit: '64kb' }), async (req, res) => {
    if (!sameSecret(String(req.params.secret ?? ''), deps.config.cdek.webhookSecret)) {
      res.status(404).type('text').send('Not Found')
      return
    }
    try {
      const applied = await deps.delivery.applyHook(req.body as CdekOrderStatusHook)
      res.json({ ok: true, applied })
    } catch (err) {
      req.log?.error({ err }, 'cdek webhook not recorded')
      res.json({ ok: true, applied: false })
    }
  })
  return r
}

/** The typed packages rows of the form (`weight_0`, `length_0`, …), as typed. */
function packageFields(req: Request): PackageFields[] {
  const rows: PackageFields[] = []
  for (let i = 0; i < 120; i++) {
    const names = [`weight_${i}`, `length_${i}`, `width_${i}`, `height_${i}`]
    if (!names.some((n) => req.body?.[n] !== undefined)) break
    rows.push({ weightG: field(req, names[0]!, 12), lengthCm: field(req, names[1]!, 6), widthCm: field(req, names[2]!, 6), heightCm: field(req, names[3]!, 6) })
  }
  return rows
}

const STATES = Object.keys(STATE_NAMES) as DeliveryState[]

/**
 * `/admin/delivery`: CDEK delivery requests for staff: the list with states and tracks, a form that finds an order by its
 * number and creates a request for one of its shipments with the computed (and editable) packages, and «обновить» that asks
 * CDEK now. In the sandbox a «следующий статус» button moves the emulated order along, webhook and all.
 */
export function deliveryAdminRoutes(deps: AppDeps): Router {
  const { delivery } = deps
  const r = Router()
  r.use('/delivery', requireStaff)

  /** The list of requests (one state or all), with the order-number box above it and what was typed into it. */
  async function renderList(res: Response, httpStatus: number, status: DeliveryState | null, order: { query: string; error?: string }) {
    const { rows, counts } = await delivery.list(status)
    res.status(httpStatus).render('pages/admin/delivery', {
      title: 'Доставка СДЭК',
      bodyClass: 'admin-page',
      adminSection: 'delivery',
      states: stateFilter(status, counts),
      rows: rows.map(presentRequest),
      webhook: presentWebhook(await delivery.lastWebhookCheck(), deps.config.cdek.sandbox, deps.config.publicUrl),
      attention: counts.not_delivered ?? 0,
      sandbox: deps.config.cdek.sandbox,
      orderQuery: order.query,
      orderError: order.error,
    })
  }

  r.get('/delivery', async (req, res) => {
    const raw = String(req.query.status ?? '')
    const status = (STATES as string[]).includes(raw) ? (raw as DeliveryState) : null
    await renderList(res, 200, status, { query: '' })
  })

  /** Renders the create form for an order (and shipment) with typed values and errors when there are some. */
  async function renderForm(res: Response, status: number, orderId: number, shipmentId: number | null, typed?: { rows: PackageFields[]; cityCode: string; deliveryPoint: string }, errors: Record<string, string> = {}) {
    const draft = await delivery.draft(orderId, shipmentId)
    res.status(status).render('pages/admin/delivery-new', {
      title: `Заявка в СДЭК · заказ № ${draft.orderNumber}`,
      bodyClass: 'admin-page',
      adminSection: 'delivery',
      ...presentDraft(draft),
      rows: packageRows(typed ? typed.rows : draft.packages, errors),
      cityCode: typed?.cityCode ?? '',
      deliveryPoint: typed?.deliveryPoint ?? '',
      errors,
      errorList: Object.entries(errors).filter(([k]) => !k.startsWith('packages.')).map(([, v]) => v),
      hasRowErrors: Object.keys(errors).some((k) => k.startsWith('packages.')),
      sandbox: deps.config.cdek.sandbox,
    })
  }

  r.get('/delivery/new', async (req, res) => {
    const number = String(req.query.order ?? '').trim().slice(0, 32)
    const orderId = number ? await delivery.orderIdByNumber(number) : null
    if (!orderId) {
      await renderList(res, number ? 404 : 200, null, { query: number, error: number ? `Заказ № ${number} не найден` : 'Введите номер заказа' })
      return
    }
    const shipmentRaw = String(req.query.shipment ?? '')
    let shipmentId = /^\d{1,10}$/.test(shipmentRaw) ? Number(shipmentRaw) : null
    if (shipmentId === null) {
      // A split order needs a shipment: the first one not yet requested is the likely one.
      const d = await delivery.draft(orderId, null)
      const taken = new Set((await delivery.requestsForOrder(orderId)).filter((x) => x.status !== 'failed').map((x) => x.shipmentId))
      shipmentId = d.shipments.find((s) => !taken.has(s.id))?.id ?? d.shipments[0]?.id ?? null
    }
    await renderForm(res, 200, orderId, shipmentId)
  })

  r.post('/delivery', async (req, res) => {
    const orderId = Number(field(req, 'order_id', 12))
    const shipmentRaw = field(req, 'shipment_id', 12)
    if (!Number.isInteger(orderId) || orderId <= 0) throw new NotFound()
    const shipmentId = shipmentRaw ? Number(shipmentRaw) : null
    if (shipmentId !== null && !(Number.isInteger(shipmentId) && shipmentId > 0)) throw new NotFound()
    const rows = packageFields(req)
    const cityCode = field(req, 'city_code', 10)
    const deliveryPoint = field(req, 'delivery_point', 32)
    const typed = { rows, cityCode, deliveryPoint }
    const { packages, errors } = parsePackages(rows)
    if (cityCode && !/^\d{1,9}$/.test(cityCode)) errors.city_code = 'Код города СДЭК — число, например 44 для Москвы'
    if (deliveryPoint && !/^[A-Za-z0-9_-]{2,32}$/.test(deliveryPoint)) errors.delivery_point = 'Код пункта выдачи СДЭК — латинские буквы и цифры, например MSK123'
    if (Object.keys(errors).length) {
      await renderForm(res, 422, orderId, shipmentId, typed, errors)
      return
    }
    const outcome = await delivery.createRequest({
      orderId,
      shipmentId,
      packages,
      actor: { kind: 'staff', userId: userOf(req).id },
      cityCode: cityCode ? Number(cityCode) : null,
      deliveryPoint,
    })
    if (!outcome.ok) {
      await renderForm(res, 422, orderId, shipmentId, typed, outcome.errors)
      return
    }
    flash(req, 'ok', `Заявка ${outcome.request.number} создана и передаётся в СДЭК; трек-номер появится здесь, когда СДЭК его присвоит`)
    res.redirect(303, '/admin/delivery')
  })

  r.post('/delivery/webhook-check', async (req, res) => {
    const check = await delivery.ensureWebhook(`staff:${userOf(req).id}`)
    if (check.outcome === 'error') flash(req, 'error', `Подписка на статусы СДЭК не проверена: ${check.error}`)
    else flash(req, 'ok', check.outcome === 'created' ? 'Подписка на статусы СДЭК оформлена' : 'Подписка на статусы СДЭК есть')
    res.redirect(303, '/admin/delivery')
  })

  r.post('/delivery/:id/refresh', async (req, res) => {
    const id = idParam(req)
    try {
      await delivery.refreshOne(id)
      flash(req, 'ok', 'Состояние заявки обновлено из СДЭК')
    } catch (err) {
      if (err instanceof NotFound) throw err
      flash(req, 'error', `СДЭК не ответил: ${(err as Error).message}. Попробуйте позже`)
    }
    res.redirect(303, '/admin/delivery')
  })

  r.post('/delivery/:id/sandbox-advance', async (req, res) => {
    const sandbox = deps.cdekSandbox
    const info = await delivery.infoById(idParam(req))
    if (!sandbox) throw new NotFound()
    if (!info.number || !(await sandbox.advance(sandbox.orders().find((o) => o.number === info.number)?.uuid ?? ''))) {
      flash(req, 'error', 'Песочница СДЭК не знает этот заказ (её заказы живут до перезапуска)')
    } else {
      flash(req, 'ok', 'Песочница СДЭК: следующий статус отправлен вебхуком')
    }
    res.redirect(303, '/admin/delivery')
  })

  return r
}
