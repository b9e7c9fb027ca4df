import { formatQty } from '../catalog/rules.js'
import { formatRub } from '../shared/money.js'
import type { PricedLine } from '../pricing/types.js'
import type { Choice, ColumnRole, Columns, LineStatus, QuickOrderResult, ResolvedLine } from './types.js'

/** Status words of the result table. */
export const STATUS_LABELS: Record<LineStatus, string> = {
  matched: 'найдено',
  ambiguous: 'выберите',
  unmatched: 'не найдено',
  inactive: 'снят с продажи',
  merged: 'объединено',
  ignored: 'пропущено',
}

const ROLES: ColumnRole[] = ['no', 'sku', 'name', 'qty', 'unit', 'pack', 'price', 'sum']

/** Header columns as a hidden field («sku:1,qty:3»), so a re-check reads the rows the same way. */
export function columnsField(c: Columns | null): string {
  if (!c) return ''
  return ROLES.filter((r) => c[r] !== undefined).map((r) => `${r}:${c[r]}`).join(',')
}

/** The inverse of `columnsField`; anything malformed is dropped. */
export function parseColumnsField(v: string): Columns | null {
  const out: Columns = {}
  for (const part of v.split(',')) {
    const m = /^([a-z]+):(\d{1,2})$/.exec(part.trim())
    if (m && (ROLES as string[]).includes(m[1]!)) out[m[1] as ColumnRole] = Number(m[2])
  }
  return Object.keys(out).length ? out : null
}

/** «2 × мешок 30 кг» when the quantity is a whole number of packagings, else the packaging's name. */
function packText(l: ResolvedLine): string {
  if (!l.packaging) return l.product?.base_unit ?? ''
  const count = l.qtyMilli / l.packaging.factor_milli
  // A packaging named by the base unit («шт, кратно 12», «кг, от 5 кг») is read from the quantity column: no «1008 × шт».
  if (l.packaging.name.split(/[\s,]/)[0] === l.product?.base_unit) return l.packaging.name
  return Number.isInteger(count) && count > 0 ? `${count} × ${l.packaging.name}` : l.packaging.name
}

/** A cart the lines can go to, as the select shows it. */
export interface CartOption {
  value: string
  label: string
  selected: boolean
}

/** One row of the result table. */
function presentLine(l: ResolvedLine, price: PricedLine | null, choice: Choice | null) {
  const picked = (choice?.key === l.key ? choice.productId : null) ?? l.suggested
  return {
    no: l.no,
    text: l.text,
    status: l.status,
    statusLabel: STATUS_LABELS[l.status],
    reason: l.reason,
    product: l.product ? { sku: l.product.sku, name: l.product.name, url: `/catalog/p/${encodeURIComponent(l.product.sku)}` } : null,
    pack: l.status === 'matched' ? packText(l) : '',
    qty: l.status === 'matched' ? formatQty(l.qtyMilli, l.product!.base_unit) : '',
    notes: l.notes,
    candidates: l.candidates.map((c) => ({ value: `${c.id}.${l.key}`, sku: c.sku, name: c.name, checked: c.id === picked })),
    unitPrice: price?.unitKopecks == null ? null : `${formatRub(price.unitKopecks)}/${l.product!.base_unit}`,
    sum: price?.lineKopecks == null ? null : formatRub(price.lineKopecks),
    noPrice: l.status === 'matched' && (!price || price.unitKopecks == null),
    mergedInto: l.mergedInto,
    /** A product the buyer picked stays picked when the form is sent again (while the line names the same thing). */
    chosen: l.via === 'choice' && l.product ? `${l.product.id}.${l.key}` : null,
  }
}

/** Counts of the summary line, in the order buyers read them, without zeros. */
function summary(r: QuickOrderResult): { label: string; n: number; status: LineStatus }[] {
  const order: LineStatus[] = ['matched', 'ambiguous', 'unmatched', 'inactive', 'merged', 'ignored']
  return order.filter((s) => r.counts[s] > 0).map((s) => ({ status: s, label: STATUS_LABELS[s], n: r.counts[s] }))
}

/**
 * The quick-order page: the paste and upload forms (with what was sent, and the error next to its field), and after
 * resolving, the result table with every line kept, the summary, the total and the cart select.
 */
export function presentQuickOrder(o: {
  text?: string
  errors?: Record<string, string>
  result?: QuickOrderResult | null
  prices?: { perLine: (PricedLine | null)[]; totalKopecks: number } | null
  choices?: Map<number, Choice>
  carts?: CartOption[]
  added?: { count: number; cartName: string; cartUrl: string } | null
  source?: string
}) {
  const r = o.result ?? null
  return {
    title: 'Быстрый заказ',
    text: o.text ?? '',
    errors: o.errors ?? {},
    source: o.source ?? null,
    added: o.added ?? null,
    result: r
      ? {
          lines: r.lines.map((l, i) => presentLine(l, o.prices?.perLine[i] ?? null, o.choices?.get(l.no) ?? null)),
          summary: summary(r),
          total: o.prices && o.prices.totalKopecks > 0 ? formatRub(o.prices.totalKopecks) : null,
          columns: columnsField(r.columns),
          truncated: r.truncated,
          skipped: r.skipped,
          canAdd: r.counts.matched > 0 || r.counts.ambiguous > 0,
          empty: r.lines.length === 0,
        }
      : null,
    carts: o.carts ?? [],
  }
}

/** The buyer API's view of a resolution: snake_case, quantities as base-unit thousandths and as numbers. */
export function apiQuickOrder(r: QuickOrderResult) {
  return {
    lines: r.lines.map((l) => ({
      line: l.no,
      text: l.text,
      status: l.status,
      reason: l.reason,
      product: l.product ? { id: l.product.id, sku: l.product.sku, name: l.product.name, base_unit: l.product.base_unit } : null,
      packaging: l.packaging ? { id: l.packaging.id, name: l.packaging.name, factor: l.packaging.factor_milli / 1000 } : null,
      qty_milli: l.qtyMilli,
      qty: l.qtyMilli / 1000,
      corrections: l.notes,
      candidates: l.candidates.map((c) => ({ id: c.id, sku: c.sku, name: c.name, base_unit: c.base_unit })),
      suggested_id: l.suggested,
      merged_into: l.mergedInto,
    })),
    counts: r.counts,
    truncated: r.truncated,
  }
}
