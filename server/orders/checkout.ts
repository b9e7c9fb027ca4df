import type { Db } from '../db/knex.js'
import { transactionWithRetry } from '../db/dialect.js'
import type { Clock } from '../shared/clock.js'
import { Conflict, NotFound, Validation } from '../shared/errors.js'
import { orderingBlockedReason } from '../companies/rules.js'
import type { MemberCompany } from '../companies/types.js'
import type { PricingService } from '../pricing/service.js'
import type { PricedCart } from '../pricing/types.js'
import type { PointRow } from '../points/types.js'
import type { StockService } from '../stock/service.js'
import type { StockDemand } from '../stock/types.js'
import * as cartsStore from '../carts/store.js'
import * as catalogStore from '../catalog/store.js'
import { formatQty } from '../catalog/rules.js'
import { overrideOf } from '../carts/service.js'
import { packagingAllowed } from '../carts/rules.js'
import type { CartLineDetail, CartRow, CartTypeView } from '../carts/types.js'
import * as store from './store.js'
import { enqueuePlaced } from './outbox.js'
import { invoicesFor, lineProblem, minimumSumError, orderNumber, vatKopecks } from './rules.js'
import type { Actor, CheckoutInput, CheckoutOutcome, LineProblem, OrderRow, ShortageLine } from './types.js'

/** At most this many carts go into one order. */
export const MAX_CARTS_PER_ORDER = 20
/** A request that holds an Idempotency-Key this long without finishing is taken to have died; its key can be reused. */
const STALE_KEY_MS = 120_000

/** One cart of a checkout: the cart, its type, its lines and their prices now. */
export interface CheckoutCart {
  cart: CartRow
  type: CartTypeView | null
  lines: CartLineDetail[]
  priced: PricedCart
}

/** Everything checkout read and decided before its transaction. */
export interface Prepared {
  member: MemberCompany
  carts: CheckoutCart[]
  products: Map<number, catalogStore.ProductBrief>
  packagings: Map<number, catalogStore.PackagingRow>
  totalKopecks: number
  point: PointRow | null
  invoices: { payerId: number; amountKopecks: number }[]
  errors: Record<string, string>
  lines: LineProblem[]
}

/** Thrown inside the transaction to roll it back; caught right outside it. */
class Rollback extends Error {
  constructor(readonly outcome: CheckoutOutcome) {
    super('rollback')
  }
}

/**
 * Checkout: one order from one or several carts, paid by one or several payer companies, with stock reserved
 * all-or-nothing. Everything is read, priced and checked first, outside any transaction (the pricing and catalog caches
 * read through `db`, and SQLite has one connection); then one short transaction locks the carts, checks that they did
 * not change, reserves the stock, writes the order with its lines, reservations, invoices, first event and the outbox
 * row, and empties the ordered lines from the carts. Refusals are returned as values.
 */
