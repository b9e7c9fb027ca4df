import { Router, type Request, type Response } from 'express'
import type { AppDeps } from '../app.js'
import { flash, requireStaff } from '../http/auth.js'
import { checkbox, field } from '../http/forms.js'
import { idParam, userOf } from '../http/context.js'
import { Validation } from '../shared/errors.js'
import { WAREHOUSE_KINDS } from '../catalog/rules.js'
import { typeNote } from './present.js'
import { foldPackagingName } from './rules.js'
import type { CartTypeInput, CartTypeView } from './types.js'

/** The cart type form: the ticked packaging names plus any typed one per line of «другие упаковки». */
function cartTypeInput(req: Request): CartTypeInput {
  const raw = (req.body as Record<string, unknown> | undefined)?.packaging_names
  const ticked = (Array.isArray(raw) ? raw : [raw]).filter((v): v is string => typeof v === 'string').map((v) => v.slice(0, 200)).slice(0, 500)
  const extra = field(req, 'packaging_extra', 5000).split(/\r?\n/)
  return {
    name: field(req, 'name', 200),
    description: field(req, 'description', 1000),
    price_type_id: field(req, 'price_type_id', 20),
    all_packagings: checkbox(req, 'all_packagings'),
    packaging_names: [...ticked, ...extra],
    warehouse_id: field(req, 'warehouse_id', 20),
    sort: field(req, 'sort', 12),
    is_active: checkbox(req, 'is_active'),
  }
}

/** A type as its form shows it. */
function formOf(t: CartTypeView): CartTypeInput {
  return {
    name: t.name,
    description: t.description,
    price_type_id: String(t.price_type_id ?? ''),
    all_packagings: t.packaging_names === null,
    packaging_names: t.packaging_names ?? [],
    warehouse_id: String(t.warehouse_id ?? ''),
    sort: String(t.sort),
    is_active: t.is_active,
  }
}

/** Staff pages of carts: the cart types buyers see as tabs of their cart page (`/admin/cart-types`). */
export function cartTypesAdminRoutes(deps: AppDeps): Router {
  const admin = deps.carts.typesAdmin
  const r = Router()
  r.use('/cart-types', requireStaff)

  async function render(res: Response, status: number, extra: { editId?: number; form?: CartTypeInput; errors?: Record<string, string> } = {}) {
    const page = await admin.page()
    /** The choices of one form: price types, warehouses, and packaging names (the catalog's, plus any the form names). */
    const choicesFor = (form: CartTypeInput) => {
      const chosen = new Set(form.packaging_names.map(foldPackagingName))
      const known = new Set(page.packagings.map((p) => foldPackagingName(p.name)))
      return {
        priceTypes: page.priceTypes.map((t) => ({ id: t.id, name: t.name, selected: String(t.id) === form.price_type_id })),
        warehouses: page.warehouses.map((w) => ({ id: w.id, name: `${w.name} (${WAREHOUSE_KINDS[w.kind] ?? w.kind})${w.is_active ? '' : ', отключён'}`, selected: String(w.id) === form.warehouse_id })),
        packagings: page.packagings.map((p) => ({ name: p.name, products: p.products, checked: chosen.has(foldPackagingName(p.name)) })),
        extra: form.packaging_names.filter((n) => n.trim() && !known.has(foldPackagingName(n))).join('\n'),
      }
    }
    const blank: CartTypeInput = { name: '', description: '', price_type_id: '', all_packagings: true, packaging_names: [], warehouse_id: '', sort: String((page.types.length + 1) * 10), is_active: true }
    const newForm = extra.editId === 0 && extra.form ? extra.form : blank
    res.status(status).render('pages/carts/admin-types', {
      title: 'Типы корзин',
      bodyClass: 'admin-page',
      adminSection: 'cart-types',
      rows: page.types.map((t) => {
        const mine = extra.editId === t.id
        const form = mine && extra.form ? extra.form : formOf(t)
        return { ...t, action: `/admin/cart-types/${t.id}`, note: typeNote(t), open: mine, form, errors: mine ? extra.errors : {}, ...choicesFor(form) }
      }),
      newForm: { form: newForm, errors: extra.editId === 0 ? extra.errors : {}, open: extra.editId === 0, ...choicesFor(newForm) },
    })
  }

  r.get('/cart-types', async (_req, res) => {
    await render(res, 200)
  })

  r.post('/cart-types', async (req, res) => {
    const input = cartTypeInput(req)
    try {
      await admin.create(userOf(req).id, input)
      flash(req, 'ok', `Тип корзины «${input.name}» добавлен`)
      res.redirect(303, '/admin/cart-types')
    } catch (e) {
      if (!(e instanceof Validation)) throw e
      await render(res, 422, { editId: 0, form: input, errors: e.fields })
    }
  })

  r.post('/cart-types/:id', async (req, res) => {
    const id = idParam(req)
    const input = cartTypeInput(req)
    try {
      await admin.update(userOf(req).id, id, input)
      flash(req, 'ok', `Тип корзины «${input.name}» сохранён`)
      res.redirect(303, '/admin/cart-types')
    } catch (e) {
      if (!(e instanceof Validation)) throw e
      await render(res, 422, { editId: id, form: input, errors: e.fields })
    }
  })

  return r
}
