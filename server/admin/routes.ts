import { Router, type Request, type Response } from 'express'
import type { AppDeps } from '../app.js'
import type { UploadGuard } from '../http/uploads.js'
import { flash, requireStaff } from '../http/auth.js'
import { checkbox, field, rawField } from '../http/forms.js'
import { idParam, userOf } from '../http/context.js'
import { Validation } from '../shared/errors.js'
import { outboxBackUrl, outboxFilterOf, parsePage, parseStatusFilter } from './rules.js'
import { presentCard, presentListRow, presentOutboxFilter, presentOutboxRow, presentPaging, presentStaff, requisitesFormOf, statusOptions } from './present.js'
import type { ActionOutcome, CompanyFilter, RequisitesInput, StaffInput } from './types.js'
import { presentForAdmin } from '../documents/present.js'
import { companyInput } from '../companies/routes.js'

/** A trimmed query-string parameter (the first one when repeated), cut to `max` characters. */
function queryParam(req: Request, name: string, max = 200): string {
  const v = req.query[name]
  const s = Array.isArray(v) ? v[0] : v
  return typeof s === 'string' ? s.trim().slice(0, max) : ''
}

/** The filters of the companies list from the query string. */
function filterOf(req: Request): CompanyFilter {
  const unchecked = queryParam(req, 'unchecked', 5)
  return {
    q: queryParam(req, 'q', 200),
    status: parseStatusFilter(queryParam(req, 'status', 20)),
    uncheckedOnly: unchecked !== '' && unchecked !== '0',
    page: parsePage(queryParam(req, 'page', 10)),
  }
}

/** The requisites part of the card form: the buyer form's parsing, the fields staff may correct, and their check mark. */
function requisitesInput(req: Request): RequisitesInput {
  const { name_short, name_full, legal_form, kpp, ogrn, director_name, director_post, legal_address, postal_address } = companyInput(req)
  return { name_short, name_full, legal_form, kpp, ogrn, director_name, director_post, legal_address, postal_address, requisites_checked: checkbox(req, 'requisites_checked') }
}

/** The new staff account form; the password is taken as typed. */
function staffInput(req: Request): StaffInput {
  return {
    full_name: field(req, 'full_name', 200),
    email: field(req, 'email', 254),
    phone: field(req, 'phone', 32),
    password: rawField(req, 'password', 200),
  }
}

/**
 * The supplier staff area under /admin: the companies queue and card with verification, blocking and requisites
 * corrections, the outbox, and staff accounts. Everyone who is not staff gets 404 for every path here (anonymous visitors go
 * to the login page first); paths this router does not know fall through to the other /admin routers.
 */
