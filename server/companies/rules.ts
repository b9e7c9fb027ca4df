import type { Party } from '../integrations/dadata/types.js'
import { emailError, phoneError } from '../accounts/rules.js'
import { innError, innKind, kppError, ogrnError } from './requisites.js'
import type { CompanyInput, CompanyKind, CompanyRow, LookupOutcome, Role } from './types.js'

export const ROLES: Role[] = ['owner', 'buyer', 'accountant', 'viewer']

export const ROLE_LABELS: Record<Role, string> = {
  owner: 'Владелец',
  buyer: 'Закупщик',
  accountant: 'Бухгалтер',
  viewer: 'Наблюдатель',
}

export const ROLE_HINTS: Record<Role, string> = {
  owner: 'всё, включая сотрудников, реквизиты и API-токены',
  buyer: 'заказы, корзины, точки доставки',
  accountant: 'документы, счета, оплаты и банковские реквизиты',
  viewer: 'только просмотр',
}

export type Permission = 'company.edit' | 'members.manage' | 'points.manage' | 'documents.manage' | 'tokens.manage' | 'order.place' | 'bank.manage'

const MATRIX: Record<Role, Permission[]> = {
  owner: ['company.edit', 'members.manage', 'points.manage', 'documents.manage', 'tokens.manage', 'order.place', 'bank.manage'],
  buyer: ['points.manage', 'order.place'],
  accountant: ['documents.manage', 'bank.manage'],
  viewer: [],
}

/** The one role table every route asks. */
export function can(role: Role, permission: Permission): boolean {
  return MATRIX[role].includes(permission)
}

/** Electronic document operators the form offers (code → name). */
export const EDO_OPERATORS: Record<string, string> = {
  diadoc: 'Контур.Диадок',
  sbis: 'СБИС',
  taxcom: 'Такском',
  '1c-edo': '1С-ЭДО',
  astral: 'Калуга Астрал',
}

/** Registry states that make a company unacceptable as a buyer (reference/dadata.md §6.4). */
export const REFUSED_STATES: Record<string, string> = {
  LIQUIDATED: 'ликвидирована',
  LIQUIDATING: 'находится в процессе ликвидации',
  BANKRUPT: 'признана банкротом',
}

/**
 * Picks the record a form should use from everything DaData returned for one INN: the branch with the chosen KPP, or the
 * head office. Refuses liquidated, liquidating and bankrupt companies.
 */
export function resolveParty(records: Party[], kpp: string): LookupOutcome {
  if (records.length === 0) {
    return {
      status: 'not_found',
      message: 'Организация с таким ИНН не найдена в ЕГРЮЛ/ЕГРИП. Проверьте ИНН или заполните реквизиты вручную — менеджер их проверит.',
    }
  }
  const head = records.find((r) => !r.isBranch) ?? records[0]!
  let party = head
  if (kpp) {
    const match = records.find((r) => r.kpp === kpp)
    if (!match) {
      return { status: 'invalid', field: 'kpp', message: `У этой организации нет подразделения с КПП ${kpp}. Выберите КПП из списка.` }
    }
    party = match
  }
  const refusal = REFUSED_STATES[head.registryStatus] ?? REFUSED_STATES[party.registryStatus]
  if (refusal) {
    return {
      status: 'refused',
      party,
      message: `${party.nameShort} ${refusal} по данным ФНС. Оформить такую компанию покупателем нельзя.`,
    }
  }
  const branches = records.length > 1 ? [head, ...records.filter((r) => r !== head)] : []
  return { status: 'found', party, branches }
}

/** The company kind that a form describes. */
export function kindOf(input: Pick<CompanyInput, 'is_person' | 'inn'>): CompanyKind {
  if (input.is_person) return 'person'
  return innKind(input.inn) ?? 'legal'
}

/** The unique key of a legal entity or ИП; a private person has none. */
export function innKppKey(kind: CompanyKind, inn: string | null, kpp: string | null): string | null {
  if (kind === 'person' || !inn) return null
  return `${inn}/${kind === 'legal' ? kpp ?? '' : ''}`
}

/**
 * Field errors of the company part of a form, given what the lookup found. When DaData confirmed the requisites, the
 * fields it fills are not checked again (they are overwritten from DaData by the service).
 */
export function companyErrors(input: CompanyInput, lookup: LookupOutcome | null): Record<string, string> {
  const errors: Record<string, string> = {}
  const put = (k: string, e: string | null | undefined) => e && !errors[k] && (errors[k] = e)
  if (input.is_person) return errors
  put('inn', innError(input.inn))
  if (errors.inn) return errors
  const kind = innKind(input.inn)!
  if (lookup?.status === 'refused') put('inn', lookup.message)
  if (lookup?.status === 'invalid') put(lookup.field, lookup.message)
  if (lookup?.status !== 'found') {
    put('name_short', input.name_short ? (input.name_short.length > 300 ? 'Слишком длинное название' : null) : 'Укажите название')
    if (kind === 'legal') put('kpp', kppError(input.kpp))
    put('ogrn', ogrnError(input.ogrn, kind))
    put('legal_address', input.legal_address ? null : 'Укажите юридический адрес')
  }
  put('docs_email', emailError(input.docs_email, false))
  put('docs_phone', phoneError(input.docs_phone, false))
  if (input.edo_enabled) {
    if (!EDO_OPERATORS[input.edo_operator]) put('edo_operator', 'Выберите оператора ЭДО')
    if (!input.edo_participant_id) put('edo_participant_id', 'Укажите идентификатор участника ЭДО')
    else if (!/^[0-9A-Za-z-]{4,64}$/.test(input.edo_participant_id)) {
      put('edo_participant_id', 'Идентификатор участника ЭДО состоит из латинских букв, цифр и дефисов, например 2BM-7705123452-770501001')
    }
  }
  for (const k of ['postal_address', 'legal_address', 'director_name', 'director_post', 'name_full'] as const) {
    if (input[k].length > 500) put(k, 'Слишком длинное значение')
  }
  return errors
}

/** Why a company cannot place orders now, or null when it can. Issue 4's checkout calls this on the server. */
export function orderingBlockedReason(company: Pick<CompanyRow, 'status' | 'blocked_reason'>, role: Role): string | null {
  if (company.status === 'blocked') {
    return `Компания заблокирована поставщиком${company.blocked_reason ? `: ${company.blocked_reason}` : ''}. Заказы недоступны.`
  }
  if (company.status !== 'verified') return 'Компания ещё не подтверждена менеджером. Заказы станут доступны после проверки.'
  if (!can(role, 'order.place')) return 'Ваша роль в компании не позволяет оформлять заказы.'
  return null
}

/** A short human label of the company's state for badges. */
export function statusLabel(c: Pick<CompanyRow, 'status' | 'requisites_checked' | 'kind'>): string {
  if (c.status === 'blocked') return 'заблокирована'
  if (c.status === 'verified') return 'подтверждена'
  return c.kind !== 'person' && !c.requisites_checked ? 'реквизиты не проверены' : 'ожидает проверки'
}
