import type { Party } from '../integrations/dadata/types.js'
import { EDO_OPERATORS, ROLE_LABELS, statusLabel } from './rules.js'
import type { BankAccountInput, BankAccountRow, CompanyInput, CompanyRow, LookupOutcome, MemberCompany } from './types.js'
import { groupDigits } from './bank.js'

const KIND_LABELS = { legal: 'Юридическое лицо', ip: 'Индивидуальный предприниматель', person: 'Физическое лицо' }

/** The company card as templates show it. */
export function presentCompany(c: MemberCompany) {
  return {
    ...c,
    kindLabel: KIND_LABELS[c.kind],
    roleLabel: ROLE_LABELS[c.role],
    statusText: statusLabel(c),
    isPerson: c.kind === 'person',
    isLegal: c.kind === 'legal',
    requisitesEditable: c.kind !== 'person' && !c.requisites_checked && c.status === 'unverified',
    edoOperatorName: c.edo_operator ? EDO_OPERATORS[c.edo_operator] ?? c.edo_operator : '',
  }
}

/** The form fields DaData fills, from a found party. */
export function partyValues(p: Party) {
  return {
    inn: p.inn,
    kpp: p.kpp ?? '',
    ogrn: p.ogrn ?? '',
    name_short: p.nameShort,
    name_full: p.nameFull,
    legal_form: p.legalForm,
    director_name: p.directorName,
    director_post: p.directorPost,
    legal_address: p.legalAddress,
  }
}

function card(p: Party) {
  return { ...partyValues(p), kind: p.kind, is_branch: p.isBranch }
}

/** A lookup result for the form and for the `/lookup/party` JSON the page script reads. */
export function presentLookup(o: LookupOutcome, chosenKpp: string) {
  switch (o.status) {
    case 'found':
      return {
        status: o.status,
        ok: true,
        party: card(o.party),
        branches: o.branches.map((b) => ({ kpp: b.kpp ?? '', address: b.legalAddress, head: !b.isBranch, selected: (b.kpp ?? '') === (chosenKpp || o.party.kpp) })),
        message: o.branches.length ? `У организации есть обособленные подразделения (${o.branches.length - 1}): выбран головной офис, можно выбрать другой КПП.` : '',
      }
    case 'refused':
      return { status: o.status, ok: false, party: card(o.party), message: o.message, field: 'inn' }
    case 'invalid':
      return { status: o.status, ok: false, message: o.message, field: o.field }
    default:
      return { status: o.status, ok: false, message: o.message, manual: true }
  }
}

/** The form values of a stored company, for its edit forms (the buyer's card and the staff's corrections). */
export function companyFormValues(c: CompanyRow): CompanyInput {
  return {
    is_person: c.kind === 'person',
    inn: c.inn ?? '',
    kpp: c.kpp ?? '',
    ogrn: c.ogrn ?? '',
    name_short: c.name_short,
    name_full: c.name_full,
    legal_form: c.legal_form,
    director_name: c.director_name,
    director_post: c.director_post,
    legal_address: c.legal_address,
    postal_address: c.postal_address,
    docs_email: c.docs_email,
    docs_phone: c.docs_phone,
    edo_enabled: !!c.edo_enabled,
    edo_operator: c.edo_operator ?? '',
    edo_participant_id: c.edo_participant_id ?? '',
  }
}

/** The form values of a stored bank account. */
export function bankFormOf(a: BankAccountRow): BankAccountInput {
  return { bik: a.bik, account: a.account, corr_account: a.corr_account, bank_name: a.bank_name, bank_city: a.bank_city }
}

/** One bank account as the cards show it (accounts in groups of four digits, as on paper). */
export function presentBankAccount(a: BankAccountRow) {
  return { ...a, isMain: !!a.is_main, accountText: groupDigits(a.account), corrText: groupDigits(a.corr_account) }
}

/**
 * The «Банковские реквизиты» section of the buyer's card: the accounts, who may change them, and the add or edit form
 * (a form that did not pass comes back with its values and errors; `editing` is the id of the account being edited).
 */
export function presentBankSection(accounts: BankAccountRow[], canManage: boolean, bank: { id: number | null; form: BankAccountInput; errors: Record<string, string> } | null) {
  const empty: BankAccountInput = { bik: '', account: '', corr_account: '', bank_name: '', bank_city: '' }
  const editing = bank?.id ?? null
  return {
    bankAccounts: accounts.map((a) => ({ ...presentBankAccount(a), editing: a.id === editing })),
    canBank: canManage,
    bankEditing: editing,
    bankForm: bank?.form ?? empty,
    bankErrors: bank?.errors ?? {},
    bankAction: editing ? `/company/bank-accounts/${editing}` : '/company/bank-accounts',
    bankOpen: !!bank,
  }
}
