import express, { Router, type Request, type Response } from 'express'
import type { AppDeps } from '../app.js'
import { requireCompany } from '../http/auth.js'
import { field, safeReturnTo } from '../http/forms.js'
import { idParam, memberOf } from '../http/context.js'
import { contentDisposition } from '../files/rules.js'
import { formatDate } from '../shared/time.js'
import { NotFound } from '../shared/errors.js'
import { parseCatalogQuery, priceListFileName } from './rules.js'
import { presentCatalog, presentPriceCells, presentProduct } from './present.js'
import { catalogPartials } from './views.js'
import { writePriceList } from './xlsx.js'
import type { TypedRow } from './types.js'

/**
 * The catalog form posts a quantity and a packaging for every row on screen (two fields a row, a hundred rows a page, more
 * after «показать ещё»), past the app-wide limit of 200 fields. Mounted before the app-wide parser for the two paths that
 * receive it; body-parser leaves an already parsed body alone.
 */
export const catalogFormParser = express.urlencoded({ extended: false, limit: '200kb', parameterLimit: 1200 })

/** Paths that receive the catalog form, for `catalogFormParser`. */
export const CATALOG_FORM_PATHS = ['/cart/add', '/catalog/recalc']

/** `qty[<id>]` and `pack[<id>]` of a form body or query: what the buyer typed into each row. */
function typedRows(source: Record<string, unknown>): Map<number, TypedRow> {
  const out = new Map<number, TypedRow>()
  for (const [key, value] of Object.entries(source)) {
    const m = /^qty\[(\d{1,12})\]$/.exec(key)
    if (!m || typeof value !== 'string') continue
    const pack = source[`pack[${m[1]}]`]
    out.set(Number(m[1]), { text: value.slice(0, 20), packagingId: typeof pack === 'string' && /^\d{1,12}$/.test(pack) ? Number(pack) : null })
  }
  return out
}

/** A positive id in the query string, or null. */
function idQuery(req: Request, name: string): number | null {
  const v = req.query[name]
  return typeof v === 'string' && /^\d{1,12}$/.test(v) && Number(v) > 0 ? Number(v) : null
}

/**
 * The buyer's catalog: the listing (whole or one category, with search, filters and sort in the URL), the recalculation
 * without JavaScript, the live price cells of one row, the product card and the personal XLSX price list.
 */
export function catalogRoutes(deps: AppDeps): Router {
  const { catalog } = deps
  const r = Router()
  const partials = catalogPartials(deps.config.env !== 'development')

  async function renderList(req: Request, res: Response, params: Record<string, unknown>, categoryId: number | null, typed?: Map<number, TypedRow>) {
    const query = parseCatalogQuery(params, { categoryId })
    const vm = presentCatalog(await catalog.list(memberOf(req).id, query, typed, { versions: req.versions }))
    res.locals.searchQuery = query.q
    if (params.part === 'rows') {
      res.render('pages/catalog/rows', { layout: false, rows: vm.rows, moreUrl: vm.moreUrl, partials: partials() })
      return
    }
    res.render('pages/catalog/list', { ...vm, recalculated: !!typed, partials: partials() })
  }

  r.get('/catalog', requireCompany, async (req, res) => {
    await renderList(req, res, req.query, null)
  })

  r.get('/catalog/c/:id', requireCompany, async (req, res) => {
    await renderList(req, res, req.query, idParam(req))
  })

  /**
   * «Пересчитать» without JavaScript: the same listing (read from `return_to`, the page the form was on) rendered again
   * with the typed quantities kept and priced, so the buyer checks the sums before adding.
   */
  r.post('/catalog/recalc', requireCompany, async (req, res) => {
    const url = new URL(safeReturnTo(field(req, 'return_to'), '/catalog'), 'http://x')
    const m = /^\/catalog(?:\/c\/(\d{1,12}))?$/.exec(url.pathname)
    if (!m) throw new NotFound()
    const params: Record<string, unknown> = {}
    for (const key of new Set(url.searchParams.keys())) {
      const values = url.searchParams.getAll(key)
      params[key] = values.length > 1 ? values : values[0]
    }
    delete params.part
    // The page stands for the list it recalculated: the company switcher in the header returns there, not to this POST.
    res.locals.currentUrl = `${url.pathname}${url.search}`
    await renderList(req, res, params, m[1] ? Number(m[1]) : null, typedRows(req.body ?? {}))
  })

  /** The price cells of one row for `qty` (packagings, as typed) of `pack`: what the page swaps in as the buyer types. */
  r.get('/catalog/row/:productId', requireCompany, async (req, res) => {
    const productId = idParam(req, 'productId')
    const qty = typeof req.query.qty === 'string' ? req.query.qty.slice(0, 20) : ''
    const row = await catalog.row(memberOf(req).id, productId, { text: qty, packagingId: idQuery(req, 'pack') })
    res.set('Cache-Control', 'private, no-store')
    res.render('pages/catalog/cells', { layout: false, cells: presentPriceCells(row), partials: partials() })
  })

  r.get('/catalog/p/:sku', requireCompany, async (req, res) => {
    const card = await catalog.product(memberOf(req).id, String(req.params.sku ?? ''))
    res.render('pages/catalog/product', { ...presentProduct(card), partials: partials() })
  })

  // A product picture (from 1C's Картинка): sent by the files service with its detected type, nosniff and an ETag.
  r.get('/catalog/images/:id', requireCompany, async (req, res) => {
    const { file_id } = await catalog.imageFile(idParam(req, 'id'))
    const file = await deps.files.find(file_id)
    if (!file || file.purpose !== 'product_image') throw new NotFound('Картинка не найдена')
    await deps.files.send(req, res, file, 'inline')
  })

  r.get('/catalog/price-list.xlsx', requireCompany, async (req, res) => {
    const member = memberOf(req)
    const categoryId = idQuery(req, 'category')
    const categories = await catalog.categories()
    const category = categoryId === null ? null : categories.find((c) => c.id === categoryId)
    if (category === undefined) throw new NotFound('Такого раздела нет в каталоге')
    const date = formatDate(deps.clock.now().getTime(), deps.config.timezone)
    res.set({
      'Content-Type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      'Content-Disposition': contentDisposition('attachment', priceListFileName(member.name_short, category?.name ?? null, date)),
      'Cache-Control': 'private, no-store',
    })
    try {
      await writePriceList(res, {
        title: `Прайс-лист для ${member.name_short}${category ? ` — ${category.name}` : ''}`,
        subtitle: `Цены ${deps.config.supplierName} для вашей компании на ${date}, с НДС. Цена за упаковку — при заказе одной упаковки.`,
        warehouses: await catalog.warehouses(),
        rows: catalog.priceList(member.id, category?.id ?? null),
      })
    } catch (err) {
      // The file is half sent: cut the connection so the download fails visibly rather than hanging or saving a broken file.
      res.destroy()
      throw err
    }
  })

  return r
}
