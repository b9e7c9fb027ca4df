import type { DocType, DocumentInput } from './types.js'

export const DOC_TYPES: DocType[] = ['charter', 'certificate', 'company_card', 'other']

/** Russian names of the document kinds (устав, свидетельство, карточка предприятия, прочее). */
export const DOC_TYPE_LABELS: Record<DocType, string> = {
  charter: 'Устав',
  certificate: 'Свидетельство (ОГРН, ИНН)',
  company_card: 'Карточка предприятия',
  other: 'Прочее',
}

export const TITLE_MAX = 200

/** Field errors of the document form (the file itself is checked by the files service). */
export function documentErrors(input: DocumentInput): Record<string, string> {
  const errors: Record<string, string> = {}
  if (!DOC_TYPES.includes(input.doc_type as DocType)) errors.doc_type = 'Выберите вид документа'
  if (input.title.length > TITLE_MAX) errors.title = `Название не длиннее ${TITLE_MAX} символов`
  return errors
}

/**
 * Why the supplier's documents cannot be downloaded by this company, or null when they can: they are shared with
 * companies the supplier's manager has verified.
 */
export function supplierDocumentsBlockedReason(status: string): string | null {
  if (status === 'verified') return null
  if (status === 'blocked') return 'Компания заблокирована поставщиком: документы поставщика недоступны.'
  return 'Документы поставщика можно скачать после того, как менеджер подтвердит вашу компанию.'
}
