import { Router, type Request, type Response } from 'express'
import type { AppDeps } from '../app.js'
import { flash, requireStaff } from '../http/auth.js'
import { checkbox, field } from '../http/forms.js'
import { idParam, userOf } from '../http/context.js'
import { Validation } from '../shared/errors.js'
import { WAREHOUSE_KINDS, type PackagingSizesInput, type WarehouseInput } from './rules.js'

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

/**
 * Staff pages of the catalog: how each warehouse's stock is shown to buyers (`/admin/warehouses`), and the shipping sizes of
 * a product's packagings found by article (`/admin/catalog/packagings?sku=…`), which CDEK delivery requests use.
 */
export function catalogAdminRoutes(deps: AppDeps): Router {
  const admin = deps.catalog.warehouseAdmin
  const packagings = deps.catalog.packagingAdmin
  const r = Router()
  r.use('/warehouses', requireStaff)
  r.use('/catalog', requireStaff)

  /** The packagings page: the article search, and the product's packagings with their sizes (typed values on error). */
  async function renderPackagings(res: Response, status: number, sku: string, typed?: Record<number, PackagingSizesInput>, errors: Record<string, string> = {}) {
    const found = sku ? await packagings.find(sku) : null
    const kg = (milli: number) => (milli / 1000).toLocaleString('ru-RU', { maximumFractionDigits: 3 })
    res.status(found || !sku ? status : 404).render('pages/catalog/packagings', {
      title: found ? `Упаковки · ${found.product.sku}` : 'Упаковки товаров',
      bodyClass: 'admin-page',
      adminSection: 'packagings',
      sku,
      skuError: sku && !found ? `Товар с артикулом «${sku}» не найден` : null,
      product: found
        ? { id: found.product.id, sku: found.product.sku, name: found.product.name, unit: found.product.base_unit, weightG: found.product.weight_grams }
        : null,
      rows: (found?.packagings ?? []).map((p) => {
        const t = typed?.[p.id]
        const v = (n: number | null) => (n === null || n === undefined ? '' : String(n))
        const e = (f: string) => errors[`${p.id}.${f}`] ?? null
        return {
          id: p.id,
          name: p.name,
          factor: kg(p.factor_milli),
          isDefault: p.is_default,
          weightG: t ? t.weightG : v(p.weight_g),
          lengthCm: t ? t.lengthCm : v(p.length_cm),
          widthCm: t ? t.widthCm : v(p.width_cm),
          heightCm: t ? t.heightCm : v(p.height_cm),
          complete: p.length_cm !== null && p.width_cm !== null && p.height_cm !== null,
          errors: { weightG: e('weightG'), lengthCm: e('lengthCm'), widthCm: e('widthCm'), heightCm: e('heightCm') },
        }
      }),
      hasErrors: Object.keys(errors).length > 0,
    })
  }

  r.get('/catalog/packagings', async (req, res) => {
    await renderPackagings(res, 200, String(req.query.sku ?? '').trim().slice(0, 100))
  })

  r.post('/catalog/packagings/:id', async (req, res) => {
    const productId = idParam(req)
    const sku = field(req, 'sku', 100)
    const typed: Record<number, PackagingSizesInput> = {}
    for (const key of Object.keys(req.body ?? {})) {
      const m = /^weight_(\d{1,10})$/.exec(key)
      if (!m) continue
      const id = Number(m[1])
      typed[id] = { weightG: field(req, `weight_${id}`, 20), lengthCm: field(req, `length_${id}`, 20), widthCm: field(req, `width_${id}`, 20), heightCm: field(req, `height_${id}`, 20) }
    }
    try {
      const n = await packagings.save(userOf(req).id, productId, typed)
      flash(req, 'ok', n === 1 ? 'Размеры упаковки сохранены' : `Размеры упаковок сохранены (${n})`)
      res.redirect(303, `/admin/catalog/packagings?sku=${encodeURIComponent(sku)}`)
    } catch (e) {
      if (!(e instanceof Validation)) throw e
      await renderPackagings(res, 422, sku, typed, e.fields)
    }
  })

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
