import fs from 'node:fs'
import path from 'node:path'
import type { TestApp } from '../../support/app.js'
import { foldText, normalizeSku } from '../../../server/catalog/rules.js'
import { unescapeHtml } from '../../support/html.js'

/*
 * The small catalog the quick-order fixtures (test/fixtures/quick-order) are written against: a coffee importer's green
 * and roasted coffee, cups, lids and tea with their real packagings, and a product no longer sold. The suite shares one
 * database, so the catalog is made once and found again by its articles.
 */

export const FIXTURES = path.resolve('test/fixtures/quick-order')
export const fixture = (name: string) => fs.readFileSync(path.join(FIXTURES, name))

interface Pack {
  name: string
  factor: number
  min?: number
  step?: number
}

const CATALOG: { sku: string; name: string; unit: string; price: number; packs: Pack[]; active?: boolean }[] = [
  { sku: 'GRN-ETH-YIR', name: 'Кофе зелёный арабика Эфиопия Иргачеффе Коке', unit: 'кг', price: 125_000, packs: [{ name: 'мешок 30 кг', factor: 30 }, { name: 'мешок 60 кг', factor: 60 }, { name: 'кг, от 5 кг', factor: 1, min: 5, step: 1 }] },
  { sku: 'RST-BRA-SER-M', name: 'Кофе в зёрнах Бразилия Серрадо, обжарка средняя под эспрессо', unit: 'кг', price: 140_000, packs: [{ name: 'пачка 1 кг', factor: 1 }, { name: 'коробка 6 × 1 кг', factor: 6 }] },
  { sku: 'RST-BRA-SER-L', name: 'Кофе в зёрнах Бразилия Серрадо, обжарка светлая под фильтр', unit: 'кг', price: 145_000, packs: [{ name: 'пачка 1 кг', factor: 1 }, { name: 'коробка 6 × 1 кг', factor: 6 }] },
  { sku: 'CUP-250-DW-WH', name: 'Стакан бумажный 250 мл, двойная стенка, белый', unit: 'шт', price: 950, packs: [{ name: 'шт, кратно 12', factor: 1, min: 12, step: 12 }, { name: 'коробка 50 шт', factor: 50 }, { name: 'короб 1 000 шт', factor: 1000 }] },
  { sku: 'LID-80-WH-SP', name: 'Крышка 80 мм с носиком, белая', unit: 'шт', price: 220, packs: [{ name: 'шт, кратно 12', factor: 1, min: 12, step: 12 }, { name: 'рукав 100 шт', factor: 100 }] },
  { sku: 'TEA-TGY', name: 'Чай Те Гуань Инь', unit: 'кг', price: 340_000, packs: [{ name: 'пакет 0,5 кг', factor: 0.5 }, { name: 'коробка 5 кг', factor: 5 }, { name: 'кг, от 1 кг', factor: 1, min: 1, step: 0.5 }] },
  { sku: 'OLD-ROB-2023', name: 'Кофе зелёный робуста Вьетнам урожай 2023', unit: 'кг', price: 60_000, packs: [{ name: 'мешок 60 кг', factor: 60 }], active: false },
]

export type QuickCatalog = Record<string, { id: number; packs: Record<string, number> }>

