import type { Db } from '../../db/knex.js'
import { insertId } from '../../db/dialect.js'
import { emptyCounts, type ImportCounts } from './types.js'

/*
 * Plain queries of the 1C exchange: sessions, files, errors and failed Basic logins. Catalog upserts live in import.ts,
 * which runs them inside the batch transaction it is given.
 */

export interface SessionRow {
  id: number
  cookie_hash: string
  type: string
  status: string
  ip: string
  initialised: boolean
  zip: boolean
  unzipped: boolean
  bytes_received: number
  steps: number
  counts: string | null
  created_at: number
  updated_at: number
  expires_at: number
  finished_at: number | null
}

export interface FileRow {
  id: number
  session_id: number
  name: string
  bytes: number
  chunks: number
  status: string
  applied: number
  steps: number
  counts: string | null
  message: string
  started_at: number | null
  finished_at: number | null
}

const ACCOUNT = '1c-exchange'

/** Failed Basic logins from this IP since `since` (they share the portal's login_failures table under one account name). */
export async function failuresFromIp(db: Db, ip: string, since: number, until: number): Promise<number> {
  const row = await db('login_failures').where({ account: ACCOUNT, ip }).andWhere('created_at', '>=', since).andWhere('created_at', '<=', until).count({ n: '*' }).first()
  return Number(row?.n ?? 0)
}

/** Records a failed Basic login. */
export async function recordFailure(db: Db, ip: string, now: number): Promise<void> {
  await db('login_failures').insert({ account: ACCOUNT, ip, created_at: now })
}

/** Starts an exchange session for the cookie hash. */
export function insertSession(db: Db, s: { cookieHash: string; type: string; ip: string; now: number; expiresAt: number }): Promise<number> {
  return insertId(db, 'onec_sessions', { cookie_hash: s.cookieHash, type: s.type, ip: s.ip, status: 'open', counts: JSON.stringify(emptyCounts()), created_at: s.now, updated_at: s.now, expires_at: s.expiresAt })
}

/** The live session for a cookie hash. */
export async function sessionByCookie(db: Db, cookieHash: string, now: number): Promise<SessionRow | undefined> {
  const row = await db('onec_sessions').where({ cookie_hash: cookieHash }).andWhere('expires_at', '>', now).first()
  return row ? normalise(row) : undefined
}

function normalise(row: Record<string, unknown>): SessionRow {
  return { ...(row as unknown as SessionRow), id: Number(row.id), initialised: Boolean(row.initialised), zip: Boolean(row.zip), unzipped: Boolean(row.unzipped), bytes_received: Number(row.bytes_received), created_at: Number(row.created_at), updated_at: Number(row.updated_at), expires_at: Number(row.expires_at), finished_at: row.finished_at == null ? null : Number(row.finished_at) }
}

/** Updates a session. */
export async function updateSession(db: Db, id: number, patch: Partial<Omit<SessionRow, 'id'>>): Promise<void> {
  await db('onec_sessions').where({ id }).update(patch)
}

/** Forgets the files of a session (a new init starts clean). */
export async function clearFiles(db: Db, sessionId: number): Promise<void> {
  await db('onec_files').where({ session_id: sessionId }).delete()
  await db('onec_errors').where({ session_id: sessionId }).delete()
}

/** Records an uploaded chunk: creates the file row or adds to it. */
export async function addChunk(db: Db, sessionId: number, name: string, bytes: number): Promise<void> {
  const existing = await db('onec_files').where({ session_id: sessionId, name }).first('id')
  if (existing) await db('onec_files').where({ id: existing.id }).update({ bytes: db.raw('bytes + ?', [bytes]), chunks: db.raw('chunks + 1') })
  else await db('onec_files').insert({ session_id: sessionId, name, bytes, chunks: 1, status: 'uploaded', counts: JSON.stringify(emptyCounts()) })
  await db('onec_sessions').where({ id: sessionId }).update({ bytes_received: db.raw('bytes_received + ?', [bytes]) })
}

/** The file row of a session, created when the file arrived inside a zip. */
export async function fileRow(db: Db, sessionId: number, name: string): Promise<FileRow> {
  let row = await db('onec_files').where({ session_id: sessionId, name }).first()
  if (!row) {
    await db('onec_files').insert({ session_id: sessionId, name, bytes: 0, chunks: 0, status: 'uploaded', counts: JSON.stringify(emptyCounts()) })
    row = await db('onec_files').where({ session_id: sessionId, name }).first()
  }
  return { ...row, id: Number(row.id), applied: Number(row.applied), bytes: Number(row.bytes) }
}

/** Updates a file row. */
export async function updateFile(db: Db, id: number, patch: Partial<Omit<FileRow, 'id'>>): Promise<void> {
  await db('onec_files').where({ id }).update(patch)
}

/** Records an import error with the element it concerns. */
export async function insertError(db: Db, e: { sessionId: number; file: string; element: string; message: string; now: number }): Promise<void> {
  await db('onec_errors').insert({ session_id: e.sessionId, file: e.file.slice(0, 255), element: e.element.slice(0, 500), message: e.message.slice(0, 1000), created_at: e.now })
}

/** Adds counts to a file row and its session (inside the batch transaction, so the numbers match what committed). */
export async function addCounts(db: Db, sessionId: number, fileId: number | null, add: ImportCounts): Promise<void> {
  const merge = (raw: string | null) => {
    const c = { ...emptyCounts(), ...(raw ? (JSON.parse(raw) as Partial<ImportCounts>) : {}) }
    for (const k of Object.keys(add) as (keyof ImportCounts)[]) c[k] += add[k]
    return JSON.stringify(c)
  }
  const s = await db('onec_sessions').where({ id: sessionId }).first('counts')
  await db('onec_sessions').where({ id: sessionId }).update({ counts: merge(s?.counts ?? null) })
  if (fileId != null) {
    const f = await db('onec_files').where({ id: fileId }).first('counts')
    await db('onec_files').where({ id: fileId }).update({ counts: merge(f?.counts ?? null) })
  }
}

/** Recent sessions for the staff page, newest first. */
export async function recentSessions(db: Db, limit: number): Promise<SessionRow[]> {
  const rows = await db('onec_sessions').orderBy('id', 'desc').limit(limit)
  return rows.map(normalise)
}

/** Files of the given sessions. */
export async function filesOf(db: Db, sessionIds: number[]): Promise<FileRow[]> {
  if (sessionIds.length === 0) return []
  return db('onec_files').whereIn('session_id', sessionIds).orderBy('id')
}

/** Errors of the given sessions (the first hundred of each is plenty for a person). */
export async function errorsOf(db: Db, sessionIds: number[]): Promise<{ session_id: number; file: string; element: string; message: string }[]> {
  if (sessionIds.length === 0) return []
  return db('onec_errors').whereIn('session_id', sessionIds).orderBy('id').limit(500)
}
