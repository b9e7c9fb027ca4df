import { Router, type Request, type Response } from 'express'
import type { AppDeps } from '../app.js'
import { idParam, memberOf, userOf } from '../http/context.js'
import { Validation } from '../shared/errors.js'
import { parseQtyMilli } from '../shared/quantity.js'
import { apiCart, apiCartSummary } from './present.js'
import type { ApiLineRequest } from './service.js'

/** A JSON value as the text a form would send: numbers and strings as typed, anything else empty. */
function text(v: unknown, max = 500): string {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v)
  return typeof v === 'string' ? v.trim().slice(0, max) : ''
}

/** 422 with the field messages, the shape every API error has plus `fields`. */
function unprocessable(res: Response, e: Validation) {
  res.status(422).json({ error: { status: 422, message: Object.values(e.fields)[0] ?? e.message, fields: e.fields } })
}

/**
 * The lines of `POST /carts/{id}/lines`: each names a product by `sku` or `product_id`, an optional `packaging_id`, and
 * `qty` in the product's base unit (a number, or a string such as "1,5"). Malformed lines are reported by their position.
 */
function linesOf(req: Request): { lines: ApiLineRequest[]; errors: string[] } {
  const raw = (req.body as { lines?: unknown } | undefined)?.lines
  if (!Array.isArray(raw) || !raw.length) return { lines: [], errors: ['Передайте строки в поле lines: [{"sku": "…", "qty": 2}]'] }
  if (raw.length > 500) return { lines: [], errors: ['Не больше 500 строк за один запрос'] }
  const lines: ApiLineRequest[] = []
  const errors: string[] = []
  raw.forEach((l: Record<string, unknown> | null, i) => {
    const n = i + 1
    if (!l || typeof l !== 'object') return void errors.push(`Строка ${n}: ожидается объект`)
    const productId = typeof l.product_id === 'number' && Number.isSafeInteger(l.product_id) && l.product_id > 0 ? l.product_id : null
    const sku = text(l.sku, 100)
    const packagingId = l.packaging_id == null ? null : typeof l.packaging_id === 'number' && Number.isSafeInteger(l.packaging_id) && l.packaging_id > 0 ? l.packaging_id : NaN
    const qtyMilli = parseQtyMilli(text(l.qty, 20))
    if (!productId && !sku) return void errors.push(`Строка ${n}: укажите sku или product_id`)
    if (Number.isNaN(packagingId)) return void errors.push(`Строка ${n}: packaging_id — целое число`)
    if (qtyMilli === null || qtyMilli === 0) return void errors.push(`Строка ${n}: qty — положительное число в базовых единицах товара, например 2 или 1.5`)
    lines.push({ index: n, productId, sku, packagingId: packagingId as number | null, qtyMilli, comment: text(l.comment, 500) })
  })
  return { lines, errors }
}

/** The buyer API's carts, mounted inside the API router (Bearer token, JSON, the token's company). */
export function cartsApiRoutes(deps: AppDeps): Router {
  const { carts } = deps
  const r = Router()

  r.get('/carts', async (req, res) => {
    const [list, types] = await Promise.all([carts.list(memberOf(req)), carts.types({ all: true })])
    res.json({ items: list.map((c) => apiCartSummary(c, types)) })
  })

  r.get('/carts/:id', async (req, res) => {
    res.json(apiCart(await carts.view(memberOf(req), idParam(req))))
  })

  r.post('/carts', async (req, res) => {
    const b = (req.body ?? {}) as Record<string, unknown>
    try {
      const id = await carts.create(memberOf(req), userOf(req).id, {
        name: text(b.name, 200),
        cart_type_id: text(b.cart_type_id, 20),
        client_ref: text(b.client_ref, 400),
        payer_company_id: text(b.payer_company_id, 20),
        point_id: text(b.point_id, 20),
      })
      res.status(201).json(apiCart(await carts.view(memberOf(req), id)))
    } catch (e) {
      if (!(e instanceof Validation)) throw e
      unprocessable(res, e)
    }
  })

  r.post('/carts/:id/lines', async (req, res) => {
    const member = memberOf(req)
    const id = idParam(req)
    await carts.get(member, id)
    const { lines, errors } = linesOf(req)
    if (!lines.length) return unprocessable(res, new Validation('lines', { lines: errors[0] ?? 'Нет строк' }))
    const result = await carts.addApiLines(member, userOf(req).id, id, lines)
    res.json({ added: result.added, notes: result.notes, refused: [...errors, ...result.refused], cart: apiCart(await carts.view(member, id)) })
  })

  return r
}
