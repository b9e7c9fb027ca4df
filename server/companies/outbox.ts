import type { Db } from '../db/knex.js'
import { enqueue } from '../integrations/outbox/store.js'

/*
 * The company topics of the outbox (documented in server/companies/CONTEXT.md). Each row is written in the same
 * transaction as the change it announces; the Bitrix24 app (b24-app/sync.ts) creates or updates the CRM company, its
 * requisites and the owner's contact from the company as it is when the row is sent, so the payload carries only the id.
 */

export const COMPANY_VERIFIED = 'company.verified'
export const COMPANY_CHANGED = 'company.changed'

/** `company.verified`: a manager confirmed the company (in /admin or from the Bitrix24 company tab). */
export function enqueueCompanyVerified(trx: Db, companyId: number, now: number): Promise<void> {
  return enqueue(trx, { topic: COMPANY_VERIFIED, key: `${COMPANY_VERIFIED}:${companyId}:${now}`, now, payload: { event: COMPANY_VERIFIED, company_id: companyId, at: new Date(now).toISOString() } })
}

/** `company.changed`: the requisites or contacts of a verified company changed (a manager's correction, the buyer's edit). */
export function enqueueCompanyChanged(trx: Db, companyId: number, what: string[], now: number): Promise<void> {
  return enqueue(trx, {
    topic: COMPANY_CHANGED,
    key: `${COMPANY_CHANGED}:${companyId}:${now}`,
    now,
    payload: { event: COMPANY_CHANGED, company_id: companyId, changed: what, at: new Date(now).toISOString() },
  })
}
