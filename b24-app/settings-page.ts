import type { Db } from '../server/db/knex.js'
import type { Clock } from '../server/shared/clock.js'
import type { Logger } from '../server/logger.js'
import type { AdminService } from '../server/admin/service.js'
import * as companiesStore from '../server/companies/store.js'
import { STATUSES, STATUS_LABELS } from '../server/orders/rules.js'
import type { OrderStatus } from '../server/orders/types.js'
import type { B24Client } from './client.js'
import { getSettings, saveSettings, type B24Settings } from './settings-store.js'

type Body = Record<string, any>

/** Labels of «какие события что создают» on the page, in the order shown. */
const CREATE_LABELS: [keyof B24Settings['create'], string][] = [
  ['companyOnVerified', 'Подтверждённая компания → компания CRM с реквизитами'],
  ['contactForOwner', '… и контакт владельца компании'],
  ['dealOnOrder', 'Оформленный заказ → сделка с товарами'],
  ['updateDealOnChange', 'Изменение заказа → стадия и сумма сделки'],
  ['commentOnChange', '… и комментарий в ленте сделки'],
  ['commentOnDelivery', 'Статус доставки СДЭК → комментарий в ленте сделки'],
]

const STAGE_RE = /^[A-Za-z0-9_:.-]{1,50}$/

/** What the form sent, as typed, so a refused save shows it again. */
export interface SettingsForm {
  categoryId: string
  stageByStatus: Record<string, string>
  statusByStage: Record<string, string>
  rule: string
  defaultUserId: string
  managers: Record<string, string>
  create: Record<string, boolean>
}

const formOf = (s: B24Settings): SettingsForm => ({
  categoryId: String(s.categoryId),
  stageByStatus: { ...s.stageByStatus },
  statusByStage: { ...s.statusByStage },
  rule: s.responsible.rule,
  defaultUserId: String(s.responsible.defaultUserId),
  managers: Object.fromEntries(Object.entries(s.responsible.managers).map(([k, v]) => [k, String(v)])),
  create: { ...s.create },
})

const str = (v: unknown, max = 60) => (typeof v === 'string' ? v.trim().slice(0, max) : '')
const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {})

/** Reads the posted form (nested keys: `stage[paid]`, `back[C1:WON]`, `managers[12]`, `create[dealOnOrder]`). */
export function readSettingsForm(body: Body): SettingsForm {
  const stage = obj(body.stage)
  const back = obj(body.back)
  const managers = obj(body.managers)
  const create = obj(body.create)
  return {
    categoryId: str(body.category_id, 12),
    stageByStatus: Object.fromEntries(STATUSES.map((s) => [s, str(stage[s])])),
    statusByStage: Object.fromEntries(Object.entries(back).slice(0, 200).map(([k, v]) => [k.slice(0, 50), str(v, 24)])),
    rule: str(body.responsible_rule, 20),
    defaultUserId: str(body.responsible_default, 12),
    managers: Object.fromEntries(Object.entries(managers).slice(0, 500).map(([k, v]) => [k.slice(0, 12), str(v, 12)])),
    create: Object.fromEntries(CREATE_LABELS.map(([k]) => [k, create[k] === '1' || create[k] === 'on'])),
  }
}

/**
 * Checks the form against what the portal offers (`stages`, when they could be loaded): a pipeline id, a stage of that
 * pipeline per order state, a state per stage (or none), the responsible rule and user ids. Returns the settings to save or
 * Russian errors by field.
 */
export function validateSettings(f: SettingsForm, stages: string[] | null): { settings: B24Settings | null; errors: Record<string, string> } {
  const errors: Record<string, string> = {}
  const known = stages ? new Set(stages) : null
  const categoryId = /^\d{1,9}$/.test(f.categoryId) ? Number(f.categoryId) : NaN
  if (!Number.isSafeInteger(categoryId)) errors.category_id = 'Выберите воронку'
  const stageByStatus = {} as Record<OrderStatus, string>
  for (const s of STATUSES) {
    const v = f.stageByStatus[s] ?? ''
    if (!v || !STAGE_RE.test(v) || (known && !known.has(v))) errors[`stage_${s}`] = `Выберите стадию для «${STATUS_LABELS[s]}»`
    else stageByStatus[s] = v
  }
  const statusByStage: Record<string, OrderStatus> = {}
  for (const [stage, status] of Object.entries(f.statusByStage)) {
    if (!status) continue
    if (!STAGE_RE.test(stage) || (known && !known.has(stage))) continue
    if (!STATUSES.includes(status as OrderStatus)) errors[`back_${stage}`] = 'Выберите состояние заказа из списка'
    else statusByStage[stage] = status as OrderStatus
  }
  const rule = f.rule === 'default' ? 'default' : f.rule === 'company_manager' ? 'company_manager' : null
  if (!rule) errors.responsible_rule = 'Выберите, кто отвечает за сделки'
  const defaultUserId = /^\d{1,9}$/.test(f.defaultUserId) && Number(f.defaultUserId) > 0 ? Number(f.defaultUserId) : null
  if (defaultUserId === null) errors.responsible_default = `ID пользователя Битрикс24 — целое число больше нуля (вы ввели «${f.defaultUserId}»)`
  const managers: Record<string, number> = {}
  for (const [staffId, v] of Object.entries(f.managers)) {
    if (!v) continue
    if (!/^\d{1,9}$/.test(staffId)) continue
    if (!/^\d{1,9}$/.test(v) || Number(v) <= 0) errors[`manager_${staffId}`] = `ID пользователя — целое число (вы ввели «${v}»)`
    else managers[staffId] = Number(v)
  }
  if (Object.keys(errors).length) return { settings: null, errors }
  return {
    settings: {
      categoryId,
      stageByStatus,
      statusByStage,
      responsible: { rule: rule!, defaultUserId: defaultUserId!, managers },
      create: Object.fromEntries(CREATE_LABELS.map(([k]) => [k, !!f.create[k]])) as B24Settings['create'],
    },
    errors,
  }
}

