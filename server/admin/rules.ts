/** Pure rules of the supplier staff area: list filters, company status transitions, requisites corrections. */
import { kppError, ogrnError } from '../companies/requisites.js'
import { innKppKey } from '../companies/rules.js'
import type { CompanyRow, CompanyStatus } from '../companies/types.js'
import type { RequisitesInput, StatusFilter } from './types.js'

/** Companies per page of the admin list. */
export const PAGE_SIZE = 50

/** Pages never go deeper than this: nobody browses 500 000 companies page by page, they search. */
export const MAX_PAGE = 10_000

const STATUS_FILTERS: StatusFilter[] = ['all', 'unverified', 'verified', 'blocked']

/** The status filter from the query string; anything unknown means «all». */
export function parseStatusFilter(raw: string): StatusFilter {
  return (STATUS_FILTERS as string[]).includes(raw) ? (raw as StatusFilter) : 'all'
}

/** A 1-based page number from the query string, clamped to what the list can show. */
export function parsePage(raw: string): number {
  const n = /^\d{1,6}$/.test(raw) ? Number(raw) : 1
  return Math.min(Math.max(n, 1), MAX_PAGE)
}

/**
 * Splits the search box into lower-cased words folded like `companies.search_text` (ё → е), so «Ёлочка 7701» finds a
 * company whose name contains «елочка» and whose INN contains «7701». A few words are enough to find anything; the cap keeps
 * a pasted paragraph from turning into dozens of LIKE conditions.
 */
export function searchWords(q: string): string[] {
  return q
    .toLowerCase()
    .replace(/ё/g, 'е')
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 6)
    .map((w) => w.slice(0, 60))
}

/** How many pages `total` rows take (at least one, so an empty list still has «page 1 of 1»). */
export function pageCount(total: number): number {
  return Math.max(1, Math.ceil(total / PAGE_SIZE))
}

export type StatusAction = 'verify' | 'block' | 'unblock'

/**
 * The status a company moves to when staff press a button, or the reason it cannot. Verification is for companies waiting
 * for it; a blocked company is unblocked first. Unblocking returns the company to «verified» only if a manager had verified
 * it before the block (its `verified_at` survives the block), otherwise it waits for verification again.
 */
export function statusTransition(
  c: Pick<CompanyRow, 'status' | 'verified_at'>,
  action: StatusAction,
): { ok: true; status: CompanyStatus } | { ok: false; message: string } {
  switch (action) {
    case 'verify':
      if (c.status === 'verified') return { ok: false, message: 'Компания уже подтверждена' }
      if (c.status === 'blocked') return { ok: false, message: 'Компания заблокирована: сначала разблокируйте её' }
      return { ok: true, status: 'verified' }
    case 'block':
      if (c.status === 'blocked') return { ok: false, message: 'Компания уже заблокирована' }
      return { ok: true, status: 'blocked' }
    case 'unblock':
      if (c.status !== 'blocked') return { ok: false, message: 'Компания не заблокирована' }
      return { ok: true, status: c.verified_at ? 'verified' : 'unverified' }
  }
}

/** The limit of `companies.blocked_reason`; the buyer sees the reason in the ordering refusal. */
export const BLOCK_REASON_MAX = 300

/** Null when the block reason is acceptable, or a Russian message for the field. */
export function blockReasonError(reason: string): string | null {
  if (!reason) return 'Укажите причину блокировки: покупатель увидит её, когда попробует оформить заказ'
  if (reason.length > BLOCK_REASON_MAX) return `Причина не длиннее ${BLOCK_REASON_MAX} символов`
  return null
}

const LIMITS: Record<Exclude<keyof RequisitesInput, 'requisites_checked' | 'kpp' | 'ogrn'>, number> = {
  name_short: 300,
  name_full: 500,
  legal_form: 100,
  director_name: 200,
  director_post: 200,
  legal_address: 500,
  postal_address: 500,
}

/**
 * Field errors of a requisites correction by staff, with the same checks buyers get (КПП shape, ОГРН/ОГРНИП check digit).
 * A private person has only a name and a postal address.
 */
