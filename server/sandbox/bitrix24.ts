import { randomBytes } from 'node:crypto'
import { Router, type Request, type Response } from 'express'
import axios from 'axios'
import type { Db } from '../db/knex.js'
import type { Clock } from '../shared/clock.js'
import type { Logger } from '../logger.js'
import * as store from './bitrix24-store.js'
import type { EntityRow, SandboxEntity } from './bitrix24-store.js'

/*
 * The Bitrix24 emulator (issue 6 «Sandbox»; shapes from reference/bitrix24.md §3, §4, §7): with no B24_CLIENT_ID /
 * B24_CLIENT_SECRET the app's real REST client talks to this instead of a portal. It answers like the reference:
 *  - REST at `/sandbox/bitrix24/rest/<method>` (JSON or form body, `auth` in the body or the query), `{result, time}` or
 *    `{error, error_description}` with the HTTP statuses of §4.2, `batch` with `$result[name][FIELD]` references and
 *    `halt`, list paging by 50 (`total`, `next`, `start=-1`);
 *  - the OAuth token endpoint `/sandbox/bitrix24/oauth/token/` (refresh_token grant; each refresh token works once);
 *  - 401 `expired_token` for an expired access token, 503 `QUERY_LIMIT_EXCEEDED` when its leaky bucket (50, 2/s) is full;
 *  - fault knobs for tests (`setFaults`): a share of 503s, random delays, timeouts (before or after the call ran).
 * Entities live in `sandbox_b24_*`; bindings of placements and events in memory. Events bound with `event.bind` are
 * delivered form-encoded (§5) when a deal's stage is changed on the sandbox page.
 */

export interface SandboxFaults {
  /** Share (0–1) of requests refused with 503 QUERY_LIMIT_EXCEEDED before doing anything. */
  fail503Share: number
  /** Share (0–1) of requests whose answer comes only after `timeoutMs` (half of them ran, half did not). */
  timeoutShare: number
  timeoutMs: number
  /** Each answer waits a random time in [min, max] ms. */
  delayMs: [number, number]
  /** The leaky bucket: capacity and drain per second (Bitrix24 standard plans: 50 and 2). */
  bucket: { capacity: number; drainPerSec: number }
  /** How long issued access tokens live. */
  tokenTtlMs: number
  random: () => number
}

const DEFAULT_FAULTS: SandboxFaults = {
  fail503Share: 0,
  timeoutShare: 0,
  timeoutMs: 0,
  delayMs: [0, 0],
  bucket: { capacity: 50, drainPerSec: 2 },
  tokenTtlMs: 3_600_000,
  random: Math.random,
}

export const SANDBOX_MEMBER_ID = 'sandbox-b24-portal'

/** Deal pipelines of the emulated portal and their stages (crm.category.list, crm.status.list). */
export const SANDBOX_CATEGORIES = [
  { id: 0, name: 'Общая' },
  { id: 1, name: 'Оптовые заказы' },
]
const BASE_STAGES: [string, string, string][] = [
  ['NEW', 'Новая', 'P'],
  ['PREPARATION', 'Подготовка документов', 'P'],
  ['PREPAYMENT_INVOICE', 'Счёт на предоплату', 'P'],
  ['EXECUTING', 'В работе', 'P'],
  ['FINAL_INVOICE', 'Финальный счёт', 'P'],
  ['WON', 'Сделка успешна', 'S'],
  ['LOSE', 'Сделка провалена', 'F'],
  ['APOLOGY', 'Анализ причины провала', 'F'],
]
export function stagesOf(categoryId: number) {
  return BASE_STAGES.map(([id, name, semantics], i) => ({
    ID: String(categoryId * 100 + i + 1),
    ENTITY_ID: categoryId === 0 ? 'DEAL_STAGE' : `DEAL_STAGE_${categoryId}`,
    STATUS_ID: categoryId === 0 ? id : `C${categoryId}:${id}`,
    NAME: name,
    SORT: String((i + 1) * 10),
    CATEGORY_ID: String(categoryId),
    SEMANTICS: semantics === 'P' ? null : semantics,
  }))
}
const PRESET_XML: Record<string, string> = {
  'Организация': '#CRM_REQUISITE_PRESET_DEF_RU_COMPANY#',
  'ИП': '#CRM_REQUISITE_PRESET_DEF_RU_INDIVIDUAL#',
  'Физ. лицо': '#CRM_REQUISITE_PRESET_DEF_RU_PERSON#',
}

/** A REST error as Bitrix24 answers it. */
class RestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly description: string,
  ) {
    super(description)
  }
}
const notFound = () => new RestError(400, 'NOT_FOUND', 'Not found')

/**
 * Parses one batch command's query string (`crm.deal.add?fields[TITLE]=x&rows[0][PRICE]=1`) into nested params, as PHP's
 * parse_str does: `a[b][c]` makes objects, `a[]` and numeric keys make arrays.
 */
