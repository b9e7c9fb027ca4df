import { DOC_TYPES, DOC_TYPE_LABELS } from './rules.js'
import type { DocumentRow } from './types.js'

/** A row of a documents table; the title falls back to the file name. */
export function presentDocument(d: DocumentRow, downloadUrl: string) {
  return {
    ...d,
    typeLabel: DOC_TYPE_LABELS[d.doc_type] ?? d.doc_type,
    displayTitle: d.title || d.original_name,
    downloadUrl,
    kindLabel: d.mime === 'application/pdf' ? 'PDF' : d.mime === 'image/png' ? 'PNG' : d.mime === 'image/jpeg' ? 'JPG' : d.mime,
  }
}

/** The options of the document kind select. */
export function docTypeOptions(selected: string) {
  return DOC_TYPES.map((code) => ({ code, label: DOC_TYPE_LABELS[code], selected: code === selected }))
}

/** Supplier documents in the order of the kinds in the form (устав first), newest first within a kind. */
export function sortByKind(docs: DocumentRow[]): DocumentRow[] {
  return [...docs].sort((a, b) => DOC_TYPES.indexOf(a.doc_type) - DOC_TYPES.indexOf(b.doc_type))
}

/**
 * The rows of the «Документы» section of the admin company card (`admin-company-documents` partial): title, kind, file
 * name, size, date and the staff download link.
 */
export function presentForAdmin(companyId: number, docs: DocumentRow[]) {
  return docs.map((d) => ({
    id: d.id,
    title: d.title || d.original_name,
    typeLabel: DOC_TYPE_LABELS[d.doc_type] ?? d.doc_type,
    originalName: d.original_name,
    size: d.size,
    created_at: d.created_at,
    uploadedBy: d.uploaded_by_name,
    url: `/admin/companies/${companyId}/documents/${d.id}/download`,
  }))
}
