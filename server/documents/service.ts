import type { Db } from '../db/knex.js'
import type { Clock } from '../shared/clock.js'
import type { FilesService, FileRow, Upload } from '../files/service.js'
import { Forbidden, NotFound, Validation } from '../shared/errors.js'
import { can } from '../companies/rules.js'
import { audit } from '../companies/store.js'
import type { MemberCompany } from '../companies/types.js'
import { documentErrors, supplierDocumentsBlockedReason } from './rules.js'
import * as store from './store.js'
import type { DocType, DocumentInput, DocumentRow } from './types.js'

export type DocumentsService = ReturnType<typeof createDocumentsService>

/** The file part of a document form: the file multer kept, or the reason it refused one. */
export interface DocumentFile {
  upload?: Upload
  error?: string
}

/**
 * Statutory documents: each company's own (устав, свидетельство, карточка предприятия…), which its members list and
 * download and owners and accountants manage, and the supplier's, which staff manage and verified companies download.
 */
export function createDocumentsService(deps: { db: Db; clock: Clock; files: FilesService }) {
  const { db, clock, files } = deps
  const now = () => clock.now().getTime()

  /**
   * Validates the fields and the file together and stores both in one transaction. `companyId` null means a document of
   * the supplier. Throws `Validation` with field errors (`doc_type`, `title`, `file`).
   */
  async function add(companyId: number | null, userId: number, input: DocumentInput, file: DocumentFile): Promise<number> {
    const purpose = companyId === null ? 'supplier_statutory' : 'statutory'
    const errors = documentErrors(input)
    if (file.error) errors.file = file.error
    else {
      const checked = await files.inspect(file.upload, purpose)
      if (!checked.ok) errors.file = checked.message
    }
    if (Object.keys(errors).length || !file.upload) throw new Validation('document form', errors)
    const upload = file.upload
    return files.transaction(async (ft) => {
      const saved = await ft.save(upload, { purpose, companyId, userId })
      if (!saved.ok) throw new Validation('document file', { file: saved.message })
      const id = await store.insertDocument(ft.trx, {
        company_id: companyId,
        file_id: saved.file.id,
        doc_type: input.doc_type as DocType,
        title: input.title,
        uploaded_by: userId,
        created_at: now(),
      })
      await audit(ft.trx, { actor: userId, companyId, action: 'document.uploaded', details: { id, doc_type: input.doc_type, name: saved.file.original_name }, now: now() })
      return id
    })
  }

  /** Deletes a document row and its file; the disk file goes after the commit. */
  async function drop(companyId: number | null, userId: number, id: number): Promise<DocumentRow> {
    return files.transaction(async (ft) => {
      const doc = companyId === null ? await store.findSupplierDocument(ft.trx, id) : await store.findCompanyDocument(ft.trx, companyId, id)
      if (!doc) throw new NotFound('Документ не найден')
      await store.deleteDocument(ft.trx, companyId, id)
      await ft.remove(doc.file_id)
      await audit(ft.trx, { actor: userId, companyId, action: 'document.deleted', details: { id, name: doc.original_name }, now: now() })
      return doc
    })
  }

  /** The stored file of a document, checked to belong to the same owner as the document row. */
  async function fileOf(doc: DocumentRow | undefined, companyId: number | null): Promise<{ doc: DocumentRow; file: FileRow }> {
    const file = doc ? await files.find(doc.file_id) : undefined
    if (!doc || !file || file.company_id !== companyId) throw new NotFound('Документ не найден')
    return { doc, file }
  }

  return {
    /** The company's documents, newest first, with file name, size and who uploaded them (the admin company page uses it too). */
    listCompanyDocuments: (companyId: number): Promise<DocumentRow[]> => store.listCompanyDocuments(db, companyId),

    /** The supplier's own statutory documents. */
    listSupplierDocuments: (): Promise<DocumentRow[]> => store.listSupplierDocuments(db),

    /** Uploads a document of the current company; needs `documents.manage`. */
    async upload(member: MemberCompany, userId: number, input: DocumentInput, file: DocumentFile): Promise<number> {
      if (!can(member.role, 'documents.manage')) throw new Forbidden('Документы загружают владелец компании и бухгалтер')
      return add(member.id, userId, input, file)
    },

    /** Deletes a document of the current company; needs `documents.manage`. */
    async remove(member: MemberCompany, userId: number, id: number): Promise<DocumentRow> {
      if (!can(member.role, 'documents.manage')) throw new Forbidden('Документы удаляют владелец компании и бухгалтер')
      return drop(member.id, userId, id)
    },

    /** A document of the company with its file, for any member; 404 for anything else. */
    companyDownload: async (companyId: number, id: number) => fileOf(await store.findCompanyDocument(db, companyId, id), companyId),

    /** A supplier document for a member of a verified company; others get 403 with the reason (the list itself is public to members). */
    async supplierDownload(member: MemberCompany, id: number) {
      const doc = await store.findSupplierDocument(db, id)
      if (!doc) throw new NotFound('Документ не найден')
      const blocked = supplierDocumentsBlockedReason(member.status)
      if (blocked) throw new Forbidden(blocked)
      return fileOf(doc, null)
    },

    /** A supplier document with its file for staff. */
    supplierFileForStaff: async (id: number) => fileOf(await store.findSupplierDocument(db, id), null),

    /** Uploads a supplier document (staff only; the route checks). */
    uploadSupplier: (userId: number, input: DocumentInput, file: DocumentFile): Promise<number> => add(null, userId, input, file),

    /** Deletes a supplier document (staff only; the route checks). */
    removeSupplier: (userId: number, id: number): Promise<DocumentRow> => drop(null, userId, id),
  }
}
