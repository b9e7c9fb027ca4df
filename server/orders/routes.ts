import { deliveryForBuyer } from '../delivery/present.js'
import express, { Router, type Request, type Response } from 'express'
import type { AppDeps } from '../app.js'
import { flash, requireCompany } from '../http/auth.js'
import { field } from '../http/forms.js'
import { memberOf, userOf } from '../http/context.js'
import { Validation } from '../shared/errors.js'
import { formatRub } from '../shared/money.js'
import { milliText } from '../catalog/rules.js'
import { can } from '../companies/rules.js'
import { selectedIds, positionsWord } from '../carts/rules.js'
import type { CartTarget } from '../carts/service.js'
import { cartUrl } from '../carts/present.js'
import { MAX_SPLIT_PARTS, addDays, dateIn, normalizeNumber, parseOrderFilter, parseRubles, partsPlan } from './rules.js'
import { orderUrl, presentCheckout, presentHistory, presentOrder, type CheckoutForm, type FilterForm } from './present.js'
import type { CheckoutInput, ShortageLine } from './types.js'

/** The split form posts a quantity per line: an order of 300 lines is past the app-wide field limit. */
export const orderFormParser = express.urlencoded({ extended: false, limit: '300kb', parameterLimit: 2000 })

/** Paths that receive forms with a field per order line, for `orderFormParser`. */
export const ORDER_FORM_PATHS = ['/orders/:number/split']

/** Every value of a repeated field (body or query). */
function all(v: unknown): string[] {
  return (Array.isArray(v) ? v : [v]).filter((s): s is string => typeof s === 'string')
}

/** The checkout form from a POST body or a GET query (the «Пересчитать» button sends the same fields by GET). */
function checkoutForm(src: Record<string, unknown>): CheckoutForm {
  const text = (name: string, max: number) => (typeof src[name] === 'string' ? (src[name] as string).trim().slice(0, max) : '')
  const amounts: Record<string, string> = {}
  for (const [k, v] of Object.entries(src)) {
    const m = /^amount\[(\d{1,12})\]$/.exec(k)
    if (m && typeof v === 'string') amounts[m[1]!] = v.trim().slice(0, 30)
  }
  return {
    cartIds: selectedIds(src.cart_id).slice(0, 50),
    pointId: text('point_id', 20),
    comment: text('comment', 2000),
    clientRef: text('client_ref', 400),
    splitMode: text('split_mode', 10) === 'manual' ? 'manual' : 'carts',
    amounts: { ...amounts, rest: text('rest_payer', 20) },
  }
}

/**
 * The payers of a manual split: every typed amount, and the payer chosen for «остаток» with no amount gets the rest.
 * Returns the error of an amount that is not a number of rubles.
 */
function payersOf(form: CheckoutForm): { payers: CheckoutInput['payers']; error: string | null } {
  if (form.splitMode !== 'manual') return { payers: [], error: null }
  const payers: CheckoutInput['payers'] = []
  for (const [id, text] of Object.entries(form.amounts)) {
    if (id === 'rest' || text === '') continue
    const kopecks = parseRubles(text)
    if (kopecks === null) return { payers: [], error: `Сумма «${text}» — число рублей, например 15 000 или 1 234,56` }
    payers.push({ companyId: Number(id), amountKopecks: kopecks })
  }
  const rest = form.amounts.rest
  if (rest && /^\d{1,12}$/.test(rest) && !payers.some((p) => p.companyId === Number(rest))) payers.push({ companyId: Number(rest), amountKopecks: null })
  if (!payers.length) return { payers: [], error: 'Укажите суммы плательщиков или выберите, кто оплатит остаток' }
  return { payers, error: null }
}

/** Where «повторить» puts the lines: `cart_id` is a cart's id, `new:<type id>` or `new:none` a new cart; none: the current cart. */
function targetOf(req: Request): CartTarget {
  const v = field(req, 'cart_id', 20)
  if (/^\d{1,12}$/.test(v) && Number(v) > 0) return { cartId: Number(v) }
  const m = /^new:(\d{1,12}|none)$/.exec(v)
  if (m) return { newCartTypeId: m[1] === 'none' ? null : Number(m[1]) }
  return {}
}

