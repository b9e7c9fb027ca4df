/**
 * The 1C order exchange (`/1c/exchange?type=sale`), minus the HTTP plumbing, which `routes.ts` owns and which calls this
 * service with the exchange session's id:
 * - `query`: new orders and orders changed on our side as a CommerceML documents file, in the configured encoding;
 *   remembers which orders, at which version (the id of the order's last event not made by 1C), this session sent.
 * - `success`: only now are those orders marked exported (at the version sent); without it they are sent again.
 * - `importFile`: what 1C sends back (its numbers and dates, statuses, deletion marks; payments placed on the invoice of
 *   each payer; shipments matched to our split shipments) applied through the orders service with the actor «1С», in
 *   steps of `budgetMs`, idempotently: each 1C payment and shipment is recorded once, with what could not be placed.
 * Glossary and the status dictionary: `sale-rules.ts`; the README's «1C order exchange».
 */

import { stat } from 'node:fs/promises'
import type { Db } from '../../db/knex.js'
import type { Config } from '../../config.js'
import type { Logger } from '../../logger.js'
import type { Clock } from '../../shared/clock.js'
import type { OrdersService } from '../../orders/service.js'
import * as ordersStore from '../../orders/store.js'
import { STATUS_LABELS, canCancel, normalizeNumber, transitionError } from '../../orders/rules.js'
import type { Actor, OrderRow, OrderStatus } from '../../orders/types.js'
import * as store from './sale-store.js'
import { streamSaleFile } from './sale-parse.js'
import { saleContentType, writeSaleXml } from './sale-xml.js'
import {
  deletionWanted, documentKind, matchShipment, money, onecRefs, orderRefOf, pathTo, paymentsOf, planPayment, reached, sameNumber, shipmentsOf, statusDictionary,
  statusTarget, type OurShipment,
} from './sale-rules.js'
import type { OnecPayment, OnecShipment, SaleDocument } from './sale-types.js'

export type OnecSale = ReturnType<typeof createOnecSale>

const ACTOR: Actor = { kind: 'onec', userId: null }

/** The running report of one file's import, kept between steps (`onec_sale_imports.report`). */
export interface Report {
  documents: number
  matched: number
  changes: number
  skipped: number
  notFound: string[]
  refused: string[]
  /** Payments 1C reported that were recorded (a replayed one is not counted again), and what of them fitted no invoice. */
  payments?: number
  paymentsLeftKopecks?: number
  /** Shipments 1C reported that were recorded, and how many of them matched none of ours. */
  shipments?: number
  shipmentsUnmatched?: number
  /** Entries beyond `LISTED` per list, counted only (a file of 100 000 unknown orders keeps a small report). */
  notFoundMore?: number
  refusedMore?: number
}

const LISTED = 100

const emptyReport = (): Report => ({ documents: 0, matched: 0, changes: 0, skipped: 0, notFound: [], refused: [] })

/** Adds entries to one of the report's lists, counting those past its first `LISTED`. */
function note(r: Report, list: 'notFound' | 'refused', items: string[]): void {
  for (const item of items) {
    if (r[list].length < LISTED) r[list].push(item)
    else if (list === 'notFound') r.notFoundMore = (r.notFoundMore ?? 0) + 1
    else r.refusedMore = (r.refusedMore ?? 0) + 1
  }
}

/** The counts of a report: documents, orders found, changes, skipped, payments and shipments recorded. */
export function reportCounts(r: Report): string {
  const parts = [`Документов: ${r.documents}, заказов найдено: ${r.matched}, изменений: ${r.changes}`]
  if (r.skipped) parts.push(`пропущено (не заказы): ${r.skipped}`)
  if (r.payments) parts.push(`оплат из 1С: ${r.payments}${r.paymentsLeftKopecks ? ` (не разнесено ${money(r.paymentsLeftKopecks)} руб.)` : ''}`)
  if (r.shipments) parts.push(`отгрузок из 1С: ${r.shipments}${r.shipmentsUnmatched ? ` (не сопоставлено ${r.shipmentsUnmatched})` : ''}`)
  return parts.join('. ')
}

