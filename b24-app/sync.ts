import type { Db } from '../server/db/knex.js'
import type { Clock } from '../server/shared/clock.js'
import type { Logger } from '../server/logger.js'
import { DeliveryError, type BatchHandler, type BatchOutcome, type HandlerContext } from '../server/integrations/outbox/dispatcher.js'
import * as companiesStore from '../server/companies/store.js'
import * as ordersStore from '../server/orders/store.js'
import type { OrderStatus } from '../server/orders/types.js'
import { ORDER_CANCELLED, ORDER_CHANGED, ORDER_PLACED } from '../server/orders/outbox.js'
import { COMPANY_CHANGED, COMPANY_VERIFIED } from '../server/companies/outbox.js'
import { MAX_BATCH, type B24Client, type BatchCommand, type BatchCommandError } from './client.js'
import { activeInstalls, type B24Install } from './installs.js'
import { findLink, findLinks, saveLink, setOrderDealId } from './links.js'
import { getSettings, type B24Settings } from './settings-store.js'
import {
  changeComment,
  fromDealStage,
  companyFields,
  companyResponsible,
  contactFields,
  dealFields,
  dealResponsible,
  originOfCompany,
  originOfContact,
  originOfOrder,
  pickPreset,
  bankDetailChanged,
  bankDetailFields,
  productRows,
  requisiteFields,
  type LineForDeal,
  type OrderForDeal,
  type Preset,
} from './map.js'

/*
 * CRM sync through the outbox (issue 6, reference/bitrix24.md §4.5, §7; reliability-security.md §2.2). Batch handlers for
 * the company and order topics (and CDEK's `delivery.status`): each drain hands a handler up to `batchSize` rows, which it
 * sends as few `batch` requests of up to 50 commands as it can, since the portal's limit counts requests, not commands.
 *
 * Idempotency without an idempotency key: every CRM entity carries our own id (`ORIGIN_ID`, or `XML_ID` for requisites);
 * an id is stored the moment it is known (`b24_links`, and `ctx.saveExternalId` on the row); before a create the handler
 * searches by our id unless this is the row's very first attempt (nothing can have been created before it: a rate-limit
 * refusal gives the attempt back only when the portal refused before doing anything). A deal needs its company, which is
 * synced first inside the same handler, idempotently. A bank detail carries no id of ours: the company's main bank account
 * is looked up by its requisite and account number (`crm.requisite.bankdetail.list`) before it is added or updated.
 */

export const DELIVERY_STATUS = 'delivery.status'

/** At most this many companies are created in the CRM per handler call (see `upsertDeals`). */
const MAX_NEW_COMPANIES = 10

/** How long rows wait when no portal has the app installed yet (they go out after the install). */
const NO_INSTALL_RETRY_MS = 15 * 60_000

export interface B24Sync {
  /** The outbox handlers by topic, for `createDispatcher` in `compose()`. */
  handlers: Record<string, BatchHandler>
  /** Makes sure a company (with its requisites and owner's contact) exists in the portal's CRM; returns the CRM ids. */
  ensureCompany(memberId: string, companyId: number, o?: { update?: boolean }): Promise<CompanySync>
}

export interface CompanySync {
  companyId: string
  contactId: string | null
  assignedById: number
  title: string
}

/** A Bitrix24 command error inside a batch as the outbox's error: limits and server faults transient, the rest permanent. */
function commandError(name: string, method: string, e: BatchCommandError): DeliveryError {
  const text = `Bitrix24 ${method}: ${e.code}${e.message ? ` — ${e.message}` : ''}`
  if (e.code === 'QUERY_LIMIT_EXCEEDED' || e.code === 'OPERATION_TIME_LIMIT') return new DeliveryError(text, false, 1_000, true)
  if (/INTERNAL|TIMEOUT|^5\d\d$/.test(e.code)) return new DeliveryError(text, false)
  void name
  return new DeliveryError(text, true)
}

/** Runs a map of commands in batches of at most 50 (in order; `$result` references must stay within one chunk). */
async function batchAll(client: B24Client, memberId: string, cmds: [string, BatchCommand][], halt = false) {
  const result: Record<string, any> = {}
  const errors: Record<string, BatchCommandError> = {}
  for (let i = 0; i < cmds.length; i += MAX_BATCH) {
    const r = await client.batch(memberId, Object.fromEntries(cmds.slice(i, i + MAX_BATCH)), { halt })
    Object.assign(result, r.result)
    Object.assign(errors, r.errors)
  }
  return { result, errors }
}

