import type { Request } from 'express'
import type { UserRow } from '../accounts/store.js'
import type { MemberCompany } from '../companies/types.js'
import type { Versions } from '../db/versions.js'
import { NotFound } from '../shared/errors.js'

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The logged-in person (session or API token). */
      user?: UserRow
      /** The current company of the session, with the person's role in it. */
      member?: MemberCompany
      /** Every company of the person, for the header switcher. */
      companies?: MemberCompany[]
      /** Set by the API token middleware. */
      apiTokenId?: number
      /** The data versions read once for this request by the identity middleware (see `db/versions.ts`). */
      versions?: Versions
    }
  }
}

/** The logged-in person; routes behind `requireUser` call it. */
export function userOf(req: Request): UserRow {
  if (!req.user) throw new NotFound()
  return req.user
}

/** The current company with the person's role; routes behind `requireCompany` call it. */
export function memberOf(req: Request): MemberCompany {
  if (!req.member) throw new NotFound()
  return req.member
}

/** A positive integer route parameter, or 404: ids in URLs are never trusted beyond their shape. */
export function idParam(req: Request, name = 'id'): number {
  const raw = req.params[name]
  const n = Number(raw)
  if (!raw || !/^\d{1,12}$/.test(String(raw)) || !Number.isSafeInteger(n) || n <= 0) throw new NotFound()
  return n
}
