import type { Db } from '../db/knex.js'
import { transactionWithRetry } from '../db/dialect.js'
import type { Clock } from '../shared/clock.js'
import { Forbidden, NotFound, Validation } from '../shared/errors.js'
import { formatRub } from '../shared/money.js'
import { can } from '../companies/rules.js'
import type { MemberCompany } from '../companies/types.js'
import type { PricingService } from '../pricing/service.js'
import type { PointRow } from '../points/types.js'
import type { StockService } from '../stock/service.js'
import * as stockStore from '../stock/store.js'
import * as catalogStore from '../catalog/store.js'
import * as companiesStore from '../companies/store.js'
import { formatQty } from '../catalog/rules.js'
import type { CartsService, CartTarget } from '../carts/service.js'
import * as store from './store.js'
import { createCheckout } from './checkout.js'
import { enqueueChange } from './outbox.js'
import {
  STATUS_LABELS,
  allocateKopecks,
  canCancel,
  canSplit,
  checkSplit,
  dateIn,
  mergeError,
  mergeInvoices,
  mergedStatus,
  normalizeNumber,
  paymentState,
  statusAfterPayment,
  transitionError,
  type SplitPart,
} from './rules.js'
import type { Actor, OrderFilter, OrderRow, OrderStatus } from './types.js'

export type OrdersService = ReturnType<typeof createOrdersService>

/**
 * Orders: checkout (`checkout.ts`), the buyer's history and order page, and every change of an order after it was placed:
 * state transitions (staff now, 1C and Bitrix24 later), payments per invoice, cancelling (reservations released exactly),
 * splitting into shipments, merging orders, and repeating an order into a cart. Every change runs in one transaction with
 * its order event and its outbox row, and takes the order's row first (a write), so two changes of one order serialise.
 */
