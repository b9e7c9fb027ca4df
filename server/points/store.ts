import type { Db } from '../db/knex.js'
import { insertId } from '../db/dialect.js'
import type { PointInput, PointRow } from './types.js'

/*
 * Every query takes the company id of the session and filters by it: a point of another company is simply not found.
 */

function normalize(row: PointRow): PointRow {
  return { ...row, is_default: !!row.is_default, created_at: Number(row.created_at), updated_at: Number(row.updated_at) }
}

/** The company's points, the default first, then by name. */
export async function listPoints(db: Db, companyId: number): Promise<PointRow[]> {
  const rows: PointRow[] = await db('delivery_points').where({ company_id: companyId }).orderBy([
    { column: 'is_default', order: 'desc' },
    { column: 'name', order: 'asc' },
    { column: 'id', order: 'asc' },
  ])
  return rows.map(normalize)
}

/** One point of the company, or undefined (also for another company's point). */
export async function findPoint(db: Db, companyId: number, id: number): Promise<PointRow | undefined> {
  const row: PointRow | undefined = await db('delivery_points').where({ company_id: companyId, id }).first()
  return row && normalize(row)
}

/** How many points the company has. */
export async function countPoints(db: Db, companyId: number): Promise<number> {
  const [r] = await db('delivery_points').where({ company_id: companyId }).count({ n: '*' })
  return Number(r?.n ?? 0)
}

/** Adds a point to the company; returns its id. */
export function insertPoint(db: Db, companyId: number, input: PointInput, o: { isDefault: boolean; photoFileId: number | null; now: number }): Promise<number> {
  return insertId(db, 'delivery_points', {
    company_id: companyId,
    ...input,
    is_default: o.isDefault,
    photo_file_id: o.photoFileId,
    created_at: o.now,
    updated_at: o.now,
  })
}

/** Changes a point of the company; returns the number of rows changed (0 for another company's point). */
export async function updatePoint(db: Db, companyId: number, id: number, patch: Partial<PointInput> & { photo_file_id?: number | null }, now: number): Promise<number> {
  return db('delivery_points').where({ company_id: companyId, id }).update({ ...patch, updated_at: now })
}

/** Deletes a point of the company; returns the number of rows deleted. */
export async function deletePoint(db: Db, companyId: number, id: number): Promise<number> {
  return db('delivery_points').where({ company_id: companyId, id }).delete()
}

/** Makes one point the default and every other point of the company not, in two statements inside the caller's transaction. */
export async function makeDefault(db: Db, companyId: number, id: number, now: number): Promise<void> {
  await db('delivery_points').where({ company_id: companyId }).whereNot({ id }).where({ is_default: true }).update({ is_default: false, updated_at: now })
  await db('delivery_points').where({ company_id: companyId, id }).update({ is_default: true, updated_at: now })
}

/** The point that inherits the default when the default is deleted: the oldest remaining one. */
export async function oldestPoint(db: Db, companyId: number): Promise<PointRow | undefined> {
  const row: PointRow | undefined = await db('delivery_points').where({ company_id: companyId }).orderBy('id', 'asc').first()
  return row && normalize(row)
}

/**
 * Locks the company row until the transaction ends, so two concurrent changes cannot both decide which point is the
 * default. SQLite has a single writer already (knex emits nothing for FOR UPDATE there).
 */
export async function lockCompany(db: Db, companyId: number): Promise<void> {
  await db('companies').where({ id: companyId }).forUpdate().first('id')
}
