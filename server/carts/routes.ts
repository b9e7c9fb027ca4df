import { Router } from 'express'
import type { AppDeps } from '../app.js'
import { flash, requireCompany } from '../http/auth.js'
import { field, safeReturnTo } from '../http/forms.js'
import { idParam, memberOf, userOf } from '../http/context.js'
import { parseQtyMilli } from '../shared/quantity.js'
import { presentCart } from './present.js'

/** The company's cart: lines with today's prices for this company, quantity changes and removal. */
export function cartsRoutes(deps: AppDeps): Router {
  const { carts } = deps
  const r = Router()

  /**
   * Adds every row of the catalog form with a quantity at once. Fields: `qty[<productId>]` (how many packagings, "1,5"
   * allowed) and `pack[<productId>]` (the packaging id); a plain `return_to` brings the buyer back to the same list.
   */
  r.post('/cart/add', requireCompany, async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>
    const bad: string[] = []
    const lines: { productId: number; packagingId: number | null; countMilli: number }[] = []
    for (const [key, value] of Object.entries(body)) {
      const m = /^qty\[(\d{1,12})\]$/.exec(key)
      if (!m || typeof value !== 'string' || !value.trim()) continue
      const countMilli = parseQtyMilli(value)
      if (countMilli === null) {
        bad.push(value.slice(0, 20))
        continue
      }
      const pack = body[`pack[${m[1]}]`]
      lines.push({ productId: Number(m[1]), packagingId: typeof pack === 'string' && /^\d{1,12}$/.test(pack) ? Number(pack) : null, countMilli })
    }
    const result = await carts.addCounts(memberOf(req), userOf(req).id, lines)
    if (bad.length) flash(req, 'error', `Не понял количество: ${bad.map((b) => `«${b}»`).join(', ')}. Пишите числом, например 2 или 1,5`)
    if (result.added) flash(req, 'ok', `Добавлено в корзину позиций: ${result.added}`)
    else if (!bad.length) flash(req, 'info', 'Укажите количество хотя бы в одной строке')
    for (const n of result.notes) flash(req, 'info', n)
    for (const n of result.refused) flash(req, 'error', n)
    res.redirect(303, safeReturnTo(field(req, 'return_to'), '/cart'))
  })

  r.get('/cart', requireCompany, async (req, res) => {
    res.render('pages/carts/cart', { title: 'Корзина', ...presentCart(await carts.view(memberOf(req))) })
  })

  r.post('/cart/lines/:id', requireCompany, async (req, res) => {
    const count = parseQtyMilli(field(req, 'qty', 20))
    if (count === null) {
      flash(req, 'error', `Количество — число, например 2 или 1,5 (вы ввели «${field(req, 'qty', 20)}»)`)
    } else {
      const note = await carts.setCount(memberOf(req), idParam(req), count)
      if (note) flash(req, 'info', note)
    }
    res.redirect(303, '/cart')
  })

  r.post('/cart/lines/:id/remove', requireCompany, async (req, res) => {
    await carts.removeLine(memberOf(req), idParam(req))
    res.redirect(303, '/cart')
  })

  return r
}
