import { Router, type Request } from 'express'
import { rateLimit } from 'express-rate-limit'
import type { AppDeps } from '../app.js'
import { flash, requireCompany, requireUser } from '../http/auth.js'
import { checkbox, field, safeReturnTo } from '../http/forms.js'
import { idParam, memberOf, userOf } from '../http/context.js'
import { Validation } from '../shared/errors.js'
import { SANDBOX_HINTS } from '../sandbox/dadata-fixtures.js'
import { EDO_OPERATORS, ROLES, ROLE_HINTS, ROLE_LABELS, can } from './rules.js'
import { companyFormValues, partyValues, presentCompany, presentLookup } from './present.js'
import type { CompanyInput, LookupOutcome } from './types.js'

/** Reads the company part of a form. */
export function companyInput(req: Request): CompanyInput {
  return {
    is_person: checkbox(req, 'is_person'),
    inn: field(req, 'inn', 20).replace(/\s/g, ''),
    kpp: field(req, 'kpp', 20).replace(/\s/g, '').toUpperCase(),
    ogrn: field(req, 'ogrn', 20).replace(/\s/g, ''),
    name_short: field(req, 'name_short', 300),
    name_full: field(req, 'name_full', 500),
    legal_form: field(req, 'legal_form', 100),
    director_name: field(req, 'director_name', 200),
    director_post: field(req, 'director_post', 200),
    legal_address: field(req, 'legal_address', 500),
    postal_address: field(req, 'postal_address', 500),
    docs_email: field(req, 'docs_email', 254),
    docs_phone: field(req, 'docs_phone', 32),
    edo_enabled: checkbox(req, 'edo_enabled'),
    edo_operator: field(req, 'edo_operator', 32),
    edo_participant_id: field(req, 'edo_participant_id', 64),
  }
}

/**
 * The view-model of the company form partial: the person's values (DaData's where it found the company), the lookup card,
 * the branch choice, EDO operators and the sandbox hint.
 */
export function companyFormView(deps: AppDeps, input: Partial<CompanyInput>, lookup: LookupOutcome | null, errors: Record<string, string>) {
  const form: Partial<CompanyInput> = { ...input }
  if (lookup?.status === 'found' || lookup?.status === 'refused') Object.assign(form, partyValues(lookup.party))
  return {
    form,
    errors,
    lookup: lookup ? presentLookup(lookup, form.kpp ?? '') : null,
    edoOperators: Object.entries(EDO_OPERATORS).map(([code, name]) => ({ code, name, selected: code === form.edo_operator })),
    sandboxHints: deps.config.dadata.sandbox ? SANDBOX_HINTS : null,
  }
}

