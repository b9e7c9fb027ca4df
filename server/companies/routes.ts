import { Router, type NextFunction, type Request, type Response } from 'express'
import { rateLimit } from 'express-rate-limit'
import type { AppDeps } from '../app.js'
import { flash, requireCompany, requireUser } from '../http/auth.js'
import { checkbox, field, safeReturnTo } from '../http/forms.js'
import { idParam, memberOf, userOf } from '../http/context.js'
import { Forbidden, Validation } from '../shared/errors.js'
import { SANDBOX_HINTS } from '../sandbox/dadata-fixtures.js'
import { groupDigits } from './bank.js'
import { EDO_OPERATORS, ROLES, ROLE_HINTS, ROLE_LABELS, can } from './rules.js'
import { bankFormOf, companyFormValues, partyValues, presentBankSection, presentCompany, presentLookup } from './present.js'
import type { BankAccountInput, CompanyInput, LookupOutcome } from './types.js'

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

/** Reads a bank account form; values are cut only far beyond the limits, so an overlong one is reported, not shortened. */
export function bankInput(req: Request): BankAccountInput {
  return {
    bik: field(req, 'bik', 40),
    account: field(req, 'account', 60),
    corr_account: field(req, 'corr_account', 60),
    bank_name: field(req, 'bank_name', 600),
    bank_city: field(req, 'bank_city', 200),
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

  /**
   * The company card with its bank accounts. `bank` carries the account form that did not pass (its values and errors, and
   * the id of the account being edited) so nothing typed is lost; `editBank` opens an account's form filled from the row.
   */
  const cardView = async (req: Request, extra: { bank?: { id: number | null; form: BankAccountInput; errors: Record<string, string> } } = {}) => {
    const member = memberOf(req)
    const accounts = await companies.listBankAccounts(member.id)
    return {
      title: 'Компания',
      company: presentCompany(member),
      canEdit: can(member.role, 'company.edit'),
      ...presentBankSection(accounts, can(member.role, 'bank.manage'), extra.bank ?? null),
    }
  }

  r.get('/company', requireCompany, async (req, res) => {
    const member = memberOf(req)
    res.render('pages/companies/card', { ...(await cardView(req)), ...companyFormView(deps, companyFormValues(member), null, {}) })
  })

  const requireBank = (req: Request, _res: Response, next: NextFunction) => {
    if (!can(memberOf(req).role, 'bank.manage')) return next(new Forbidden('Банковские реквизиты меняют владелец компании и бухгалтер'))
    next()
  }

  /** Renders the card again with the bank form that did not pass (422), the company form as stored. */
  const bankFailed = async (req: Request, res: Response, id: number | null, form: BankAccountInput, errors: Record<string, string>) => {
    res.status(422).render('pages/companies/card', { ...(await cardView(req, { bank: { id, form, errors } })), ...companyFormView(deps, companyFormValues(memberOf(req)), null, {}) })
  }

  r.post('/company/bank-accounts', requireCompany, requireBank, async (req, res) => {
    const input = bankInput(req)
    try {
      await companies.addBankAccount(memberOf(req), userOf(req).id, input)
      flash(req, 'ok', 'Банковский счёт добавлен')
      res.redirect(303, '/company#bank')
    } catch (e) {
      if (!(e instanceof Validation)) throw e
      await bankFailed(req, res, null, input, e.fields)
    }
  })

  r.get('/company/bank-accounts/:id/edit', requireCompany, requireBank, async (req, res) => {
    const member = memberOf(req)
    const row = await companies.bankAccount(member.id, idParam(req))
    res.render('pages/companies/card', {
      ...(await cardView(req, { bank: { id: row.id, form: bankFormOf(row), errors: {} } })),
      ...companyFormView(deps, companyFormValues(member), null, {}),
    })
  })

  r.post('/company/bank-accounts/:id', requireCompany, requireBank, async (req, res) => {
    const id = idParam(req)
    const input = bankInput(req)
    try {
      await companies.updateBankAccount(memberOf(req), userOf(req).id, id, input)
      flash(req, 'ok', 'Банковский счёт сохранён')
      res.redirect(303, '/company#bank')
    } catch (e) {
      if (!(e instanceof Validation)) throw e
      await bankFailed(req, res, id, input, e.fields)
    }
  })

  r.post('/company/bank-accounts/:id/main', requireCompany, requireBank, async (req, res) => {
    const row = await companies.setMainBankAccount(memberOf(req), userOf(req).id, idParam(req))
    flash(req, 'ok', `Основной счёт: ${row.bank_name}, р/с ${groupDigits(row.account)}`)
    res.redirect(303, '/company#bank')
  })

  r.post('/company/bank-accounts/:id/delete', requireCompany, requireBank, async (req, res) => {
    const row = await companies.removeBankAccount(memberOf(req), userOf(req).id, idParam(req))
    flash(req, 'ok', `Счёт ${groupDigits(row.account)} в ${row.bank_name} удалён`)
    res.redirect(303, '/company#bank')
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
        ...(await cardView(req)),
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
