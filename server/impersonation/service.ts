import { createHash, randomBytes } from 'node:crypto'
import type { Db } from '../db/knex.js'
import type { Clock } from '../shared/clock.js'
import { NotFound, Validation } from '../shared/errors.js'
import * as companiesStore from '../companies/store.js'
import * as store from './store.js'

/** Who opens the cabinet: supplier staff from /admin, or a Bitrix24 user from the company tab of the CRM. */
export type ImpersonationActor =
  | { kind: 'staff'; userId: number; name: string }
  | { kind: 'b24'; memberId: string; userId: string; name: string }

/** What the session keeps while a manager looks at a company's cabinet (see `http/impersonation.ts`). */
export interface SessionImpersonation {
  id: number
  companyId: number
  companyName: string
  /** The company member the pages are shown as (its first owner). */
  viewerId: number
  manager: string
  expiresAt: number
  /** Set when supplier staff opened it from /admin: their own session continues after «Выйти». */
  staffUserId: number | null
}

/** How long a Bitrix24 ticket link stays valid: it is followed at once by the new browser tab. */
const TICKET_MS = 2 * 60_000

const hashOf = (token: string) => createHash('sha256').update(token).digest('hex')

export type ImpersonationService = ReturnType<typeof createImpersonationService>

/**
 * «Открыть кабинет клиента»: a manager sees the buyer portal as one company, read-only and for `ttlMs`, with a banner.
 * Bitrix24 users have no portal account, so the company tab hands them a one-time ticket (a random token, stored as a hash,
 * valid for two minutes) that the new tab exchanges for a session; staff start it inside their own session. Opening and
 * closing are written to the company's audit log with the manager's name (and the Bitrix24 portal and user).
 */
export function createImpersonationService(deps: { db: Db; clock: Clock; ttlMs: number }) {
  const { db, clock } = deps
  const now = () => clock.now().getTime()

  async function issue(companyId: number, actor: ImpersonationActor): Promise<string> {
    const company = await companiesStore.findCompany(db, companyId)
    if (!company) throw new NotFound('Компания не найдена')
    if ((await store.viewerOf(db, companyId)) === null) throw new Validation('У компании нет ни одного сотрудника в кабинете: смотреть нечего')
    const token = randomBytes(32).toString('base64url')
    const t = now()
    await store.insertImpersonation(db, {
      ticket_hash: hashOf(token),
      company_id: companyId,
      actor_kind: actor.kind,
      staff_user_id: actor.kind === 'staff' ? actor.userId : null,
      b24_member_id: actor.kind === 'b24' ? actor.memberId : null,
      b24_user_id: actor.kind === 'b24' ? actor.userId : null,
      manager_name: actor.name.slice(0, 200),
      ticket_expires_at: t + TICKET_MS,
      expires_at: t + TICKET_MS + deps.ttlMs,
      created_at: t,
    })
    return token
  }

  /** Exchanges a ticket for the session's impersonation (once, before it expires); null for a used, late or unknown one. */
  async function redeem(token: string): Promise<SessionImpersonation | null> {
    if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return null
    const t = now()
    return db.transaction(async (trx) => {
      const row = await store.useTicket(trx, hashOf(token), t)
      if (!row) return null
      const [company, viewerId] = await Promise.all([companiesStore.findCompany(trx, row.company_id), store.viewerOf(trx, row.company_id)])
      if (!company || viewerId === null) return null
      const expiresAt = t + deps.ttlMs
      await companiesStore.audit(trx, {
        actor: row.staff_user_id,
        companyId: row.company_id,
        action: 'company.cabinet_opened',
        details: { by: row.actor_kind, manager: row.manager_name, ...(row.actor_kind === 'b24' ? { b24_member_id: row.b24_member_id, b24_user_id: row.b24_user_id } : {}), until: new Date(expiresAt).toISOString(), read_only: true },
        now: t,
      })
      return { id: row.id, companyId: row.company_id, companyName: company.name_short, viewerId, manager: row.manager_name, expiresAt, staffUserId: row.staff_user_id }
    })
  }

  return {
    /** A one-time ticket for the Bitrix24 company tab's «Открыть кабинет клиента» (`/b24/cabinet/:ticket`). */
    issue,
    redeem,

    /** Staff in /admin open the cabinet inside their own session. */
    async startForStaff(staffUserId: number, name: string, companyId: number): Promise<SessionImpersonation> {
      const opened = await redeem(await issue(companyId, { kind: 'staff', userId: staffUserId, name }))
      if (!opened) throw new Validation('Не удалось открыть кабинет клиента: попробуйте ещё раз')
      return opened
    },

    /** Ends a view («Выйти» or its time ran out) and writes it to the audit log. */
    async end(s: SessionImpersonation, reason: 'exit' | 'expired'): Promise<void> {
      const t = now()
      await db.transaction(async (trx) => {
        await store.endImpersonation(trx, s.id, t)
        await companiesStore.audit(trx, { actor: s.staffUserId, companyId: s.companyId, action: 'company.cabinet_closed', details: { manager: s.manager, reason }, now: t })
      })
    },
  }
}
