import { Router } from 'express'
import type { AppDeps } from '../app.js'
import { flash, requireStaff } from '../http/auth.js'
import { idParam, userOf } from '../http/context.js'
import { Validation } from '../shared/errors.js'

/**
 * «Открыть кабинет клиента» in the portal: staff start it from the company card in /admin (inside their own session), a
 * Bitrix24 manager's new tab exchanges the company tab's one-time ticket for a session (`/b24/cabinet/:ticket`), and «Выйти»
 * ends either. The read-only rule and the banner live in the identity middleware (`http/impersonation.ts`).
 */
export function impersonationRoutes(deps: AppDeps): Router {
  const { impersonation } = deps
  const r = Router()

  r.post('/admin/companies/:id/open-cabinet', requireStaff, async (req, res) => {
    const staff = userOf(req)
    try {
      req.session.impersonation = await impersonation.startForStaff(staff.id, staff.full_name, idParam(req))
    } catch (e) {
      if (!(e instanceof Validation)) throw e
      flash(req, 'error', e.message)
      return res.redirect(303, `/admin/companies/${idParam(req)}`)
    }
    res.redirect(303, '/')
  })

  r.get('/b24/cabinet/:ticket', async (req, res) => {
    const opened = await impersonation.redeem(String(req.params.ticket))
    if (!opened) {
      return res.status(410).render('pages/error', { title: 'Ссылка устарела', message: 'Ссылка на кабинет клиента одноразовая и действует две минуты. Нажмите «Открыть кабинет клиента» в карточке компании ещё раз.' })
    }
    // A fresh session for the view: nothing of a session this browser had before carries over into it.
    await new Promise<void>((resolve, reject) => req.session.regenerate((err) => (err ? reject(err) : resolve())))
    req.session.impersonation = opened
    req.session.createdAt = deps.clock.now().getTime()
    res.redirect(303, '/')
  })

  r.post('/impersonation/exit', async (req, res) => {
    const imp = req.session.impersonation
    if (!imp) return res.redirect(303, '/')
    await impersonation.end(imp, 'exit')
    delete req.session.impersonation
    if (imp.staffUserId && req.session.userId === imp.staffUserId) {
      flash(req, 'ok', `Вы вышли из кабинета клиента «${imp.companyName}»`)
      return res.redirect(303, `/admin/companies/${imp.companyId}`)
    }
    await new Promise<void>((resolve) => req.session.destroy(() => resolve()))
    res.render('pages/error', { title: 'Вы вышли из кабинета клиента', message: `Просмотр кабинета «${imp.companyName}» завершён. Эту вкладку можно закрыть.` })
  })

  return r
}
