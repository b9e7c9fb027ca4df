import type { Db } from '../db/knex.js'
import { insertId } from '../db/dialect.js'
import type { BankAccountInput, BankAccountRow, CompanyRow, MemberCompany, Role } from './types.js'

export type CompanyWrite = Omit<CompanyRow, 'id' | 'created_at' | 'updated_at' | 'verified_at' | 'verified_by' | 'blocked_reason' | 'status'>

/** The lower-cased text admin search runs over (SQLite's LIKE folds only ASCII, so Cyrillic is folded here). */
export function searchTextOf(c: Pick<CompanyRow, 'name_short' | 'name_full' | 'inn' | 'kpp' | 'ogrn'>): string {
  return [c.name_short, c.name_full, c.inn, c.kpp, c.ogrn].filter(Boolean).join(' ').toLowerCase().replace(/ё/g, 'е').slice(0, 1200)
}

export async function insertCompany(db: Db, row: CompanyWrite, now: number): Promise<number> {
  return insertId(db, 'companies', { ...row, search_text: searchTextOf(row), status: 'unverified', created_at: now, updated_at: now })
}

export async function updateCompany(db: Db, id: number, patch: Partial<CompanyRow>, now: number): Promise<void> {
  await db('companies').where({ id }).update({ ...patch, updated_at: now })
  const row = await db('companies').where({ id }).first()
  if (row) await db('companies').where({ id }).update({ search_text: searchTextOf(row) })
}

export function findCompanyByKey(db: Db, key: string): Promise<CompanyRow | undefined> {
  return db('companies').where({ inn_kpp_key: key }).first()
}

export function findCompany(db: Db, id: number): Promise<CompanyRow | undefined> {
  return db('companies').where({ id }).first()
}

/** The company only if the person is its member: the one door to company data from a session. */
export function findMemberCompany(db: Db, userId: number, companyId: number): Promise<MemberCompany | undefined> {
  return db('companies as c')
    .join('company_members as m', 'm.company_id', 'c.id')
    .where({ 'm.user_id': userId, 'c.id': companyId })
    .first('c.*', 'm.role')
}

export function listMemberCompanies(db: Db, userId: number): Promise<MemberCompany[]> {
  return db('companies as c')
    .join('company_members as m', 'm.company_id', 'c.id')
    .where({ 'm.user_id': userId })
    .orderBy('m.created_at')
    .orderBy('c.id')
    .select('c.*', 'm.role')
}

export async function insertMember(db: Db, companyId: number, userId: number, role: Role, now: number): Promise<void> {
  await db('company_members').insert({ company_id: companyId, user_id: userId, role, created_at: now })
}

export interface MemberRow {
  id: number
  user_id: number
  role: Role
  full_name: string
  email: string
  phone: string
  created_at: number
}

export function listMembers(db: Db, companyId: number): Promise<MemberRow[]> {
  return db('company_members as m')
    .join('users as u', 'u.id', 'm.user_id')
    .where({ 'm.company_id': companyId })
    .orderBy('m.id')
    .select('m.id', 'm.user_id', 'm.role', 'm.created_at', 'u.full_name', 'u.email', 'u.phone')
}

export function findMember(db: Db, companyId: number, memberId: number): Promise<MemberRow | undefined> {
  return db('company_members as m')
    .join('users as u', 'u.id', 'm.user_id')
    .where({ 'm.company_id': companyId, 'm.id': memberId })
    .first('m.id', 'm.user_id', 'm.role', 'm.created_at', 'u.full_name', 'u.email', 'u.phone')
}

export async function countOwners(db: Db, companyId: number): Promise<number> {
  const [r] = await db('company_members').where({ company_id: companyId, role: 'owner' }).count({ n: '*' })
  return Number(r?.n ?? 0)
}

export async function setMemberRole(db: Db, companyId: number, memberId: number, role: Role): Promise<void> {
  await db('company_members').where({ company_id: companyId, id: memberId }).update({ role })
}

export async function deleteMember(db: Db, companyId: number, memberId: number): Promise<void> {
  await db('company_members').where({ company_id: companyId, id: memberId }).delete()
}

export interface InvitationRow {
  id: number
  company_id: number
  email: string
  role: Role
  invited_by: number
  created_at: number
  expires_at: number
  accepted_at: number | null
  revoked_at: number | null
}

