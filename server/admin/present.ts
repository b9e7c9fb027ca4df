import { EDO_OPERATORS, ROLE_LABELS } from '../companies/rules.js'
import type { MemberRow } from '../companies/store.js'
import type { BankAccountRow, CompanyKind, CompanyRow, CompanyStatus, Role } from '../companies/types.js'
import type { OutboxRow } from '../integrations/outbox/store.js'
import { PAGE_SIZE, type OutboxViewFilter } from './rules.js'
import type { AuditRow, CompanyFilter, CompanyListRow, RequisitesInput, StaffRow } from './types.js'
import type { PointRow } from '../points/types.js'
import { companyFormValues, presentBankAccount } from '../companies/present.js'

const KIND_SHORT: Record<CompanyKind, string> = { legal: 'Юрлицо', ip: 'ИП', person: 'Физлицо' }
const KIND_LONG: Record<CompanyKind, string> = { legal: 'Юридическое лицо', ip: 'Индивидуальный предприниматель', person: 'Физическое лицо' }
const STATUS_WORDS: Record<CompanyStatus, string> = { unverified: 'ожидает проверки', verified: 'подтверждена', blocked: 'заблокирована' }

/** Registry states from DaData (reference/dadata.md §6.4) in the words staff use. */
const REGISTRY_LABELS: Record<string, string> = {
  ACTIVE: 'действующая',
  LIQUIDATING: 'ликвидируется',
  LIQUIDATED: 'ликвидирована',
  BANKRUPT: 'банкротство',
  REORGANIZING: 'в процессе присоединения',
}

/** The options of the status filter with the current one selected. */
export function statusOptions(selected: string) {
  return [
    { value: 'all', label: 'Все' },
    { value: 'unverified', label: 'Ожидают проверки' },
    { value: 'verified', label: 'Подтверждены' },
    { value: 'blocked', label: 'Заблокированы' },
  ].map((o) => ({ ...o, selected: o.value === selected }))
}

/** The requisites badge: only legal entities and ИП have requisites to check. */
function requisitesBadge(c: { kind: CompanyKind; requisites_checked: boolean | number }) {
  if (c.kind === 'person') return null
  return c.requisites_checked ? { cls: 'verified', text: 'проверены' } : { cls: 'warn', text: 'не проверены' }
}

/** One line of the companies list. */
export function presentListRow(r: CompanyListRow) {
  return {
    ...r,
    kindLabel: KIND_SHORT[r.kind],
    innKpp: r.inn ? (r.kpp ? `${r.inn} / ${r.kpp}` : r.inn) : '',
    statusText: STATUS_WORDS[r.status],
    requisites: requisitesBadge(r),
  }
}

/** A list URL with the current filters and another page, so paging keeps the search. */
function listUrl(f: CompanyFilter, page: number): string {
  const p = new URLSearchParams()
  if (f.q) p.set('q', f.q)
  if (f.status !== 'all') p.set('status', f.status)
  if (f.uncheckedOnly) p.set('unchecked', '1')
  if (page > 1) p.set('page', String(page))
  const s = p.toString()
  return s ? `/admin?${s}` : '/admin'
}

/** The paging bar of the list: «51–100 из 240» and links to the neighbouring pages. */
export function presentPaging(f: CompanyFilter, total: number, pages: number) {
  const from = total === 0 ? 0 : (f.page - 1) * PAGE_SIZE + 1
  return {
    total,
    from,
    to: Math.min(total, f.page * PAGE_SIZE),
    page: f.page,
    pages,
    prevUrl: f.page > 1 ? listUrl(f, Math.min(f.page - 1, pages)) : null,
    nextUrl: f.page < pages ? listUrl(f, f.page + 1) : null,
  }
}

const FIELD_LABELS: Record<string, string> = {
  name_short: 'Название',
  name_full: 'Полное название',
  legal_form: 'Форма',
  kpp: 'КПП',
  ogrn: 'ОГРН',
  director_name: 'Руководитель',
  director_post: 'Должность руководителя',
  legal_address: 'Юридический адрес',
  postal_address: 'Почтовый адрес',
  requisites_checked: 'Реквизиты сверены',
}

