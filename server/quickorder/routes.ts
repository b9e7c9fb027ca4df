import express, { Router, type Request, type Response } from 'express'
import type { AppDeps } from '../app.js'
import type { UploadGuard } from '../http/uploads.js'
import { flash, requireCompany } from '../http/auth.js'
import { field } from '../http/forms.js'
import { memberOf, userOf } from '../http/context.js'
import type { MemberCompany } from '../companies/types.js'
import { Validation } from '../shared/errors.js'
import { MAX_LINES, MAX_LINE_LENGTH, countStatuses, textRows } from './rules.js'
import { apiQuickOrder, parseColumnsField, presentQuickOrder, type CartOption } from './present.js'
import type { Choice, Columns, QuickOrderResult } from './types.js'

/** The longest paste read (a thousand long lines); the API and the textarea share it. */
export const MAX_TEXT = 400_000

/**
 * The result form posts every line back (its text and the pick of an ambiguous line: two fields a line, up to a thousand
 * lines), past the app-wide limits of 200 fields and 200 KB. Mounted before the app-wide parser for the paths receiving it.
 */
export const quickOrderFormParser = express.urlencoded({ extended: false, limit: '3mb', parameterLimit: 2 * MAX_LINES + 50 })

/** Paths that receive the paste or the result form, for `quickOrderFormParser`. */
export const QUICK_ORDER_FORM_PATHS = ['/quick-order', '/quick-order/check', '/quick-order/add']

/**
 * Lines sent back by the result form: `t[<line no>]` texts, `c[<line no>]` picks («<product id>.<line key>»), `cols`
 * header columns.
 */
function postedLines(req: Request): { rows: string[][]; choices: Map<number, Choice>; columns: Columns | null } {
  const body = (req.body ?? {}) as Record<string, unknown>
  const rows: string[][] = []
  const choices = new Map<number, Choice>()
  for (const [key, value] of Object.entries(body)) {
    if (typeof value !== 'string') continue
    const m = /^([tc])\[(\d{1,4})\]$/.exec(key)
    if (!m || Number(m[2]) < 1 || Number(m[2]) > MAX_LINES * 5) continue
    const no = Number(m[2])
    if (m[1] === 't') rows[no - 1] = textRows(value.slice(0, MAX_LINE_LENGTH))[0] ?? []
    else {
      const c = /^(\d{1,12})\.([0-9a-z]{1,13})$/.exec(value)
      if (c) choices.set(no, { productId: Number(c[1]), key: c[2]! })
    }
  }
  for (let i = 0; i < rows.length; i++) rows[i] ??= []
  return { rows, choices, columns: parseColumnsField(field(req, 'cols', 200)) }
}

/** Where «добавить в корзину» puts the lines (as the catalog says it): a cart's id, `new:<type id>`, or the current cart. */
function targetOf(value: string): { cartId?: number; newCartTypeId?: number | null } {
  if (/^\d{1,12}$/.test(value) && Number(value) > 0) return { cartId: Number(value) }
  const m = /^new:(\d{1,12}|none)$/.exec(value)
  if (m) return { newCartTypeId: m[1] === 'none' ? null : Number(m[1]) }
  return {}
}

/** Lines the buyer still has to deal with after the matched ones went to the cart. */
function leftover(r: QuickOrderResult): QuickOrderResult {
  const lines = r.lines.filter((l) => l.status === 'ambiguous' || l.status === 'unmatched' || l.status === 'inactive')
  return { ...r, lines, counts: countStatuses(lines), truncated: false, skipped: 0 }
}

/**
 * The quick order page (`/quick-order`): paste lines or upload XLSX/CSV, see every line matched, ambiguous (pick) or
 * unmatched (fix the text in place), check again, and add everything matched to a cart chosen by the buyer. Works without
 * JavaScript: every step is a form post that renders the table again with what was sent.
 */
