/**
 * What `/admin/onec` shows of an order exchange session (`type=sale`): each documents file's report (orders found, changes,
 * refusals), and every payment and shipment 1C reported in it with what became of it, the money that fitted no invoice and
 * the shipments that matched none of ours first, so a person can place or ship them by hand. Plain view-models, no IO.
 */

import { formatRub } from '../../shared/money.js'
import { reportCounts, type Report } from './sale.js'
import type { saleReportsOf } from './sale-store.js'

type Rows = Awaited<ReturnType<typeof saleReportsOf>>

const PAYMENT_STATES: Record<string, string> = { applied: 'разнесена', over: 'переплата', unmatched: 'не разнесена', pending: 'разносится', settled: 'разобрана вручную' }
const SHIPMENT_STATES: Record<string, string> = { shipped: 'отгружена', already: 'уже была отгружена', unmatched: 'не сопоставлена', settled: 'разобрана вручную' }

const documentOf = (r: Record<string, unknown>) => [r.onec_no || 'без номера', r.onec_date ? `от ${String(r.onec_date).slice(0, 10)}` : ''].filter(Boolean).join(' ')

/** One payment 1C reported, as a row of the report. */
function presentPayment(p: Record<string, unknown>) {
  const leftover = Number(p.leftover_kopecks)
  return {
    id: Number(p.id ?? 0),
    orderId: Number(p.order_id),
    number: String(p.number),
    document: documentOf(p),
    amount: p.amount_kopecks === null ? 'не указана (весь долг)' : formatRub(Number(p.amount_kopecks)),
    applied: formatRub(Number(p.applied_kopecks)),
    leftover: leftover ? formatRub(leftover) : '',
    payer: [p.payer_name, p.payer_inn ? `ИНН ${String(p.payer_inn)}` : ''].filter(Boolean).join(', ') || 'не указан',
    state: PAYMENT_STATES[String(p.state)] ?? String(p.state),
    problem: p.state === 'over' || p.state === 'unmatched' || p.state === 'pending',
    note: String(p.note ?? ''),
  }
}

/** One shipment 1C reported, as a row of the report. */
function presentShipment(s: Record<string, unknown>) {
  return {
    id: Number(s.id ?? 0),
    orderId: Number(s.order_id),
    number: String(s.number),
    document: documentOf(s),
    ours: s.shipment_no === null ? '' : `отгрузка ${Number(s.shipment_no)}`,
    state: SHIPMENT_STATES[String(s.state)] ?? String(s.state),
    problem: s.state === 'unmatched',
    note: String(s.note ?? ''),
  }
}

/** What still needs a person across every session (the top of /admin/onec), with the session each came in. */
export function presentIssues(rows: { payments: Record<string, unknown>[]; shipments: Record<string, unknown>[] }) {
  const payments = rows.payments.map((p) => ({ ...presentPayment(p), session: Number(p.session_id ?? 0) || null }))
  const shipments = rows.shipments.map((s) => ({ ...presentShipment(s), session: Number(s.session_id ?? 0) || null }))
  return { payments, shipments, any: payments.length + shipments.length > 0 }
}

/** The order exchange part of one session's card. */
export function presentSaleSession(sessionId: number, rows: Rows) {
  const imports = rows.imports
    .filter((i) => i.session_id === sessionId)
    .map((i) => {
      const r = JSON.parse(i.report) as Report
      return { file: i.file.split(/[\\/]/).at(-1) ?? i.file, done: i.done, documents: i.documents_done, message: reportCounts(r), notFound: r.notFound, refused: r.refused, more: (r.notFoundMore ?? 0) + (r.refusedMore ?? 0) }
    })
  // The session's files table: a documents file is «загружен» once its documents are applied (the catalog's own states do not cover it).
  const files: Record<string, { state: string; applied: number }> = {}
  for (const i of imports) files[i.file] = { state: i.done ? 'загружен' : 'загружается', applied: i.documents }
  const payments = rows.payments.filter((p) => Number(p.session_id) === sessionId).map(presentPayment)
  const shipments = rows.shipments.filter((s) => Number(s.session_id) === sessionId).map(presentShipment)
  const byProblem = <T extends { problem: boolean }>(list: T[]) => [...list.filter((x) => x.problem), ...list.filter((x) => !x.problem)]
  return {
    imports,
    files,
    payments: byProblem(payments),
    shipments: byProblem(shipments),
    unplacedTotal: formatRub(rows.payments.filter((p) => Number(p.session_id) === sessionId).reduce((s, p) => s + Number(p.leftover_kopecks), 0)),
    hasUnplaced: payments.some((p) => p.leftover !== ''),
    unmatchedShipments: shipments.filter((s) => s.problem).length,
  }
}
