import type { Writable } from 'node:stream'
import ExcelJS from 'exceljs'
import { lineKopecks } from '../shared/money.js'
import type { PricedLine } from '../pricing/types.js'
import { availableMilli, stockLevel, stockText } from './rules.js'
import type { CatalogRow, WarehouseRow } from './types.js'

const MONEY = '#,##0.00'
const QTY = '#,##0.###'

/**
 * Writes the personal price list as XLSX into `out` with exceljs's streaming writer: one row per product and packaging is
 * committed as soon as it is priced, so memory stays flat however long the catalog is. Money goes in as numbers in roubles
 * (formatted, so Excel can sum them), quantities in base units; stock follows each warehouse's display mode.
 */
export async function writePriceList(
  out: Writable,
  o: { title: string; subtitle: string; warehouses: WarehouseRow[]; rows: AsyncIterable<{ category: string; row: CatalogRow; packPrices: PricedLine[] }> },
): Promise<number> {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false })
  wb.creator = 'Кабинет оптового покупателя'
  const ws = wb.addWorksheet('Прайс-лист', { views: [{ state: 'frozen', ySplit: 3 }] })
  ws.columns = [
    { key: 'category', width: 28 },
    { key: 'sku', width: 18 },
    { key: 'name', width: 48 },
    { key: 'unit', width: 6 },
    { key: 'pack', width: 20 },
    { key: 'factor', width: 11, style: { numFmt: QTY } },
    { key: 'min', width: 11, style: { numFmt: QTY } },
    { key: 'step', width: 10, style: { numFmt: QTY } },
    { key: 'unitPrice', width: 14, style: { numFmt: MONEY } },
    { key: 'packPrice', width: 16, style: { numFmt: MONEY } },
    { key: 'vat', width: 8 },
    ...o.warehouses.map((w) => ({ key: `w${w.id}`, width: 14 })),
  ]
  ws.addRow([o.title]).font = { bold: true, size: 14 }
  ws.addRow([o.subtitle]).font = { italic: true, color: { argb: 'FF6B7280' } }
  const head = ws.addRow([
    'Раздел', 'Артикул', 'Наименование', 'Ед.', 'Упаковка', 'В упаковке', 'Мин. заказ', 'Кратность', 'Цена за ед., ₽', 'Цена за упаковку, ₽', 'НДС',
    ...o.warehouses.map((w) => w.name),
  ])
  head.font = { bold: true }
  head.alignment = { wrapText: true, vertical: 'middle' }
  head.commit()
  let count = 0
  for await (const { category, row, packPrices } of o.rows) {
    const p = row.product
    const factor0 = row.packagings[0]?.factor_milli ?? 1000
    const stock = o.warehouses.map((w) => {
      const available = row.available.get(w.id) ?? 0
      if (w.show_mode === 'qty') return available / 1000
      return stockText('status', availableMilli(available, 0), p.base_unit, stockLevel(available, w.low_packagings, factor0))
    })
    const packs = row.packagings.length ? row.packagings : [null]
    packs.forEach((k, i) => {
      const unit = (k ? packPrices[i]?.unitKopecks : row.price.unitKopecks) ?? null
      const factor = k?.factor_milli ?? 1000
      ws.addRow([
        category,
        p.sku,
        p.name,
        p.base_unit,
        k?.name ?? p.base_unit,
        factor / 1000,
        (k?.min_qty_milli ?? 0) / 1000 || null,
        (k ? k.step_milli || k.factor_milli : 1000) / 1000,
        unit === null ? null : unit / 100,
        unit === null ? null : lineKopecks(unit, factor) / 100,
        p.vat_rate === 'none' ? 'без НДС' : `${p.vat_rate}%`,
        ...stock,
      ]).commit()
      count++
    })
  }
  ws.commit()
  await wb.commit()
  return count
}
