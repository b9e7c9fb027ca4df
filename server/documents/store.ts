import type { Db } from '../db/knex.js'
import { insertId } from '../db/dialect.js'
import type { DocType, DocumentRow } from './types.js'

/*
 * Company documents are always read through the company id of the session; the supplier's own documents are the rows with
 * a NULL company. The two never mix: a company id never matches NULL.
 */

function base(db: Db) {
  return db('company_documents as d')
    .join('files as f', 'f.id', 'd.file_id')
    .leftJoin('users as u', 'u.id', 'd.uploaded_by')
    .select(
      'd.id', 'd.company_id', 'd.file_id', 'd.doc_type', 'd.title', 'd.uploaded_by', 'd.created_at',
      'u.full_name as uploaded_by_name', 'f.original_name', 'f.mime', 'f.size',
    )
}

function normalize(row: DocumentRow): DocumentRow {
  return { ...row, size: Number(row.size), created_at: Number(row.created_at) }
}

/** The company's documents, newest first. */
export async function listCompanyDocuments(db: Db, companyId: number): Promise<DocumentRow[]> {
  const rows: DocumentRow[] = await base(db).where('d.company_id', companyId).orderBy('d.created_at', 'desc').orderBy('d.id', 'desc')
  return rows.map(normalize)
}

/** The supplier's own documents, newest first. */
export async function listSupplierDocuments(db: Db): Promise<DocumentRow[]> {
  const rows: DocumentRow[] = await base(db).whereNull('d.company_id').orderBy('d.created_at', 'desc').orderBy('d.id', 'desc')
  return rows.map(normalize)
}

/** One document of the company with its file fields, or undefined. */
export async function findCompanyDocument(db: Db, companyId: number, id: number): Promise<DocumentRow | undefined> {
  const row: DocumentRow | undefined = await base(db).where('d.company_id', companyId).where('d.id', id).first()
  return row && normalize(row)
}

/** One of the supplier's own documents, or undefined (a company's document never matches). */
export async function findSupplierDocument(db: Db, id: number): Promise<DocumentRow | undefined> {
  const row: DocumentRow | undefined = await base(db).whereNull('d.company_id').where('d.id', id).first()
  return row && normalize(row)
}

/** Adds a document row for a file already stored; returns its id. */
export function insertDocument(
  db: Db,
  row: { company_id: number | null; file_id: number; doc_type: DocType; title: string; uploaded_by: number; created_at: number },
): Promise<number> {
  return insertId(db, 'company_documents', row)
}

/** Deletes one document row of a company, or of the supplier when `companyId` is null. */
export async function deleteDocument(db: Db, companyId: number | null, id: number): Promise<number> {
  const q = db('company_documents').where({ id })
  return companyId === null ? q.whereNull('company_id').delete() : q.where({ company_id: companyId }).delete()
}