export function createOrdersService(deps: {
  db: Db
  clock: Clock
  timezone: string
  minSumKopecks: number
  pricing: PricingService
  stock: StockService
  carts: CartsService
  points: { listForCompany(companyId: number): Promise<PointRow[]>; findForCompany(companyId: number, id: number): Promise<PointRow | undefined> }
  companies: { forMember(userId: number, companyId: number): Promise<MemberCompany | undefined>; listForUser(userId: number): Promise<MemberCompany[]> }
}) {
  const { db, clock, stock, carts } = deps
  const now = () => clock.now().getTime()
  const checkout = createCheckout(deps)

  function requireOrder(member: MemberCompany): void {
    if (!can(member.role, 'order.place')) throw new Forbidden('Ваша роль в компании не позволяет менять заказы')
  }

  /** The company's order by the number in the URL, or 404. */
  async function orderOf(q: Db, member: MemberCompany, numberText: string): Promise<OrderRow> {
    const number = normalizeNumber(numberText)
    const order = number ? await store.findByNumber(q, member.id, number) : undefined
    if (!order) throw new NotFound('Заказ не найден')
    return order
  }

  /**
   * The order's row taken and read again inside the transaction: the state every check below relies on. Nothing may be
   * read in the transaction before it: on MySQL/MariaDB (REPEATABLE READ) the first read fixes the snapshot, and a read
   * before the lock would hide what the change that held the lock just committed (two payments would both see the
   * invoice unpaid). NotFound when there is no such order.
   */
  async function lockOrder(trx: Db, id: number, at: number): Promise<OrderRow> {
    await store.touchOrders(trx, [id], at)
    const order = await store.findById(trx, id)
    if (!order) throw new NotFound('Заказ не найден')
    return order
  }

  /**
   * Moves a locked order to `to` with its effects: a cancellation releases the reservations, a shipment consumes them, and
   * «оплачен» set by hand marks the invoices paid. Records the event and the outbox row. Throws `Validation` when the
   * machine refuses.
   */
  async function applyTransition(trx: Db, order: OrderRow, to: OrderStatus, actor: Actor, note: string, at: number): Promise<void> {
    const refused = transitionError(order.status, to)
    if (refused) throw new Validation(refused, { status: refused })
    if (!(await store.setStatus(trx, order.id, order.status, to, at))) throw new Validation('Заказ только что изменили: обновите страницу', { status: 'Заказ только что изменили' })
    if (to === 'cancelled') await stock.releaseOrder(trx, order.id, at)
    if (to === 'shipped') {
      await stock.consumeOrder(trx, order.id, at)
      await store.markAllShipped(trx, order.id, at)
    }
    if (to === 'paid') await store.payAllInvoices(trx, order.id, at)
    const eventId = await store.insertEvent(trx, { orderId: order.id, kind: to === 'cancelled' ? 'cancelled' : 'status', from: order.status, to, actor, note }, at)
    await enqueueChange(trx, order, { kind: to === 'cancelled' ? 'cancelled' : 'status', eventId, from: order.status, to, note }, actor, at)
  }

  /** Everything the order page shows. */
  async function detail(order: OrderRow) {
    const [lines, invoices, events, ship, reservations] = await Promise.all([
      store.linesOf(db, order.id),
      store.invoicesOf(db, order.id),
      store.eventsOf(db, order.id),
      store.shipmentsOf(db, order.id),
      stockStore.reservationDetails(db, order.id),
    ])
    // Each line's money shared over its shipments in shipment order, exactly (`allocateKopecks`).
    const money = new Map<string, number>()
    for (const l of lines) {
      const parts = ship.shipments.map((s) => ship.lines.find((x) => x.shipment_id === s.id && x.order_line_id === l.id)?.qty_milli ?? 0)
      allocateKopecks(l.line_kopecks, l.qty_milli, parts).forEach((k, i) => money.set(`${ship.shipments[i]!.id}:${l.id}`, k))
    }
    const shipments = ship.shipments.map((s) => {
      const sl = ship.lines.filter((x) => x.shipment_id === s.id).map((x) => ({ ...x, kopecks: money.get(`${s.id}:${x.order_line_id}`) ?? 0 }))
      return { ...s, lines: sl, kopecks: sl.reduce((a, x) => a + x.kopecks, 0) }
    })
    return { order, lines, invoices, events, shipments, reservations, payment: paymentState(invoices) }
  }

  return {
    ...checkout,

    /** The company's orders matching the filters, newest first, with the points and payers the filters offer. */
    async history(member: MemberCompany, filter: OrderFilter) {
      const [page, points, payers] = await Promise.all([store.listOrders(db, member.id, filter), deps.points.listForCompany(member.id), store.payersOfCompany(db, member.id)])
      return { ...page, points, payers }
    },

    /** Every company's orders for staff (/admin/orders). */
    listAll: (filter: OrderFilter) => store.listOrders(db, null, filter),

    /** One order of the company with lines, invoices, events, shipments and reservations (404 for another company's). */
    async view(member: MemberCompany, numberText: string) {
      return detail(await orderOf(db, member, numberText))
    },

    /** One order by id for staff, with its company's name. */
    async viewForStaff(id: number) {
      const order = await store.findById(db, id)
      if (!order) throw new NotFound('Заказ не найден')
      const company = await companiesStore.findCompany(db, order.company_id)
      return { ...(await detail(order)), company: { id: order.company_id, name_short: company?.name_short ?? '', inn: company?.inn ?? null } }
    },

    /** The company's order by number (404 for another company's), for the API. */
    find: (member: MemberCompany, numberText: string) => orderOf(db, member, numberText),

    /** The buyer cancels an order before shipment; its reservations are released exactly. */
    async cancel(member: MemberCompany, userId: number, numberText: string, actorKind: 'buyer' | 'api' = 'buyer', reason = ''): Promise<OrderRow> {
      const found = await orderOf(db, member, numberText)
      requireOrder(member)
      if (!canCancel(found.status)) throw new Validation(transitionError(found.status, 'cancelled') ?? 'Заказ уже не отменить')
      await transactionWithRetry(db, async (trx) => {
        const at = now()
        const order = await lockOrder(trx, found.id, at)
        if (!canCancel(order.status)) throw new Validation(transitionError(order.status, 'cancelled') ?? 'Заказ уже не отменить')
        await applyTransition(trx, order, 'cancelled', { kind: actorKind, userId }, reason ? `Отменён покупателем: ${reason.slice(0, 300)}` : 'Отменён покупателем', at)
      })
      return (await store.findById(db, found.id))!
    },

    /** Staff (later 1C and Bitrix24) move an order along the machine; a refused move throws `Validation`. */
    async transition(orderId: number, to: OrderStatus, actor: Actor, note = ''): Promise<void> {
      await transactionWithRetry(db, async (trx) => {
        const at = now()
        const order = await lockOrder(trx, orderId, at)
        await applyTransition(trx, order, to, actor, note.slice(0, 500), at)
      })
    },

    /**
     * The carrier (CDEK) handed a shipment to the buyer (`shipmentId` null: the request carried the whole order). The shipment
     * is marked delivered; when every shipment of the order is, the order moves to «доставлен» through the state machine.
     * A move the machine refuses (the order is not «отгружен» yet in the portal) is never forced: it is recorded in the
     * order's history as a «Доставка СДЭК» event with the reason, for a manager to sort out. Returns what happened.
     */
    async carrierDelivered(orderId: number, shipmentId: number | null, actor: Actor, note: string): Promise<'moved' | 'refused' | 'waiting' | 'already'> {
      return transactionWithRetry(db, async (trx) => {
        const at = now()
        const order = await lockOrder(trx, orderId, at)
        const { total, delivered } = await store.markShipmentsDelivered(trx, orderId, shipmentId, at)
        if (total > 0 && delivered < total) {
          const text = `${note}; доставлено отгрузок: ${delivered} из ${total}`
          if (!(await store.hasEvent(trx, orderId, 'delivery', text))) await store.insertEvent(trx, { orderId, kind: 'delivery', from: order.status, to: order.status, actor, note: text }, at)
          return 'waiting'
        }
        if (order.status === 'delivered' || order.status === 'completed') return 'already'
        const refused = transitionError(order.status, 'delivered')
        if (refused) {
          const text = `${note}; заказ не переведён в «${STATUS_LABELS.delivered}»: ${refused}`.slice(0, 1000)
          if (!(await store.hasEvent(trx, orderId, 'delivery', text))) await store.insertEvent(trx, { orderId, kind: 'delivery', from: order.status, to: order.status, actor, note: text }, at)
          return 'refused'
        }
        await applyTransition(trx, order, 'delivered', actor, note.slice(0, 500), at)
        return 'moved'
      })
    },

    /** Records a carrier's event in the order's history (CDEK could not deliver, the parcel is returning), once per note. */
    async carrierNote(orderId: number, actor: Actor, note: string): Promise<void> {
      await transactionWithRetry(db, async (trx) => {
        const at = now()
        const order = await lockOrder(trx, orderId, at)
        if (await store.hasEvent(trx, orderId, 'delivery', note)) return
        await store.insertEvent(trx, { orderId, kind: 'delivery', from: order.status, to: order.status, actor, note: note.slice(0, 1000) }, at)
      })
    },

    /**
     * Records a payment against one invoice (staff now, 1C later): the invoice's paid amount grows (never past its amount),
     * and before assembling the order follows: all invoices paid → «оплачен», some → «частично оплачен». `within`, when given,
     * runs in the same transaction with the amount actually applied (1C records its payment document with the payment, so
     * a replayed package never pays twice).
     */
    async pay(orderId: number, invoiceId: number, amountKopecks: number, actor: Actor, within?: (trx: Db, appliedKopecks: number) => Promise<void>): Promise<void> {
      if (!Number.isSafeInteger(amountKopecks) || amountKopecks <= 0) throw new Validation('Сумма оплаты — положительное число рублей', { amount: 'Укажите сумму, например 15 000 или 1 234,56' })
      await transactionWithRetry(db, async (trx) => {
        const at = now()
        const order = await lockOrder(trx, orderId, at)
        if (order.status === 'cancelled') throw new Validation('Заказ отменён', { amount: 'Заказ отменён' })
        const invoice = await store.findInvoice(trx, orderId, invoiceId)
        if (!invoice) throw new NotFound('Счёт не найден')
        const paid = Math.min(invoice.amount_kopecks, invoice.paid_kopecks + amountKopecks)
        await store.setInvoicePaid(trx, invoice.id, paid, at)
        const invoices = await store.invoicesOf(trx, orderId)
        const note = `Оплата ${formatRub(paid - invoice.paid_kopecks)} по счёту плательщика «${invoices.find((i) => i.id === invoice.id)?.payer_name ?? ''}»: оплачено ${formatRub(paid)} из ${formatRub(invoice.amount_kopecks)}`
        const eventId = await store.insertEvent(trx, { orderId, kind: 'payment', from: order.status, to: order.status, actor, note }, at)
        const to = statusAfterPayment(order.status, invoices)
        if (to) await applyTransition(trx, order, to, actor, 'по оплате счетов', at)
        else await enqueueChange(trx, order, { kind: 'payment', eventId, from: order.status, to: order.status, note, invoices }, actor, at)
        if (within) await within(trx, paid - invoice.paid_kopecks)
      })
    },

    /**
     * Staff mark one shipment of a split order shipped: the order becomes «отгружен частично», or «отгружен» with the last.
     * The goods of a partial shipment leave the stock at once (its share of the reservations is consumed), so the stock
     * the accounting system sends afterwards is not counted twice; the last shipment consumes the rest. `within`, when given,
     * runs in the same transaction (1C records its shipment document with the shipment it matched).
     */
    async shipShipment(orderId: number, shipmentId: number, actor: Actor, within?: (trx: Db) => Promise<void>): Promise<void> {
      await transactionWithRetry(db, async (trx) => {
        const at = now()
        const order = await lockOrder(trx, orderId, at)
        if (order.status !== 'assembling' && order.status !== 'partly_shipped') throw new Validation(`Отгружать можно собранный заказ, а этот в состоянии «${STATUS_LABELS[order.status]}»`)
        const { shipments, lines: shipLines } = await store.shipmentsOf(trx, orderId)
        const s = shipments.find((x) => x.id === shipmentId)
        if (!s) throw new NotFound('Отгрузка не найдена')
        if (!(await store.markShipmentShipped(trx, orderId, shipmentId, at))) throw new Validation(`Отгрузка ${s.no} уже отгружена`)
        const last = shipments.every((x) => x.id === shipmentId || x.status === 'shipped')
        if (!last) {
          // The share of each line still to ship that this shipment carries: what it holds of what is left unshipped.
          const shippedBefore = new Set(shipments.filter((x) => x.status === 'shipped' && x.id !== shipmentId).map((x) => x.id))
          const left = new Map<number, number>()
          for (const l of await store.linesOf(trx, orderId)) left.set(l.id, l.qty_milli)
          for (const x of shipLines) if (shippedBefore.has(x.shipment_id)) left.set(x.order_line_id, (left.get(x.order_line_id) ?? 0) - x.qty_milli)
          const carried = new Map(shipLines.filter((x) => x.shipment_id === shipmentId).map((x) => [x.order_line_id, x.qty_milli]))
          await stock.consumeShipment(trx, orderId, left, carried, at)
        }
        await applyTransition(trx, order, last ? 'shipped' : 'partly_shipped', actor, `Отгрузка ${s.no} из ${shipments.length}`, at)
        if (within) await within(trx)
      })
    },

    /**
     * Splits the company's order into shipments (lines and quantities with planned dates), replacing an earlier plan that
     * nothing was shipped of. Returns the errors of the plan (nothing is saved then), or none.
     */
    async split(member: MemberCompany, userId: number, numberText: string, parts: SplitPart[], actorKind: 'buyer' | 'api' = 'buyer'): Promise<string[]> {
      const found = await orderOf(db, member, numberText)
      requireOrder(member)
      if (!canSplit(found.status)) return [`Заказ в состоянии «${STATUS_LABELS[found.status]}» уже не разделить`]
      if (await store.anyShipped(db, found.id)) return ['Часть заказа уже отгружена: план отгрузок не меняется']
      const lines = await store.linesOf(db, found.id)
      const plan = checkSplit(
        lines.map((l) => ({ id: l.id, sku: l.sku, unit: l.unit, qtyMilli: l.qty_milli, lineKopecks: l.line_kopecks, unitMilli: l.packaging_factor_milli > 0 ? l.packaging_factor_milli : 1 })),
        parts,
        dateIn(now(), deps.timezone),
      )
      if (!plan.ok) return plan.errors
      await transactionWithRetry(db, async (trx) => {
        const at = now()
        const order = await lockOrder(trx, found.id, at)
        if (!canSplit(order.status) || (await store.anyShipped(trx, order.id))) throw new Validation('Заказ только что изменили: обновите страницу')
        const current = await store.linesOf(trx, order.id)
        if (current.length !== lines.length || current.some((l, i) => l.id !== lines[i]!.id || l.qty_milli !== lines[i]!.qty_milli)) throw new Validation('Заказ только что изменили: обновите страницу')
        await store.replaceShipments(trx, order.id, plan.shipments, at)
        const note = `Разделён на отгрузки: ${plan.shipments.map((s) => `${s.no} — ${s.plannedOn}, ${formatRub(s.kopecks)}`).join('; ')}`
        const eventId = await store.insertEvent(trx, { orderId: order.id, kind: 'split', from: order.status, to: order.status, actor: { kind: actorKind, userId }, note }, at)
        await enqueueChange(trx, order, { kind: 'split', eventId, from: order.status, to: order.status, note }, { kind: actorKind, userId }, at)
      })
      return []
    },

    /**
     * Merges not-yet-assembled orders of the company into the oldest of them: lines move with their reservations (nothing
     * is released or taken again), invoices add up per payer, totals add up; the others become «отменён» pointing at it.
     * Returns the merged order.
     */
    async merge(member: MemberCompany, userId: number, numbers: string[], actorKind: 'buyer' | 'api' = 'buyer'): Promise<OrderRow> {
      const wanted = [...new Set(numbers.map(normalizeNumber).filter(Boolean))]
      const found = await store.findByNumbers(db, member.id, wanted)
      if (found.length !== wanted.length) throw new NotFound('Заказ не найден')
      requireOrder(member)
      const check = async (q: Db, orders: OrderRow[]) => {
        const error = mergeError(await Promise.all(orders.map(async (o) => ({ id: o.id, number: o.number, status: o.status, shipped: await store.anyShipped(q, o.id) }))))
        if (error) throw new Validation(error, { orders: error })
      }
      await check(db, found)
      const target = found[0]!
      const actor: Actor = { kind: actorKind, userId }
      await transactionWithRetry(db, async (trx) => {
        const at = now()
        await store.touchOrders(trx, found.map((o) => o.id), at)
        const orders = await Promise.all(found.map((o) => store.findById(trx, o.id).then((x) => x!)))
        await check(trx, orders)
        const [into, ...others] = orders
        const invoices = (await Promise.all(orders.map((o) => store.invoicesOf(trx, o.id)))).flat()
        const merged = mergeInvoices(invoices)
        let sortOffset = (await store.linesOf(trx, into!.id)).length
        for (const o of others) {
          const moved = (await store.linesOf(trx, o.id)).length
          await store.moveLines(trx, o.id, into!.id, sortOffset)
          sortOffset += moved
          await stockStore.moveReservations(trx, o.id, into!.id, at)
        }
        await store.deleteShipments(trx, orders.map((o) => o.id))
        await store.deleteInvoices(trx, orders.map((o) => o.id))
        await store.insertInvoices(trx, into!.id, merged.map((m) => ({ payerId: m.payerId, amountKopecks: m.amountKopecks, paidKopecks: m.paidKopecks })), at)
        const status = mergedStatus(orders.map((o) => o.status), invoices)
        const comment = [...new Set(orders.map((o) => o.comment).filter(Boolean))].join('\n').slice(0, 1000)
        await store.updateOrder(
          trx,
          into!.id,
          { total_kopecks: orders.reduce((s, o) => s + o.total_kopecks, 0), vat_kopecks: orders.reduce((s, o) => s + o.vat_kopecks, 0), comment, status },
          at,
        )
        const note = `Объединён с ${others.length > 1 ? 'заказами' : 'заказом'} ${others.map((o) => `№ ${o.number}`).join(', ')}: строки и резервы перенесены, счета сложены по плательщикам`
        const eventId = await store.insertEvent(trx, { orderId: into!.id, kind: 'merged', from: into!.status, to: status, actor, note }, at)
        await enqueueChange(trx, { ...into!, status }, { kind: 'merged', eventId, from: into!.status, to: status, note, invoices: merged.map((m) => ({ payer_company_id: m.payerId, amount_kopecks: m.amountKopecks, paid_kopecks: m.paidKopecks })) }, actor, at)
        for (const o of others) {
          await store.updateOrder(trx, o.id, { status: 'cancelled', merged_into_id: into!.id, total_kopecks: 0, vat_kopecks: 0 }, at)
          const why = `Объединён в заказ № ${into!.number}`
          const id = await store.insertEvent(trx, { orderId: o.id, kind: 'merged_into', from: o.status, to: 'cancelled', actor, note: why }, at)
          await enqueueChange(trx, o, { kind: 'merged_into', eventId: id, from: o.status, to: 'cancelled', note: why }, actor, at)
        }
      })
      return (await store.findById(db, target.id))!
    },

    /**
     * Copies the order's lines into a cart of the company (chosen, new of a type, or the current one) at today's prices.
     * Says which lines could not go (the product is gone or no longer sold, the cart's type does not sell the packaging),
     * which changed (price, quantity corrected to today's minimum and step, packaging replaced), and what is short on stock.
     */
    async repeat(member: MemberCompany, userId: number, numberText: string, target: CartTarget) {
      const order = await orderOf(db, member, numberText)
      requireOrder(member)
      const lines = await store.linesOf(db, order.id)
      const alive = new Map((await catalogStore.productsByIds(db, lines.map((l) => l.product_id).filter((id): id is number => id !== null))).map((p) => [p.id, p]))
      const unavailable: string[] = []
      const changed: string[] = []
      const requests: { productId: number; packagingId: number | null; qtyMilli: number; comment: string }[] = []
      for (const l of lines) {
        const p = l.product_id === null ? undefined : alive.get(l.product_id)
        if (!p) unavailable.push(`${l.sku} ${l.name}: товара больше нет в каталоге`)
        else if (!p.is_active) unavailable.push(`${l.sku} ${l.name}: товар больше не продаётся`)
        else {
          if (l.packaging_id === null && l.packaging_name) changed.push(`${l.sku}: упаковки «${l.packaging_name}» больше нет, выбрана другая`)
          requests.push({ productId: p.id, packagingId: l.packaging_id, qtyMilli: l.qty_milli, comment: l.comment })
        }
      }
      const added = requests.length
        ? await carts.addLines(member, userId, requests, target)
        : { cartId: null as number | null, cartName: '', added: 0, notes: [] as string[], refused: [] as string[] }
      unavailable.push(...added.refused)
      changed.push(...added.notes)
      if (added.cartId !== null && added.added) {
        const view = await carts.view(member, added.cartId)
        const was = new Map<number, (typeof lines)[number]>()
        for (const l of lines) if (l.product_id !== null && !was.has(l.product_id)) was.set(l.product_id, l)
        const seen = new Set<number>()
        for (const v of view.lines) {
          const old = was.get(v.line.product_id)
          if (!old || seen.has(v.line.product_id)) continue
          seen.add(v.line.product_id)
          if (v.price.unitKopecks === null) unavailable.push(`${old.sku}: сегодня у товара нет цены для вашей компании`)
          else if (v.price.unitKopecks !== old.unit_kopecks) changed.push(`${old.sku}: цена была ${formatRub(old.unit_kopecks)}/${old.unit}, сегодня ${formatRub(v.price.unitKopecks)}/${old.unit}`)
          if (v.availableMilli !== null && v.availableMilli < v.line.qty_milli) changed.push(`${old.sku}: на складе сейчас доступно ${formatQty(v.availableMilli, old.unit)} из ${formatQty(v.line.qty_milli, old.unit)}`)
        }
      }
      return { cartId: added.cartId, cartName: added.cartName, added: added.added, unavailable, changed }
    },
  }
}
