import type { Request, Response } from 'express'
import type { AccountsService } from '../accounts/service.js'
import type { CompaniesService } from '../companies/service.js'
import type { Clock } from '../shared/clock.js'
import type { ImpersonationService, SessionImpersonation } from '../impersonation/service.js'
import { formatDateTime } from '../shared/time.js'
import type { Db } from '../db/knex.js'
import { readVersions } from '../db/versions.js'

declare module 'express-session' {
  interface SessionData {
    /** «Открыть кабинет клиента»: the company a manager is looking at, read-only, until `expiresAt`. */
    impersonation?: SessionImpersonation
  }
}

/** The only POSTs a manager's read-only view of a cabinet lets through. */
const ALLOWED_POSTS = new Set(['/impersonation/exit', '/logout'])

export const READ_ONLY_MESSAGE = 'Кабинет клиента открыт только для просмотра: менеджер не может ничего менять от имени клиента. Чтобы вернуться, нажмите «Выйти» в жёлтой полосе вверху.'

/**
 * The identity middleware's branch for a session that views a company's cabinet as a manager: the pages are shown as the
 * company's first owner with only that company, a banner says so, and every state-changing request except «Выйти» is
 * refused with a Russian message before any route runs. A view past its time ends (staff go back to their own session, a
 * Bitrix24 manager's session ends). Returns true when it has answered the request itself.
 */
export async function applyImpersonation(
  req: Request,
  res: Response,
  deps: { db: Db; clock: Clock; accounts: AccountsService; companies: CompaniesService; impersonation?: ImpersonationService; config: { timezone: string } },
): Promise<boolean> {
  const s = req.session
  const imp = s.impersonation!
  const now = deps.clock.now().getTime()
  if (now >= imp.expiresAt) {
    await deps.impersonation?.end(imp, 'expired')
    delete s.impersonation
    if (imp.staffUserId && s.userId === imp.staffUserId) {
      s.flash = [...(s.flash ?? []), { type: 'info', text: 'Время просмотра кабинета клиента истекло' }]
      res.redirect(303, `/admin/companies/${imp.companyId}`)
    } else {
      await new Promise<void>((r) => s.destroy(() => r()))
      res.status(200).render('pages/error', { title: 'Просмотр кабинета клиента завершён', message: 'Время просмотра истекло. Откройте кабинет клиента ещё раз из карточки компании в Битрикс24.' })
    }
    return true
  }
  const [user, member] = await Promise.all([deps.accounts.findById(imp.viewerId), deps.companies.forMember(imp.viewerId, imp.companyId)])
  if (!user || !member) {
    delete s.impersonation
    res.status(404).render('pages/error', { title: 'Кабинет недоступен', message: 'Этого сотрудника или компании больше нет в кабинете.' })
    return true
  }
  req.versions = await readVersions(deps.db)
  req.user = user
  req.member = member
  req.companies = [member]
  res.locals.impersonation = { companyName: imp.companyName, manager: imp.manager, until: formatDateTime(imp.expiresAt, deps.config.timezone) }
  // The layout turns this into `body.read-only` with read-only.css and read-only.js: every control that posts (except
  // «Выйти») is shown disabled with «только просмотр». The 403 below stays the real guard.
  res.locals.readOnly = true
  // Logging out ends the view too; it is recorded as an exit.
  if (req.method === 'POST' && req.path === '/logout') await deps.impersonation?.end(imp, 'exit')
  if (req.method !== 'GET' && req.method !== 'HEAD' && !ALLOWED_POSTS.has(req.path)) {
    res.locals.user = req.user
    res.locals.member = req.member
    res.locals.companies = req.companies
    res.status(403).render('pages/error', { title: 'Только просмотр', message: READ_ONLY_MESSAGE })
    return true
  }
  return false
}
