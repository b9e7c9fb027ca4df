import express, { Router, type NextFunction, type Request, type Response } from 'express'
import type { AppDeps } from '../app.js'
import { flash, requireCompany } from '../http/auth.js'
import { field, safeReturnTo } from '../http/forms.js'
import { idParam, memberOf, userOf } from '../http/context.js'
import { Validation } from '../shared/errors.js'
import { parseQtyMilli } from '../shared/quantity.js'
import { cartUrl, presentCartPage, presentMiniCart, type CartPageInput } from './present.js'
import { parseLineEdits, positionsWord, selectedIds, type LineEdit } from './rules.js'
import type { CartTarget } from './service.js'
import type { CartSettingsInput, NewCartInput } from './types.js'

/**
 * The cart page's form posts a quantity and a comment for every line and a checkbox per selected line: a cart of 200
 * lines is 600 fields, past the app-wide limit of 200. Mounted before the app-wide parser for the path that receives it.
 */
export const cartFormParser = express.urlencoded({ extended: false, limit: '500kb', parameterLimit: 2000 })

/** Paths that receive the cart page's lines form, for `cartFormParser`. */
export const CART_FORM_PATHS = ['/carts/:id/lines']

/** Where «добавить в корзину» puts the lines: `cart_id` is a cart's id, `new:<type id>` or `new:none` a new cart. */
function targetOf(req: Request): CartTarget {
  const v = field(req, 'cart_id', 20)
  if (/^\d{1,12}$/.test(v) && Number(v) > 0) return { cartId: Number(v) }
  const m = /^new:(\d{1,12}|none)$/.exec(v)
  if (m) return { newCartTypeId: m[1] === 'none' ? null : Number(m[1]) }
  return {}
}

/** `?type=<id>` or `?type=none` of the cart page: the tab of a cart type; undefined when absent or malformed. */
function typeQuery(req: Request): number | null | undefined {
  const v = req.query.type
  if (v === 'none') return null
  return typeof v === 'string' && /^\d{1,12}$/.test(v) && Number(v) > 0 ? Number(v) : undefined
}

function settingsInput(req: Request): CartSettingsInput {
  return { name: field(req, 'name', 200), client_ref: field(req, 'client_ref', 400), payer_company_id: field(req, 'payer_company_id', 20), point_id: field(req, 'point_id', 20) }
}

/**
 * The company's carts: the cart page with type tabs and the carts of each type, creating, renaming, copying, clearing and
 * deleting carts, quantities and comments of lines, moving and copying lines between carts, and the catalog's
 * «добавить в корзину». Every form works without JavaScript and comes back with what was typed when something is wrong.
 */
