import { Router, type Request, type Response } from 'express'
import type { AppDeps } from '../app.js'
import { flash, requireStaff } from '../http/auth.js'
import { checkbox, field } from '../http/forms.js'
import { idParam, userOf } from '../http/context.js'
import { Validation } from '../shared/errors.js'
import { WAREHOUSE_KINDS, type WarehouseInput } from './rules.js'

function warehouseInput(req: Request): WarehouseInput {
  const int = (name: string) => {
    const t = field(req, name, 12)
    return /^-?\d{1,9}$/.test(t) ? Number(t) : Number.NaN
  }
  return {
    name: field(req, 'name', 200),
    kind: field(req, 'kind', 16),
    show_mode: field(req, 'show_mode', 8) as WarehouseInput['show_mode'],
    low_packagings: int('low_packagings'),
    sort: int('sort'),
  }
}

/** Staff pages of the catalog: how each warehouse's stock is shown to buyers (`/admin/warehouses`). */
export function catalogAdminRoutes(deps: AppDeps): Router {
  const admin = deps.catalog.warehouseAdmin
  const r = Router()
  r.use('/warehouses', requireStaff)

  async function render(res: Response, status: number, extra: { editId?: number; form?: Record<string, unknown>; errors?: Record<string, string> } = {}) {
    const rows = await admin.list()
    const kinds = Object.entries(WAREHOUSE_KINDS).map(([code, label]) => ({ code, label }))
    res.status(status).render('pages/catalog/warehouses', {
      title: 'Склады',
      bodyClass: 'admin-page',
      adminSection: 'warehouses',
      kinds,
      rows: rows.map((w) => {
        const mine = extra.editId === w.id
        return { ...w, form: mine ? extra.form : w, errors: mine ? extra.errors : {} }
      }),
      newForm: extra.editId === 0 ? extra.form : { kind: 'main', show_mode: 'status', low_packagings: 3, sort: rows.length + 1 },
      newErrors: extra.editId === 0 ? extra.errors : {},
    })
  }

  r.get('/warehouses', async (_req, res) => {
    await render(res, 200)
  })

  r.post('/warehouses', async (req, res) => {
    const input = warehouseInput(req)
    try {
      await admin.create(userOf(req).id, input)
      flash(req, 'ok', `Склад «${input.name}» добавлен`)
      res.redirect(303, '/admin/warehouses')
    } catch (e) {
      if (!(e instanceof Validation)) throw e
      await render(res, 422, { editId: 0, form: { ...input, low_packagings: field(req, 'low_packagings'), sort: field(req, 'sort') }, errors: e.fields })
    }
  })

  r.post('/warehouses/:id', async (req, res) => {
    const id = idParam(req)
    const input = { ...warehouseInput(req), is_active: checkbox(req, 'is_active') }
    try {
      await admin.update(userOf(req).id, id, input)
      flash(req, 'ok', `Склад «${input.name}» сохранён`)
      res.redirect(303, '/admin/warehouses')
    } catch (e) {
      if (!(e instanceof Validation)) throw e
      await render(res, 422, { editId: id, form: { ...input, low_packagings: field(req, 'low_packagings'), sort: field(req, 'sort') }, errors: e.fields })
    }
  })

  return r
}