function filterForm(q: Record<string, unknown>): FilterForm {
  const t = (k: string, max = 100) => {
    const v = Array.isArray(q[k]) ? (q[k] as unknown[])[0] : q[k]
    return typeof v === 'string' ? v.trim().slice(0, max) : ''
  }
  return { number: t('number', 20), from: t('from', 10), to: t('to', 10), status: t('status', 20), product: t('product'), min: t('min', 20), max: t('max', 20), point: t('point', 12), payer: t('payer', 12) }
}

/**
 * The buyer's checkout and orders: /checkout (one or several carts into one order, payers, delivery point), /orders
 * (history with search and filters, merging), /orders/:number (lines, invoices, shipments, reservations, events; cancel,
 * repeat, split). Every form works without JavaScript and comes back with what was typed when something is wrong.
 */
export function ordersRoutes(deps: AppDeps): Router {
  const { orders, carts, stock, config } = deps
  const tz = config.timezone
  const r = Router()

  /** Renders the checkout page for the form, with the outcome's errors and short lines when there are any. */
  async function renderCheckout(req: Request, res: Response, status: number, form: CheckoutForm, errors: Record<string, string> = {}, short: ShortageLine[] = []) {
    const member = memberOf(req)
    const user = userOf(req)
    const [list, types, choices] = await Promise.all([carts.list(member), carts.types({ all: true }), carts.choices(member, user.id)])
    const allCarts = list.map((c) => ({ id: c.id, name: c.name, typeName: types.find((t) => t.id === c.cart_type_id)?.name ?? 'Обычная', positions: c.positions, clientRef: c.client_ref }))
    const mine = form.cartIds.filter((id) => list.some((c) => c.id === id && c.positions > 0))
    const prepared = mine.length ? await orders.prepare(member, user.id, { ...form, cartIds: mine, payers: [], source: 'web' }) : null
    const productIds = [...new Set((prepared?.carts ?? []).flatMap((c) => c.lines.map((l) => l.product_id)))]
    const stockRows = await stock.stockOf(productIds)
    const stockMap = new Map(stockRows.map((s) => [`${s.warehouse_id}:${s.product_id}`, Math.max(0, s.on_hand_milli - s.reserved_milli)]))
    // A first look (GET) shows what would stop the order; the form's own mistakes are shown after a submit only.
    const shown = { ...(prepared?.errors ?? {}), ...errors }
    if (status === 200) delete shown.payers
    res.status(status).render(
      'pages/orders/checkout',
      presentCheckout({ prepared, allCarts, payers: choices.payers, points: choices.points, stock: stockMap, form: { ...form, cartIds: form.cartIds }, errors: shown, short, minSumKopecks: config.orders.minSumKopecks }),
    )
  }

  /** The checkout page: `?cart_id=` (repeatable) chooses the carts; without it, the current cart. */
  r.get('/checkout', requireCompany, async (req, res) => {
    const form = checkoutForm(req.query as Record<string, unknown>)
    if (!form.cartIds.length) {
      const list = await carts.list(memberOf(req))
      const current = list.filter((c) => c.positions > 0).sort((a, b) => b.last_used_at - a.last_used_at || b.id - a.id)[0]
      if (current) form.cartIds = [current.id]
    }
    await renderCheckout(req, res, 200, form)
  })

  /** Places the order (`action=place`) or shows the chosen carts again (`action=preview`). */
  r.post('/checkout', requireCompany, async (req, res) => {
    const form = checkoutForm((req.body ?? {}) as Record<string, unknown>)
    if (field(req, 'action', 10) !== 'place') return renderCheckout(req, res, 200, form)
    const { payers, error } = payersOf(form)
    if (error) return renderCheckout(req, res, 422, form, { payers: error })
    const outcome = await orders.checkout(memberOf(req), userOf(req).id, { ...form, payers, source: 'web' }, { kind: 'buyer', userId: userOf(req).id })
    if (outcome.ok) {
      flash(req, 'ok', `Заказ № ${outcome.order.number} на ${formatRub(outcome.order.total_kopecks)} оформлен. Товар зарезервирован, менеджер скоро обработает заказ.`)
      return res.redirect(303, orderUrl(outcome.order.number))
    }
    if (outcome.kind === 'shortage') return renderCheckout(req, res, 409, form, { stock: 'Не хватает товара на складе: заказ не оформлен, ничего не зарезервировано. Уменьшите количество в отмеченных строках.' }, outcome.short)
    return renderCheckout(req, res, 422, form, outcome.errors)
  })

  /** The history: search by number, dates, state, article or name, amount, delivery point and payer. */
  r.get('/orders', requireCompany, async (req, res) => {
    const member = memberOf(req)
    const query = req.query as Record<string, unknown>
    const filter = parseOrderFilter(query, tz)
    const form = filterForm(query)
    const h = await orders.history(member, filter)
    const filtered = Object.entries(form).some(([, v]) => v) ? '1' : ''
    res.render('pages/orders/list', presentHistory(h, filter, form, tz, can(member.role, 'order.place'), filtered))
  })

  /** Merges the ticked orders (`number`, repeatable) into the oldest of them. */
  r.post('/orders/merge', requireCompany, async (req, res) => {
    const numbers = all((req.body as Record<string, unknown>)?.number).map((s) => s.slice(0, 20))
    try {
      const order = await orders.merge(memberOf(req), userOf(req).id, numbers)
      flash(req, 'ok', `Заказы объединены в заказ № ${order.number}: строки, резервы и счета перенесены`)
      res.redirect(303, orderUrl(order.number))
    } catch (e) {
      if (!(e instanceof Validation)) throw e
      flash(req, 'error', e.message)
      res.redirect(303, '/orders')
    }
  })

  /** The order page. */
  r.get('/orders/:number', requireCompany, async (req, res) => {
    const member = memberOf(req)
    const d = await orders.view(member, String(req.params.number))
    const canEdit = can(member.role, 'order.place')
    const mini = canEdit ? await carts.mini(member) : null
    const targets = mini
      ? [
          ...mini.carts.map((c) => ({ value: String(c.id), label: `${c.name} — ${positionsWord(c.positions)}`, selected: c.id === mini.current?.id })),
          ...mini.types.filter((t) => t.is_active).map((t) => ({ value: `new:${t.id}`, label: `Новая корзина «${t.name}»`, selected: false })),
          ...(mini.types.some((t) => t.is_active) ? [] : [{ value: 'new:none', label: 'Новая корзина', selected: false }]),
        ]
      : []
    const deliveries = deliveryForBuyer(await deps.delivery.requestsForOrder(d.order.id))
    res.render('pages/orders/order', presentOrder(d, tz, { canEdit, targets, deliveries }))
  })

  r.post('/orders/:number/cancel', requireCompany, async (req, res) => {
    try {
      const order = await orders.cancel(memberOf(req), userOf(req).id, String(req.params.number), 'buyer', field(req, 'reason', 300))
      flash(req, 'ok', `Заказ № ${order.number} отменён, резерв товара снят`)
      res.redirect(303, orderUrl(order.number))
    } catch (e) {
      if (!(e instanceof Validation)) throw e
      flash(req, 'error', e.message)
      res.redirect(303, orderUrl(normalizeNumber(String(req.params.number))))
    }
  })

  /** Copies the order's lines into the chosen cart at today's prices and says what could not go or changed. */
  r.post('/orders/:number/repeat', requireCompany, async (req, res) => {
    const result = await orders.repeat(memberOf(req), userOf(req).id, String(req.params.number), targetOf(req))
    if (result.added && result.cartId) flash(req, 'ok', `В корзину «${result.cartName}» добавлено ${positionsWord(result.added)} по сегодняшним ценам`)
    else flash(req, 'error', 'Ни одну строку заказа повторить нельзя')
    for (const u of result.unavailable) flash(req, 'error', `Недоступно: ${u}`)
    for (const c of result.changed) flash(req, 'info', `Изменилось: ${c}`)
    res.redirect(303, result.cartId ? cartUrl(result.cartId) : orderUrl(normalizeNumber(String(req.params.number))))
  })

  /** How many shipments the split form shows: `?parts=` (2…MAX_SPLIT_PARTS), else the current plan's, else two. */
  function partsCount(value: unknown, current: number): number {
    const n = typeof value === 'string' && /^\d{1,2}$/.test(value) ? Number(value) : current >= 2 ? current : 2
    return Math.min(MAX_SPLIT_PARTS, Math.max(2, n))
  }

  /** Packagings of a quantity, as typed into the split form. */
  const packText = (qtyMilli: number, factorMilli: number) => milliText(factorMilli > 0 ? Math.round((qtyMilli * 1000) / factorMilli) : qtyMilli)

  /**
   * The split form: one column per shipment but the last, how much of each line ships then (in packagings); the last
   * shipment takes the rest. Filled from what was typed, else from the current plan when it has as many shipments, else
   * everything in the first.
   */
  async function renderSplit(req: Request, res: Response, status: number, count: number, typed: Map<number, string>[] | null, dates: string[] | null, errors: string[]) {
    const member = memberOf(req)
    const d = await orders.view(member, String(req.params.number))
    const page = presentOrder(d, tz, { canEdit: can(member.role, 'order.place') })
    const today = dateIn(deps.clock.now().getTime(), tz)
    const plan = d.shipments.length === count ? d.shipments : []
    const parts = Array.from({ length: count }, (_, k) => ({
      no: k + 1,
      field: `date${k + 1}`,
      day: dates?.[k] ?? plan[k]?.planned_on ?? addDays(today, k === 0 ? 1 : 14 * k),
      last: k === count - 1,
    }))
    res.status(status).render('pages/orders/split', {
      ...page,
      title: `Разделить заказ № ${d.order.number}`,
      errors,
      today,
      parts,
      typedParts: parts.slice(0, -1),
      counts: Array.from({ length: MAX_SPLIT_PARTS - 1 }, (_, i) => ({ n: i + 2, url: `/orders/${d.order.number}/split?parts=${i + 2}`, current: i + 2 === count })),
      splitLines: d.lines.map((l, i) => ({
        ...page.lines[i]!,
        cells: parts.slice(0, -1).map((_, k) => {
          const planned = plan[k]?.lines.find((x) => x.order_line_id === l.id)?.qty_milli
          const value = typed?.[k]?.get(l.id) ?? (planned !== undefined ? packText(planned, l.packaging_factor_milli) : plan.length ? '0' : k === 0 ? page.lines[i]!.count : '0')
          return { name: k === 0 ? `first[${l.id}]` : `q${k + 1}[${l.id}]`, value, label: `В отгрузку ${k + 1}, ${l.sku}` }
        }),
      })),
    })
  }

  r.get('/orders/:number/split', requireCompany, async (req, res) => {
    const d = await orders.view(memberOf(req), String(req.params.number))
    await renderSplit(req, res, 200, partsCount(req.query.parts, d.shipments.length), null, null, [])
  })

  r.post('/orders/:number/split', requireCompany, async (req, res) => {
    const member = memberOf(req)
    const d = await orders.view(member, String(req.params.number))
    const body = (req.body ?? {}) as Record<string, unknown>
    const count = partsCount(body.parts, 2)
    // Part 1's fields are `first[<line>]`, the others' `q<k>[<line>]`; the last part takes the rest.
    const typed = Array.from({ length: count - 1 }, (_, k) => {
      const m = new Map<number, string>()
      for (const l of d.lines) {
        const v = body[k === 0 ? `first[${l.id}]` : `q${k + 1}[${l.id}]`]
        m.set(l.id, typeof v === 'string' ? v.trim().slice(0, 20) : '')
      }
      return m
    })
    const dates = Array.from({ length: count }, (_, k) => field(req, `date${k + 1}`, 10))
    const plan = partsPlan(
      d.lines.map((l) => ({ id: l.id, sku: l.sku, unit: l.unit, qtyMilli: l.qty_milli, lineKopecks: l.line_kopecks, unitMilli: l.packaging_factor_milli || 1, factorMilli: l.packaging_factor_milli })),
      typed,
      dates,
    )
    const errors = plan.errors.length ? plan.errors : await orders.split(member, userOf(req).id, d.order.number, plan.parts)
    if (errors.length) return renderSplit(req, res, 422, count, typed, dates, errors)
    const words: Record<number, string> = { 2: 'две отгрузки', 3: 'три отгрузки', 4: 'четыре отгрузки', 5: 'пять отгрузок' }
    flash(req, 'ok', `Заказ разделён на ${words[count] ?? `${count} отгрузок`}: ${dates.join(', ')}`)
    res.redirect(303, orderUrl(d.order.number))
  })

  return r
}