export function cartsRoutes(deps: AppDeps): Router {
  const { carts } = deps
  const r = Router()

  type PageExtra = Omit<CartPageInput, 'view' | 'carts' | 'types' | 'typeKey' | 'choices' | 'canEdit'>

  /** Renders the cart page for a cart, a type's tab, or the current cart, with forms as they were sent. */
  async function renderPage(req: Request, res: Response, status: number, sel: { cartId?: number; typeId?: number | null; markUsed?: boolean }, extra: PageExtra = {}) {
    const page = await carts.page(memberOf(req), userOf(req).id, sel)
    const typeKey = sel.typeId === undefined ? null : sel.typeId === null ? 'none' : String(sel.typeId)
    res.status(status).render('pages/carts/cart', presentCartPage({ ...page, typeKey, ...extra }))
  }

  /**
   * Adds every row of the catalog form with a quantity at once. Fields: `qty[<productId>]` (how many packagings, "1,5"
   * allowed), `pack[<productId>]` (the packaging id) and `cart_id` (see `targetOf`; none: the current cart); a plain
   * `return_to` brings the buyer back to the same list.
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
    const target = targetOf(req)
    // Nothing to add must not make an empty «новая корзина».
    const result = lines.some((l) => l.countMilli > 0) || !('newCartTypeId' in target) ? await carts.addCounts(memberOf(req), userOf(req).id, lines, target) : null
    if (bad.length) flash(req, 'error', `Не понял количество: ${bad.map((b) => `«${b}»`).join(', ')}. Пишите числом, например 2 или 1,5`)
    if (result?.added) flash(req, 'ok', `Добавлено в корзину «${result.cartName}»: ${positionsWord(result.added)}`)
    else if (!bad.length) flash(req, 'info', 'Укажите количество хотя бы в одной строке')
    for (const n of result?.notes ?? []) flash(req, 'info', n)
    for (const n of result?.refused ?? []) flash(req, 'error', n)
    res.redirect(303, safeReturnTo(field(req, 'return_to'), '/cart'))
  })

  /** The current cart, or with `?type=` the latest cart of that type (an empty tab when the company has none). */
  r.get('/cart', requireCompany, async (req, res) => {
    await renderPage(req, res, 200, { typeId: typeQuery(req) })
  })

  /** One cart; opening it makes it the current cart (the catalog adds to it by default). */
  r.get('/carts/:id', requireCompany, async (req, res) => {
    await renderPage(req, res, 200, { cartId: idParam(req), markUsed: true })
  })

  r.post('/carts', requireCompany, async (req, res) => {
    const form: NewCartInput = { ...settingsInput(req), cart_type_id: field(req, 'cart_type_id', 20) }
    try {
      const id = await carts.create(memberOf(req), userOf(req).id, form)
      flash(req, 'ok', `Корзина «${form.name}» создана`)
      res.redirect(303, cartUrl(id))
    } catch (e) {
      if (!(e instanceof Validation)) throw e
      const typeId = /^\d{1,12}$/.test(form.cart_type_id) ? Number(form.cart_type_id) : undefined
      await renderPage(req, res, 422, { typeId }, { newCart: { form, errors: e.fields } })
    }
  })

  r.post('/carts/:id/settings', requireCompany, async (req, res) => {
    const id = idParam(req)
    const form = settingsInput(req)
    try {
      await carts.updateSettings(memberOf(req), userOf(req).id, id, form)
      flash(req, 'ok', 'Корзина сохранена')
      res.redirect(303, cartUrl(id))
    } catch (e) {
      if (!(e instanceof Validation)) throw e
      await renderPage(req, res, 422, { cartId: id }, { settings: { form, errors: e.fields } })
    }
  })

  r.post('/carts/:id/copy', requireCompany, async (req, res) => {
    const id = await carts.copy(memberOf(req), userOf(req).id, idParam(req))
    flash(req, 'ok', 'Корзина скопирована со всеми строками')
    res.redirect(303, cartUrl(id))
  })

  r.post('/carts/:id/clear', requireCompany, async (req, res) => {
    const id = idParam(req)
    const n = await carts.clear(memberOf(req), id)
    flash(req, 'ok', n ? `Корзина очищена: убрано ${positionsWord(n)}` : 'Корзина и так пуста')
    res.redirect(303, cartUrl(id))
  })

  r.post('/carts/:id/delete', requireCompany, async (req, res) => {
    const name = await carts.remove(memberOf(req), idParam(req))
    flash(req, 'ok', `Корзина «${name}» удалена`)
    res.redirect(303, '/cart')
  })

  /**
   * The lines form of the cart page. Every button first saves what was typed into the quantities and comments (all of
   * it or, when one field is wrong, nothing: the page comes back with the messages and every typed value), then does its
   * action: `action=save`, `remove=<line id>`, or `action=move` / `action=copy` of the ticked lines (`sel`) to `to_cart`.
   */
  r.post('/carts/:id/lines', requireCompany, async (req, res) => {
    const id = idParam(req)
    const member = memberOf(req)
    const body = (req.body ?? {}) as Record<string, unknown>
    const edits = parseLineEdits(body)
    const selected = selectedIds(body.sel)
    if (edits.some((e) => e.error)) {
      const typed = new Map<number, LineEdit>(edits.map((e) => [e.lineId, e]))
      await renderPage(req, res, 422, { cartId: id }, { typed, selected })
      return
    }
    for (const n of await carts.saveLines(member, id, edits)) flash(req, 'info', n)
    const removeId = field(req, 'remove', 20)
    const action = field(req, 'action', 10)
    if (/^\d{1,12}$/.test(removeId)) {
      await carts.removeLine(member, Number(removeId))
      flash(req, 'ok', 'Строка удалена')
    } else if (action === 'move' || action === 'copy') {
      const to = field(req, 'to_cart', 20)
      const problem = !selected.length ? 'Отметьте строки, которые нужно перенести или скопировать' : !/^\d{1,12}$/.test(to) ? 'Выберите корзину, куда перенести строки' : null
      if (problem) {
        await renderPage(req, res, 422, { cartId: id }, { transferError: problem, selected })
        return
      }
      try {
        const result = await carts.transfer(member, id, selected, Number(to), action)
        if (result.done) flash(req, 'ok', `${action === 'move' ? 'Перенесено' : 'Скопировано'} в корзину «${result.toName}»: ${positionsWord(result.done)}`)
        for (const n of result.refused) flash(req, 'error', n)
      } catch (e) {
        if (!(e instanceof Validation)) throw e
        await renderPage(req, res, 422, { cartId: id }, { transferError: Object.values(e.fields)[0] ?? e.message, selected })
        return
      }
    } else if (edits.length) {
      flash(req, 'ok', 'Количества и комментарии сохранены')
    }
    res.redirect(303, cartUrl(id))
  })

  /** One line's quantity in packagings (the first cart page's form; the lines form above does the same for many). */
  r.post('/cart/lines/:id', requireCompany, async (req, res) => {
    const count = parseQtyMilli(field(req, 'qty', 20))
    if (count === null) {
      flash(req, 'error', `Количество — число, например 2 или 1,5 (вы ввели «${field(req, 'qty', 20)}»)`)
      res.redirect(303, '/cart')
      return
    }
    const { cartId, note } = await carts.setCount(memberOf(req), idParam(req), count)
    if (note) flash(req, 'info', note)
    res.redirect(303, cartUrl(cartId))
  })

  r.post('/cart/lines/:id/remove', requireCompany, async (req, res) => {
    const cartId = await carts.removeLine(memberOf(req), idParam(req))
    res.redirect(303, cartUrl(cartId))
  })

  return r
}