/** The bank detail fields the lookup reads (to tell whether an update is due). */
const BANK_DETAIL_SELECT = ['ID', 'ENTITY_ID', 'NAME', 'RQ_BANK_NAME', 'RQ_BIK', 'RQ_ACC_NUM', 'RQ_COR_ACC_NUM']

const firstOf = (r: unknown): Record<string, unknown> | null => (Array.isArray(r) && r[0] && typeof r[0] === 'object' ? (r[0] as Record<string, unknown>) : null)

const idOfList = (r: unknown): string | null => {
  const first = Array.isArray(r) ? (r[0] as { ID?: unknown } | undefined) : undefined
  return first?.ID != null ? String(first.ID) : null
}

export function createB24Sync(deps: { db: Db; clock: Clock; logger: Logger; client: B24Client; publicUrl: string; batchSize?: number }): B24Sync {
  const { db, clock, logger, client } = deps
  const now = () => clock.now().getTime()
  const presetCache = new Map<string, { at: number; presets: Preset[] }>()
  const orderBatch = deps.batchSize ?? 100

  async function installsOrWait(): Promise<B24Install[]> {
    const list = await activeInstalls(db)
    const usable = list.filter((i) => !i.authError)
    if (!usable.length) {
      throw new DeliveryError(
        list.length ? 'Bitrix24: доступ приложения отозван, переустановите приложение' : 'Bitrix24: приложение ещё не установлено ни на одном портале',
        false,
        NO_INSTALL_RETRY_MS,
        // Not a failure of the row: it waits (pending, with this text in /admin/outbox) without using up its attempts.
        true,
      )
    }
    return usable
  }

  async function presets(memberId: string): Promise<Preset[]> {
    const c = presetCache.get(memberId)
    if (c && now() - c.at < 10 * 60_000) return c.presets
    const list = ((await client.call(memberId, 'crm.requisite.preset.list', { select: ['ID', 'NAME', 'XML_ID', 'COUNTRY_ID', 'ACTIVE'] })) ?? []) as Preset[]
    presetCache.set(memberId, { at: now(), presets: list })
    return list
  }

  async function ensureCompany(memberId: string, companyId: number, o: { update?: boolean } = {}): Promise<CompanySync> {
    const s = await getSettings(db, memberId)
    const company = await companiesStore.findCompany(db, companyId)
    if (!company) throw new DeliveryError(`Компания ${companyId} не найдена в кабинете`, true)
    const members = await companiesStore.listMembers(db, companyId)
    const owner = members.find((m) => m.role === 'owner') ?? members[0] ?? null
    const assignedById = companyResponsible(s, company.verified_by)
    const rq = requisiteFields(company)
    // The main bank account goes to the requisite as its bank detail (a private person has no requisite, so none).
    const mainBank = rq ? await companiesStore.findMainBankAccount(db, companyId) : undefined
    const bd = mainBank ? bankDetailFields(mainBank) : null
    const wantContact = s.create.contactForOwner && owner !== null
    const contactKey = owner ? `${companyId}:${owner.user_id}` : ''
    let coId = await findLink(db, 'company', companyId, memberId)
    let rqId = rq ? await findLink(db, 'requisite', companyId, memberId) : null
    let ctId = wantContact ? await findLink(db, 'contact', contactKey, memberId) : null
    const done = () => ({ companyId: coId!, contactId: ctId, assignedById, title: company.name_short })
    if (coId && !o.update && (rqId || !rq) && (ctId || !wantContact)) return done()

    // Whatever is not linked is searched by our own id first: a create whose answer was lost is found, not repeated.
    const search: [string, BatchCommand][] = []
    if (!coId) search.push(['co', ['crm.company.list', { filter: { ORIGIN_ID: originOfCompany(companyId) }, select: ['ID'], start: -1 }]])
    if (rq && !rqId) search.push(['rq', ['crm.requisite.list', { filter: { XML_ID: originOfCompany(companyId) }, select: ['ID', 'ENTITY_ID'], start: -1 }]])
    if (wantContact && !ctId) search.push(['ct', ['crm.contact.list', { filter: { ORIGIN_ID: originOfContact(companyId, owner!.user_id) }, select: ['ID'], start: -1 }]])
    // A bank detail has no id of ours: it is looked up by its requisite and account number before one is added.
    const bankSearch = (requisiteId: string): [string, BatchCommand] => [
      'bd',
      ['crm.requisite.bankdetail.list', { filter: { ENTITY_ID: requisiteId, RQ_ACC_NUM: bd!.RQ_ACC_NUM }, select: BANK_DETAIL_SELECT, start: -1 }],
    ]
    if (bd && rqId) search.push(bankSearch(rqId))
    let bdFound: Record<string, unknown> | null = null
    if (search.length) {
      const r = await client.batch(memberId, Object.fromEntries(search))
      for (const [n, e] of Object.entries(r.errors)) throw commandError(n, search.find((x) => x[0] === n)![1][0], e)
      const t = now()
      if (!coId && (coId = idOfList(r.result.co))) await saveLink(db, 'company', companyId, memberId, coId, t)
      if (rq && !rqId && (rqId = idOfList(r.result.rq))) await saveLink(db, 'requisite', companyId, memberId, rqId, t)
      if (wantContact && !ctId && (ctId = idOfList(r.result.ct))) await saveLink(db, 'contact', contactKey, memberId, ctId, t)
      if (r.result.bd) bdFound = firstOf(r.result.bd)
      else if (bd && rqId && !search.some((x) => x[0] === 'bd')) {
        // The requisite was found only now (a lost answer of an earlier attempt): its bank detail may exist too.
        const b = await client.batch(memberId, Object.fromEntries([bankSearch(rqId)]))
        for (const [, e] of Object.entries(b.errors)) throw commandError('bd', 'crm.requisite.bankdetail.list', e)
        bdFound = firstOf(b.result.bd)
      }
    }

    const writes: [string, BatchCommand][] = []
    const fields = companyFields(company, assignedById)
    if (!coId) writes.push(['co', ['crm.company.add', { fields, params: { REGISTER_SONET_EVENT: 'N' } }]])
    else if (o.update) writes.push(['cou', ['crm.company.update', { id: coId, fields, params: { REGISTER_SONET_EVENT: 'N' } }]])
    const entity = coId ?? '$result[co]'
    if (rq && !rqId) {
      const presetId = pickPreset(await presets(memberId), company.kind)
      if (!presetId) throw new DeliveryError('Bitrix24: на портале нет ни одного шаблона реквизитов (crm.requisite.preset.list)', true)
      writes.push(['rq', ['crm.requisite.add', { fields: { ...rq, ENTITY_ID: entity, PRESET_ID: presetId } }]])
    } else if (rq && rqId && o.update) {
      const { ENTITY_TYPE_ID: _t, ...rest } = rq
      writes.push(['rqu', ['crm.requisite.update', { id: rqId, fields: rest }]])
    }
    if (wantContact && !ctId) writes.push(['ct', ['crm.contact.add', { fields: { ...contactFields(companyId, owner!, assignedById), COMPANY_ID: entity }, params: { REGISTER_SONET_EVENT: 'N' } }]])
    // Last in the halting batch: a refused bank detail holds back nothing else, and the retry looks it up before adding.
    if (bd && rq && !rqId) writes.push(['bd', ['crm.requisite.bankdetail.add', { fields: { ...bd, ENTITY_ID: '$result[rq]' } }]])
    else if (bd && rqId && !bdFound) writes.push(['bd', ['crm.requisite.bankdetail.add', { fields: { ...bd, ENTITY_ID: rqId } }]])
    else if (bd && bdFound && bankDetailChanged(bdFound, bd)) writes.push(['bdu', ['crm.requisite.bankdetail.update', { id: String(bdFound.ID), fields: bd }]])
    if (writes.length) {
      // halt: a requisite or contact is never added to a company that failed.
      const r = await client.batch(memberId, Object.fromEntries(writes), { halt: true })
      const t = now()
      if (!coId && r.result.co != null) await saveLink(db, 'company', companyId, memberId, (coId = String(r.result.co)), t)
      if (rq && !rqId && r.result.rq != null) await saveLink(db, 'requisite', companyId, memberId, (rqId = String(r.result.rq)), t)
      if (wantContact && !ctId && r.result.ct != null) await saveLink(db, 'contact', contactKey, memberId, (ctId = String(r.result.ct)), t)
      for (const [n, e] of Object.entries(r.errors)) throw commandError(n, writes.find((x) => x[0] === n)![1][0], e)
      if (!coId) throw new DeliveryError('Bitrix24 crm.company.add: нет id в ответе', false)
    }
    return done()
  }

  /** Runs `fn` for every usable install and folds the outcomes: a row is delivered only when every portal took it. */
  async function perInstall(rows: { ctx: HandlerContext }[], fn: (install: B24Install, s: B24Settings, single: boolean) => Promise<BatchOutcome[]>): Promise<BatchOutcome[]> {
    let installs: B24Install[]
    try {
      installs = await installsOrWait()
    } catch (error) {
      return rows.map(() => ({ ok: false, error }))
    }
    const out: BatchOutcome[] = rows.map(() => ({ ok: true }))
    for (const install of installs) {
      const s = await getSettings(db, install.memberId)
      let res: BatchOutcome[]
      try {
        res = await fn(install, s, installs.length === 1)
      } catch (error) {
        res = rows.map(() => ({ ok: false, error }))
      }
      res.forEach((r, i) => {
        if (!r.ok && out[i]!.ok) out[i] = r
        else if (r.ok && out[i]!.ok && r.externalId) out[i] = r
      })
    }
    return out
  }

  // ---- deals ----

  interface DealItem {
    i: number
    order: OrderForDeal & { company_id: number }
    lines: LineForDeal[]
    ctx: HandlerContext
  }

  /**
   * Creates or refreshes the deals of `items` on one portal: companies first, then a search for the deals a previous
   * attempt may have created, then one `batch` per 25 orders with `crm.deal.add` (or `update`) and `crm.deal.productrows.set`.
   */
  async function upsertDeals(install: B24Install, s: B24Settings, items: DealItem[], single: boolean, out: BatchOutcome[]): Promise<void> {
    const memberId = install.memberId
    const companies = new Map<number, CompanySync | { error: unknown }>()
    // New companies cost two or three requests each; a handler call syncs a few, so it ends well within its rows' lease
    // (another dispatcher must never take rows whose deals are still being created). The other orders wait their turn.
    const linked = await findLinks(db, 'company', items.map((x) => x.order.company_id), memberId)
    let fresh = 0
    for (const it of items) {
      if (companies.has(it.order.company_id)) continue
      if (!linked.has(String(it.order.company_id)) && ++fresh > MAX_NEW_COMPANIES) {
        companies.set(it.order.company_id, { error: new DeliveryError('Bitrix24: сначала создаются компании других заказов, заказ ждёт своей очереди', false, 2_000, true) })
        continue
      }
      try {
        companies.set(it.order.company_id, await ensureCompany(memberId, it.order.company_id))
      } catch (error) {
        companies.set(it.order.company_id, { error })
      }
    }
    const ready: (DealItem & { co: CompanySync; dealId: string | null })[] = []
    const links = await findLinks(db, 'deal', items.map((x) => x.order.id), memberId)
    for (const it of items) {
      const co = companies.get(it.order.company_id)!
      if ('error' in co) {
        out[it.i] = { ok: false, error: co.error }
        continue
      }
      ready.push({ ...it, co, dealId: links.get(String(it.order.id)) ?? (single ? it.ctx.externalId : null) })
    }
    const t0 = now()
    const unknown = ready.filter((x) => !x.dealId && x.ctx.attempt > 1)
    if (unknown.length) {
      const r = await batchAll(
        client,
        memberId,
        unknown.map((x) => [`s${x.i}`, ['crm.deal.list', { filter: { ORIGIN_ID: originOfOrder(x.order.id) }, select: ['ID'], start: -1 }]] as [string, BatchCommand]),
      )
      for (const x of unknown) {
        const e = r.errors[`s${x.i}`]
        if (e) {
          out[x.i] = { ok: false, error: commandError(`s${x.i}`, 'crm.deal.list', e) }
          x.dealId = 'error'
          continue
        }
        const found = idOfList(r.result[`s${x.i}`])
        if (found) {
          x.dealId = found
          await remember(memberId, x, found, t0)
        }
      }
    }
    const todo = ready.filter((x) => x.dealId !== 'error')
    // Two commands per order: 25 orders fill one batch.
    for (let k = 0; k < todo.length; k += MAX_BATCH / 2) {
      const chunk = todo.slice(k, k + MAX_BATCH / 2)
      const cmds: [string, BatchCommand][] = []
      for (const x of chunk) {
        const fields = dealFields(x.order, {
          s,
          companyTitle: x.co.title,
          companyId: x.co.companyId,
          contactId: x.co.contactId,
          assignedById: dealResponsible(s, x.co.assignedById),
          adminUrl: `${deps.publicUrl}/admin/orders/${x.order.id}`,
        })
        if (x.dealId) cmds.push([`u${x.i}`, ['crm.deal.update', { id: x.dealId, fields, params: { REGISTER_SONET_EVENT: 'N' } }]])
        else cmds.push([`d${x.i}`, ['crm.deal.add', { fields, params: { REGISTER_SONET_EVENT: 'N' } }]])
        cmds.push([`r${x.i}`, ['crm.deal.productrows.set', { id: x.dealId ?? `$result[d${x.i}]`, rows: productRows(x.lines) }]])
      }
      let r: { result: Record<string, any>; errors: Record<string, BatchCommandError> }
      try {
        r = await client.batch(memberId, Object.fromEntries(cmds))
      } catch (error) {
        for (const x of chunk) out[x.i] = { ok: false, error }
        continue
      }
      const t = now()
      for (const x of chunk) {
        const created = r.result[`d${x.i}`]
        if (!x.dealId && created != null) {
          x.dealId = String(created)
          await remember(memberId, x, x.dealId, t)
        }
        const e = r.errors[`d${x.i}`] ?? r.errors[`u${x.i}`] ?? r.errors[`r${x.i}`]
        if (e) {
          const which = r.errors[`d${x.i}`] ? 'crm.deal.add' : r.errors[`u${x.i}`] ? 'crm.deal.update' : 'crm.deal.productrows.set'
          out[x.i] = { ok: false, error: commandError('', which, e) }
        } else if (!x.dealId) {
          out[x.i] = { ok: false, error: new DeliveryError('Bitrix24 crm.deal.add: нет id сделки в ответе', false) }
        } else if (out[x.i]?.ok !== false) {
          out[x.i] = { ok: true, externalId: x.dealId }
        }
      }
    }
  }

  /** Stores a deal id the moment it is known: the link, the order's column and the outbox row. */
  async function remember(memberId: string, x: DealItem, dealId: string, t: number): Promise<void> {
    await saveLink(db, 'deal', x.order.id, memberId, dealId, t)
    await setOrderDealId(db, x.order.id, dealId)
    await x.ctx.saveExternalId(dealId)
  }

  /** Deals for orders of change rows that have none yet (their `order.placed` is still waiting or was lost), from the database. */
  async function dealsFor(install: B24Install, s: B24Settings, rows: { payload: any; ctx: HandlerContext }[], single: boolean, out: BatchOutcome[]): Promise<Map<number, string>> {
    const memberId = install.memberId
    const orderIds = [...new Set(rows.map((r) => Number(r.payload.order?.id ?? r.payload.order_id)).filter((n) => n > 0))]
    const deals = new Map<number, string>()
    for (const [k, v] of await findLinks(db, 'deal', orderIds, memberId)) deals.set(Number(k), v)
    const missing = orderIds.filter((id) => !deals.has(id))
    if (missing.length) {
      const r = await batchAll(
        client,
        memberId,
        missing.map((id) => [`s${id}`, ['crm.deal.list', { filter: { ORIGIN_ID: originOfOrder(id) }, select: ['ID'], start: -1 }]] as [string, BatchCommand]),
      )
      const create: DealItem[] = []
      for (const id of missing) {
        const found = idOfList(r.result[`s${id}`])
        if (found) {
          await saveLink(db, 'deal', id, memberId, found, now())
          deals.set(id, found)
          continue
        }
        const order = await ordersStore.findById(db, id)
        if (!order) continue
        const lines = await ordersStore.linesOf(db, id)
        // Searched just above, so no second search (attempt 1); the deal's id is not this row's external id (the comment's is).
        const ctx: HandlerContext = { rowId: 0, key: '', attempt: 1, externalId: null, saveExternalId: async () => {} }
        create.push({ i: create.length, order: { ...order, total_kopecks: Number(order.total_kopecks) }, lines, ctx })
      }
      if (create.length) {
        const sub: BatchOutcome[] = create.map(() => ({ ok: true }))
        await upsertDeals(install, s, create, single, sub)
        create.forEach((c, j) => {
          const o = sub[j]!
          if (o.ok && o.externalId) deals.set(c.order.id, String(o.externalId))
          else if (!o.ok) rows.forEach((r, i) => Number(r.payload.order?.id ?? r.payload.order_id) === c.order.id && (out[i] = o))
        })
      }
    }
    return deals
  }

  /** Timeline comments (and deal updates) for change rows; on a retry, a comment already added is found, not repeated. */
  async function comment(install: B24Install, rows: { payload: any; ctx: HandlerContext }[], textOf: (p: any) => string | null, update: ((p: any, dealId: string) => Promise<BatchCommand[]>) | null, single: boolean, s: B24Settings): Promise<BatchOutcome[]> {
    const memberId = install.memberId
    const out: BatchOutcome[] = rows.map(() => ({ ok: true }))
    const deals = await dealsFor(install, s, rows, single, out)
    const items = rows
      .map((r, i) => ({ i, r, dealId: deals.get(Number(r.payload.order?.id ?? r.payload.order_id)) ?? null, text: textOf(r.payload) }))
      .filter((x) => out[x.i]!.ok)
    for (const x of items) if (!x.dealId) out[x.i] = { ok: false, error: new DeliveryError(`Заказ ${x.r.payload.order?.id ?? x.r.payload.order_id} не найден в кабинете`, true) }
    const live = items.filter((x) => x.dealId)
    // Retries look for their comment first (same text on the same deal).
    const retry = live.filter((x) => x.text && x.r.ctx.attempt > 1 && !(single && x.r.ctx.externalId))
    const already = new Set<number>()
    if (retry.length) {
      const r = await batchAll(
        client,
        memberId,
        retry.map((x) => [`l${x.i}`, ['crm.timeline.comment.list', { filter: { ENTITY_ID: x.dealId, ENTITY_TYPE: 'deal' }, select: ['ID', 'COMMENT'] }]] as [string, BatchCommand]),
      )
      for (const x of retry) {
        const list = (r.result[`l${x.i}`] ?? []) as { ID: string; COMMENT: string }[]
        if (list.some((c) => c.COMMENT === x.text)) already.add(x.i)
      }
    }
    const cmds: [string, BatchCommand][] = []
    for (const x of live) {
      if (update) for (const [j, c] of (await update(x.r.payload, x.dealId!)).entries()) cmds.push([`u${x.i}_${j}`, c])
      if (x.text && !already.has(x.i) && !(single && x.r.ctx.externalId)) {
        cmds.push([`c${x.i}`, ['crm.timeline.comment.add', { fields: { ENTITY_ID: x.dealId, ENTITY_TYPE: 'deal', COMMENT: x.text } }]])
      }
    }
    // Keep one row's commands in one batch.
    const chunks: [string, BatchCommand][][] = [[]]
    let curRow = ''
    for (const c of cmds) {
      const row = c[0].replace(/^[uc](\d+).*$/, '$1')
      const last = chunks[chunks.length - 1]!
      if (last.length >= MAX_BATCH - 3 && row !== curRow) chunks.push([])
      chunks[chunks.length - 1]!.push(c)
      curRow = row
    }
    for (const chunk of chunks.filter((c) => c.length)) {
      let r: { result: Record<string, any>; errors: Record<string, BatchCommandError> }
      try {
        r = await client.batch(memberId, Object.fromEntries(chunk))
      } catch (error) {
        for (const [name] of chunk) out[Number(name.replace(/^[uc](\d+).*$/, '$1'))] = { ok: false, error }
        continue
      }
      for (const [name, cmd] of chunk) {
        const i = Number(name.replace(/^[uc](\d+).*$/, '$1'))
        const e = r.errors[name]
        if (e) out[i] = { ok: false, error: commandError(name, cmd[0], e) }
        else if (name.startsWith('c') && r.result[name] != null) {
          await rows[i]!.ctx.saveExternalId(String(r.result[name]))
          if (out[i]!.ok) out[i] = { ok: true, externalId: String(r.result[name]) }
        }
      }
    }
    return out
  }

  const companyHandler = (update: boolean): BatchHandler => ({
    batchSize: 10,
    handleBatch: (rows) =>
      perInstall(rows, async (install, s) => {
        const out: BatchOutcome[] = []
        for (const r of rows) {
          if (!s.create.companyOnVerified) {
            out.push({ ok: true })
            continue
          }
          try {
            const c = await ensureCompany(install.memberId, Number(r.payload.company_id), { update: update || r.ctx.attempt > 1 })
            await r.ctx.saveExternalId(c.companyId)
            out.push({ ok: true, externalId: c.companyId })
          } catch (error) {
            out.push({ ok: false, error })
          }
        }
        return out
      }),
  })

  const placedHandler: BatchHandler = {
    batchSize: orderBatch,
    handleBatch: (rows) =>
      perInstall(rows, async (install, s, single) => {
        const out: BatchOutcome[] = rows.map(() => ({ ok: true }))
        if (!s.create.dealOnOrder) return out
        const items: DealItem[] = rows.map((r, i) => ({
          i,
          order: { ...r.payload.order, total_kopecks: Number(r.payload.order.total_kopecks) },
          lines: r.payload.lines as LineForDeal[],
          ctx: r.ctx,
        }))
        await upsertDeals(install, s, items, single, out)
        return out
      }),
  }

  const changeHandler: BatchHandler = {
    batchSize: 50,
    handleBatch: (rows) =>
      perInstall(rows, async (install, s, single) => {
        if (!s.create.updateDealOnChange && !s.create.commentOnChange) return rows.map(() => ({ ok: true }))
        const update = s.create.updateDealOnChange
          ? async (p: any, dealId: string): Promise<BatchCommand[]> => {
              // A move Bitrix24 made (the order followed its deal's stage) is not sent back: the deal is there already, and an
              // echo would cost a call and wake ONCRMDEALUPDATE again. A later change of ours has its own row and moves the deal.
              if (fromDealStage(p)) return []
              // The order as it is now: a late retry of an older change must not move the deal back.
              const o = await ordersStore.findById(db, Number(p.order.id))
              if (!o) return []
              const cmds: BatchCommand[] = [
                ['crm.deal.update', { id: dealId, fields: { STAGE_ID: s.stageByStatus[o.status as OrderStatus], OPPORTUNITY: Number(o.total_kopecks) / 100 }, params: { REGISTER_SONET_EVENT: 'N' } }],
              ]
              if (p.change === 'merged') cmds.push(['crm.deal.productrows.set', { id: dealId, rows: productRows(await ordersStore.linesOf(db, o.id)) }])
              return cmds
            }
          : null
        return comment(install, rows, (p) => (s.create.commentOnChange ? changeComment(p) : null), update, single, s)
      }),
  }

  const deliveryHandler: BatchHandler = {
    batchSize: 50,
    handleBatch: (rows) =>
      perInstall(rows, async (install, s, single) => {
        if (!s.create.commentOnDelivery) return rows.map(() => ({ ok: true }))
        return comment(install, rows, deliveryComment, null, single, s)
      }),
  }

  logger.debug({ topics: [COMPANY_VERIFIED, COMPANY_CHANGED, ORDER_PLACED, ORDER_CHANGED, ORDER_CANCELLED, DELIVERY_STATUS] }, 'b24 sync handlers ready')
  return {
    ensureCompany,
    handlers: {
      [COMPANY_VERIFIED]: companyHandler(false),
      [COMPANY_CHANGED]: companyHandler(true),
      [ORDER_PLACED]: placedHandler,
      [ORDER_CHANGED]: changeHandler,
      [ORDER_CANCELLED]: changeHandler,
      [DELIVERY_STATUS]: deliveryHandler,
    },
  }
}

/** The timeline comment of a CDEK status (`delivery.status` payload; fields read defensively). */
export function deliveryComment(p: any): string {
  if (typeof p?.comment === 'string' && p.comment) return p.comment
  const name = p?.status_name ?? p?.name ?? p?.cdek_status_name ?? p?.status ?? p?.code ?? 'новый статус'
  const track = p?.cdek_number ?? p?.track ?? null
  const city = p?.city ? `, ${p.city}` : ''
  return `СДЭК: ${name}${city}${track ? `; трек-номер ${track}` : ''}`
}