/** The report as the one line 1C shows in its exchange log: the counts, then what was not found or not applied. */
export function reportMessage(r: Report): string {
  const parts = [reportCounts(r)]
  const list = (items: string[], more = 0) => {
    const rest = items.length - 10 + more
    return rest > 0 ? `${items.slice(0, 10).join('; ')}; и ещё ${rest}` : items.join('; ')
  }
  if (r.notFound.length) parts.push(`не найдены заказы: ${list(r.notFound, r.notFoundMore)}`)
  if (r.refused.length) parts.push(`не применено: ${list(r.refused, r.refusedMore)}`)
  return parts.join('. ')
}

/** A document as people name it in the report. */
function docName(doc: SaleDocument): string {
  return `№ ${doc.number || '—'}${doc.id && doc.id !== doc.number ? ` (Ид ${doc.id})` : ''}`
}

/** A payment part or shipment that another call placed or recorded first: the change is rolled back. */
class Replayed extends Error {}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

export function createOnecSale(deps: { db: Db; clock: Clock; orders: OrdersService; config: Config; logger: Logger }) {
  const { db, clock, orders, config, logger } = deps
  const settings = config.onecSale
  const dict = statusDictionary(settings.statusMap)
  const now = () => clock.now().getTime()

  /** Finds the order a document speaks of: by our number first, then by 1C's Ид (either may be ours). */
  async function findOrder(doc: SaleDocument): Promise<OrderRow | undefined> {
    const byNumber = normalizeNumber(doc.number)
    const found = (byNumber && (await store.orderByNumber(db, byNumber))) || (doc.id && (await store.orderByOnecId(db, doc.id.slice(0, 191))))
    if (found) return found
    const idAsNumber = normalizeNumber(doc.id)
    return idAsNumber ? store.orderByNumber(db, idAsNumber) : undefined
  }

  /** The order a payment or shipment document of its own names: our number, or 1C's number of the order. */
  async function findReferenced(ref: string): Promise<OrderRow | undefined> {
    const n = normalizeNumber(ref)
    return (n && (await store.orderByNumber(db, n))) || store.orderByOnecNumber(db, ref.slice(0, 64))
  }

  /** Walks the order to `to` by legal transitions, one service call each; returns the number of moves. */
  async function walk(order: OrderRow, to: OrderStatus, note: string, problems: string[], what: string): Promise<number> {
    const path = pathTo(order.status, to)
    if (!path) {
      problems.push(`${what}: ${transitionError(order.status, to) ?? `нельзя перейти в «${STATUS_LABELS[to]}»`}`)
      return 0
    }
    let moves = 0
    for (const step of path) {
      try {
        await orders.transition(order.id, step, ACTOR, note)
        moves++
      } catch (err) {
        problems.push(`${what}: ${errorText(err)}`)
        break
      }
    }
    return moves
  }

  /** What one document did: order changes, refusals, and the payments and shipments it recorded. */
  interface Outcome {
    changes: number
    problems: string[]
    payments: number
    leftKopecks: number
    shipments: number
    unmatched: number
  }

  const label = (what: string, no: string, date: string, amount: number | null = null) =>
    `${what} ${no || 'без номера'}${date ? ` от ${date.slice(0, 10)}` : ''}${amount !== null ? ` на ${money(amount)} руб.` : ''}`

  /**
   * Places one payment 1C reported on the order's invoices (`planPayment`): recorded once per order and key, each part
   * written in the transaction of the payment it made, so a replay pays nothing twice and a payment cut short by a crash
   * places only its rest. What fits nowhere is recorded with the reason and reported.
   */
  async function applyPayment(order: OrderRow, p: OnecPayment, sessionId: number, out: Outcome): Promise<void> {
    const name = `заказ № ${order.number}`
    const what = label('оплата', p.no, p.date, p.amountKopecks)
    if (p.badAmount) {
      out.problems.push(`${name}: ${what}: сумма «${p.badAmount}» не прочитана, оплата не записана`)
      return
    }
    const before = await store.findPayment(db, order.id, p.key)
    if (p.deleted) {
      // 1C withdrew the payment document: nothing is placed; money placed before is a person's to reverse.
      if (before && before.applied_kopecks > 0) out.problems.push(`${name}: ${what}: помечена на удаление (или не проведена) в 1С, а на портале уже разнесена ${money(before.applied_kopecks)} руб.: проверьте и сторнируйте вручную`)
      return
    }
    if (before && before.state !== 'pending') return
    const at = now()
    const record = before ?? (await store.claimPayment(db, { orderId: order.id, key: p.key, no: p.no, date: p.date, amountKopecks: p.amountKopecks, payer: p.payer, sessionId }, at)).record
    if (record.state !== 'pending') return
    out.payments++
    const current = (await ordersStore.findById(db, order.id))!
    if (current.status === 'cancelled') {
      const left = p.amountKopecks ?? 0
      await store.finishPayment(db, record.id, { applied: 0, leftover: left, state: 'unmatched', note: 'заказ отменён на портале: деньги вернуть или зачесть' }, at)
      out.leftKopecks += left
      out.problems.push(`${name}: ${what}: заказ отменён на портале, оплата не разнесена`)
      return
    }
    const placed = await store.placedKopecks(db, record.id)
    const plan = planPayment(p.amountKopecks === null ? null : p.amountKopecks - placed, p.payer, await store.invoiceDues(db, order.id))
    for (const part of plan.parts) {
      let made = 0
      try {
        await orders.pay(order.id, part.invoiceId, part.kopecks, ACTOR, async (trx, k) => {
          // Checked under the order's row lock that every part of this payment is written under: a payment placed by
          // another call meanwhile (or an invoice paid meanwhile) rolls this part back instead of paying twice.
          if (k <= 0) throw new Replayed()
          if (p.amountKopecks !== null && (await store.placedKopecks(trx, record.id)) + k > p.amountKopecks) throw new Replayed()
          await store.insertPart(trx, record.id, part.invoiceId, k, at)
          made = k
        })
      } catch (err) {
        if (err instanceof Replayed) continue
        // Left pending: the next replay places the rest.
        out.problems.push(`${name}: ${what}: оплата не записана: ${errorText(err)}`)
        return
      }
      if (made > 0) out.changes++
    }
    // What is placed is what the parts say (whoever wrote them); the rest of a stated sum fitted nowhere.
    const applied = await store.placedKopecks(db, record.id)
    const leftover = p.amountKopecks === null ? 0 : Math.max(0, p.amountKopecks - applied)
    let note = plan.reason ?? (leftover > 0 ? 'часть суммы не разнесена' : '')
    if (p.paidFlag === true && p.amountKopecks !== null && !plan.reason) {
      const due = (await store.invoiceDues(db, order.id)).reduce((s, i) => s + i.dueKopecks, 0)
      if (due > 0) note = `1С считает заказ оплаченным, но по счетам не хватает ${money(due)} руб.`
    }
    const state = applied === 0 && (leftover > 0 || plan.reason) ? 'unmatched' : leftover > 0 ? 'over' : 'applied'
    await store.finishPayment(db, record.id, { applied, leftover, state, note }, now())
    out.leftKopecks += leftover
    if (state !== 'applied' || note) out.problems.push(`${name}: ${what}: ${note}${leftover > 0 ? `; не разнесено ${money(leftover)} руб.` : ''}`)
  }

  /**
   * Ships what 1C shipped (`matchShipment`): exactly the shipment of ours it names or whose lines it sent, or the single open
   * one; that shipment's reservations are consumed and the others stay open. Recorded once per order and key (in the
   * transaction that ships, when it ships one of a split order).
   */
  async function applyShipment(order: OrderRow, s: OnecShipment, sessionId: number, out: Outcome): Promise<void> {
    const name = `заказ № ${order.number}`
    const what = label('отгрузка', s.no, s.date)
    if (s.deleted) {
      // 1C withdrew the shipment document: nothing is shipped; a shipment shipped by it before is a person's to check.
      if (await store.shipmentRecorded(db, order.id, s.key, 'shipped')) out.problems.push(`${name}: ${what}: помечена на удаление (или не проведена) в 1С, а на портале уже отгружена: проверьте вручную`)
      return
    }
    if (await store.shipmentRecorded(db, order.id, s.key)) return
    const lines = s.lines.map((l) => ({ id: l.id, sku: l.sku, name: l.name, qty_milli: l.qtyMilli }))
    const base = { orderId: order.id, key: s.key, no: s.no, date: s.date, lines, sessionId }
    const record = async (state: 'shipped' | 'already' | 'unmatched', note: string, shipment: { id: number; no: number } | null = null) => {
      if (!(await store.recordShipment(db, { ...base, state, note, shipmentId: shipment?.id ?? null, shipmentNo: shipment?.no ?? null }, now()))) return
      out.shipments++
      if (state === 'unmatched') {
        out.unmatched++
        out.problems.push(`${name}: ${what}: ${note}`)
      }
    }
    let current = (await ordersStore.findById(db, order.id))!
    if (current.status === 'cancelled') return record('unmatched', 'заказ отменён на портале')
    const [{ shipments, lines: shipLines }, identities] = await Promise.all([ordersStore.shipmentsOf(db, order.id), store.lineIdentities(db, order.id)])
    const productOf = new Map(identities.map((l) => [l.lineId, l.product]))
    const ours: OurShipment[] = shipments.map((x) => {
      const qty = new Map<string, number>()
      for (const l of shipLines.filter((y) => y.shipment_id === x.id)) {
        const k = productOf.get(l.order_line_id) ?? `line:${l.order_line_id}`
        qty.set(k, (qty.get(k) ?? 0) + l.qty_milli)
      }
      return { id: x.id, no: x.no, shipped: x.status === 'shipped', qty }
    })
    const whole = new Map<string, number>()
    for (const l of identities) whole.set(l.product, (whole.get(l.product) ?? 0) + l.qtyMilli)
    const match = matchShipment(s, ours, whole, identities)
    if (match.kind === 'none') return record('unmatched', match.reason)
    if (match.kind === 'done') return record('already', match.reason)
    const note = `Отгружен в 1С${s.no ? `: ${s.no}` : ''}${s.date ? ` от ${s.date}` : ''}`
    if (!ours.length) {
      // One shipment of everything: the order walks to «отгружен», consuming every reservation.
      if (reached(current.status, 'shipped')) return record('already', 'заказ уже отгружен')
      const problems: string[] = []
      out.changes += await walk(current, 'shipped', note, problems, `${name}, ${what}`)
      current = (await ordersStore.findById(db, order.id))!
      if (current.status !== 'shipped') {
        out.problems.push(...problems)
        return
      }
      return record('shipped', match.by)
    }
    if (!reached(current.status, 'assembling')) {
      const problems: string[] = []
      out.changes += await walk(current, 'assembling', note, problems, `${name}, ${what}`)
      if (problems.length) {
        out.problems.push(...problems)
        return
      }
    }
    const targets = match.kind === 'one' ? [ours.find((x) => x.id === match.shipmentId)!] : ours.filter((x) => !x.shipped)
    const by = match.kind === 'one' ? `отгрузка ${match.no} (по ${match.by === 'номер' ? 'номеру' : match.by === 'строки' ? 'строкам' : 'единственной открытой'})` : `все открытые отгрузки (${match.by})`
    for (const [i, x] of targets.entries()) {
      const last = i === targets.length - 1
      try {
        await orders.shipShipment(order.id, x.id, ACTOR, async (trx) => {
          if (!last) return
          const fresh = await store.recordShipment(trx, { ...base, state: 'shipped', note: by, shipmentId: match.kind === 'one' ? x.id : null, shipmentNo: match.kind === 'one' ? x.no : null }, now())
          if (!fresh) throw new Replayed()
        })
        out.changes++
        if (last) out.shipments++
      } catch (err) {
        if (err instanceof Replayed) return
        out.problems.push(`${name}: ${what}: отгрузка ${x.no} не отмечена: ${errorText(err)}`)
        return
      }
    }
  }

  /** Applies one document to its order; never throws for a business refusal (it is reported instead). */
  async function apply(doc: SaleDocument, order: OrderRow, sessionId: number): Promise<Outcome> {
    const out: Outcome = { changes: 0, problems: [], payments: 0, leftKopecks: 0, shipments: 0, unmatched: 0 }
    const problems = out.problems
    const name = `заказ № ${order.number}`
    const at = now()
    const isOrder = documentKind(doc) === 'order'
    if (isOrder) {
      const refs = onecRefs(doc)
      const onecId = doc.id && !sameNumber(doc.id, order.number) ? doc.id : null
      if (await store.saveOnecIds(db, order, onecId, refs.number || null)) out.changes++
      if (await store.saveFacts(db, order.id, { onec_date: refs.date }, at)) out.changes++
    }
    const reread = async () => (await ordersStore.findById(db, order.id))!

    if (isOrder && deletionWanted(doc)) {
      const current = await reread()
      if (current.status === 'cancelled') return out
      if (!canCancel(current.status)) {
        problems.push(`${name}: помечен на удаление в 1С, но ${transitionError(current.status, 'cancelled')}`)
        return out
      }
      try {
        await orders.transition(order.id, 'cancelled', ACTOR, 'Помечен на удаление (отменён) в 1С')
        out.changes++
      } catch (err) {
        problems.push(`${name}: ${errorText(err)}`)
      }
      return out
    }

    const payments = paymentsOf(doc)
    for (const p of payments) await applyPayment(order, p, sessionId, out)
    const lastPayment = payments.filter((p) => p.no || p.date).at(-1)
    if (lastPayment && (await store.saveFacts(db, order.id, { payment_no: lastPayment.no, payment_date: lastPayment.date }, now()))) out.changes++

    const shipmentFacts = shipmentsOf(doc)
    for (const s of shipmentFacts) await applyShipment(order, s, sessionId, out)
    const lastShipment = shipmentFacts.filter((s) => s.no || s.date).at(-1)
    if (lastShipment && (await store.saveFacts(db, order.id, { shipment_no: lastShipment.no, shipment_date: lastShipment.date }, now()))) out.changes++

    const target = isOrder ? statusTarget(doc, dict) : null
    if (target && 'unknown' in target) problems.push(`${name}: статус 1С «${target.unknown}» не найден в словаре ONEC_SALE_STATUS_MAP`)
    else if (target) {
      const current = await reread()
      const open = (await ordersStore.shipmentsOf(db, order.id)).shipments.filter((x) => x.status !== 'shipped').length
      const shipping = ['partly_shipped', 'shipped', 'delivered', 'completed'].includes(target.to)
      if (target.to === 'cancelled') {
        if (current.status !== 'cancelled') {
          if (!canCancel(current.status)) problems.push(`${name}: статус 1С «${target.label}»: ${transitionError(current.status, 'cancelled')}`)
          else out.changes += await walk(current, 'cancelled', `Статус в 1С: «${target.label}»`, problems, name)
        }
      } else if (!reached(current.status, target.to)) {
        if (current.status === 'cancelled') problems.push(`${name}: статус 1С «${target.label}», но заказ отменён на портале`)
        else if (shipping && open > 0 && (shipmentFacts.length || target.to === 'partly_shipped')) {
          // 1C said which shipments left (or only that some did): the others stay open until it says so.
          problems.push(`${name}: статус 1С «${target.label}», но открыто отгрузок: ${open}; они отгружаются по документам отгрузки 1С или вручную`)
        } else out.changes += await walk(current, target.to, `Статус в 1С: «${target.label}»`, problems, `${name}, статус 1С «${target.label}»`)
      }
    }
    return out
  }

  return {
    /** New and changed orders as the CommerceML file 1C downloads; remembers what this session sent. */
    async query(sessionId: number): Promise<{ body: Buffer; contentType: string }> {
      // One snapshot: the versions recorded are exactly those of the documents written.
      const { changed, list } = await db.transaction(async (trx) => {
        const changed = await store.changedOrders(trx, settings.maxOrders)
        return { changed, list: await store.saleOrders(trx, changed.map((c) => c.id)) }
      })
      const at = now()
      const body = writeSaleXml(list, { encoding: settings.encoding, timeZone: config.timezone, now: at })
      await store.recordSent(db, sessionId, changed, at)
      logger.info({ sessionId, orders: changed.length, bytes: body.length }, 'onec sale query')
      return { body, contentType: saleContentType(settings.encoding) }
    },

    /** 1C confirmed the last query of the session: those orders are exported at the version sent. */
    async success(sessionId: number): Promise<void> {
      const n = await store.commitSent(db, sessionId, now())
      logger.info({ sessionId, orders: n }, 'onec sale success')
    },

    /**
     * Applies a documents file 1C sent back, for at most about `budgetMs` per call (at least one document each call, so it
     * always moves on): `done` false means «call again» (1C's `progress`). The message is the report so far.
     */
    async importFile(sessionId: number, path: string, budgetMs: number): Promise<{ done: boolean; message: string }> {
      const started = Date.now()
      const info = await stat(path)
      const fingerprint = `${info.size}:${Math.round(info.mtimeMs)}`
      let row = await store.findImport(db, sessionId, path)
      if (row && row.fingerprint !== fingerprint) row = undefined
      if (row?.done) return { done: true, message: reportMessage(JSON.parse(row.report) as Report) }
      const report: Report = row ? (JSON.parse(row.report) as Report) : emptyReport()
      const id = row?.id ?? (await store.startImport(db, sessionId, path, fingerprint, JSON.stringify(report), now()))
      let done = row?.documents_done ?? 0
      let handled = 0
      let outcome: { documents: number; stopped: boolean }
      try {
        outcome = await streamSaleFile(path, async (doc, index) => {
          if (index < done) return true
          if (handled > 0 && Date.now() - started >= budgetMs) return false
          report.documents++
          const kind = documentKind(doc)
          const ref = kind === 'payment' || kind === 'shipment' ? orderRefOf(doc) : ''
          if (kind === 'other' || (kind !== 'order' && !ref)) report.skipped++
          else {
            const order = kind === 'order' ? await findOrder(doc) : await findReferenced(ref)
            if (!order) note(report, 'notFound', [kind === 'order' ? docName(doc) : `№ ${ref} (${doc.operation} ${doc.number})`])
            else {
              report.matched++
              try {
                const r = await apply(doc, order, sessionId)
                report.changes += r.changes
                if (r.payments) report.payments = (report.payments ?? 0) + r.payments
                if (r.leftKopecks) report.paymentsLeftKopecks = (report.paymentsLeftKopecks ?? 0) + r.leftKopecks
                if (r.shipments) report.shipments = (report.shipments ?? 0) + r.shipments
                if (r.unmatched) report.shipmentsUnmatched = (report.shipmentsUnmatched ?? 0) + r.unmatched
                note(report, 'refused', r.problems)
              } catch (err) {
                logger.error({ err, sessionId, order: order.number }, 'onec sale import: document failed')
                note(report, 'refused', [`заказ № ${order.number}: ${errorText(err)}`])
              }
            }
          }
          handled++
          done = index + 1
          // The resume point is saved every few documents and at the end of the step: a document applied again after a
          // crash changes nothing (every change checks the order's state first).
          if (handled % 25 === 0) await store.saveImport(db, id, done, false, JSON.stringify(report), now())
          return true
        })
      } catch (err) {
        // A broken file is reported, not thrown: 1C shows the message and the exchange goes on.
        logger.warn({ err, sessionId, path }, 'onec sale import: file unreadable')
        note(report, 'refused', [`файл не прочитан: ${errorText(err)}`])
        await store.saveImport(db, id, done, true, JSON.stringify(report), now())
        return { done: true, message: reportMessage(report) }
      }
      if (outcome.stopped) {
        await store.saveImport(db, id, done, false, JSON.stringify(report), now())
        return { done: false, message: `Обработано документов: ${done}. ${reportMessage(report)}` }
      }
      await store.saveImport(db, id, done, true, JSON.stringify(report), now())
      logger.info({ sessionId, path, ...report, notFound: report.notFound.length, refused: report.refused.length }, 'onec sale import done')
      return { done: true, message: reportMessage(report) }
    },
  }
}
