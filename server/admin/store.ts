import type { Knex } from 'knex'
import type { Db } from '../db/knex.js'
import { whereContains } from '../db/dialect.js'
import type { CompanyRow, CompanyStatus } from '../companies/types.js'
import { PAGE_SIZE } from './rules.js'
import type { AuditRow, CompanyListRow, StaffRow, StatusFilter } from './types.js'

/**
 * The filters of the companies list. Every word must occur in `search_text` (already lower-cased and ё-folded by the
 * companies store). The escape character is a bound parameter: a literal `'\'` in SQL text is a syntax error on MySQL,
 * where the backslash escapes the closing quote, while SQLite needs exactly one backslash.
 */
function applyFilter(q: Knex.QueryBuilder, f: { words: string[]; status: StatusFilter; uncheckedOnly: boolean }): Knex.QueryBuilder {
  for (const w of f.words) whereContains(q, 'c.search_text', w)
  if (f.status !== 'all') q.where('c.status', f.status)
  // Private persons have no requisites to check, so they never count as «не проверены».
  if (f.uncheckedOnly) q.where('c.requisites_checked', false).whereNot('c.kind', 'person')
  return q
}

/**
 * One page of the companies list: companies waiting for verification first (that is the queue staff work through), then
 * the newest. The members count is a correlated subquery, so the page costs one statement on both engines.
 */
export async function searchCompanies(
  db: Db,
  f: { words: string[]; status: StatusFilter; uncheckedOnly: boolean; page: number },
): Promise<{ rows: CompanyListRow[]; total: number }> {
  const members = db('company_members as m').count('*').whereRaw('m.company_id = c.id').as('members_count')
  const rows: CompanyListRow[] = await applyFilter(db('companies as c'), f)
    .select('c.id', 'c.kind', 'c.inn', 'c.kpp', 'c.name_short', 'c.status', 'c.requisites_checked', 'c.created_at', members)
    .orderByRaw("CASE WHEN c.status = 'unverified' THEN 0 ELSE 1 END")
    .orderBy('c.created_at', 'desc')
    .orderBy('c.id', 'desc')
    .limit(PAGE_SIZE)
    .offset((f.page - 1) * PAGE_SIZE)
  const [count] = await applyFilter(db('companies as c'), f).count({ n: '*' })
  return { rows: rows.map((r) => ({ ...r, members_count: Number(r.members_count) })), total: Number(count?.n ?? 0) }
}

/** The audit log of a company, newest first, with the name of whoever acted. */
export function listCompanyAudit(db: Db, companyId: number, limit = 200): Promise<AuditRow[]> {
  return db('audit_log as a')
    .leftJoin('users as u', 'u.id', 'a.actor_user_id')
    .where('a.company_id', companyId)
    .orderBy('a.created_at', 'desc')
    .orderBy('a.id', 'desc')
    .limit(limit)
    .select('a.id', 'a.action', 'a.details', 'a.created_at', 'a.actor_user_id', 'u.full_name as actor_name', 'u.is_staff as actor_is_staff')
}

/**
 * Moves a company from one status to another only if it still has the status the staff member saw (checked by affected
 * rows), so two managers pressing buttons at once cannot both succeed and both write an audit entry.
 */
export async function changeStatus(
  db: Db,
  id: number,
  from: CompanyStatus,
  patch: Partial<Pick<CompanyRow, 'status' | 'verified_at' | 'verified_by' | 'blocked_reason'>>,
  now: number,
): Promise<boolean> {
  const n = await db('companies').where({ id, status: from }).update({ ...patch, updated_at: now })
  return n === 1
}

/** Supplier staff accounts, by name. */
export function listStaff(db: Db): Promise<StaffRow[]> {
  return db('users')
    .where('is_staff', true)
    .orderBy('full_name')
    .orderBy('id')
    .select('id', 'email', 'full_name', 'phone', 'is_active', 'created_at', 'last_login_at')
}
