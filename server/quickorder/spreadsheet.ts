import ExcelJS from 'exceljs'
import { fileTypeFromBuffer } from 'file-type'
import { MAX_LINES, decodeCsv, looksLikeText, parseCsv } from './rules.js'

/** Rows of cells from an uploaded file, or the Russian reason it cannot be read. */
export type SheetRows = { ok: true; rows: string[][]; kind: 'xlsx' | 'csv' } | { ok: false; message: string }

/** A cell's value as the buyer sees it: numbers without float noise, formulas by their result, rich text joined. */
function cellText(v: ExcelJS.CellValue): string {
  if (v === null || v === undefined) return ''
  if (typeof v === 'number') return Number.isFinite(v) ? String(Number(v.toFixed(3))) : ''
  if (typeof v === 'string') return v
  if (typeof v === 'boolean') return ''
  if (v instanceof Date) return v.toISOString().slice(0, 10)
  if ('richText' in v) return v.richText.map((r) => r.text).join('')
  if ('formula' in v || 'sharedFormula' in v) return cellText((v as ExcelJS.CellFormulaValue).result as ExcelJS.CellValue)
  if ('text' in v) return String(v.text)
  return ''
}

/** The first worksheet with data as rows of cell texts (column A is cell 0), at most `maxRows` rows. */
async function xlsxRows(buffer: Buffer, maxRows: number): Promise<string[][]> {
  const wb = new ExcelJS.Workbook()
  await wb.xlsx.load(buffer as unknown as ExcelJS.Buffer)
  const ws = wb.worksheets.find((w) => w.actualRowCount > 0)
  if (!ws) return []
  const rows: string[][] = []
  const last = Math.min(ws.rowCount, maxRows)
  for (let r = 1; r <= last; r++) {
    const row = ws.getRow(r)
    const cells: string[] = []
    for (let c = 1; c <= Math.min(row.cellCount, 50); c++) cells.push(cellText(row.getCell(c).value).replace(/\s+/g, ' ').trim())
    rows.push(cells)
  }
  return rows
}

/**
 * Reads an uploaded order file, its type decided by content (file-type), never by its name: XLSX through exceljs, or a
 * text file as CSV (UTF-8 or windows-1251, «;», «,» or tab). Old binary XLS and anything else is refused with a message.
 */
export async function readOrderFile(buffer: Buffer): Promise<SheetRows> {
  if (!buffer.length) return { ok: false, message: 'Файл пустой. Выберите другой файл.' }
  const type = await fileTypeFromBuffer(buffer)
  const maxRows = MAX_LINES + 50
  if (type?.ext === 'xlsx') {
    try {
      return { ok: true, rows: await xlsxRows(buffer, maxRows), kind: 'xlsx' }
    } catch {
      return { ok: false, message: 'Не удалось прочитать XLSX: файл повреждён. Сохраните его в Excel заново или загрузите CSV.' }
    }
  }
  if (type?.ext === 'cfb' || type?.ext === 'xls') return { ok: false, message: 'Это файл старого формата XLS. Сохраните его как XLSX («Книга Excel») или CSV и загрузите снова.' }
  if (type || !looksLikeText(buffer)) return { ok: false, message: 'Загрузите таблицу XLSX или CSV.' }
  return { ok: true, rows: parseCsv(decodeCsv(buffer), maxRows), kind: 'csv' }
}
