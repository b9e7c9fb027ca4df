import type { Db } from '../db/knex.js'
import { insertId } from '../db/dialect.js'

/*
 * The Bitrix24 emulator's own tables (`sandbox_b24_*`, migration 011): entities keep a few indexed columns for the filters
 * the app uses and every field as JSON, the way the REST call gave it. Nothing here touches the portal's own tables.
 */

export type SandboxEntity = 'companies' | 'contacts' | 'requisites' | 'bankdetails' | 'deals' | 'productrows' | 'comments' | 'tasks'

export interface EntityRow {
  id: number
  fields: Record<string, unknown>
  created_at: number
  updated_at: number
  [column: string]: unknown
}

const table = (e: SandboxEntity) => `sandbox_b24_${e}`

function parse(r: Record<string, unknown>): EntityRow {
  let fields: Record<string, unknown> = {}
  try {
    fields = JSON.parse(String(r.fields ?? '{}')) as Record<string, unknown>
  } catch {
    fields = {}
  }
  return { ...r, id: Number(r.id), fields, created_at: Number(r.created_at), updated_at: Number(r.updated_at) }
}

/** Inserts an entity; `columns` are its indexed columns. */
export function insertEntity(db: Db, e: SandboxEntity, columns: Record<string, unknown>, fields: Record<string, unknown>, now: number): Promise<number> {
  return insertId(db, table(e), { ...columns, fields: JSON.stringify(fields), created_at: now, updated_at: now })
}

/** Rewrites an entity's columns and fields (the caller merged them). */
export async function updateEntity(db: Db, e: SandboxEntity, id: number, columns: Record<string, unknown>, fields: Record<string, unknown>, now: number): Promise<void> {
  await db(table(e)).where({ id }).update({ ...columns, fields: JSON.stringify(fields), updated_at: now })
}

export async function getEntity(db: Db, e: SandboxEntity, id: number): Promise<EntityRow | null> {
  if (!Number.isInteger(id) || id <= 0) return null
  const r = (await db(table(e)).where({ id }).first()) as Record<string, unknown> | undefined
  return r ? parse(r) : null
}

/** Entities matching equality conditions on indexed columns, by id. */
export async function listEntities(db: Db, e: SandboxEntity, where: Record<string, unknown>, o: { limit?: number; desc?: boolean } = {}): Promise<EntityRow[]> {
  const q = db(table(e)).where(where).orderBy('id', o.desc ? 'desc' : 'asc')
  if (o.limit) q.limit(o.limit)
  return ((await q) as Record<string, unknown>[]).map(parse)
}

export async function deleteWhere(db: Db, e: SandboxEntity, where: Record<string, unknown>): Promise<void> {
  await db(table(e)).where(where).delete()
}

// ---- tokens ----

export interface SandboxToken {
  member_id: string
  access_token: string
  refresh_token: string
  expires_at: number
}

export async function insertToken(db: Db, t: SandboxToken, now: number): Promise<void> {
  await db('sandbox_b24_auth').insert({ ...t, refresh_used: false, created_at: now })
}

export async function findAccessToken(db: Db, accessToken: string): Promise<SandboxToken | null> {
  const r = (await db('sandbox_b24_auth').where({ access_token: accessToken }).first()) as SandboxToken | undefined
  return r ? { ...r, expires_at: Number(r.expires_at) } : null
}

/** Spends a refresh token once (conditional update checked by affected rows): a second use of the same token fails. */
export async function spendRefreshToken(db: Db, refreshToken: string): Promise<string | null> {
  const r = (await db('sandbox_b24_auth').where({ refresh_token: refreshToken }).first()) as SandboxToken | undefined
  if (!r) return null
  const n = await db('sandbox_b24_auth').where({ refresh_token: refreshToken, refresh_used: false }).update({ refresh_used: true })
  return n === 1 ? r.member_id : null
}

/** Makes every access token of a portal expired (a test knob). */
export async function expireTokens(db: Db, memberId: string | null, now: number): Promise<void> {
  const q = db('sandbox_b24_auth')
  if (memberId) q.where({ member_id: memberId })
  await q.update({ expires_at: now - 1 })
}

// ---- users and presets ----

export interface SandboxUser {
  id: number
  name: string
  last_name: string
  email: string
  active: boolean | number
}

export async function listUsers(db: Db): Promise<SandboxUser[]> {
  return db('sandbox_b24_users').orderBy('id')
}

export async function listPresets(db: Db): Promise<{ id: number; name: string; entity_type_id: number; country_id: number; active: boolean | number; sort: number }[]> {
  return db('sandbox_b24_presets').orderBy('sort').orderBy('id')
}

/** Seeds the users and requisite presets a fresh Russian portal has (once). */
export async function seedBasics(db: Db): Promise<void> {
  const users = await db('sandbox_b24_users').count({ n: '*' }).first()
  if (!Number((users as { n: number | string } | undefined)?.n ?? 0)) {
    await db('sandbox_b24_users').insert([
      { name: 'Администратор', last_name: 'Портала', email: 'admin@sandbox.bitrix24', active: true },
      { name: 'Мария', last_name: 'Менеджерова', email: 'manager1@sandbox.bitrix24', active: true },
      { name: 'Иван', last_name: 'Продажин', email: 'manager2@sandbox.bitrix24', active: true },
    ])
  }
  const presets = await db('sandbox_b24_presets').count({ n: '*' }).first()
  if (!Number((presets as { n: number | string } | undefined)?.n ?? 0)) {
    await db('sandbox_b24_presets').insert([
      { name: 'Организация', entity_type_id: 8, country_id: 1, active: true, sort: 500 },
      { name: 'ИП', entity_type_id: 8, country_id: 1, active: true, sort: 500 },
      { name: 'Физ. лицо', entity_type_id: 8, country_id: 1, active: true, sort: 500 },
    ])
  }
}

/** Counts for the sandbox page and tests. */
export async function countDeals(db: Db, where: Record<string, unknown> = {}): Promise<number> {
  const r = (await db('sandbox_b24_deals').where(where).count({ n: '*' }).first()) as { n: number | string } | undefined
  return Number(r?.n ?? 0)
}
