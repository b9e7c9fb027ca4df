import type { Db } from '../db/knex.js'

/** One «открыть кабинет клиента» view (table `impersonations`). */
export interface ImpersonationRow {
  id: number
  ticket_hash: string
  company_id: number
  actor_kind: 'staff' | 'b24'
  staff_user_id: number | null
  b24_member_id: string | null
  b24_user_id: string | null
  manager_name: string
  ticket_expires_at: number
  expires_at: number
  used_at: number | null
  ended_at: number | null
  created_at: number
}

export async function insertImpersonation(db: Db, row: Omit<ImpersonationRow, 'id' | 'used_at' | 'ended_at'>): Promise<number> {
  const [id] = await db('impersonations').insert(row)
  return Number(id)
}

/** Takes a ticket once: a conditional update checked by affected rows, so a ticket opens at most one session. */
export async function useTicket(db: Db, ticketHash: string, now: number): Promise<ImpersonationRow | undefined> {
  const n = await db('impersonations').where({ ticket_hash: ticketHash }).whereNull('used_at').andWhere('ticket_expires_at', '>', now).update({ used_at: now })
  if (n !== 1) return undefined
  return db('impersonations').where({ ticket_hash: ticketHash }).first()
}

export function findImpersonation(db: Db, id: number): Promise<ImpersonationRow | undefined> {
  return db('impersonations').where({ id }).first()
}

export async function endImpersonation(db: Db, id: number, now: number): Promise<void> {
  await db('impersonations').where({ id }).whereNull('ended_at').update({ ended_at: now })
}

/** The person the cabinet is shown as: the company's first owner, else its first member (null for a company without any). */
export async function viewerOf(db: Db, companyId: number): Promise<number | null> {
  const row = await db('company_members')
    .where({ company_id: companyId })
    .orderByRaw("CASE WHEN role = 'owner' THEN 0 ELSE 1 END")
    .orderBy('id')
    .first('user_id')
  return row ? Number(row.user_id) : null
}