export async function insertInvitation(
  db: Db,
  row: { company_id: number; email: string; role: Role; token_hash: string; invited_by: number; created_at: number; expires_at: number },
): Promise<number> {
  return insertId(db, 'invitations', row)
}

export function findInvitationByHash(db: Db, tokenHash: string): Promise<InvitationRow | undefined> {
  return db('invitations').where({ token_hash: tokenHash }).first()
}

export function listOpenInvitations(db: Db, companyId: number, now: number): Promise<InvitationRow[]> {
  return db('invitations')
    .where({ company_id: companyId })
    .whereNull('accepted_at')
    .whereNull('revoked_at')
    .andWhere('expires_at', '>', now)
    .orderBy('id', 'desc')
}

/** Marks an invitation accepted; false when it was already used or revoked (single use). */
export async function acceptInvitation(db: Db, id: number, now: number): Promise<boolean> {
  const n = await db('invitations').where({ id }).whereNull('accepted_at').whereNull('revoked_at').update({ accepted_at: now })
  return n === 1
}

export async function revokeInvitation(db: Db, companyId: number, id: number, now: number): Promise<number> {
  return db('invitations').where({ company_id: companyId, id }).whereNull('accepted_at').update({ revoked_at: now })
}

export async function getCachedLookup(db: Db, key: string, since: number): Promise<string | null> {
  const row = await db('dadata_cache').where({ cache_key: key }).andWhere('fetched_at', '>=', since).first()
  return row?.response ?? null
}

export async function putCachedLookup(db: Db, key: string, response: string, now: number): Promise<void> {
  await db('dadata_cache').insert({ cache_key: key, response, fetched_at: now }).onConflict('cache_key').merge({ response, fetched_at: now })
}

/** Deletes DaData answers fetched before `before`; returns how many. */
export function pruneCachedLookups(db: Db, before: number): Promise<number> {
  return db('dadata_cache').where('fetched_at', '<', before).delete()
}

export async function audit(db: Db, row: { actor: number | null; companyId: number | null; action: string; details?: unknown; now: number }) {
  await db('audit_log').insert({
    actor_user_id: row.actor,
    company_id: row.companyId,
    action: row.action,
    details: JSON.stringify(row.details ?? {}),
    created_at: row.now,
  })
}

// ---- bank accounts (банковские реквизиты, migration 016) ----

/** A company's bank accounts, the main one first. */
export function listBankAccounts(db: Db, companyId: number): Promise<BankAccountRow[]> {
  return db('company_bank_accounts').where({ company_id: companyId }).orderBy('is_main', 'desc').orderBy('id')
}

/** One bank account of the company, or undefined when it is another company's (or none). */
export function findBankAccount(db: Db, companyId: number, id: number): Promise<BankAccountRow | undefined> {
  return db('company_bank_accounts').where({ company_id: companyId, id }).first()
}

/** The main bank account of a company, or undefined when it has none. */
export function findMainBankAccount(db: Db, companyId: number): Promise<BankAccountRow | undefined> {
  return db('company_bank_accounts').where({ company_id: companyId }).orderBy('is_main', 'desc').orderBy('id').first()
}

export async function insertBankAccount(db: Db, companyId: number, a: BankAccountInput, isMain: boolean, now: number): Promise<number> {
  return insertId(db, 'company_bank_accounts', { company_id: companyId, ...a, is_main: isMain, created_at: now, updated_at: now })
}

export async function updateBankAccount(db: Db, companyId: number, id: number, a: BankAccountInput, now: number): Promise<void> {
  await db('company_bank_accounts').where({ company_id: companyId, id }).update({ ...a, updated_at: now })
}

export async function deleteBankAccount(db: Db, companyId: number, id: number): Promise<void> {
  await db('company_bank_accounts').where({ company_id: companyId, id }).delete()
}

/** Makes one account the company's main one and every other not (one statement, so never two or none in between). */
export async function setMainBankAccount(db: Db, companyId: number, id: number, now: number): Promise<void> {
  await db('company_bank_accounts')
    .where({ company_id: companyId })
    .update({ is_main: db.raw('CASE WHEN id = ? THEN ? ELSE ? END', [id, true, false]), updated_at: now })
}

/** Takes the company's row lock: bank account changes of one company queue behind each other (main stays single). */
export async function lockCompanyRow(db: Db, companyId: number): Promise<void> {
  await db('companies').where({ id: companyId }).forUpdate().first('id')
}