const ACTION_LABELS: Record<string, string> = {
  'company.created': 'Компания добавлена в кабинет',
  'company.updated': 'Покупатель изменил данные компании',
  'company.verified': 'Компания подтверждена',
  'company.blocked': 'Компания заблокирована',
  'company.unblocked': 'Блокировка снята',
  'company.requisites_corrected': 'Реквизиты исправлены поставщиком',
  'member.invited': 'Приглашён сотрудник',
  'member.joined': 'Сотрудник присоединился',
  'member.role': 'Изменена роль сотрудника',
  'member.removed': 'Сотрудник удалён из компании',
  'company.pricing_changed': 'Изменены условия цен',
  'warehouse.created': 'Добавлен склад',
  'warehouse.updated': 'Изменены настройки склада',
  'company.cabinet_opened': 'Менеджер открыл кабинет клиента',
  'company.cabinet_closed': 'Менеджер закрыл кабинет клиента',
  'b24.order_status': 'Состояние заказа изменено в Битрикс24',
  'b24.delivery_request': 'Заявка СДЭК из Битрикс24',
  'b24.status_refused': 'Битрикс24: переход заказа не выполнен',
  'bank_account.added': 'Добавлен банковский счёт',
  'bank_account.updated': 'Изменён банковский счёт',
  'bank_account.main': 'Выбран основной банковский счёт',
  'bank_account.removed': 'Удалён банковский счёт',
}

function shown(v: unknown): string {
  if (v === null || v === undefined || v === '') return '—'
  if (typeof v === 'boolean') return v ? 'да' : 'нет'
  return String(v)
}

/** A one-line human reading of an audit entry's details; unknown actions show their keys and values as stored. */
function detailsText(action: string, raw: string): string {
  let d: Record<string, unknown>
  try {
    const parsed: unknown = JSON.parse(raw)
    d = parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {}
  } catch {
    return raw
  }
  const role = (r: unknown) => ROLE_LABELS[r as Role] ?? shown(r)
  const status = (s: unknown) => STATUS_WORDS[s as CompanyStatus] ?? shown(s)
  switch (action) {
    case 'company.created':
      return d.checked ? 'реквизиты получены из ЕГРЮЛ/ЕГРИП' : 'реквизиты введены вручную'
    case 'company.verified':
    case 'company.unblocked':
      return `${status(d.from)} → ${status(d.to)}`
    case 'company.blocked':
      return `Причина: ${shown(d.reason)}`
    case 'company.requisites_corrected': {
      const changes = (d.changes ?? {}) as Record<string, [unknown, unknown]>
      return Object.entries(changes)
        .map(([k, [a, b]]) => `${FIELD_LABELS[k] ?? k}: ${shown(a)} → ${shown(b)}`)
        .join('; ')
    }
    case 'company.cabinet_opened':
      return `только просмотр${d.by === 'b24' ? ', из карточки компании в Битрикс24' : ', из админки'}`
    case 'company.cabinet_closed':
      return d.reason === 'expired' ? 'время просмотра истекло' : 'менеджер нажал «Выйти»'
    case 'b24.status_refused':
      return `заказ № ${shown(d.order)}, сделка № ${shown(d.deal)}, стадия ${shown(d.stage)}: ${shown(d.reason)}`
    case 'bank_account.added':
    case 'bank_account.updated':
    case 'bank_account.main':
    case 'bank_account.removed':
      return `${d.bik ? `БИК ${shown(d.bik)}, ` : ''}р/с ${shown(d.account)}`
    case 'member.invited':
      return `${shown(d.email)}, роль «${role(d.role)}»`
    case 'member.joined':
    case 'member.role':
      return `роль «${role(d.role)}»`
    default:
      return Object.entries(d)
        .map(([k, v]) => `${k}: ${typeof v === 'object' && v !== null ? JSON.stringify(v) : shown(v)}`)
        .join('; ')
  }
}

/** A Bitrix24 user named in an entry's details (actions from the CRM tabs have no portal account behind them). */
function b24ManagerOf(raw: string): string | null {
  try {
    const d = JSON.parse(raw) as { manager?: unknown; b24_user_id?: unknown; via?: { manager?: unknown } }
    const name = d?.via?.manager ?? (d?.b24_user_id !== undefined ? d.manager : undefined)
    return typeof name === 'string' && name ? `${name} (Битрикс24)` : null
  } catch {
    return null
  }
}

/** One audit entry: what happened, who did it (the supplier's people are marked), and the details in words. */
export function presentAudit(a: AuditRow) {
  return {
    id: a.id,
    created_at: a.created_at,
    action: a.action,
    actionLabel: ACTION_LABELS[a.action] ?? a.action,
    actor: a.actor_user_id == null ? b24ManagerOf(a.details) ?? 'система' : a.actor_name ?? `пользователь №${a.actor_user_id}`,
    actorIsStaff: !!a.actor_is_staff,
    details: detailsText(a.action, a.details),
  }
}

