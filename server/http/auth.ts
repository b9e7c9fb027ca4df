import type { NextFunction, Request, Response } from 'express'
import type { AccountsService } from '../accounts/service.js'
import type { CompaniesService } from '../companies/service.js'
import type { Clock } from '../shared/clock.js'
import type { Config } from '../config.js'
import type { Db } from '../db/knex.js'
import { readVersions } from '../db/versions.js'
import { VersionedMap } from '../shared/cache.js'
import { NotFound } from '../shared/errors.js'
import type { ImpersonationService } from '../impersonation/service.js'
import { applyImpersonation } from './impersonation.js'

/** Queues a one-time message for the next page the person sees. */
export function flash(req: Request, type: 'ok' | 'error' | 'info', text: string): void {
  req.session.flash = [...(req.session.flash ?? []), { type, text }]
}

/** Regenerates the session id at login (fixation defence, ASVS 3.2.1) and stores who logged in. */
export function startSession(req: Request, userId: number, now: number): Promise<void> {
  return new Promise((resolve, reject) => {
    req.session.regenerate((err) => {
      if (err) return reject(err)
      req.session.userId = userId
      req.session.createdAt = now
      req.session.ip = req.ip ?? ''
      req.session.userAgent = String(req.headers['user-agent'] ?? '')
      req.session.save((e) => (e ? reject(e) : resolve()))
    })
  })
}

/** Ends the session on the server (logout, absolute expiry). */
export function endSession(req: Request): Promise<void> {
  return new Promise((resolve) => req.session.destroy(() => resolve()))
}

/**
 * Loads the person and the current company of the session on every request, enforces the absolute lifetime (12 h), and
 * fills `res.locals` for the layout. The current company always comes from the person's own memberships, so a stale or
 * forged company id in the session simply falls back to their first company.
 */
export function createIdentityMiddleware(deps: { db: Db; accounts: AccountsService; companies: CompaniesService; clock: Clock; config: Config; impersonation?: ImpersonationService }) {
  type Who = { user: Awaited<ReturnType<AccountsService['findById']>>; companies: Awaited<ReturnType<CompaniesService['listForUser']>> }
  // The person and their companies under the accounts data version (`db/versions.ts`): any write to people, companies or
  // memberships, by whoever, is seen at the next request; until then a request costs one read of the counters.
  const known = new VersionedMap<number, Who>(10_000)
  const load = async (userId: number): Promise<Who> => {
    const user = await deps.accounts.findById(userId)
    return { user, companies: user ? await deps.companies.listForUser(user.id) : [] }
  }
  return async function identity(req: Request, res: Response, next: NextFunction) {
    const s = req.session
    if (s.impersonation) {
      // A manager looking at a company's cabinet («Открыть кабинет клиента», read-only): see http/impersonation.ts.
      if (await applyImpersonation(req, res, deps)) return
    } else if (s.userId) {
      const userId = s.userId
      const expired = !s.createdAt || deps.clock.now().getTime() - s.createdAt > deps.config.session.absoluteMs
      let who: Who | undefined
      if (!expired) {
        const v = await readVersions(deps.db)
        req.versions = v
        who = await known.get(v.accounts, userId, () => load(userId))
      }
      const user = who?.user
      if (!user || !user.is_active) {
        await endSession(req)
        return res.redirect(303, `/login?expired=1&next=${encodeURIComponent(req.method === 'GET' ? req.originalUrl : '/')}`)
      }
      req.user = user
      req.companies = who!.companies
      const current = req.companies.find((c) => c.id === s.currentCompanyId) ?? req.companies[0]
      if ((current?.id ?? null) !== (s.currentCompanyId ?? null)) s.currentCompanyId = current?.id ?? null
      req.member = current
    }
    res.locals.user = req.user
    res.locals.member = req.member
    res.locals.companies = req.companies
    res.locals.flash = s.flash
    if (s.flash) delete s.flash
    res.locals.currentUrl = req.originalUrl
    next()
  }
}

/**
 * Lets only logged-in people through; others go to the login page and come back afterwards. A request that still carries a
 * session cookie had a session that ended (idle or absolute expiry, logout elsewhere), so the login page says so.
 */
export function requireUser(req: Request, res: Response, next: NextFunction) {
  if (req.user) return next()
  const hadSession = /(?:^|;\s*)(?:__Host-)?sid=/.test(String(req.headers.cookie ?? ''))
  res.redirect(303, `/login?${hadSession ? 'expired=1&' : ''}next=${encodeURIComponent(req.method === 'GET' ? req.originalUrl : '/')}`)
}

/** Lets through people with a current company; a person without one is sent to add it. */
export function requireCompany(req: Request, res: Response, next: NextFunction) {
  if (!req.user) return requireUser(req, res, next)
  if (req.member) return next()
  flash(req, 'info', 'Добавьте компанию, чтобы продолжить')
  res.redirect(303, '/companies/new')
}

/** Supplier staff only; everyone else sees 404 so the admin area does not announce itself. */
export function requireStaff(req: Request, res: Response, next: NextFunction) {
  if (!req.user) return requireUser(req, res, next)
  if (!req.user.is_staff) return next(new NotFound())
  next()
}