/** The fixtures' catalog (made on first use, found by article afterwards): article → product id and packaging ids by name. */
export async function quickCatalog(app: TestApp): Promise<QuickCatalog> {
  const db = app.c.db
  const now = app.clock.now().getTime()
  let type = await db('price_types').where({ is_default: true }).first()
  if (!type) {
    await db('price_types').insert({ code: 'base', name: 'Оптовая', is_default: true })
    type = await db('price_types').where({ is_default: true }).first()
  }
  const out: QuickCatalog = {}
  for (const p of CATALOG) {
    let row = await db('products').where({ sku_norm: normalizeSku(p.sku) }).first('id')
    if (!row) {
      await db('products').insert({ sku: p.sku, sku_norm: normalizeSku(p.sku), name: p.name, name_search: foldText(p.name), base_unit: p.unit, is_active: p.active ?? true, popularity: 10, created_at: now, updated_at: now })
      row = await db('products').where({ sku_norm: normalizeSku(p.sku) }).first('id')
      await db('packagings').insert(p.packs.map((k, i) => ({ product_id: row.id, name: k.name, factor_milli: k.factor * 1000, min_qty_milli: (k.min ?? 0) * 1000, step_milli: (k.step ?? 0) * 1000, is_default: i === 0, sort: i })))
      await db('prices').insert({ price_type_id: type.id, product_id: row.id, kopecks: p.price, updated_at: now })
    }
    const packs: { id: number; name: string }[] = await db('packagings').where({ product_id: row.id }).select('id', 'name')
    out[p.sku] = { id: Number(row.id), packs: Object.fromEntries(packs.map((k) => [k.name, Number(k.id)])) }
  }
  return out
}

/** One row of the rendered result table. */
export interface PageRow {
  no: number
  status: string
  html: string
}

/** The result table's rows as the page shows them, by line number. */
export function pageRows(html: string): Map<number, PageRow> {
  const out = new Map<number, PageRow>()
  for (const m of html.matchAll(/<tr class="qo-row[^"]*" data-line="(\d+)" data-status="(\w+)">([\s\S]*?)<\/tr>/g)) {
    out.set(Number(m[1]), { no: Number(m[1]), status: m[2]!, html: unescapeHtml(m[3]!) })
  }
  return out
}

/**
 * The result form's fields as a browser would send them: every line's text (`t[n]`, with `edits` applied), the checked
 * pick of each ambiguous line (`c[n]`, with `picks` applied), the header columns and the selected cart.
 */
export function resultForm(html: string, o: { edits?: Record<number, string>; picks?: Record<number, number>; cart?: string } = {}): Record<string, string> {
  const form: Record<string, string> = {}
  for (const m of html.matchAll(/<input name="t\[(\d+)\]" value="([^"]*)"/g)) form[`t[${m[1]}]`] = unescapeHtml(m[2]!)
  for (const m of html.matchAll(/<input type="radio" name="c\[(\d+)\]" value="([\w.]+)" checked>/g)) form[`c[${m[1]}]`] = m[2]!
  for (const m of html.matchAll(/<input type="hidden" name="c\[(\d+)\]" value="([\w.]+)">/g)) form[`c[${m[1]}]`] = m[2]!
  const cols = /name="cols" value="([^"]*)"/.exec(html)
  if (cols) form.cols = unescapeHtml(cols[1]!)
  const cart = /<select name="cart_id">[\s\S]*?<option value="([^"]*)" selected>/.exec(html)
  if (cart) form.cart_id = cart[1]!
  for (const [n, text] of Object.entries(o.edits ?? {})) form[`t[${n}]`] = text
  for (const [n, id] of Object.entries(o.picks ?? {})) {
    // A pick is the radio's value: «<product id>.<line key>»; the key is read from any radio of that line.
    const key = new RegExp(`name="c\\[${n}\\]" value="\\d+\\.(\\w+)"`).exec(html)?.[1] ?? ''
    form[`c[${n}]`] = `${id}.${key}`
  }
  if (o.cart !== undefined) form.cart_id = o.cart
  return form
}

/** Every cart line of a company as [article, packaging name, quantity in base units], in insertion order. */
export async function companyLines(app: TestApp, companyId: number): Promise<[string, string | null, number][]> {
  const rows = await app.c.db('cart_lines as l')
    .join('carts as c', 'c.id', 'l.cart_id')
    .join('products as p', 'p.id', 'l.product_id')
    .leftJoin('packagings as k', 'k.id', 'l.packaging_id')
    .where('c.company_id', companyId)
    .orderBy('l.id')
    .select('p.sku', 'k.name as pack', 'l.qty_milli')
  return rows.map((r: { sku: string; pack: string | null; qty_milli: number }) => [r.sku, r.pack, Number(r.qty_milli) / 1000])
}
