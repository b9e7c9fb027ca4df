import { Router, type Request, type Response } from 'express'
import type { AppDeps } from '../app.js'
import { memberOf, userOf } from '../http/context.js'
import { sha256 } from '../shared/tokens.js'
import { parseOrderFilter } from './rules.js'
import { apiOrder, apiOrderSummary } from './present.js'
import type { CheckoutInput } from './types.js'

/** JSON with object keys sorted at every level: the same body always hashes the same, whatever the key order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`
  if (v && typeof v === 'object') {
    return `{${Object.keys(v as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`
  }
  return JSON.stringify(v ?? null)
}

/** A positive integer of a JSON body, or null. */
const intOf = (v: unknown) => (typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? v : null)

/**
 * The body of `POST /orders`: `cart_ids`, optional `point_id`, `comment`, `client_ref`, and `payers` (a split: company id
 * and amount in kopecks, at most one with `amount_kopecks: null` for the rest). Returns the input or the field errors.
 */
function checkoutInputOf(req: Request): { input: CheckoutInput | null; errors: Record<string, string> } {
  const b = (req.body ?? {}) as Record<string, unknown>
  const errors: Record<string, string> = {}
  const ids = Array.isArray(b.cart_ids) ? b.cart_ids.map(intOf) : []
  if (!ids.length || ids.some((x) => x === null)) errors.cart_ids = 'Передайте номера корзин: "cart_ids": [12, 15]'
  const point = b.point_id == null ? '' : intOf(b.point_id)
  if (point === null) errors.point_id = 'point_id — номер точки доставки компании'
  const text = (k: string) => (typeof b[k] === 'string' ? (b[k] as string).trim() : '')
  const payers: CheckoutInput['payers'] = []
  if (b.payers != null) {
    if (!Array.isArray(b.payers)) errors.payers = 'payers — массив [{"company_id": 5, "amount_kopecks": 1500000}]'
    else
      for (const p of b.payers as Record<string, unknown>[]) {
        const companyId = intOf(p?.company_id)
        const amount = p?.amount_kopecks === null ? null : typeof p?.amount_kopecks === 'number' && Number.isSafeInteger(p.amount_kopecks) && p.amount_kopecks >= 0 ? p.amount_kopecks : undefined
        if (companyId === null || amount === undefined) {
          errors.payers = 'Каждый плательщик: {"company_id": <номер компании>, "amount_kopecks": <копейки или null — остаток>}'
          break
        }
        payers.push({ companyId, amountKopecks: amount })
      }
  }
  if (Object.keys(errors).length) return { input: null, errors }
  return { input: { cartIds: ids as number[], pointId: point === '' ? '' : String(point), comment: text('comment').slice(0, 2000), clientRef: text('client_ref').slice(0, 400), payers, source: 'api' }, errors }
}

function unprocessable(res: Response, errors: Record<string, string>, extra: Record<string, unknown> = {}) {
  res.status(422).json({ error: { status: 422, message: Object.values(errors)[0] ?? 'Заказ не оформлен', fields: errors, ...extra } })
}

/** The buyer API's orders, mounted inside the API router (Bearer token, JSON, the token's company). */
export function ordersApiRoutes(deps: AppDeps): Router {
  const { orders, config } = deps
  const r = Router()

  /**
   * Places an order from carts. With an `Idempotency-Key` header the same key never places a second order: a repeat
   * answers with the same order (`Idempotent-Replayed: true`), the same key with another body is refused with 422, and
   * while the first request still runs a second one gets 409.
   */
  r.post('/orders', async (req, res) => {
    const keyHeader = req.get('Idempotency-Key')
    if (keyHeader !== undefined && !/^[\x21-\x7e]{1,255}$/.test(keyHeader)) return unprocessable(res, { idempotency_key: 'Idempotency-Key — от 1 до 255 печатных символов ASCII без пробелов' })
    const { input, errors } = checkoutInputOf(req)
    if (!input) return unprocessable(res, errors)
    if (keyHeader !== undefined) input.idempotency = { key: keyHeader, hash: sha256(canonical(req.body ?? {})) }
    const user = userOf(req)
    const outcome = await orders.checkout(memberOf(req), user.id, input, { kind: 'api', userId: user.id })
    if (outcome.ok) {
      if (outcome.replayed) res.setHeader('Idempotent-Replayed', 'true')
      return res.status(201).json(apiOrder(await orders.view(memberOf(req), outcome.order.number)))
    }
    if (outcome.kind === 'shortage') {
      return res.status(409).json({
        error: {
          status: 409,
          message: 'Не хватает товара на складе: заказ не оформлен, ничего не зарезервировано',
          short: outcome.short.map((s) => ({
            cart_id: s.cartId,
            line_id: s.lineId,
            product_id: s.productId,
            sku: s.sku,
            warehouse_id: s.warehouseId,
            requested: s.requestedMilli / 1000,
            available: s.availableMilli / 1000,
            components: s.components.map((c) => ({ product_id: c.productId, needed: c.neededMilli / 1000, available: c.availableMilli / 1000 })),
            message: s.message,
          })),
        },
      })
    }
    return unprocessable(res, outcome.errors, { lines: outcome.lines.map((l) => ({ cart_id: l.cartId, line_id: l.lineId, sku: l.sku, message: l.message })) })
  })

  /** The company's orders, newest first, with the history's filters (`number`, `from`, `to`, `status`, `product`, `min`, `max`, `point`, `payer`, `page`). */
  r.get('/orders', async (req, res) => {
    const filter = parseOrderFilter(req.query as Record<string, unknown>, config.timezone)
    const page = await orders.history(memberOf(req), filter)
    res.json({ items: page.rows.map(apiOrderSummary), page: filter.page, has_more: page.hasMore })
  })

  r.get('/orders/:number', async (req, res) => {
    res.json(apiOrder(await orders.view(memberOf(req), String(req.params.number))))
  })

  return r
}