export function adminRoutes(deps: AppDeps & { upload: UploadGuard }): Router {
  const { admin } = deps
  const r = Router()
  r.use(requireStaff)

  r.get('/', async (req, res) => {
    const filter = filterOf(req)
    const { rows, total, pages } = await admin.searchCompanies(filter)
    res.render('pages/admin/companies', {
      title: 'Компании',
      bodyClass: 'admin-page',
      adminSection: 'companies',
      filter,
      statusOptions: statusOptions(filter.status),
      rows: rows.map(presentListRow),
      paging: presentPaging(filter, total, pages),
    })
  })

  /** Renders the card, with the values and errors of a form that did not pass when there is one. */
  async function renderCard(req: Request, res: Response, status: number, extra: { form?: RequisitesInput; errors?: Record<string, string>; blockReason?: string; blockErrors?: Record<string, string> } = {}) {
    const card = await admin.companyCard(idParam(req))
    res.status(status).render('pages/admin/company', {
      title: card.company.name_short,
      bodyClass: 'admin-page',
      adminSection: 'companies',
      ...presentCard(card),
      documents: presentForAdmin(card.company.id, await deps.documents.listCompanyDocuments(card.company.id)),
      pricing: await deps.pricing.admin.cardTerms(card.company.id),
      form: extra.form ?? requisitesFormOf(card.company),
      errors: extra.errors ?? {},
      editing: !!extra.errors,
      blockReason: extra.blockReason ?? '',
      blockErrors: extra.blockErrors ?? {},
    })
  }

  /** Shows the outcome of a status button on the card the staff member came from. */
  function afterAction(req: Request, res: Response, outcome: ActionOutcome) {
    flash(req, outcome.ok ? 'ok' : 'error', outcome.message)
    res.redirect(303, `/admin/companies/${idParam(req)}`)
  }

  r.get('/companies/:id', async (req, res) => {
    await renderCard(req, res, 200)
  })

  r.post('/companies/:id/verify', async (req, res) => {
    afterAction(req, res, await admin.verify(userOf(req).id, idParam(req)))
  })

  r.post('/companies/:id/block', async (req, res) => {
    const reason = field(req, 'reason', 1000)
    try {
      afterAction(req, res, await admin.block(userOf(req).id, idParam(req), reason))
    } catch (e) {
      if (!(e instanceof Validation)) throw e
      await renderCard(req, res, 422, { blockReason: reason, blockErrors: e.fields })
    }
  })

  r.post('/companies/:id/unblock', async (req, res) => {
    afterAction(req, res, await admin.unblock(userOf(req).id, idParam(req)))
  })

  r.post('/companies/:id/requisites', async (req, res) => {
    const input = requisitesInput(req)
    try {
      const changed = await admin.editRequisites(userOf(req).id, idParam(req), input)
      flash(req, changed ? 'ok' : 'info', changed ? 'Реквизиты сохранены' : 'Изменений нет')
      res.redirect(303, `/admin/companies/${idParam(req)}`)
    } catch (e) {
      if (!(e instanceof Validation)) throw e
      await renderCard(req, res, 422, { form: input, errors: e.fields })
    }
  })

  r.get('/outbox', async (req, res) => {
    const filter = outboxFilterOf(queryParam(req, 'status', 20), queryParam(req, 'topic', 64))
    const { dead, failed, queued, sent, counts, topics } = await admin.outbox(filter)
    const show = (v: string) => filter.view === 'all' || filter.view === v || (v === 'queued' && (filter.view === 'pending' || filter.view === 'sending'))
    res.render('pages/admin/outbox', {
      title: 'Очередь отправки',
      bodyClass: 'admin-page',
      adminSection: 'outbox',
      ...presentOutboxFilter(filter, counts, topics),
      show: { dead: show('dead'), failed: show('failed'), queued: show('queued'), sent: show('sent') },
      dead: dead.map(presentOutboxRow),
      failed: failed.map(presentOutboxRow),
      queued: queued.map(presentOutboxRow),
      sent: sent.map(presentOutboxRow),
    })
  })

  r.post('/outbox/:id/retry', async (req, res) => {
    const id = idParam(req)
    const ok = await admin.retryOutbox(userOf(req).id, id)
    flash(req, ok ? 'ok' : 'error', ok ? `Сообщение №${id} снова в очереди` : `Сообщение №${id} уже не ждёт повтора: обновите страницу`)
    res.redirect(303, outboxBackUrl(field(req, 'back', 300)))
  })

  const staffPage = async (req: Request, extra: { form?: Partial<StaffInput>; errors?: Record<string, string> } = {}) => ({
    title: 'Сотрудники поставщика',
    bodyClass: 'admin-page',
    adminSection: 'staff',
    staff: (await admin.listStaff()).map((s) => presentStaff(s, userOf(req).id)),
    // The password is never echoed back into the form.
    form: { ...extra.form, password: '' },
    errors: extra.errors ?? {},
  })

  r.get('/staff', async (req, res) => {
    res.render('pages/admin/staff', await staffPage(req))
  })

  r.post('/staff', async (req, res) => {
    const input = staffInput(req)
    try {
      await admin.createStaff(userOf(req).id, input)
      flash(req, 'ok', `Сотрудник ${input.full_name} добавлен. Передайте ему временный пароль и попросите сменить его в профиле.`)
      res.redirect(303, '/admin/staff')
    } catch (e) {
      if (!(e instanceof Validation)) throw e
      res.status(422).render('pages/admin/staff', await staffPage(req, { form: input, errors: e.fields }))
    }
  })

  return r
}
