import { Router, type Request, type Response } from 'express'
import type { AppDeps } from '../app.js'
import { flash, requireStaff } from '../http/auth.js'
import { field } from '../http/forms.js'
import { idParam, userOf } from '../http/context.js'
import { Validation } from '../shared/errors.js'
import { STATUSES, parseOrderFilter, parseRubles } from './rules.js'
import { presentAdminList, presentAdminOrder, type FilterForm } from './present.js'
import type { OrderStatus } from './types.js'

function filterForm(q: Record<string, unknown>): FilterForm {
  const t = (k: string, max = 100) => (typeof q[k] === 'string' ? (q[k] as string).trim().slice(0, max) : '')
  return { number: t('number', 20), from: t('from', 10), to: t('to', 10), status: t('status', 20), product: t('product'), min: t('min', 20), max: t('max', 20), point: '', payer: '' }
}

/**
 * Staff pages of orders (`/admin/orders`): every company's orders with filters, and one order where staff move it along
 * the state machine, record payments per invoice and mark shipments shipped, so every state is reachable before 1C and
 * Bitrix24 drive them. A refused move comes back on the page with the reason.
 */
export function ordersAdminRoutes(deps: AppDeps): Router {
  const { orders, config } = deps
  const r = Router()
  r.use('/orders', requireStaff)

  async function renderOrder(req: Request, res: Response, status: number, error: string | null) {
    res.status(status).render('pages/orders/admin-order', { ...presentAdminOrder(await orders.viewForStaff(idParam(req)), config.timezone, error), bodyClass: 'admin-page' })
  }

  /** Runs a staff action on the order and comes back to it; a refusal is shown on the page. */
  async function act(req: Request, res: Response, action: () => Promise<void>, ok: string) {
    try {
      await action()
      flash(req, 'ok', ok)
      res.redirect(303, `/admin/orders/${idParam(req)}`)
    } catch (e) {
      if (!(e instanceof Validation)) throw e
      await renderOrder(req, res, 422, e.message)
    }
  }

  r.get('/orders', async (req, res) => {
    const q = req.query as Record<string, unknown>
    const filter = parseOrderFilter(q, config.timezone)
    res.render('pages/orders/admin-list', { ...presentAdminList(await orders.listAll(filter), filter, filterForm(q), config.timezone), bodyClass: 'admin-page' })
  })

  r.get('/orders/:id', async (req, res) => {
    await renderOrder(req, res, 200, null)
  })

  /** Moves the order to `status` (one of the moves the machine allows from its state) with an optional note. */
  r.post('/orders/:id/status', async (req, res) => {
    const to = field(req, 'status', 24) as OrderStatus
    if (!STATUSES.includes(to)) return renderOrder(req, res, 422, 'Выберите состояние из списка')
    await act(req, res, () => orders.transition(idParam(req), to, { kind: 'staff', userId: userOf(req).id }, field(req, 'note', 500)), 'Состояние заказа изменено')
  })

  /** Records a payment (rubles) against one invoice. */
  r.post('/orders/:id/invoices/:invoiceId/pay', async (req, res) => {
    const amount = parseRubles(field(req, 'amount', 30))
    if (amount === null || amount <= 0) return renderOrder(req, res, 422, `Сумма оплаты — число рублей, например 15 000 или 1 234,56 (вы ввели «${field(req, 'amount', 30)}»)`)
    await act(req, res, () => orders.pay(idParam(req), idParam(req, 'invoiceId'), amount, { kind: 'staff', userId: userOf(req).id }), 'Оплата записана')
  })

  /** Marks one shipment of a split order shipped. */
  r.post('/orders/:id/shipments/:shipmentId/ship', async (req, res) => {
    await act(req, res, () => orders.shipShipment(idParam(req), idParam(req, 'shipmentId'), { kind: 'staff', userId: userOf(req).id }), 'Отгрузка отмечена')
  })

  return r
}