export function createCheckout(deps: {
  db: Db
  clock: Clock
  minSumKopecks: number
  pricing: PricingService
  stock: StockService
  points: { listForCompany(companyId: number): Promise<PointRow[]>; findForCompany(companyId: number, id: number): Promise<PointRow | undefined> }
  companies: { forMember(userId: number, companyId: number): Promise<MemberCompany | undefined> }
}) {
  const { db, clock, pricing, stock, points, companies } = deps
  const now = () => clock.now().getTime()

  /** Reads, prices and checks everything the order needs; `errors` and `lines` say what is wrong. */
  async function prepare(memberIn: MemberCompany, userId: number, input: CheckoutInput): Promise<Prepared> {
    const errors: Record<string, string> = {}
    const member = (await companies.forMember(userId, memberIn.id)) ?? memberIn
    const blocked = orderingBlockedReason(member, member.role)
    if (blocked) errors.company = blocked
    const ids = [...new Set(input.cartIds)]
    if (!ids.length) errors.carts = 'Отметьте хотя бы одну корзину'
    if (ids.length > MAX_CARTS_PER_ORDER) errors.carts = `Не больше ${MAX_CARTS_PER_ORDER} корзин в одном заказе`
    const carts: CheckoutCart[] = []
    for (const id of ids.slice(0, MAX_CARTS_PER_ORDER)) {
      const cart = await cartsStore.findCart(db, member.id, id)
      if (!cart) throw new NotFound('Корзина не найдена')
      const [type, lines] = await Promise.all([cart.cart_type_id === null ? null : cartsStore.findCartType(db, cart.cart_type_id), cartsStore.lineDetails(db, cart.id)])
      const priced = await pricing.priceLines(member.id, lines.map((l) => ({ productId: l.product_id, qtyMilli: l.qty_milli })), undefined, { priceTypeOverride: overrideOf(type ?? null) })
      carts.push({ cart, type: type ?? null, lines, priced })
    }
    const empty = carts.filter((c) => !c.lines.length)
    if (empty.length && !errors.carts) errors.carts = `${empty.length > 1 ? 'Корзины' : 'Корзина'} ${empty.map((c) => `«${c.cart.name}»`).join(', ')} ${empty.length > 1 ? 'пусты' : 'пуста'}: уберите отметку или наполните`
    const productIds = [...new Set(carts.flatMap((c) => c.lines.map((l) => l.product_id)))]
    const [productRows, packRows] = await Promise.all([catalogStore.productsByIds(db, productIds), catalogStore.packagingsOf(db, productIds)])
    const products = new Map(productRows.map((p) => [p.id, p]))
    const packagings = new Map(packRows.map((p) => [p.id, p]))

    const lines: LineProblem[] = []
    for (const c of carts) {
      c.lines.forEach((l, i) => {
        const pack = l.packaging_id === null ? null : packagings.get(l.packaging_id) ?? null
        const allowed = c.type?.packaging_names ?? null
        const message = lineProblem({
          sku: l.sku,
          unit: l.base_unit,
          active: !!products.get(l.product_id)?.is_active,
          qtyMilli: l.qty_milli,
          packaging: pack && pack.product_id === l.product_id ? pack : null,
          allowedMatch: pack ? pack.product_id === l.product_id && packagingAllowed(allowed, pack.name) : allowed === null,
          unitKopecks: c.priced.lines[i]?.unitKopecks ?? null,
        })
        if (message) lines.push({ cartId: c.cart.id, lineId: l.id, sku: l.sku, message })
      })
    }
    if (lines.length) errors.lines = `Исправьте строки корзин (${lines.length}): заказ не оформлен`
    const totalKopecks = carts.reduce((s, c) => s + c.priced.lines.reduce((x, p) => x + (p.lineKopecks ?? 0), 0), 0)
    const minError = carts.length && !lines.length ? minimumSumError(totalKopecks, deps.minSumKopecks) : null
    if (minError) errors.total = minError

    let point: PointRow | null = null
    if (input.pointId) {
      const id = /^\d{1,12}$/.test(input.pointId) ? Number(input.pointId) : 0
      point = (id && (await points.findForCompany(member.id, id))) || null
      if (!point) errors.point_id = 'Выберите точку доставки из списка точек компании'
    } else {
      const fromCart = carts.find((c) => c.cart.point_id !== null)?.cart.point_id ?? null
      point = fromCart === null ? null : (await points.findForCompany(member.id, fromCart)) ?? null
    }
    if (input.comment.length > 1000) errors.comment = 'Комментарий не длиннее 1000 символов'
    if (input.clientRef.length > 200) errors.client_ref = 'Не длиннее 200 символов'

    const byCart = carts.map((c) => ({ payerId: c.cart.payer_company_id ?? member.id, kopecks: c.priced.lines.reduce((x, p) => x + (p.lineKopecks ?? 0), 0) }))
    const split = invoicesFor(totalKopecks, byCart, input.payers)
    if (split.error !== null) errors.payers = split.error
    for (const inv of split.invoices ?? []) {
      if (inv.payerId === member.id) continue
      const payer = await companies.forMember(userId, inv.payerId)
      const why = payer ? orderingBlockedReason(payer, payer.role) : 'Выберите плательщика из своих компаний.'
      if (why) errors.payers = payer ? `Плательщик «${payer.name_short}»: ${why}` : why
    }
    return { member, carts, products, packagings, totalKopecks, point, invoices: split.invoices ?? [], errors, lines }
  }

  /** The shortage as the buyer reads it: each short line with its cart, article, what it asked and what is available. */
  async function describe(p: Prepared, flat: { cart: CheckoutCart; line: CartLineDetail }[], short: import('../stock/types.js').ShortLine[]): Promise<ShortageLine[]> {
    const [warehouses, components] = await Promise.all([
      catalogStore.listAllWarehouses(db),
      catalogStore.productsByIds(db, [...new Set(short.flatMap((s) => s.components.map((c) => c.productId)))]),
    ])
    const whName = new Map(warehouses.map((w) => [w.id, w.name]))
    const compOf = new Map(components.map((c) => [c.id, c]))
    return short.map((s) => {
      const { cart, line } = flat[s.key]!
      const unit = line.base_unit
      const where = `на складе «${whName.get(s.warehouseId) ?? s.warehouseId}»`
      const parts = s.components.map((c) => {
        const comp = compOf.get(c.productId)
        return `${comp?.sku ?? c.productId}: нужно ${formatQty(c.neededMilli, comp?.base_unit ?? unit)}, доступно ${formatQty(c.availableMilli, comp?.base_unit ?? unit)}`
      })
      const message = s.components.length
        ? `${line.sku} (корзина «${cart.cart.name}»): нужно ${formatQty(s.requestedMilli, unit)}, из компонентов ${where} можно собрать ${formatQty(s.availableMilli, unit)} (${parts.join('; ')})`
        : `${line.sku} (корзина «${cart.cart.name}»): нужно ${formatQty(s.requestedMilli, unit)}, доступно ${formatQty(s.availableMilli, unit)} ${where}`
      return { ...s, cartId: cart.cart.id, lineId: line.id, cartName: cart.cart.name, sku: line.sku, name: line.product_name, unit, message }
    })
  }

  /** Places the prepared order in one transaction (see the factory's comment). */
  async function place(p: Prepared, userId: number, input: CheckoutInput, actor: Actor): Promise<CheckoutOutcome> {
    const flat = p.carts.flatMap((cart) => cart.lines.map((line, i) => ({ cart, line, price: cart.priced.lines[i]! })))
    const demands: StockDemand[] = []
    flat.forEach((f, key) => {
      if (f.cart.type?.warehouse_id) demands.push({ key, warehouseId: f.cart.type.warehouse_id, productId: f.line.product_id, qtyMilli: f.line.qty_milli })
    })
    const recipes = await stock.recipes([...new Set(demands.map((d) => d.productId))])
    const lineWrites: store.LineWrite[] = flat.map((f, i) => {
      const product = p.products.get(f.line.product_id)!
      const pack = f.line.packaging_id === null ? null : p.packagings.get(f.line.packaging_id) ?? null
      const lineKopecks = f.price.lineKopecks ?? 0
      return {
        product_id: f.line.product_id,
        sku: f.line.sku,
        name: f.line.product_name,
        unit: f.line.base_unit,
        packaging_id: pack?.id ?? null,
        packaging_name: pack?.name ?? '',
        packaging_factor_milli: pack?.factor_milli ?? 0,
        qty_milli: f.line.qty_milli,
        unit_kopecks: f.price.unitKopecks ?? 0,
        line_kopecks: lineKopecks,
        vat_rate: product.vat_rate,
        vat_kopecks: vatKopecks(lineKopecks, product.vat_rate),
        rule_label: [f.price.rule?.label, ...f.price.discounts.map((d) => d.label)].filter(Boolean).join('; ').slice(0, 300),
        warehouse_id: f.cart.type?.warehouse_id ?? null,
        source_cart_id: f.cart.cart.id,
        source_cart_name: f.cart.cart.name,
        cart_type_id: f.cart.cart.cart_type_id,
        comment: f.line.comment.slice(0, 500),
        sort: i,
      }
    })
    const clientRef = (input.clientRef || [...new Set(p.carts.map((c) => c.cart.client_ref).filter(Boolean))].join('; ')).slice(0, 200)
    const pointText = p.point ? `${p.point.name}, ${p.point.address}`.slice(0, 700) : ''
    try {
      const order = await transactionWithRetry(db, async (trx) => {
        const at = now()
        // The carts' rows first, in id order: a write, so SQLite takes its lock now and InnoDB serialises two checkouts of
        // the same cart (a double click) here; the lines read next are then the latest.
        const carts = [...p.carts].sort((a, b) => a.cart.id - b.cart.id)
        for (const c of carts) await cartsStore.touchCart(trx, c.cart.id, at)
        for (const c of carts) {
          const current = await cartsStore.listLines(trx, c.cart.id)
          const same = current.length === c.lines.length && c.lines.every((l) => current.some((x) => x.id === l.id && x.product_id === l.product_id && x.packaging_id === l.packaging_id && x.qty_milli === l.qty_milli))
          if (!same) throw new Rollback({ ok: false, kind: 'invalid', errors: { carts: `Корзина «${c.cart.name}» изменилась, пока вы оформляли заказ: проверьте её и оформите ещё раз` }, lines: [] })
        }
        const reserved = await stock.reserve(trx, demands, recipes, at)
        if (!reserved.ok) throw new Rollback({ ok: false, kind: 'shortage', short: reserved.short as ShortageLine[] })
        const vat = lineWrites.reduce((s, l) => s + l.vat_kopecks, 0)
        const order = await store.insertOrder(
          trx,
          {
            company_id: p.member.id, status: 'pending', point_id: p.point?.id ?? null, point_text: pointText, client_ref: clientRef, comment: input.comment.slice(0, 1000),
            total_kopecks: p.totalKopecks, vat_kopecks: vat, created_by: userId, source: input.source,
          },
          orderNumber,
          at,
        )
        const lineIds = await store.insertLines(trx, order.id, lineWrites)
        await stock.recordReservations(trx, order.id, reserved.needs.map((n) => ({ ...n, lineId: lineIds[n.key]! })), at)
        await store.insertInvoices(trx, order.id, p.invoices, at)
        const source = p.carts.map((c) => `«${c.cart.name}»`).join(', ')
        await store.insertEvent(trx, { orderId: order.id, kind: 'placed', from: null, to: 'pending', actor, note: `Оформлен из ${p.carts.length > 1 ? 'корзин' : 'корзины'} ${source}` }, at)
        await enqueuePlaced(trx, order, lineWrites, p.invoices, actor, at)
        if (input.idempotency) await store.completeKey(trx, p.member.id, input.idempotency.key, order.id, at)
        for (const c of carts) await cartsStore.deleteLines(trx, c.cart.id, c.lines.map((l) => l.id))
        return order
      })
      return { ok: true, order, replayed: false }
    } catch (e) {
      if (!(e instanceof Rollback)) throw e
      if (e.outcome.ok || e.outcome.kind !== 'shortage') return e.outcome
      return { ok: false, kind: 'shortage', short: await describe(p, flat, e.outcome.short) }
    }
  }

  /** Places the order once per key: a repeat returns the same order, another body with the same key is refused. */
  async function withKey(member: MemberCompany, userId: number, input: CheckoutInput & { idempotency: { key: string; hash: string } }, actor: Actor): Promise<CheckoutOutcome> {
    const { key, hash } = input.idempotency
    if (!(await store.claimKey(db, member.id, key, hash, now()))) {
      const row = await store.findKey(db, member.id, key)
      if (!row) return withKey(member, userId, input, actor)
      if (row.request_hash !== hash) throw new Validation('Этот Idempotency-Key уже использован с другим запросом: для нового заказа нужен новый ключ', { idempotency_key: 'ключ уже использован с другим телом запроса' })
      if (row.status === 'done') {
        const order = row.order_id === null ? undefined : await store.findById(db, row.order_id)
        if (!order || order.company_id !== member.id) throw new Conflict('Заказ, оформленный с этим ключом, больше недоступен')
        return { ok: true, order, replayed: true }
      }
      if (!(await store.retakeStaleKey(db, row.id, now() - STALE_KEY_MS, now()))) throw new Conflict('Запрос с этим Idempotency-Key ещё выполняется: повторите чуть позже')
    }
    let outcome: CheckoutOutcome | null = null
    try {
      const p = await prepare(member, userId, input)
      outcome = Object.keys(p.errors).length ? { ok: false, kind: 'invalid', errors: p.errors, lines: p.lines } : await place(p, userId, input, actor)
      return outcome
    } finally {
      if (!outcome?.ok) await store.releaseKey(db, member.id, key)
    }
  }

  return {
    prepare,

    /** Places an order (see the factory's comment); with `input.idempotency` at most once per key. */
    async checkout(member: MemberCompany, userId: number, input: CheckoutInput, actor: Actor): Promise<CheckoutOutcome> {
      if (input.idempotency) return withKey(member, userId, input as CheckoutInput & { idempotency: { key: string; hash: string } }, actor)
      const p = await prepare(member, userId, input)
      if (Object.keys(p.errors).length) return { ok: false, kind: 'invalid', errors: p.errors, lines: p.lines }
      return place(p, userId, input, actor)
    },
  }
}

export type Checkout = ReturnType<typeof createCheckout>
export type { OrderRow }
