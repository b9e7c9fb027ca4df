import type { NextFunction, Request, Response } from 'express'
import { doubleCsrf } from 'csrf-csrf'
import type { Config } from '../config.js'

export interface Csrf {
  /** Puts a token for the current session into `res.locals.csrfToken`. */
  token(req: Request, res: Response, next: NextFunction): void
  /** Refuses a state-changing request without a valid token (403). */
  protect(req: Request, res: Response, next: NextFunction): void
}

/**
 * Double-submit CSRF tokens bound to the session id (csrf-csrf), on top of SameSite=Lax cookies, checked for every
 * state-changing request before any route runs. The token travels in the `_csrf` form field or the `X-CSRF-Token` header;
 * multipart forms carry it in the action's query string (`?_csrf=`), because their body is parsed only later by the upload
 * route, and a check deferred to that route would leave every other route open to a multipart POST. The request log strips it.
 */
export function createCsrf(config: Config): Csrf {
  const { doubleCsrfProtection, generateCsrfToken } = doubleCsrf({
    getSecret: () => config.session.secret,
    // A logged-in person's tokens are bound to their session. Anonymous visitors (login, registration, password reset) have
    // no stored session, and storing one for every visitor would cost a write per page view: their tokens are bound to the
    // double-submit cookie alone, which the __Host- prefix keeps out of reach of sibling subdomains.
    getSessionIdentifier: (req) => (req.session?.userId ? req.sessionID : 'anonymous'),
    cookieName: config.session.secureCookie ? '__Host-csrf' : 'csrf',
    cookieOptions: { sameSite: 'lax', secure: config.session.secureCookie, path: '/', httpOnly: true },
    getCsrfTokenFromRequest: (req) =>
      (req.body as { _csrf?: string } | undefined)?._csrf ??
      (req.headers['x-csrf-token'] as string | undefined) ??
      (req.is('multipart/form-data') && typeof req.query._csrf === 'string' ? req.query._csrf : undefined),
  })
  return {
    token(req, res, next) {
      res.locals.csrfToken = generateCsrfToken(req, res)
      next()
    },
    protect: doubleCsrfProtection,
  }
}
