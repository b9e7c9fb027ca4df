/** The kinds of statutory documents a company (or the supplier) keeps in the cabinet. */
export type DocType = 'charter' | 'certificate' | 'company_card' | 'other'

/** A statutory document with its file, as lists show it. `company_id` is NULL for the supplier's own documents. */
export interface DocumentRow {
  id: number
  company_id: number | null
  file_id: number
  doc_type: DocType
  title: string
  uploaded_by: number | null
  uploaded_by_name: string | null
  created_at: number
  original_name: string
  mime: string
  size: number
}

/** What the upload form sends besides the file. */
export interface DocumentInput {
  doc_type: string
  title: string
}