export function parseQuery(qs: string): Record<string, unknown> {
  const root: Record<string, unknown> = {}
  for (const [rawKey, value] of new URLSearchParams(qs)) {
    const m = /^([^[]+)((?:\[[^\]]*\])*)$/.exec(rawKey)
    const path = m ? [m[1]!, ...[...m[2]!.matchAll(/\[([^\]]*)\]/g)].map((x) => x[1]!)] : [rawKey]
    let node: any = root
    for (let i = 0; i < path.length; i++) {
      let key: string | number = path[i]!
      const last = i === path.length - 1
      if (key === '' && Array.isArray(node)) key = node.length
      if (last) node[key] = value
      else {
        const nextIsIndex = path[i + 1] === '' || /^\d+$/.test(path[i + 1]!)
        if (node[key] == null || typeof node[key] !== 'object') node[key] = nextIsIndex ? [] : {}
        node = node[key]
      }
    }
  }
  return root
}

/** Replaces `$result[name]` and `$result[name][KEY]…` in string values with earlier commands' results. */
function substitute(v: unknown, results: Record<string, unknown>): unknown {
  if (typeof v === 'string') {
    const whole = /^\$result\[([^\]]+)\]((?:\[[^\]]+\])*)$/.exec(v)
    const pick = (name: string, tail: string) => {
      if (!(name in results)) throw new RestError(400, 'ERROR_BATCH_REFERENCE', `No result for ${name}`)
      let cur: any = results[name]
      for (const k of [...tail.matchAll(/\[([^\]]+)\]/g)].map((x) => x[1]!)) cur = cur?.[k]
      return cur
    }
    if (whole) return pick(whole[1]!, whole[2] ?? '')
    return v.replace(/\$result\[([^\]]+)\]((?:\[[^\]]+\])*)/g, (_m, n: string, tail: string) => String(pick(n, tail ?? '')))
  }
  if (Array.isArray(v)) return v.map((x) => substitute(x, results))
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, substitute(x, results)]))
  return v
}

const str = (v: unknown) => (v == null ? null : String(v))
const num = (v: unknown) => {
  const n = Number(v)
  return Number.isFinite(n) ? n : null
}

/** The upper-case fields of an entity row as Bitrix24 returns them (ids and numbers as strings, as PHP does). */
function present(r: EntityRow, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = { ID: String(r.id) }
  for (const [k, v] of Object.entries(r.fields)) out[k] = typeof v === 'number' ? String(v) : v
  return { ...out, ...extra, DATE_CREATE: new Date(r.created_at).toISOString(), DATE_MODIFY: new Date(r.updated_at).toISOString() }
}

/** Does an entity match a filter (`KEY`, `=KEY`, `@KEY` in-list, `!KEY`)? */
function matches(row: Record<string, unknown>, filter: Record<string, unknown>): boolean {
  for (const [rawKey, want] of Object.entries(filter ?? {})) {
    const m = /^(=|@|!|!=)?(.+)$/.exec(rawKey)!
    const op = m[1] ?? ''
    const have = row[m[2]!]
    const eq = (x: unknown) => String(have ?? '') === String(x ?? '')
    if (op === '@' || Array.isArray(want)) {
      if (!(want as unknown[]).some(eq)) return false
    } else if (op === '!' || op === '!=') {
      if (eq(want)) return false
    } else if (!eq(want)) return false
  }
  return true
}

export interface B24Sandbox {
  /** REST and OAuth routes, mounted at `/sandbox/bitrix24` (no session, no CSRF: machine to machine). */
  apiRoutes(): Router
  /** Issues a fresh token pair for a portal (the install, a placement opening). */
  issueTokens(memberId?: string): Promise<{ accessToken: string; refreshToken: string; expiresAt: number }>
  /** The application token events of this portal carry (set by the install). */
  applicationToken(memberId?: string): string
  setApplicationToken(memberId: string, token: string): void
  /** Bound placements and events (`placement.bind`, `event.bind`). */
  bindings(memberId?: string): { placements: { placement: string; handler: string; title: string }[]; events: { event: string; handler: string }[] }
  /** Calls one method as the REST endpoint would (the sandbox page uses it for its own changes). */
  invoke(memberId: string, method: string, params: Record<string, unknown>): Promise<unknown>
  /** Moves a deal to a stage and delivers ONCRMDEALUPDATE to the bound handlers (the sandbox page's stage form). */
  moveDeal(dealId: number, stageId: string): Promise<{ delivered: number }>
  setFaults(f: Partial<SandboxFaults>): void
  resetFaults(): void
  expireTokens(memberId?: string): Promise<void>
  /** Requests answered so far, by outcome (tests read it). */
  stats: { requests: number; limited: number; faults503: number; timeouts: number; expired: number; methods: Record<string, number> }
}

