import { Router, type Request } from 'express'
import { rateLimit } from 'express-rate-limit'
import type { AppDeps } from '../app.js'
import { endSession, flash, requireUser, startSession } from '../http/auth.js'
import { field, rawField, safeReturnTo } from '../http/forms.js'
import { userOf } from '../http/context.js'
import { NotFound, Validation } from '../shared/errors.js'
import { companyInput, companyFormView } from '../companies/routes.js'
import type { PersonInput } from './service.js'

function personInput(req: Request): PersonInput {
  return {
    full_name: field(req, 'full_name', 200),
    email: field(req, 'email', 254),
    phone: field(req, 'phone', 32),
    password: rawField(req, 'password'),
    password2: rawField(req, 'password2'),
  }
}

/** Login, logout, registration, password reset and the person's own profile and sessions. */
export function accountsRoutes(deps: AppDeps): Router {
  const { accounts, companies, clock } = deps
  const r = Router()
  // A coarse per-IP brake in front of the per-account throttle kept in the database.
  const loginBrake = rateLimit({
    windowMs: 60_000,
    limit: deps.config.login.ipRatePerMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, res) =>
      res.status(429).render('pages/error', { title: 'Подождите', status: 429, message: 'Слишком много попыток с вашего адреса. Подождите минуту и попробуйте снова.' }),
  })

  r.get('/login', (req, res) => {
    if (req.user) return res.redirect(303, safeReturnTo(req.query.next))
    res.render('pages/accounts/login', {
      title: 'Вход',
      next: safeReturnTo(req.query.next, ''),
      expired: req.query.expired === '1',
    })
  })

  r.post('/login', loginBrake, async (req, res) => {
    const email = field(req, 'email', 254)
    const next = safeReturnTo(field(req, 'next'), '/')
    const result = await accounts.login(email, rawField(req, 'password'), req.ip ?? '')
    if (!result.ok) {
      const message =
        result.reason === 'throttled'
          ? 'Слишком много неудачных попыток входа. Подождите час или восстановите пароль по ссылке ниже.'
          : result.reason === 'inactive'
            ? 'Учётная запись отключена. Обратитесь к менеджеру поставщика.'
            : 'Неверный email или пароль'
      res.status(result.reason === 'throttled' ? 429 : 401).render('pages/accounts/login', { title: 'Вход', email, next, error: message })
      return
    }
    await startSession(req, result.user.id, clock.now().getTime())
    res.redirect(303, result.user.is_staff && next === '/' ? '/admin' : next)
  })

  r.post('/logout', async (req, res) => {
    await endSession(req)
    res.redirect(303, '/login')
  })

  r.get('/register', async (req, res) => {
    if (req.user) return res.redirect(303, '/')
    const invite = typeof req.query.invite === 'string' ? req.query.invite.slice(0, 100) : ''
    const invitation = invite ? await companies.invitationByToken(invite) : null
    res.render('pages/accounts/register', {
      title: 'Регистрация',
      person: { email: invitation?.email ?? '' },
      invite: invitation ? invite : '',
      invitation,
      ...companyFormView(deps, { is_person: false }, null, {}),
    })
  })

  r.post('/register', async (req, res) => {
    if (req.user) return res.redirect(303, '/')
    const person = personInput(req)
    const company = companyInput(req)
    const invite = field(req, 'invite', 100)
    const invitation = invite ? await companies.invitationByToken(invite) : null
    const render = (status: number, lookup: Awaited<ReturnType<typeof companies.lookup>> | null, errors: Record<string, string>) =>
      res.status(status).render('pages/accounts/register', {
        title: 'Регистрация',
        person,
        invite,
        invitation,
        inviteError: errors.invite,
        personErrors: errors,
        ...companyFormView(deps, company, lookup, errors),
      })
    if (field(req, 'action') === 'lookup') {
      const lookup = company.inn ? await companies.lookup(company.inn, company.kpp) : null
      return render(200, lookup, lookup?.status === 'invalid' ? { [lookup.field]: lookup.message } : {})
    }
    try {
      const { userId, companyId } = invitation
        ? await companies.registerInvited(person, invite)
        : await companies.register(person, company)
      await startSession(req, userId, clock.now().getTime())
      req.session.currentCompanyId = companyId
      flash(req, 'ok', invitation ? `Вы присоединились к компании ${invitation.company_name}` : 'Регистрация завершена. Добро пожаловать в кабинет!')
      res.redirect(303, '/')
    } catch (e) {
      if (!(e instanceof Validation)) throw e
      const lookup = invitation || company.is_person || !company.inn ? null : await companies.lookup(company.inn, company.kpp)
      render(422, lookup, e.fields)
    }
  })

  r.get('/password/forgot', (_req, res) => res.render('pages/accounts/forgot', { title: 'Восстановление пароля' }))

  r.post('/password/forgot', loginBrake, async (req, res) => {
    const email = field(req, 'email', 254)
    if (!email) {
      res.status(422).render('pages/accounts/forgot', { title: 'Восстановление пароля', error: 'Укажите email' })
      return
    }
    await accounts.requestPasswordReset(email)
    res.render('pages/accounts/forgot', { title: 'Восстановление пароля', email, sent: true })
  })

  r.get('/password/reset/:token', async (req, res) => {
    const valid = await accounts.resetTokenValid(String(req.params.token))
    res.status(valid ? 200 : 410).render('pages/accounts/reset', { title: 'Новый пароль', token: req.params.token, invalid: !valid })
  })

  r.post('/password/reset/:token', async (req, res) => {
    const token = String(req.params.token)
    const result = await accounts.resetPassword(token, rawField(req, 'password'), rawField(req, 'password2'))
    if (!result.ok) {
      res.status(422).render('pages/accounts/reset', { title: 'Новый пароль', token, errors: result.errors })
      return
    }
    flash(req, 'ok', 'Пароль изменён. Войдите с новым паролем.')
    res.redirect(303, '/login')
  })

  r.get('/account', requireUser, async (req, res) => {
    const sessions = await accounts.listSessions(userOf(req).id)
    res.render('pages/accounts/profile', {
      title: 'Профиль и безопасность',
      sessions: sessions.map((s) => ({ ...s, current: s.sid === req.sessionID, key: s.sid.slice(0, 8) })),
    })
  })

  r.post('/account/password', requireUser, async (req, res) => {
    const user = userOf(req)
    const errors = await accounts.changePassword(user.id, req.sessionID, rawField(req, 'current'), rawField(req, 'password'), rawField(req, 'password2'))
    if (Object.keys(errors).length) {
      const sessions = await accounts.listSessions(user.id)
      res.status(422).render('pages/accounts/profile', {
        title: 'Профиль и безопасность',
        errors,
        sessions: sessions.map((s) => ({ ...s, current: s.sid === req.sessionID, key: s.sid.slice(0, 8) })),
      })
      return
    }
    flash(req, 'ok', 'Пароль изменён; остальные сеансы завершены.')
    res.redirect(303, '/account')
  })

  r.post('/account/sessions/end-others', requireUser, async (req, res) => {
    const n = await accounts.endOtherSessions(userOf(req).id, req.sessionID)
    flash(req, 'ok', n ? `Завершено сеансов: ${n}` : 'Других сеансов нет')
    res.redirect(303, '/account')
  })

  r.post('/account/sessions/:key/end', requireUser, async (req, res) => {
    const user = userOf(req)
    const key = String(req.params.key)
    const target = (await accounts.listSessions(user.id)).find((s) => s.sid.slice(0, 8) === key && s.sid !== req.sessionID)
    if (!target) throw new NotFound('Сеанс не найден: возможно, он уже завершён')
    await accounts.endSession(user.id, target.sid)
    flash(req, 'ok', 'Сеанс завершён')
    res.redirect(303, '/account')
  })

  return r
}