export function requisitesErrors(kind: CompanyRow['kind'], input: RequisitesInput): Record<string, string> {
  const errors: Record<string, string> = {}
  const put = (k: string, e: string | null) => e && !errors[k] && (errors[k] = e)
  put('name_short', input.name_short ? null : kind === 'person' ? 'Укажите ФИО' : 'Укажите название')
  if (kind !== 'person') {
    if (kind === 'legal') put('kpp', kppError(input.kpp))
    put('ogrn', ogrnError(input.ogrn, kind))
    put('legal_address', input.legal_address ? null : 'Укажите юридический адрес')
  }
  for (const [k, max] of Object.entries(LIMITS)) {
    if (input[k as keyof typeof LIMITS].length > max) put(k, `Не длиннее ${max} символов`)
  }
  return errors
}

/** The fields of a company row that a requisites correction may change. */
export type RequisitesPatch = Partial<
  Pick<
    CompanyRow,
    | 'name_short' | 'name_full' | 'legal_form' | 'kpp' | 'inn_kpp_key' | 'ogrn' | 'director_name' | 'director_post'
    | 'legal_address' | 'postal_address' | 'requisites_checked' | 'requisites_note'
  >
>

const NOTE_CHECKED = 'Проверены менеджером поставщика'
const NOTE_UNCHECKED = 'Менеджер поставщика отметил реквизиты как непроверенные'

/**
 * The update a valid correction makes, and the changes for the audit log (`field → [before, after]`). Only what differs is
 * written. A new КПП moves the unique `inn_kpp_key` with it, so the one-registration-per-entity rule keeps holding. Staff
 * who tick «сверены» take responsibility for the requisites, so the DaData note is replaced by theirs.
 */
export function requisitesChange(
  c: CompanyRow,
  input: RequisitesInput,
): { patch: RequisitesPatch; changes: Record<string, [unknown, unknown]> } {
  const person = c.kind === 'person'
  const target: RequisitesPatch = person
    ? { name_short: input.name_short, postal_address: input.postal_address }
    : {
        name_short: input.name_short,
        name_full: input.name_full,
        legal_form: input.legal_form,
        kpp: c.kind === 'legal' ? input.kpp : null,
        ogrn: input.ogrn || null,
        director_name: input.director_name,
        director_post: input.director_post,
        legal_address: input.legal_address,
        postal_address: input.postal_address,
      }
  const patch: RequisitesPatch = {}
  const changes: Record<string, [unknown, unknown]> = {}
  for (const [k, v] of Object.entries(target) as [keyof RequisitesPatch, unknown][]) {
    const before = c[k] ?? null
    if ((before ?? '') !== (v ?? '')) {
      Object.assign(patch, { [k]: v })
      changes[k] = [before, v]
    }
  }
  if ('kpp' in patch) patch.inn_kpp_key = innKppKey(c.kind, c.inn, patch.kpp ?? null)
  if (!person) {
    const was = !!c.requisites_checked
    if (input.requisites_checked !== was) {
      patch.requisites_checked = input.requisites_checked
      patch.requisites_note = input.requisites_checked ? NOTE_CHECKED : NOTE_UNCHECKED
      changes.requisites_checked = [was, input.requisites_checked]
    } else if (was && Object.keys(changes).length) {
      patch.requisites_note = NOTE_CHECKED
    }
  }
  return { patch, changes }
}

const OUTBOX_VIEWS = ['all', 'pending', 'failed', 'sending', 'dead', 'sent'] as const
export type OutboxViewFilter = (typeof OUTBOX_VIEWS)[number]

/** The filter of /admin/outbox from the query string: an unknown status shows everything, an odd topic none of it. */
export function outboxFilterOf(status: string, topic: string): { view: OutboxViewFilter; topic: string | null } {
  const view = (OUTBOX_VIEWS as readonly string[]).includes(status) ? (status as OutboxViewFilter) : 'all'
  return { view, topic: /^[\w.:-]{1,64}$/.test(topic) ? topic : null }
}

/** Where «повторить» returns: the outbox page with the filter it was pressed under, never another site or page. */
export function outboxBackUrl(back: string): string {
  return /^\/admin\/outbox(\?[\w.:=&%-]*)?$/.test(back) ? back : '/admin/outbox'
}