/** The cabinet home, the current company card, adding and switching companies, members and invitations. */
export function companiesRoutes(deps: AppDeps): Router {
  const { companies } = deps
  const r = Router()
  // DaData lookups cost quota: a person gets a few per minute (BUSL-05).
  const lookupBrake = rateLimit({
    windowMs: 60_000,
    limit: 20,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, res) =>
      res.status(429).json({ status: 'unavailable', ok: false, manual: true, message: 'Слишком много проверок ИНН подряд: подождите минуту или заполните реквизиты вручную.' }),
  })

  r.get('/', requireCompany, async (req, res) => {
    const member = memberOf(req)
    res.render('pages/companies/home', {
      title: 'Кабинет',
      company: presentCompany(member),
      canEdit: can(member.role, 'company.edit'),
    })
  })

  r.get('/lookup/party', lookupBrake, async (req, res) => {
    const inn = String(req.query.inn ?? '').replace(/\s/g, '').slice(0, 20)
    const kpp = String(req.query.kpp ?? '').replace(/\s/g, '').toUpperCase().slice(0, 20)
    res.set('Cache-Control', 'no-store').json(presentLookup(await companies.lookup(inn, kpp), kpp))
  })

  r.post('/companies/switch', requireUser, async (req, res) => {
    const id = Number(field(req, 'company_id', 12))
    const target = (req.companies ?? []).find((c) => c.id === id)
    if (target) {
      req.session.currentCompanyId = target.id
      flash(req, 'info', `Текущая компания: ${target.name_short}`)
    }
    res.redirect(303, safeReturnTo(field(req, 'return_to'), '/'))
  })

  r.get('/companies/new', requireUser, (req, res) => {
    res.render('pages/companies/new', { title: 'Новая компания', ...companyFormView(deps, { is_person: false }, null, {}) })
  })

  r.post('/companies/new', requireUser, async (req, res) => {
    const input = companyInput(req)
    const render = (status: number, lookup: LookupOutcome | null, errors: Record<string, string>) =>
      res.status(status).render('pages/companies/new', { title: 'Новая компания', ...companyFormView(deps, input, lookup, errors) })
    if (field(req, 'action') === 'lookup') {
      const lookup = input.inn ? await companies.lookup(input.inn, input.kpp) : null
      return render(200, lookup, lookup?.status === 'invalid' ? { [lookup.field]: lookup.message } : {})
    }
    try {
      const id = await companies.addCompany(userOf(req).id, input)
      req.session.currentCompanyId = id
      flash(req, 'ok', 'Компания добавлена и выбрана текущей')
      res.redirect(303, '/company')
    } catch (e) {
      if (!(e instanceof Validation)) throw e
      const lookup = input.is_person || !input.inn ? null : await companies.lookup(input.inn, input.kpp)
      render(422, lookup, e.fields)
    }
  })

  r.get('/company', requireCompany, (req, res) => {
    const member = memberOf(req)
    res.render('pages/companies/card', {
      title: 'Компания',
      company: presentCompany(member),
      canEdit: can(member.role, 'company.edit'),
      ...companyFormView(deps, companyFormValues(member), null, {}),
    })
  })

  r.post('/company', requireCompany, async (req, res) => {
    const member = memberOf(req)
    const input = companyInput(req)
    try {
      await companies.updateCompany(member, userOf(req).id, input)
      flash(req, 'ok', 'Изменения сохранены')
      res.redirect(303, '/company')
    } catch (e) {
      if (!(e instanceof Validation)) throw e
      res.status(422).render('pages/companies/card', {
        title: 'Компания',
        company: presentCompany(member),
        canEdit: true,
        editing: true,
        ...companyFormView(deps, { ...input, is_person: member.kind === 'person' }, null, e.fields),
      })
    }
  })

  const membersPage = async (req: Request, extra: Record<string, unknown> = {}) => {
    const member = memberOf(req)
    const [members, invitations] = await Promise.all([companies.listMembers(member.id), companies.listInvitations(member.id)])
    const owner = can(member.role, 'members.manage')
    return {
      title: 'Сотрудники',
      canManage: owner,
      members: members.map((m) => ({ ...m, isMe: m.user_id === userOf(req).id })),
      invitations,
      roles: ROLES.map((code) => ({ code, label: ROLE_LABELS[code], hint: ROLE_HINTS[code] })),
      ...extra,
    }
  }

  r.get('/company/members', requireCompany, async (req, res) => {
    res.render('pages/companies/members', await membersPage(req, { invite: { role: 'buyer' } }))
  })

  r.post('/company/members/invite', requireCompany, async (req, res) => {
    const invite = { email: field(req, 'email', 254), role: field(req, 'role', 16) }
    try {
      await companies.invite(memberOf(req), userOf(req).id, invite.email, invite.role)
      flash(req, 'ok', `Приглашение отправлено на ${invite.email}`)
      res.redirect(303, '/company/members')
    } catch (e) {
      if (!(e instanceof Validation)) throw e
      res.status(422).render('pages/companies/members', await membersPage(req, { invite, inviteErrors: e.fields }))
    }
  })

  r.post('/company/members/:id/role', requireCompany, async (req, res) => {
    try {
      await companies.changeRole(memberOf(req), userOf(req).id, idParam(req), field(req, 'role', 16))
      flash(req, 'ok', 'Роль изменена')
    } catch (e) {
      if (!(e instanceof Validation)) throw e
      flash(req, 'error', Object.values(e.fields)[0] ?? e.message)
    }
    res.redirect(303, '/company/members')
  })

  r.post('/company/members/:id/remove', requireCompany, async (req, res) => {
    try {
      await companies.removeMember(memberOf(req), userOf(req).id, idParam(req))
      flash(req, 'ok', 'Сотрудник удалён из компании')
    } catch (e) {
      if (!(e instanceof Validation)) throw e
      flash(req, 'error', Object.values(e.fields)[0] ?? e.message)
    }
    res.redirect(303, '/company/members')
  })

  r.post('/company/invitations/:id/revoke', requireCompany, async (req, res) => {
    await companies.revokeInvitation(memberOf(req), idParam(req))
    flash(req, 'ok', 'Приглашение отозвано')
    res.redirect(303, '/company/members')
  })

  r.get('/invitations/:token', async (req, res) => {
    const token = String(req.params.token).slice(0, 100)
    const invitation = await companies.invitationByToken(token)
    res.status(invitation ? 200 : 404).render('pages/companies/invitation', {
      title: 'Приглашение',
      invitation: invitation ? { ...invitation, roleLabel: ROLE_LABELS[invitation.role] } : null,
      token,
      next: encodeURIComponent(`/invitations/${token}`),
    })
  })

  r.post('/invitations/:token/accept', requireUser, async (req, res) => {
    const companyId = await companies.acceptInvitation(String(req.params.token).slice(0, 100), userOf(req).id)
    req.session.currentCompanyId = companyId
    flash(req, 'ok', 'Вы присоединились к компании')
    res.redirect(303, '/company')
  })

  return r
}
