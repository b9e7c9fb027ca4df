/** DaData `findById/party` shapes (reference/dadata.md §2.1), only the fields the portal reads. */
export interface DadataPartySuggestion {
  value: string
  unrestricted_value?: string
  data: {
    inn: string
    kpp?: string | null
    ogrn?: string | null
    type: 'LEGAL' | 'INDIVIDUAL'
    branch_type?: 'MAIN' | 'BRANCH' | null
    branch_count?: number | null
    name?: { full_with_opf?: string | null; short_with_opf?: string | null; full?: string | null; short?: string | null } | null
    opf?: { code?: string | null; full?: string | null; short?: string | null } | null
    management?: { name?: string | null; post?: string | null } | null
    fio?: { surname?: string | null; name?: string | null; patronymic?: string | null } | null
    address?: { value?: string | null; unrestricted_value?: string | null } | null
    state?: { status?: string | null; liquidation_date?: number | null } | null
  }
}

export interface DadataPartyResponse {
  suggestions: DadataPartySuggestion[]
}

/** A company or ИП as the portal understands it. */
export interface Party {
  inn: string
  kpp: string | null
  ogrn: string | null
  kind: 'legal' | 'ip'
  isBranch: boolean
  nameShort: string
  nameFull: string
  legalForm: string
  directorName: string
  directorPost: string
  legalAddress: string
  registryStatus: string
}

/** The narrow client interface; the real HTTP client and test doubles implement it. */
export interface DadataClient {
  /** `findById/party` by INN (and optionally KPP). Throws `Upstream` when DaData cannot answer. */
  findParty(query: { inn: string; kpp?: string }): Promise<DadataPartySuggestion[]>
}
