/**
 * What `/admin/onec` shows of an order exchange session (`type=sale`): each documents file's report (orders found, changes,
 * refusals), and every payment and shipment 1C reported in it with what became of it, the money that fitted no invoice and
 * the shipments that matched none of ours first, so a person can place or ship them by hand. Plain view-models, no IO.
 */

import { formatRub } from '../../shared/money.js'
import { reportCounts, type Report } from './sale.js'
import type { saleReportsOf } from './sale-store.js'

type Rows = Awaited<ReturnType<typeof saleReportsOf>>

const PAYMENT_STATES: Record<string, string> = { applied: 'разнесена', over: 'переплата', unmatched: 'не разнесена', pending: 'разносится' }
const SHIPMENT_STATES: Record<string, string> = { shipped: 'отгружена', already: 'уже была отгружена', unmatched: 'не сопоставлена' }

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
  const payments = rows.payments
    .filter((p) => Number(p.session_id) === sessionId)
    .map((p) => {
      const leftover = Number(p.leftover_kopecks)
      return {
        orderId: Number(p.order_id),
        number: String(p.number),
        document: [p.onec_no || 'без номера', p.onec_date ? `от ${String(p.onec_date).slice(0, 10)}` : ''].filter(Boolean).join(' '),
        amount: p.amount_kopecks === null ? 'не указана (весь долг)' : formatRub(Number(p.amount_kopecks)),
        applied: formatRub(Number(p.applied_kopecks)),
        leftover: leftover ? formatRub(leftover) : '',
        payer: [p.payer_name, p.payer_inn ? `ИНН ${String(p.payer_inn)}` : ''].filter(Boolean).join(', ') || 'не указан',
        state: PAYMENT_STATES[String(p.state)] ?? String(p.state),
        problem: p.state !== 'applied',
        note: String(p.note ?? ''),
      }
    })
  const shipments = rows.shipments
    .filter((s) => Number(s.session_id) === sessionId)
    .map((s) => ({
      orderId: Number(s.order_id),
      number: String(s.number),
      document: [s.onec_no || 'без номера', s.onec_date ? `от ${String(s.onec_date).slice(0, 10)}` : ''].filter(Boolean).join(' '),
      ours: s.shipment_no === null ? '' : `отгрузка ${Number(s.shipment_no)}`,
      state: SHIPMENT_STATES[String(s.state)] ?? String(s.state),
      problem: s.state === 'unmatched',
      note: String(s.note ?? ''),
    }))
  const byProblem = <T extends { problem: boolean }>(list: T[]) => [...list.filter((x) => x.problem), ...list.filter((x) => !x.problem)]
  return {
    imports,
    files,
    payments: byProblem(payments),
    shipments: byProblem(shipments),
    unplacedTotal: formatRub(rows.payments.filter((p) => Number(p.session_id) === sessionId).reduce((s, p) => s + Number(p.leftover_kopecks), 0)),
    hasUnplaced: payments.some((p) => p.leftover !== '' || p.problem),
    unmatchedShipments: shipments.filter((s) => s.problem).length,
  }
}
