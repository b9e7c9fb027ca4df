/**
 * The 1C order exchange (`/1c/exchange?type=sale`), minus the HTTP plumbing, which `routes.ts` owns and which calls this
 * service with the exchange session's id:
 * - `query`: new and changed orders as a CommerceML documents file, in the configured encoding; remembers which orders, at
 *   which version, this session sent.
 * - `success`: only now are those orders marked exported (at the version sent); without it they are sent again.
 * - `importFile`: what 1C sends back (its numbers and dates, statuses, payments, shipments, deletion marks) applied through
 *   the orders service's transitions with the actor «1С», in steps of `budgetMs`, idempotently.
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
import { deletionWanted, onecRefs, pathTo, paymentOf, reached, sameNumber, shipmentOf, statusDictionary, statusTarget } from './sale-rules.js'
import type { SaleDocument } from './sale-types.js'

export type OnecSale = ReturnType<typeof createOnecSale>

const ACTOR: Actor = { kind: 'onec', userId: null }

/** The running report of one file's import, kept between steps. */
interface Report {
  documents: number
  matched: number
  changes: number
  skipped: number
  notFound: string[]
  refused: string[]
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

/** The report as the one line 1C shows in its exchange log. */
export function reportMessage(r: Report): string {
  const parts = [`Документов: ${r.documents}, заказов найдено: ${r.matched}, изменений: ${r.changes}`]
  if (r.skipped) parts.push(`пропущено (не заказы): ${r.skipped}`)
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

  /** Applies one document; returns the number of changes and the refusals (never throws for a business refusal). */
  async function apply(doc: SaleDocument, order: OrderRow): Promise<{ changes: number; problems: string[] }> {
    const problems: string[] = []
    const name = `заказ № ${order.number}`
    const at = now()
    let changes = 0
    const refs = onecRefs(doc)
    const onecId = doc.id && !sameNumber(doc.id, order.number) ? doc.id : null
    if (await store.saveOnecIds(db, order, onecId, refs.number || null)) changes++
    if (await store.saveFacts(db, order.id, { onec_date: refs.date }, at)) changes++
    const reread = async () => (await ordersStore.findById(db, order.id))!

    if (deletionWanted(doc)) {
      const current = await reread()
      if (current.status === 'cancelled') return { changes, problems }
      if (!canCancel(current.status)) {
        problems.push(`${name}: помечен на удаление в 1С, но ${transitionError(current.status, 'cancelled')}`)
        return { changes, problems }
      }
      try {
        await orders.transition(order.id, 'cancelled', ACTOR, 'Помечен на удаление (отменён) в 1С')
        changes++
      } catch (err) {
        problems.push(`${name}: ${errorText(err)}`)
      }
      return { changes, problems }
    }

    const payment = paymentOf(doc)
    if (payment) {
      if (await store.saveFacts(db, order.id, { payment_no: payment.no, payment_date: payment.date }, at)) changes++
      const current = await reread()
      const invoices = await ordersStore.invoicesOf(db, order.id)
      const due = invoices.filter((i) => i.paid_kopecks < i.amount_kopecks)
      if (due.length && current.status === 'cancelled') problems.push(`${name}: оплачен в 1С, но заказ отменён на портале`)
      else {
        for (const i of due) {
          try {
            await orders.pay(order.id, i.id, i.amount_kopecks - i.paid_kopecks, ACTOR)
            changes++
          } catch (err) {
            problems.push(`${name}: оплата не записана: ${errorText(err)}`)
          }
        }
      }
    }

    const target = statusTarget(doc, dict)
    if (target && 'unknown' in target) problems.push(`${name}: статус 1С «${target.unknown}» не найден в словаре ONEC_SALE_STATUS_MAP`)
    else if (target) {
      const current = await reread()
      if (target.to === 'cancelled') {
        if (current.status !== 'cancelled') {
          if (!canCancel(current.status)) problems.push(`${name}: статус 1С «${target.label}»: ${transitionError(current.status, 'cancelled')}`)
          else changes += await walk(current, 'cancelled', `Статус в 1С: «${target.label}»`, problems, name)
        }
      } else if (!reached(current.status, target.to)) {
        if (current.status === 'cancelled') problems.push(`${name}: статус 1С «${target.label}», но заказ отменён на портале`)
        else changes += await walk(current, target.to, `Статус в 1С: «${target.label}»`, problems, `${name}, статус 1С «${target.label}»`)
      }
    }

    const shipment = shipmentOf(doc)
    if (shipment) {
      if (await store.saveFacts(db, order.id, { shipment_no: shipment.no, shipment_date: shipment.date }, at)) changes++
      const current = await reread()
      if (current.status === 'cancelled') problems.push(`${name}: отгружен в 1С, но заказ отменён на портале`)
      else if (!reached(current.status, 'shipped')) {
        const note = `Отгружен в 1С${shipment.no ? `: ${shipment.no}` : ''}${shipment.date ? ` от ${shipment.date}` : ''}`
        changes += await walk(current, 'shipped', note, problems, `${name}, отгрузка`)
      }
    }
    return { changes, problems }
  }

  return {
    /** New and changed orders as the CommerceML file 1C downloads; remembers what this session sent. */
    async query(sessionId: number): Promise<{ body: Buffer; contentType: string }> {
      const changed = await store.changedOrders(db, settings.maxOrders)
      const list = await store.saleOrders(db, changed.map((c) => c.id))
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
          if (doc.operation && !/заказ/i.test(doc.operation)) report.skipped++
          else {
            const order = await findOrder(doc)
            if (!order) note(report, 'notFound', [docName(doc)])
            else {
              report.matched++
              try {
                const r = await apply(doc, order)
                report.changes += r.changes
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
