import type { DadataPartySuggestion, Party } from './types.js'

/** Converts one DaData suggestion into the portal's `Party`. */
export function toParty(s: DadataPartySuggestion): Party {
  const d = s.data
  const kind = d.type === 'INDIVIDUAL' ? 'ip' : 'legal'
  const fio = d.fio ? [d.fio.surname, d.fio.name, d.fio.patronymic].filter(Boolean).join(' ') : ''
  return {
    inn: d.inn,
    kpp: kind === 'legal' ? d.kpp ?? null : null,
    ogrn: d.ogrn ?? null,
    kind,
    isBranch: d.branch_type === 'BRANCH',
    nameShort: d.name?.short_with_opf || d.name?.full_with_opf || s.value,
    nameFull: d.name?.full_with_opf || s.unrestricted_value || s.value,
    legalForm: d.opf?.short || d.opf?.full || (kind === 'ip' ? 'ИП' : ''),
    directorName: kind === 'ip' ? fio : d.management?.name ?? '',
    directorPost: kind === 'ip' ? 'Индивидуальный предприниматель' : d.management?.post ?? '',
    legalAddress: d.address?.unrestricted_value || d.address?.value || '',
    registryStatus: d.state?.status ?? 'ACTIVE',
  }
}