export function quickOrderRoutes(deps: AppDeps & { upload: UploadGuard }): Router {
  const { quickOrder, carts, upload } = deps
  const r = Router()

  /** The company's carts (the current one first selected) and a new cart of each type. */
  async function cartOptions(member: MemberCompany, selected: string): Promise<CartOption[]> {
    const [list, types] = await Promise.all([carts.list(member), carts.types()])
    const current = list.reduce<(typeof list)[number] | null>((best, c) => (!best || c.last_used_at > best.last_used_at || (c.last_used_at === best.last_used_at && c.id > best.id) ? c : best), null)
    const sel = selected || (current ? String(current.id) : '')
    const out: CartOption[] = list.map((c) => ({ value: String(c.id), label: `${c.name}${c.positions ? ` · позиций: ${c.positions}` : ' · пустая'}`, selected: sel === String(c.id) }))
    if (!list.length) out.push({ value: '', label: 'Новая корзина', selected: sel === '' })
    for (const t of types) out.push({ value: `new:${t.id}`, label: `Новая корзина «${t.name}»`, selected: sel === `new:${t.id}` })
    return out
  }

  type RenderInput = Omit<Parameters<typeof presentQuickOrder>[0], 'prices' | 'carts'> & { cartValue?: string }

  async function render(req: Request, res: Response, status: number, o: RenderInput = {}) {
    const member = memberOf(req)
    const [prices, options] = await Promise.all([o.result ? quickOrder.price(member.id, o.result.lines) : Promise.resolve(null), cartOptions(member, o.cartValue ?? '')])
    res.status(status).render('pages/quickorder/page', presentQuickOrder({ ...o, prices, carts: options }))
  }

  r.get('/quick-order', requireCompany, async (req, res) => {
    await render(req, res, 200)
  })

  /** Pasted text (`text`): resolved and shown; nothing is stored. */
  r.post('/quick-order', requireCompany, async (req, res) => {
    const raw = (req.body as Record<string, unknown> | undefined)?.text
    const text = typeof raw === 'string' ? raw.slice(0, MAX_TEXT) : ''
    if (!text.trim()) {
      await render(req, res, 422, { text, errors: { text: 'Вставьте строки заказа: артикул или название и количество, по строке на товар' } })
      return
    }
    await render(req, res, 200, { text, result: await quickOrder.resolveText(text) })
  })

  /** An uploaded XLSX or CSV (`file`), checked by content; the CSRF token is in the action's query string. */
  r.post('/quick-order/upload', requireCompany, ...upload('file'), async (req, res) => {
    if (req.uploadError || !req.file) {
      await render(req, res, 422, { errors: { file: req.uploadError ?? 'Выберите файл XLSX или CSV' } })
      return
    }
    const sheet = await quickOrder.readFile(req.file.buffer)
    if (!sheet.ok) {
      await render(req, res, 422, { errors: { file: sheet.message } })
      return
    }
    const result = await quickOrder.resolveRows(sheet.rows)
    await render(req, res, 200, { result, source: `Файл «${req.file.originalname.slice(0, 200)}»` })
  })

  /** «Проверить снова»: the lines as the buyer fixed them, with the picks of ambiguous lines. */
  r.post('/quick-order/check', requireCompany, async (req, res) => {
    const { rows, choices, columns } = postedLines(req)
    const result = await quickOrder.resolveRows(rows, { choices, columns })
    await render(req, res, 200, { result, choices, cartValue: field(req, 'cart_id', 20) })
  })

  /**
   * «Добавить в корзину»: the lines are resolved again as sent (never trusted from the page), everything matched goes to
   * the chosen cart, and the buyer lands in it; lines still to fix stay on the page with the result of the adding.
   */
  r.post('/quick-order/add', requireCompany, async (req, res) => {
    const { rows, choices, columns } = postedLines(req)
    const cartValue = field(req, 'cart_id', 20)
    const result = await quickOrder.resolveRows(rows, { choices, columns })
    if (!result.counts.matched) {
      await render(req, res, 422, { result, choices, cartValue, errors: { add: 'Добавлять нечего: выберите товар в строках «выберите» или исправьте строки «не найдено»' } })
      return
    }
    let out: Awaited<ReturnType<typeof quickOrder.addToCart>>
    try {
      out = await quickOrder.addToCart(memberOf(req), userOf(req).id, result.lines, targetOf(cartValue))
    } catch (e) {
      if (!(e instanceof Validation)) throw e
      await render(req, res, 422, { result, choices, cartValue, errors: { add: Object.values(e.fields)[0] ?? e.message } })
      return
    }
    const cartUrl = `/carts/${out.cartId}`
    for (const n of out.refused) flash(req, 'error', n)
    const left = leftover(result)
    if (!left.lines.length) {
      flash(req, 'ok', `В корзину «${out.cartName}» добавлено позиций: ${out.added}`)
      res.redirect(303, cartUrl)
      return
    }
    await render(req, res, 200, { result: left, choices, added: { count: out.added, cartName: out.cartName, cartUrl }, errors: out.refused.length ? { add: out.refused.join('; ') } : {} })
  })

  return r
}

/** The buyer API's `POST /quick-order/resolve`: JSON `{ text }` → every line with its status (mounted under /api/v1). */
export function quickOrderApiRoutes(deps: Pick<AppDeps, 'quickOrder'>): Router {
  const r = Router()
  r.post('/quick-order/resolve', async (req, res) => {
    const text = (req.body as { text?: unknown } | undefined)?.text
    if (typeof text !== 'string' || !text.trim()) {
      res.status(422).json({ error: { status: 422, message: 'Передайте строки заказа в поле text (строка, по строке на товар)' } })
      return
    }
    if (text.length > MAX_TEXT) {
      res.status(422).json({ error: { status: 422, message: `Текст длиннее ${MAX_TEXT} символов: разбейте заказ на части` } })
      return
    }
    res.json(apiQuickOrder(await deps.quickOrder.resolveText(text)))
  })
  return r
}