/** The form values of the requisites correction, from the stored company. */
export function requisitesFormOf(c: CompanyRow): RequisitesInput {
  const { name_short, name_full, legal_form, kpp, ogrn, director_name, director_post, legal_address, postal_address } = companyFormValues(c)
  return { name_short, name_full, legal_form, kpp, ogrn, director_name, director_post, legal_address, postal_address, requisites_checked: !!c.requisites_checked }
}

/** The company card of the staff area. `documents` stays undefined until the documents feature fills it. */
export function presentCard(o: { company: CompanyRow; members: MemberRow[]; points: PointRow[]; bankAccounts?: BankAccountRow[]; audit: AuditRow[] }) {
  const c = o.company
  return {
    company: {
      ...c,
      kindLabel: KIND_LONG[c.kind],
      statusText: STATUS_WORDS[c.status],
      isPerson: c.kind === 'person',
      isLegal: c.kind === 'legal',
      isBlocked: c.status === 'blocked',
      isUnverified: c.status === 'unverified',
      requisites: requisitesBadge(c),
      registryLabel: c.registry_status ? REGISTRY_LABELS[c.registry_status] ?? c.registry_status : '',
      registryBad: !!c.registry_status && c.registry_status !== 'ACTIVE',
      edoOperatorName: c.edo_operator ? EDO_OPERATORS[c.edo_operator] ?? c.edo_operator : '',
    },
    members: o.members.map((m) => ({ ...m, roleName: ROLE_LABELS[m.role] ?? m.role })),
    points: o.points.map((p) => ({ ...p, isDefault: !!p.is_default })),
    bankAccounts: (o.bankAccounts ?? []).map(presentBankAccount),
    audit: o.audit.map(presentAudit),
  }
}

const OUTBOX_STATUS: Record<OutboxRow['status'], string> = {
  pending: 'в очереди',
  sending: 'отправляется',
  sent: 'отправлено',
  dead: 'не доставлено',
}

/**
 * One outbox row for the queue page. The payload is not shown: mail payloads carry invitation and password-reset links,
 * which must not leak to a screen. Long errors are cut for the table and kept whole in the tooltip. A pending row with an
 * error is «ошибка, повтор» (failed, waiting out its backoff) and gets the «повторить» button like a dead one.
 */
export function presentOutboxRow(r: OutboxRow) {
  const error = r.last_error ?? ''
  const failed = r.status === 'pending' && !!r.last_error
  return {
    id: r.id,
    topic: r.topic,
    key: r.idempotency_key,
    status: failed ? 'failed' : r.status,
    statusText: failed ? 'ошибка, повтор' : (OUTBOX_STATUS[r.status] ?? r.status),
    attempts: r.attempts,
    throttled: Number(r.throttled ?? 0),
    // A row being sent is next looked at when its lease runs out; a pending one at its scheduled time.
    nextAt: r.status === 'sending' ? r.locked_until : r.status === 'pending' ? r.next_attempt_at : null,
    error,
    errorShort: error.length > 160 ? `${error.slice(0, 160)}…` : error,
    externalId: r.external_id,
    created_at: r.created_at,
    updated_at: r.updated_at,
    isDead: r.status === 'dead',
    canRetry: r.status === 'dead' || failed,
  }
}

const OUTBOX_VIEW_LABELS: [OutboxViewFilter, string][] = [
  ['all', 'Все'],
  ['failed', 'С ошибкой'],
  ['dead', 'Не доставлено'],
  ['pending', 'В очереди'],
  ['sending', 'Отправляются'],
  ['sent', 'Отправлено'],
]

/** The filter bar of the outbox page: status tabs with counts, the topic select, and the query the page was opened with. */
export function presentOutboxFilter(filter: { view: OutboxViewFilter; topic: string | null }, counts: Record<string, number>, topics: string[]) {
  const total = Object.values(counts).reduce((a, b) => a + b, 0)
  const qs = (view: OutboxViewFilter) => {
    const p = new URLSearchParams()
    if (view !== 'all') p.set('status', view)
    if (filter.topic) p.set('topic', filter.topic)
    const q = p.toString()
    return `/admin/outbox${q ? `?${q}` : ''}`
  }
  return {
    filter: { view: filter.view, topic: filter.topic ?? '' },
    views: OUTBOX_VIEW_LABELS.map(([view, label]) => ({ view, label, href: qs(view), count: view === 'all' ? total : (counts[view] ?? 0), current: view === filter.view, alert: (view === 'dead' || view === 'failed') && (counts[view] ?? 0) > 0 })),
    topicOptions: topics.map((t) => ({ value: t, selected: t === filter.topic })),
    backUrl: qs(filter.view),
  }
}

/** A staff account for the staff page. */
export function presentStaff(s: StaffRow, meId: number) {
  return { ...s, isActive: !!s.is_active, isMe: s.id === meId }
}
