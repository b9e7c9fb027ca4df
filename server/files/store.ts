import type { Db } from '../db/knex.js'
import { engineOf } from '../db/knex.js'
import { insertId } from '../db/dialect.js'
import type { FilePurpose } from './rules.js'

/** A stored file as the database knows it; the bytes live on disk under `storage_name`. */
export interface FileRow {
  id: number
  company_id: number | null
  purpose: FilePurpose
  storage_name: string
  original_name: string
  mime: string
  size: number
  sha256: string
  uploaded_by: number | null
  created_at: number
}

export type FileWrite = Omit<FileRow, 'id'>

/** Numbers come back as strings from some drivers (MySQL BIGINT sums); rows leave the store with real numbers. */
function normalize(row: FileRow | undefined): FileRow | undefined {
  return row && { ...row, size: Number(row.size), created_at: Number(row.created_at) }
}

/** Records a file already written to disk; returns its id. */
export function insertFile(db: Db, row: FileWrite): Promise<number> {
  return insertId(db, 'files', row)
}

/** One file row by id, with numeric size and time. */
export async function findFile(db: Db, id: number): Promise<FileRow | undefined> {
  return normalize(await db('files').where({ id }).first())
}

/** Deletes a file row and returns it, so the caller can unlink its disk file after the commit. */
export async function deleteFile(db: Db, id: number): Promise<FileRow | undefined> {
  const row = await findFile(db, id)
  if (row) await db('files').where({ id }).delete()
  return row
}

/** Bytes a company already stores, for its quota. */
export async function companyBytes(db: Db, companyId: number): Promise<number> {
  const [r] = await db('files').where({ company_id: companyId }).sum({ n: 'size' })
  return Number(r?.n ?? 0)
}

/**
 * Locks the company row until the transaction ends, so two uploads of one company cannot both pass the quota check. SQLite
 * has one writer at a time already (and knex emits nothing for FOR UPDATE there), so this only matters on MySQL.
 */
export async function lockCompany(db: Db, companyId: number): Promise<void> {
  if (engineOf(db) === 'mysql') await db('companies').where({ id: companyId }).forUpdate().first('id')
}
