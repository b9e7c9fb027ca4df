import type { Party } from '../integrations/dadata/types.js'

export type CompanyKind = 'legal' | 'ip' | 'person'
export type Role = 'owner' | 'buyer' | 'accountant' | 'viewer'
export type CompanyStatus = 'unverified' | 'verified' | 'blocked'

export interface CompanyRow {
  id: number
  kind: CompanyKind
  inn: string | null
  kpp: string | null
  inn_kpp_key: string | null
  ogrn: string | null
  name_short: string
  name_full: string
  legal_form: string
  director_name: string
  director_post: string
  legal_address: string
  postal_address: string
  docs_email: string
  docs_phone: string
  edo_enabled: boolean | number
  edo_operator: string | null
  edo_participant_id: string | null
  status: CompanyStatus
  requisites_checked: boolean | number
  requisites_note: string
  registry_status: string | null
  blocked_reason: string
  verified_at: number | null
  verified_by: number | null
  created_at: number
  updated_at: number
}

/** A company as one member sees it: the row plus that member's role. */
export interface MemberCompany extends CompanyRow {
  role: Role
}

/** What the company form sends (strings as typed). */
export interface CompanyInput {
  is_person: boolean
  inn: string
  kpp: string
  ogrn: string
  name_short: string
  name_full: string
  legal_form: string
  director_name: string
  director_post: string
  legal_address: string
  postal_address: string
  docs_email: string
  docs_phone: string
  edo_enabled: boolean
  edo_operator: string
  edo_participant_id: string
}

/** The result of looking an INN up, as the form shows it. */
export type LookupOutcome =
  | { status: 'found'; party: Party; branches: Party[] }
  | { status: 'refused'; message: string; party: Party }
  | { status: 'not_found'; message: string }
  | { status: 'unavailable'; message: string }
  | { status: 'invalid'; field: 'inn' | 'kpp'; message: string }

/** A bank account form as typed (банковские реквизиты). */
export interface BankAccountInput {
  bik: string
  account: string
  corr_account: string
  bank_name: string
  bank_city: string
}

/** A stored bank account of a company (`company_bank_accounts`); one of a company's accounts is its main one. */
export interface BankAccountRow extends BankAccountInput {
  id: number
  company_id: number
  is_main: boolean | number
  created_at: number
  updated_at: number
}
