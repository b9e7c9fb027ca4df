import type { Db } from '../db/knex.js'
import { insertId } from '../db/dialect.js'

export interface UserRow {
  id: number
  email: string
  full_name: string
  phone: string
  password_hash: string
  is_staff: boolean | number
  is_active: boolean | number
  created_at: number
  updated_at: number
  last_login_at: number | null
}

export function findUserByEmail(db: Db, email: string): Promise<UserRow | undefined> {
  return db('users').where({ email }).first()
}

export function findUserById(db: Db, id: number): Promise<UserRow | undefined> {
  return db('users').where({ id }).first()
}

export function insertUser(
  db: Db,
  row: { email: string; full_name: string; phone: string; password_hash: string; is_staff?: boolean; now: number },
): Promise<number> {
  const { now, ...rest } = row
  return insertId(db, 'users', { ...rest, is_staff: row.is_staff ?? false, created_at: now, updated_at: now })
}

export async function updateUser(db: Db, id: number, patch: Partial<Omit<UserRow, 'id'>>): Promise<void> {
  await db('users').where({ id }).update(patch)
}

export async function recordLoginFailure(db: Db, account: string, ip: string, now: number): Promise<void> {
  await db('login_failures').insert({ account, ip, created_at: now })
}

export async function countLoginFailures(db: Db, account: string, ip: string, since: number): Promise<{ account: number; ip: number }> {
  const [a] = await db('login_failures').where({ account }).andWhere('created_at', '>=', since).count({ n: '*' })
  const [i] = await db('login_failures').where({ ip }).andWhere('created_at', '>=', since).count({ n: '*' })
  return { account: Number(a?.n ?? 0), ip: Number(i?.n ?? 0) }
}

export async function clearLoginFailures(db: Db, account: string): Promise<void> {
  await db('login_failures').where({ account }).delete()
}

/** Deletes failed-login records older than `before`; returns how many. */
export function pruneLoginFailures(db: Db, before: number): Promise<number> {
  return db('login_failures').where('created_at', '<', before).delete()
}

export async function insertPasswordReset(db: Db, userId: number, tokenHash: string, now: number, expiresAt: number): Promise<void> {
  await db('password_resets').insert({ user_id: userId, token_hash: tokenHash, created_at: now, expires_at: expiresAt })
}

export function findPasswordReset(db: Db, tokenHash: string) {
  return db('password_resets').where({ token_hash: tokenHash }).first() as Promise<
    { id: number; user_id: number; expires_at: number; used_at: number | null } | undefined
  >
}

/** Marks a reset link used; returns false when another request used it first. */
export async function consumePasswordReset(db: Db, id: number, now: number): Promise<boolean> {
  const n = await db('password_resets').where({ id }).whereNull('used_at').update({ used_at: now })
  return n === 1
}

export interface SessionRow {
  sid: string
  created_at: number
  seen_at: number
  ip: string
  user_agent: string
}

export function listUserSessions(db: Db, userId: number, now: number): Promise<SessionRow[]> {
  return db('sessions')
    .where({ user_id: userId })
    .andWhere('expires_at', '>', now)
    .orderBy('seen_at', 'desc')
    .select('sid', 'created_at', 'seen_at', 'ip', 'user_agent')
}

/** Ends every session of the person except `keepSid` (null ends them all). */
export async function deleteUserSessions(db: Db, userId: number, keepSid: string | null): Promise<number> {
  const q = db('sessions').where({ user_id: userId })
  if (keepSid) q.andWhereNot({ sid: keepSid })
  return q.delete()
}

export async function deleteUserSession(db: Db, userId: number, sid: string): Promise<number> {
  return db('sessions').where({ user_id: userId, sid }).delete()
}

/** Deletes sessions whose idle time ran out; returns how many. */
export function deleteExpiredSessions(db: Db, now: number): Promise<number> {
  return db('sessions').where('expires_at', '<', now).delete()
}
