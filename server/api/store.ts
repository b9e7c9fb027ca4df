import type { Db } from '../db/knex.js'
import { insertId } from '../db/dialect.js'

export interface TokenRow {
  id: number
  company_id: number
  user_id: number
  name: string
  prefix: string
  created_at: number
  last_used_at: number | null
  revoked_at: number | null
}

export function insertToken(db: Db, row: { company_id: number; user_id: number; name: string; token_hash: string; prefix: string; created_at: number }) {
  return insertId(db, 'api_tokens', row)
}

export function listTokens(db: Db, companyId: number): Promise<(TokenRow & { user_name: string })[]> {
  return db('api_tokens as t')
    .join('users as u', 'u.id', 't.user_id')
    .where({ 't.company_id': companyId })
    .orderBy('t.id', 'desc')
    .select('t.id', 't.company_id', 't.user_id', 't.name', 't.prefix', 't.created_at', 't.last_used_at', 't.revoked_at', 'u.full_name as user_name')
}

export function findActiveTokenByHash(db: Db, hash: string): Promise<TokenRow | undefined> {
  return db('api_tokens').where({ token_hash: hash }).whereNull('revoked_at').first()
}

export async function revokeToken(db: Db, companyId: number, id: number, now: number): Promise<number> {
  return db('api_tokens').where({ company_id: companyId, id }).whereNull('revoked_at').update({ revoked_at: now })
}

export async function touchToken(db: Db, id: number, now: number): Promise<void> {
  await db('api_tokens').where({ id }).update({ last_used_at: now })
}
