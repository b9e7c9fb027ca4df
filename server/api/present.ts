import type { UserRow } from '../accounts/store.js'
import type { MemberCompany } from '../companies/types.js'

/** The API's view of a person: never the password hash or staff flags. */
export function apiUser(u: UserRow) {
  return { id: u.id, email: u.email, full_name: u.full_name, phone: u.phone }
}

/** The API's view of a company with the caller's role. */
export function apiCompany(c: MemberCompany) {
  return {
    id: c.id,
    kind: c.kind,
    inn: c.inn,
    kpp: c.kpp,
    ogrn: c.ogrn,
    name_short: c.name_short,
    name_full: c.name_full,
    legal_address: c.legal_address,
    postal_address: c.postal_address,
    docs_email: c.docs_email,
    docs_phone: c.docs_phone,
    edo: { enabled: !!c.edo_enabled, operator: c.edo_operator, participant_id: c.edo_participant_id },
    status: c.status,
    requisites_checked: !!c.requisites_checked,
    role: c.role,
  }
}