/**
 * The app's settings page (opened in Bitrix24 as the app's main page): pipeline and the stage ↔ state mapping, loaded from
 * the portal (`crm.category.list`, `crm.status.list`) through the app's REST client, responsible manager rules and which
 * events create what. Saved through the settings store with an audit entry naming the Bitrix24 user. When the portal cannot
 * be asked, stage ids are typed by hand and the page says why.
 */
export function createSettingsPage(deps: { db: Db; clock: Clock; logger: Logger; client: B24Client; admin: AdminService }) {
  const { db, client } = deps

  async function portalLists(memberId: string, categoryId: number) {
    try {
      const cats = await client.call(memberId, 'crm.category.list', { entityTypeId: 2 })
      const list = (Array.isArray(cats?.categories) ? cats.categories : Array.isArray(cats) ? cats : []) as { id: number | string; name: string }[]
      const categories = list.map((c) => ({ id: Number(c.id), name: String(c.name) }))
      if (!categories.some((c) => c.id === 0)) categories.unshift({ id: 0, name: 'Общая' })
      const entityId = categoryId === 0 ? 'DEAL_STAGE' : `DEAL_STAGE_${categoryId}`
      const st = (await client.call(memberId, 'crm.status.list', { filter: { ENTITY_ID: entityId }, order: { SORT: 'ASC' } })) as { STATUS_ID: string; NAME: string }[] | undefined
      const stages = (Array.isArray(st) ? st : []).map((s) => ({ id: String(s.STATUS_ID), name: String(s.NAME) }))
      return { categories, stages, error: null as string | null }
    } catch (e) {
      deps.logger.warn({ memberId, err: e instanceof Error ? e.message : String(e) }, 'b24: settings lists unavailable')
      return { categories: null, stages: null, error: `Не удалось получить воронки и стадии из Битрикс24 (${e instanceof Error ? e.message : String(e)}): стадии можно ввести кодами` }
    }
  }

  async function view(memberId: string, formIn?: unknown, errors: Record<string, string> = {}) {
    const form = (formIn as SettingsForm | undefined) ?? formOf(await getSettings(db, memberId))
    const categoryId = /^\d{1,9}$/.test(form.categoryId) ? Number(form.categoryId) : 0
    const [lists, staff] = await Promise.all([portalLists(memberId, categoryId), deps.admin.listStaff()])
    const stageOptions = (selected: string) => (lists.stages ?? []).map((s) => ({ ...s, selected: s.id === selected }))
    return {
      listsError: lists.error,
      categories: (lists.categories ?? []).map((c) => ({ ...c, selected: c.id === categoryId })),
      categoryId,
      stagesLoaded: !!lists.stages,
      forward: STATUSES.map((s) => ({ code: s, label: STATUS_LABELS[s], value: form.stageByStatus[s] ?? '', options: stageOptions(form.stageByStatus[s] ?? ''), error: errors[`stage_${s}`] ?? null })),
      back: (lists.stages ?? []).map((st) => ({
        id: st.id,
        name: st.name,
        error: errors[`back_${st.id}`] ?? null,
        options: STATUSES.map((s) => ({ code: s, label: STATUS_LABELS[s], selected: form.statusByStage[st.id] === s })),
      })),
      rule: { company_manager: form.rule === 'company_manager', default: form.rule === 'default' },
      defaultUserId: form.defaultUserId,
      managers: staff.filter((u) => u.is_active).map((u) => ({ id: u.id, name: u.full_name, email: u.email, value: form.managers[String(u.id)] ?? '', error: errors[`manager_${u.id}`] ?? null })),
      create: CREATE_LABELS.map(([k, label]) => ({ key: k, label, checked: !!form.create[k] })),
      errors,
    }
  }

  return {
    view,

    /** Saves the posted settings (admins only: the route checks), or returns the form with its errors. */
    async save(memberId: string, body: Body, by: { userId: string; name: string }): Promise<{ ok: true; message: string } | { ok: false; message: string; form: SettingsForm; errors: Record<string, string> }> {
      const form = readSettingsForm(body)
      if (body.do === 'reload') return { ok: false, message: 'Стадии воронки загружены: сопоставьте их и сохраните', form, errors: {} }
      const categoryId = /^\d{1,9}$/.test(form.categoryId) ? Number(form.categoryId) : 0
      const lists = await portalLists(memberId, categoryId)
      const { settings, errors } = validateSettings(form, lists.stages ? lists.stages.map((s) => s.id) : null)
      if (!settings) return { ok: false, message: 'Настройки не сохранены: исправьте отмеченные поля', form, errors }
      const t = deps.clock.now().getTime()
      await saveSettings(db, memberId, settings, t)
      await companiesStore.audit(db, { actor: null, companyId: null, action: 'b24.settings_saved', details: { b24_member_id: memberId, b24_user_id: by.userId, manager: by.name }, now: t })
      return { ok: true, message: 'Настройки сохранены' }
    },
  }
}

export type SettingsPage = ReturnType<typeof createSettingsPage>