/**
 * Puts the mini-cart into every page a person with a company sees (the header's per-cart totals by category, and the
 * cart choice of the catalog's «добавить в корзину»). It is read when a page is actually rendered with the layout, not
 * for redirects, fragments or JSON, and a failure to read it leaves the header without it rather than failing the page.
 */
export function miniCartLocals(deps: Pick<AppDeps, 'carts' | 'logger'>) {
  return function miniCart(req: Request, res: Response, next: NextFunction) {
    const member = req.member
    if (!member) return next()
    const render = res.render.bind(res)
    res.render = ((view: string, options?: object | ((err: Error, html: string) => void), callback?: (err: Error, html: string) => void) => {
      const opts = typeof options === 'function' ? undefined : (options as Record<string, unknown> | undefined)
      const cb = typeof options === 'function' ? (options as (err: Error, html: string) => void) : callback
      if (opts?.layout === false || res.locals.miniCart !== undefined) return render(view, opts, cb)
      deps.carts
        .mini(member, req.versions)
        .then((m) => {
          res.locals.miniCart = presentMiniCart(m)
        })
        .catch((err: unknown) => {
          res.locals.miniCart = null
          deps.logger.warn({ err, reqId: req.id }, 'mini-cart failed')
        })
        .finally(() => render(view, opts, cb))
    }) as Response['render']
    next()
  }
}
