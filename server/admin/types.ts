import type { CompanyKind, CompanyStatus } from '../companies/types.js'

/** The status filter of the companies list; `all` shows every status. */
export type StatusFilter = CompanyStatus | 'all'

/** What the staff typed into the companies list filters, already parsed. */
export interface CompanyFilter {
  q: string
  status: StatusFilter
  uncheckedOnly: boolean
  page: number
}

/** One line of the companies list. */
export interface CompanyListRow {
  id: number
  kind: CompanyKind
  inn: string | null
  kpp: string | null
  name_short: string
  status: CompanyStatus
  requisites_checked: boolean | number
  created_at: number
  members_count: number
}

/** One audit entry with the name of whoever did it (null for the system). */
export interface AuditRow {
  id: number
  action: string
  details: string
  created_at: number
  actor_user_id: number | null
  actor_name: string | null
  actor_is_staff: boolean | number | null
}

/** A supplier staff account as the staff page lists it. */
export interface StaffRow {
  id: number
  email: string
  full_name: string
  phone: string
  is_active: boolean | number
  created_at: number
  last_login_at: number | null
}

/** The requisites a staff member may correct, as typed into the card form. */
export interface RequisitesInput {
  name_short: string
  name_full: string
  legal_form: string
  kpp: string
  ogrn: string
  director_name: string
  director_post: string
  legal_address: string
  postal_address: string
  requisites_checked: boolean
}

/** The fields of a new staff account. */
export interface StaffInput {
  full_name: string
  email: string
  phone: string
  password: string
}

/** The result of a status action: expected refusals are values, shown to the staff as a message. */
export type ActionOutcome = { ok: true; message: string } | { ok: false; message: string }