export function createB24Sandbox(deps: { db: Db; clock: Clock; logger: Logger; baseUrl: () => string }): B24Sandbox {
  const { db, clock, logger } = deps
  const now = () => clock.now().getTime()
  let faults: SandboxFaults = { ...DEFAULT_FAULTS, bucket: { ...DEFAULT_FAULTS.bucket } }
  const bucket = { level: 0, at: 0 }
  const appTokens = new Map<string, string>()
  const placements = new Map<string, { placement: string; handler: string; title: string }[]>()
  const events = new Map<string, { event: string; handler: string }[]>()
  const stats: B24Sandbox['stats'] = { requests: 0, limited: 0, faults503: 0, timeouts: 0, expired: 0, methods: {} }
  let seeded = false
  const seed = async () => {
    if (!seeded) {
      await store.seedBasics(db)
      seeded = true
    }
  }
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

  async function issueTokens(memberId = SANDBOX_MEMBER_ID) {
    const t = {
      member_id: memberId,
      access_token: randomBytes(16).toString('hex'),
      refresh_token: randomBytes(16).toString('hex'),
      expires_at: now() + faults.tokenTtlMs,
    }
    await store.insertToken(db, t, now())
    return { accessToken: t.access_token, refreshToken: t.refresh_token, expiresAt: t.expires_at }
  }

  /** One request of the bucket: false when it is full (503). */
  function takeBucket(): boolean {
    const t = now()
    bucket.level = Math.max(0, bucket.level - ((t - bucket.at) / 1000) * faults.bucket.drainPerSec)
    bucket.at = t
    if (bucket.level + 1 > faults.bucket.capacity) return false
    bucket.level += 1
    return true
  }

  function timeBlock(start: number) {
    const finish = now()
    return {
      start: start / 1000,
      finish: finish / 1000,
      duration: (finish - start) / 1000,
      processing: (finish - start) / 1000,
      date_start: new Date(start).toISOString(),
      date_finish: new Date(finish).toISOString(),
      operating: 0,
      operating_reset_at: Math.floor(finish / 1000) + 600,
    }
  }

  // ---- entity helpers ----

  async function must(q: Db, e: SandboxEntity, id: unknown): Promise<EntityRow> {
    const r = await store.getEntity(q, e, Number(id))
    if (!r) throw notFound()
    return r
  }

  function fieldsOf(params: Record<string, unknown>): Record<string, unknown> {
    if (params.FIELDS && !params.fields) throw new RestError(400, 'ERROR_ARGUMENT', 'Argument "fields" is null or empty (the key is lowercase `fields`)')
    const f = params.fields
    if (!f || typeof f !== 'object' || Array.isArray(f)) throw new RestError(400, 'ERROR_ARGUMENT', 'Argument "fields" is null or empty')
    return f as Record<string, unknown>
  }

  function validStage(categoryId: number, stageId: unknown): boolean {
    return stagesOf(categoryId).some((s) => s.STATUS_ID === stageId)
  }

  /** A list method over one entity table: filter, select, paging by 50, `start=-1` without the total. */
  async function list(q: Db, e: SandboxEntity, params: Record<string, unknown>, where: Record<string, unknown>, shape: (r: EntityRow) => Record<string, unknown>) {
    const filter = (params.filter ?? {}) as Record<string, unknown>
    const rows = (await store.listEntities(q, e, where)).map(shape).filter((r) => matches(r, filter))
    const select = Array.isArray(params.select) ? (params.select as string[]).filter((s) => s !== '*' && !s.endsWith('*')) : []
    const pick = (r: Record<string, unknown>) => (select.length ? Object.fromEntries([...new Set(['ID', ...select])].map((k) => [k, r[k] ?? null])) : r)
    const startRaw = Number(params.start ?? 0)
    const start = startRaw > 0 ? startRaw : 0
    const page = rows.slice(start, start + 50).map(pick)
    const extra: Record<string, unknown> = {}
    if (startRaw !== -1) {
      extra.total = rows.length
      if (start + 50 < rows.length) extra.next = start + 50
    }
    return { __list: true, result: page, ...extra }
  }

  const shapeCompany = (r: EntityRow) => present(r)
  const shapeContact = (r: EntityRow) => present(r, { COMPANY_ID: str(r.company_id) })
  const shapeDeal = (r: EntityRow) =>
    present(r, { TITLE: r.title, CATEGORY_ID: String(r.category_id), STAGE_ID: r.stage_id, COMPANY_ID: str(r.company_id), ORIGIN_ID: r.origin_id ?? null })
  const shapeRequisite = (r: EntityRow) => present(r, { ENTITY_TYPE_ID: String(r.entity_type_id), ENTITY_ID: String(r.entity_id), PRESET_ID: String(r.preset_id) })

  type MethodFn = (p: Record<string, unknown>, memberId: string, q: Db) => Promise<unknown>

  const methods: Record<string, MethodFn> = {
    async 'crm.company.add'(p, _m, q) {
      const f = fieldsOf(p)
      return store.insertEntity(q, 'companies', { title: String(f.TITLE ?? 'Без названия'), origin_id: str(f.ORIGIN_ID) }, f, now())
    },
    async 'crm.company.update'(p, _m, q) {
      const r = await must(q, 'companies', p.id)
      const f = { ...r.fields, ...fieldsOf(p) }
      await store.updateEntity(q, 'companies', r.id, { title: String(f.TITLE ?? 'Без названия'), origin_id: str(f.ORIGIN_ID) }, f, now())
      return true
    },
    async 'crm.company.get'(p, _m, q) {
      return shapeCompany(await must(q, 'companies', p.id))
    },
    async 'crm.company.list'(p, _m, q) {
      const f = (p.filter ?? {}) as Record<string, unknown>
      return list(q, 'companies', p, f.ORIGIN_ID != null ? { origin_id: String(f.ORIGIN_ID) } : {}, shapeCompany)
    },
    async 'crm.contact.add'(p, _m, q) {
      const f = fieldsOf(p)
      const companyId = num(f.COMPANY_ID) ?? num((f.COMPANY_IDS as unknown[] | undefined)?.[0])
      if (companyId) await must(q, 'companies', companyId)
      const name = [f.LAST_NAME, f.NAME, f.SECOND_NAME].filter(Boolean).join(' ') || 'Без имени'
      return store.insertEntity(q, 'contacts', { name, company_id: companyId, origin_id: str(f.ORIGIN_ID) }, f, now())
    },
    async 'crm.contact.update'(p, _m, q) {
      const r = await must(q, 'contacts', p.id)
      const f = { ...r.fields, ...fieldsOf(p) }
      const name = [f.LAST_NAME, f.NAME, f.SECOND_NAME].filter(Boolean).join(' ') || 'Без имени'
      await store.updateEntity(q, 'contacts', r.id, { name, company_id: num(f.COMPANY_ID) ?? r.company_id, origin_id: str(f.ORIGIN_ID) }, f, now())
      return true
    },
    async 'crm.contact.get'(p, _m, q) {
      return shapeContact(await must(q, 'contacts', p.id))
    },
    async 'crm.contact.list'(p, _m, q) {
      const f = (p.filter ?? {}) as Record<string, unknown>
      const where: Record<string, unknown> = {}
      if (f.ORIGIN_ID != null) where.origin_id = String(f.ORIGIN_ID)
      if (f.COMPANY_ID != null) where.company_id = Number(f.COMPANY_ID)
      return list(q, 'contacts', p, where, shapeContact)
    },
    async 'crm.requisite.preset.list'(_p, _m, q) {
      const rows = await store.listPresets(q)
      return rows.map((r) => ({
        ID: String(r.id),
        ENTITY_TYPE_ID: String(r.entity_type_id),
        COUNTRY_ID: String(r.country_id),
        NAME: r.name,
        XML_ID: PRESET_XML[r.name] ?? '',
        ACTIVE: r.active ? 'Y' : 'N',
        SORT: String(r.sort),
      }))
    },
    async 'crm.requisite.add'(p, _m, q) {
      const f = fieldsOf(p)
      const type = Number(f.ENTITY_TYPE_ID)
      if (type !== 3 && type !== 4) throw new RestError(400, 'ERROR_ARGUMENT', 'ENTITY_TYPE_ID must be 3 (contact) or 4 (company)')
      await must(q, type === 4 ? 'companies' : 'contacts', f.ENTITY_ID)
      const presets = await store.listPresets(q)
      if (!presets.some((x) => x.id === Number(f.PRESET_ID))) throw new RestError(400, 'ERROR_ARGUMENT', `Preset with ID ${String(f.PRESET_ID)} is not found`)
      return store.insertEntity(q, 'requisites', { entity_type_id: type, entity_id: Number(f.ENTITY_ID), preset_id: Number(f.PRESET_ID), rq_inn: str(f.RQ_INN) }, f, now())
    },
    async 'crm.requisite.update'(p, _m, q) {
      const r = await must(q, 'requisites', p.id)
      const f = { ...r.fields, ...fieldsOf(p) }
      await store.updateEntity(q, 'requisites', r.id, { rq_inn: str(f.RQ_INN) }, f, now())
      return true
    },
    async 'crm.requisite.get'(p, _m, q) {
      return shapeRequisite(await must(q, 'requisites', p.id))
    },
    async 'crm.requisite.list'(p, _m, q) {
      const f = (p.filter ?? {}) as Record<string, unknown>
      const where: Record<string, unknown> = {}
      if (f.ENTITY_ID != null) where.entity_id = Number(f.ENTITY_ID)
      if (f.ENTITY_TYPE_ID != null) where.entity_type_id = Number(f.ENTITY_TYPE_ID)
      return list(q, 'requisites', p, where, shapeRequisite)
    },
    async 'crm.requisite.bankdetail.add'(p, _m, q) {
      const f = fieldsOf(p)
      await must(q, 'requisites', f.ENTITY_ID)
      if (!f.NAME) throw new RestError(400, 'ERROR_ARGUMENT', 'The field NAME is required')
      return store.insertEntity(q, 'bankdetails', { requisite_id: Number(f.ENTITY_ID), rq_acc_num: str(f.RQ_ACC_NUM) }, f, now())
    },
    async 'crm.requisite.bankdetail.update'(p, _m, q) {
      const r = await must(q, 'bankdetails', p.id)
      const f = { ...r.fields, ...fieldsOf(p) }
      // ENTITY_ID cannot move a bank detail to another requisite.
      f.ENTITY_ID = r.fields.ENTITY_ID ?? r.requisite_id
      await store.updateEntity(q, 'bankdetails', r.id, { rq_acc_num: str(f.RQ_ACC_NUM) }, f, now())
      return true
    },
    async 'crm.requisite.bankdetail.get'(p, _m, q) {
      const r = await must(q, 'bankdetails', p.id)
      return present(r, { ENTITY_ID: String(r.requisite_id) })
    },
    async 'crm.requisite.bankdetail.list'(p, _m, q) {
      const f = (p.filter ?? {}) as Record<string, unknown>
      const where: Record<string, unknown> = {}
      if (f.ENTITY_ID != null) where.requisite_id = Number(f.ENTITY_ID)
      if (f.RQ_ACC_NUM != null) where.rq_acc_num = String(f.RQ_ACC_NUM)
      return list(q, 'bankdetails', p, where, (r) => present(r, { ENTITY_ID: String(r.requisite_id) }))
    },
    async 'crm.deal.add'(p, _m, q) {
      const f = fieldsOf(p)
      const category = num(f.CATEGORY_ID) ?? 0
      if (!SANDBOX_CATEGORIES.some((c) => c.id === category)) throw new RestError(400, 'ERROR_ARGUMENT', `Category ${category} is not found`)
      const stage = f.STAGE_ID ?? stagesOf(category)[0]!.STATUS_ID
      if (!validStage(category, stage)) throw new RestError(400, 'ERROR_ARGUMENT', `Stage ${String(stage)} is not found in pipeline ${category}`)
      const companyId = num(f.COMPANY_ID)
      if (companyId) await must(q, 'companies', companyId)
      const stored = { ...f, CATEGORY_ID: category, STAGE_ID: stage }
      return store.insertEntity(q, 'deals', { title: String(f.TITLE ?? 'Сделка'), category_id: category, stage_id: String(stage), company_id: companyId, origin_id: str(f.ORIGIN_ID) }, stored, now())
    },
    async 'crm.deal.update'(p, _m, q) {
      const r = await must(q, 'deals', p.id)
      const f = { ...r.fields, ...fieldsOf(p) }
      const category = num(f.CATEGORY_ID) ?? 0
      if (!validStage(category, f.STAGE_ID)) throw new RestError(400, 'ERROR_ARGUMENT', `Stage ${String(f.STAGE_ID)} is not found in pipeline ${category}`)
      await store.updateEntity(q, 'deals', r.id, { title: String(f.TITLE ?? r.title), category_id: category, stage_id: String(f.STAGE_ID), company_id: num(f.COMPANY_ID), origin_id: str(f.ORIGIN_ID) }, f, now())
      return true
    },
    async 'crm.deal.get'(p, _m, q) {
      return shapeDeal(await must(q, 'deals', p.id))
    },
    async 'crm.deal.list'(p, _m, q) {
      const f = (p.filter ?? {}) as Record<string, unknown>
      const where: Record<string, unknown> = {}
      if (f.ORIGIN_ID != null && !Array.isArray(f.ORIGIN_ID)) where.origin_id = String(f.ORIGIN_ID)
      if (f.COMPANY_ID != null) where.company_id = Number(f.COMPANY_ID)
      return list(q, 'deals', p, where, shapeDeal)
    },
    async 'crm.deal.productrows.set'(p, _m, q) {
      const deal = await must(q, 'deals', p.id)
      const rows = (Array.isArray(p.rows) ? p.rows : Object.values((p.rows ?? {}) as object)) as Record<string, unknown>[]
      await store.deleteWhere(q, 'productrows', { deal_id: deal.id })
      for (const [i, r] of rows.entries()) await store.insertEntity(q, 'productrows', { deal_id: deal.id, sort: i }, r, now())
      return true
    },
    async 'crm.deal.productrows.get'(p, _m, q) {
      const deal = await must(q, 'deals', p.id)
      const rows = await store.listEntities(q, 'productrows', { deal_id: deal.id })
      return rows.map((r) => ({ ...present(r), OWNER_ID: String(deal.id), OWNER_TYPE: 'D', PRICE: r.fields.PRICE, QUANTITY: r.fields.QUANTITY }))
    },
    async 'crm.timeline.comment.add'(p, _m, q) {
      const f = fieldsOf(p)
      const type = String(f.ENTITY_TYPE ?? '')
      if (!f.COMMENT) throw new RestError(400, 'ERROR_ARGUMENT', 'COMMENT is required')
      if (type === 'deal') await must(q, 'deals', f.ENTITY_ID)
      else if (type === 'company') await must(q, 'companies', f.ENTITY_ID)
      else if (type === 'contact') await must(q, 'contacts', f.ENTITY_ID)
      else if (!/^(lead|dynamic_\d+)$/.test(type)) throw new RestError(400, 'ERROR_ARGUMENT', `Unknown ENTITY_TYPE ${type}`)
      return store.insertEntity(q, 'comments', { entity_type: type, entity_id: Number(f.ENTITY_ID) }, f, now())
    },
    async 'crm.timeline.comment.list'(p, _m, q) {
      const f = (p.filter ?? {}) as Record<string, unknown>
      const where: Record<string, unknown> = {}
      if (f.ENTITY_ID != null) where.entity_id = Number(f.ENTITY_ID)
      if (f.ENTITY_TYPE != null) where.entity_type = String(f.ENTITY_TYPE)
      return list(q, 'comments', p, where, (r) => present(r, { CREATED: new Date(r.created_at).toISOString() }))
    },
    async 'tasks.task.add'(p, _m, q) {
      const f = fieldsOf(p)
      if (!f.TITLE) throw new RestError(400, 'ERROR_ARGUMENT', 'TITLE is required')
      if (!num(f.RESPONSIBLE_ID)) throw new RestError(400, 'ERROR_ARGUMENT', 'RESPONSIBLE_ID is required')
      const id = await store.insertEntity(q, 'tasks', { title: String(f.TITLE), responsible_id: Number(f.RESPONSIBLE_ID) }, f, now())
      return { task: { id: String(id), title: String(f.TITLE), responsibleId: String(f.RESPONSIBLE_ID), description: f.DESCRIPTION ?? '', deadline: f.DEADLINE ?? null, ufCrmTask: f.UF_CRM_TASK ?? [] } }
    },
    async 'user.get'(p, _m, q) {
      const users = await store.listUsers(q)
      const id = p.ID ?? p.id ?? (p.filter as Record<string, unknown> | undefined)?.ID
      return users
        .filter((u) => id == null || String(u.id) === String(id))
        .map((u) => ({ ID: String(u.id), ACTIVE: !!u.active, NAME: u.name, LAST_NAME: u.last_name, EMAIL: u.email }))
    },
    async 'user.current'(_p, _m, q) {
      const u = (await store.listUsers(q))[0]!
      return { ID: String(u.id), ACTIVE: true, NAME: u.name, LAST_NAME: u.last_name, EMAIL: u.email, ADMIN: true }
    },
    async profile(_p, _m, q) {
      const u = (await store.listUsers(q))[0]!
      return { ID: String(u.id), ADMIN: true, NAME: u.name, LAST_NAME: u.last_name }
    },
    async 'app.info'(_p, memberId, q) {
      return { ID: 1, CODE: 'local.b2b-sandbox', VERSION: 1, STATUS: 'L', INSTALLED: true, PAYMENT_EXPIRED: 'N', DAYS: null, LANGUAGE_ID: 'ru', LICENSE: 'ru_project', member_id: memberId }
    },
    async 'crm.status.list'(p, _m, q) {
      const f = (p.filter ?? {}) as Record<string, unknown>
      const all = SANDBOX_CATEGORIES.flatMap((c) => stagesOf(c.id))
      return all.filter((s) => matches(s as Record<string, unknown>, f))
    },
    async 'crm.category.list'(p, _m, q) {
      if (Number(p.entityTypeId) !== 2) throw new RestError(400, 'ERROR_ARGUMENT', 'Only deal pipelines (entityTypeId 2) in the sandbox')
      return { categories: SANDBOX_CATEGORIES.map((c, i) => ({ id: c.id, name: c.name, sort: (i + 1) * 100, entityTypeId: 2, isDefault: c.id === 0 ? 'Y' : 'N' })) }
    },
    async 'crm.dealcategory.list'(_p, _m, q) {
      return SANDBOX_CATEGORIES.filter((c) => c.id > 0).map((c) => ({ ID: String(c.id), NAME: c.name, SORT: '100' }))
    },
    async 'placement.bind'(p, memberId, q) {
      if (!p.PLACEMENT || !p.HANDLER) throw new RestError(400, 'ERROR_ARGUMENT', 'PLACEMENT and HANDLER are required')
      const list = (placements.get(memberId) ?? []).filter((x) => !(x.placement === p.PLACEMENT && x.handler === p.HANDLER))
      list.push({ placement: String(p.PLACEMENT), handler: String(p.HANDLER), title: String(p.TITLE ?? '') })
      placements.set(memberId, list)
      return true
    },
    async 'placement.unbind'(p, memberId, q) {
      const before = placements.get(memberId) ?? []
      const after = before.filter((x) => !(x.placement === p.PLACEMENT && (p.HANDLER == null || x.handler === p.HANDLER)))
      placements.set(memberId, after)
      return { count: before.length - after.length }
    },
    async 'placement.get'(_p, memberId, q) {
      return (placements.get(memberId) ?? []).map((x) => ({ placement: x.placement, handler: x.handler, title: x.title, options: [] }))
    },
    async 'event.bind'(p, memberId, q) {
      const event = String(p.event ?? p.EVENT ?? '').toUpperCase()
      const handler = String(p.handler ?? p.HANDLER ?? '')
      if (!event || !handler) throw new RestError(400, 'ERROR_ARGUMENT', 'event and handler are required')
      const list = (events.get(memberId) ?? []).filter((x) => !(x.event === event && x.handler === handler))
      list.push({ event, handler })
      events.set(memberId, list)
      return true
    },
    async 'event.unbind'(p, memberId, q) {
      const event = String(p.event ?? p.EVENT ?? '').toUpperCase()
      const before = events.get(memberId) ?? []
      const after = before.filter((x) => !(x.event === event && (p.handler == null || x.handler === p.handler)))
      events.set(memberId, after)
      return { count: before.length - after.length }
    },
    async 'event.get'(_p, memberId, q) {
      return (events.get(memberId) ?? []).map((x) => ({ event: x.event, handler: x.handler, auth_type: '0', offline: 0 }))
    },
  }

  /** Runs one method (not batch); list methods answer with their paging fields. */
  async function runMethod(method: string, params: Record<string, unknown>, memberId: string, q: Db = db): Promise<{ result: unknown; total?: number; next?: number }> {
    const fn = methods[method]
    if (!fn) throw new RestError(404, 'ERROR_METHOD_NOT_FOUND', 'Method not found!')
    stats.methods[method] = (stats.methods[method] ?? 0) + 1
    const r = (await fn(params, memberId, q)) as { __list?: boolean; result?: unknown; total?: number; next?: number }
    if (r && typeof r === 'object' && r.__list) return { result: r.result, total: r.total, next: r.next }
    return { result: r }
  }

  async function runBatch(params: Record<string, unknown>, memberId: string, q: Db) {
    const cmd = (params.cmd ?? {}) as Record<string, string> | string[]
    const entries = Array.isArray(cmd) ? cmd.map((c, i) => [String(i), c] as [string, string]) : Object.entries(cmd)
    if (entries.length > 50) throw new RestError(400, 'ERROR_BATCH_LENGTH_EXCEEDED', 'Max batch length exceeded')
    const halt = String(params.halt ?? '0') === '1' || params.halt === true
    const result: Record<string, unknown> = {}
    const resultError: Record<string, unknown> = {}
    const total: Record<string, unknown> = {}
    const next: Record<string, unknown> = {}
    const times: Record<string, unknown> = {}
    for (const [name, line] of entries) {
      const start = now()
      const at = String(line).indexOf('?')
      const method = (at < 0 ? String(line) : String(line).slice(0, at)).replace(/\.json$/, '')
      try {
        if (method === 'batch') throw new RestError(405, 'ERROR_BATCH_METHOD_NOT_ALLOWED', 'Method is not allowed for batch usage')
        const p = substitute(parseQuery(at < 0 ? '' : String(line).slice(at + 1)), result) as Record<string, unknown>
        const r = await runMethod(method, p, memberId, q)
        result[name] = r.result
        if (r.total != null) total[name] = r.total
        if (r.next != null) next[name] = r.next
        times[name] = timeBlock(start)
      } catch (err) {
        const e = err instanceof RestError ? err : new RestError(500, 'INTERNAL_SERVER_ERROR', (err as Error).message)
        resultError[name] = { error: e.code, error_description: e.description }
        if (halt) break
      }
    }
    // PHP encodes an empty map as a list.
    const obj = (o: Record<string, unknown>) => (Object.keys(o).length ? o : [])
    return { result: obj(result), result_error: obj(resultError), result_total: obj(total), result_next: obj(next), result_time: obj(times) }
  }

  async function rest(req: Request, res: Response) {
    const start = now()
    stats.requests++
    const method = String(req.params.method ?? '').replace(/\.json$/, '')
    const body = (req.is('application/json') ? req.body : req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, unknown>
    const query = parseQuery(new URL(req.originalUrl, 'http://x').search.slice(1))
    const params: Record<string, unknown> = { ...query, ...(body ?? {}) }
    for (const k of Object.keys(params)) if (k.startsWith('bx24_')) delete params[k]
    const auth = params.auth
    delete params.auth
    const send = (status: number, payload: unknown) => {
      if (!res.headersSent) res.status(status).json(payload)
    }
    const fail = (e: RestError) => send(e.status, { error: e.code, error_description: e.description })

    const [dmin, dmax] = faults.delayMs
    if (dmax > 0) await sleep(dmin + Math.floor(faults.random() * (dmax - dmin + 1)))
    const timeout = faults.timeoutShare > 0 && faults.random() < faults.timeoutShare
    const timeoutBefore = timeout && faults.random() < 0.5
    if (timeoutBefore) {
      stats.timeouts++
      await sleep(faults.timeoutMs)
      return send(504, { error: 'GATEWAY_TIMEOUT', error_description: 'The request took too long' })
    }
    if (faults.fail503Share > 0 && faults.random() < faults.fail503Share) {
      stats.faults503++
      return fail(new RestError(503, 'QUERY_LIMIT_EXCEEDED', 'Too many requests'))
    }
    if (!takeBucket()) {
      stats.limited++
      return fail(new RestError(503, 'QUERY_LIMIT_EXCEEDED', 'Too many requests'))
    }
    if (!auth) return fail(new RestError(401, 'NO_AUTH_FOUND', 'Wrong authorization data'))
    const token = await store.findAccessToken(db, String(auth))
    if (!token) return fail(new RestError(401, 'invalid_token', 'Unable to verify access token'))
    if (token.expires_at <= now()) {
      stats.expired++
      return fail(new RestError(401, 'expired_token', 'The access token provided has expired.'))
    }
    await seed()
    try {
      // One transaction per request, as the portal's own database would commit it (and MariaDB commits once, not per row).
      const answer = await db.transaction(async (trx) =>
        method === 'batch' ? { result: await runBatch(params, token.member_id, trx) } : await runMethod(method, params, token.member_id, trx),
      )
      const payload = { ...answer, time: timeBlock(start) }
      if (timeout) {
        // The call ran, the answer is lost: the client gives up before it arrives.
        stats.timeouts++
        await sleep(faults.timeoutMs)
      }
      send(200, payload)
    } catch (err) {
      if (err instanceof RestError) return fail(err)
      logger.error({ err, method }, 'b24 sandbox: method failed')
      fail(new RestError(500, 'INTERNAL_SERVER_ERROR', 'Internal server error'))
    }
  }

  /** The OAuth server (§3): a refresh_token grant, form-encoded POST (as the SDK sends it) or GET with the query. */
  async function token(req: Request, res: Response) {
    const p = { ...parseQuery(new URL(req.originalUrl, 'http://x').search.slice(1)), ...((req.body ?? {}) as Record<string, unknown>) }
    if (p.grant_type !== 'refresh_token' || !p.refresh_token || !p.client_id || !p.client_secret) {
      res.status(400).json({ error: 'invalid_request', error_description: 'grant_type=refresh_token, client_id, client_secret and refresh_token are required' })
      return
    }
    const memberId = await store.spendRefreshToken(db, String(p.refresh_token))
    if (!memberId) {
      res.status(400).json({ error: 'invalid_grant', error_description: 'Invalid refresh token' })
      return
    }
    const t = await issueTokens(memberId)
    const base = deps.baseUrl()
    res.json({
      access_token: t.accessToken,
      client_endpoint: `${base}/rest/`,
      domain: new URL(base).host,
      expires: Math.floor(t.expiresAt / 1000),
      expires_in: Math.round(faults.tokenTtlMs / 1000),
      member_id: memberId,
      refresh_token: t.refreshToken,
      scope: 'crm,placement,task,user_brief',
      server_endpoint: `${base}/rest/`,
      status: 'L',
      user_id: 1,
    })
  }

  const sandbox: B24Sandbox = {
    stats,
    apiRoutes() {
      const r = Router()
      r.post('/oauth/token', token)
      r.post('/oauth/token/', token)
      r.get('/oauth/token/', token)
      r.all('/rest/:method', rest)
      return r
    },
    issueTokens,
    applicationToken: (memberId = SANDBOX_MEMBER_ID) => appTokens.get(memberId) ?? '',
    setApplicationToken: (memberId, t) => void appTokens.set(memberId, t),
    bindings: (memberId = SANDBOX_MEMBER_ID) => ({ placements: placements.get(memberId) ?? [], events: events.get(memberId) ?? [] }),
    async invoke(memberId, method, params) {
      await seed()
      return (await runMethod(method, params, memberId)).result
    },
    async moveDeal(dealId, stageId) {
      await seed()
      const deal = await must(db, 'deals', dealId)
      await runMethod('crm.deal.update', { id: dealId, fields: { STAGE_ID: stageId } }, SANDBOX_MEMBER_ID)
      const memberId = SANDBOX_MEMBER_ID
      const handlers = (events.get(memberId) ?? []).filter((e) => e.event === 'ONCRMDEALUPDATE')
      const t = await issueTokens(memberId)
      const base = deps.baseUrl()
      let delivered = 0
      for (const h of handlers) {
        const form = new URLSearchParams({
          event: 'ONCRMDEALUPDATE',
          event_handler_id: '1',
          'data[FIELDS][ID]': String(deal.id),
          ts: String(Math.floor(now() / 1000)),
          'auth[access_token]': t.accessToken,
          'auth[expires_in]': '3600',
          'auth[scope]': 'crm',
          'auth[domain]': new URL(base).host,
          'auth[server_endpoint]': `${base}/rest/`,
          'auth[status]': 'L',
          'auth[client_endpoint]': `${base}/rest/`,
          'auth[member_id]': memberId,
          'auth[application_token]': appTokens.get(memberId) ?? '',
        })
        try {
          await axios.post(h.handler, form.toString(), { headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, timeout: 5000, validateStatus: () => true })
          delivered++
        } catch (err) {
          // Bitrix24 does not retry a failed delivery either (§5).
          logger.warn({ err: (err as Error).message, handler: h.handler }, 'b24 sandbox: event delivery failed')
        }
      }
      return { delivered }
    },
    setFaults(f) {
      faults = { ...faults, ...f, bucket: { ...faults.bucket, ...(f.bucket ?? {}) } }
    },
    resetFaults() {
      faults = { ...DEFAULT_FAULTS, bucket: { ...DEFAULT_FAULTS.bucket } }
      bucket.level = 0
      bucket.at = 0
    },
    async expireTokens(memberId) {
      await store.expireTokens(db, memberId ?? null, now())
    },
  }
  return sandbox
}
