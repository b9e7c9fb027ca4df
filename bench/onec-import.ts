import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { CommerceMlReader } from '../server/integrations/onec/reader.js'
import { pushFolder } from '../server/integrations/onec/push.js'
import { writeOnecPackage } from './onec-data.js'
import { benchServer, engine } from './support.js'

const PRODUCTS = Number(process.env.BENCH_PRODUCTS ?? 100_000)
const PRICE_TYPES = 20
const WAREHOUSES = 5

/**
 * `npm run bench -- onec-import`: a 100 000-product package (20 price types, 5 warehouses: 2 000 000 prices, 500 000 stock
 * rows) pushed through the real exchange protocol over loopback by the same code as `npm run onec -- push`, into a fresh
 * database. Prints the whole import's time, products/s and price rows/s, the longest single call, the peak RSS of the
 * process (portal and client together), and the pure XML read time of the same files in the same run.
 */
export async function run(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'b2b-onec-bench-'))
  const t0 = Date.now()
  const files = writeOnecPackage(dir, { products: PRODUCTS, priceTypes: PRICE_TYPES, warehouses: WAREHOUSES })
  const bytes = files.reduce((s, f) => s + fs.statSync(path.join(dir, f)).size, 0)
  process.stdout.write(JSON.stringify({ bench: 'onec-import', case: 'generate files', products: PRODUCTS, mb: Number((bytes / 1e6).toFixed(1)), ms: Date.now() - t0 }) + '\n')

  // The pure read: every item of both files through the reader the import uses, nothing written.
  const r0 = Date.now()
  let items = 0
  for (const f of files) {
    const reader = new CommerceMlReader(path.join(dir, f))
    while (await reader.next()) items++
    reader.close()
  }
  process.stdout.write(JSON.stringify({ bench: 'onec-import', case: 'XML read only', items, ms: Date.now() - r0 }) + '\n')

  const s = await benchServer({ ONEC_USER: 'bench', ONEC_PASSWORD: 'bench-password', ONEC_ZIP: 'no', ONEC_DIR: path.join(dir, 'exchange'), ONEC_MAX_UPLOAD_BYTES: String(4 * 1024 ** 3) })
  let peakRss = process.memoryUsage().rss
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100)
  // The longest single HTTP call, and the longest of each mode (file chunks, import steps).
  let longest = { ms: 0, mode: '', filename: '' }
  const longestBy: Record<string, number> = {}
  const i0 = Date.now()
  const result = await pushFolder({
    url: `${s.url}/1c/exchange`,
    user: 'bench',
    password: 'bench-password',
    folder: dir,
    onCall: (c) => {
      if (c.ms > longest.ms) longest = c
      longestBy[c.mode] = Math.max(longestBy[c.mode] ?? 0, c.ms)
    },
  })
  const ms = Date.now() - i0
  clearInterval(sampler)
  const [products, prices, stock] = await Promise.all([
    s.c.db('products').count({ n: '*' }).first(),
    s.c.db('prices').count({ n: '*' }).first(),
    s.c.db('stock').count({ n: '*' }).first(),
  ])
  const n = (r: { n?: number | string } | undefined) => Number(r?.n ?? 0)
  process.stdout.write(
    JSON.stringify({
      bench: 'onec-import',
      case: 'whole import over the protocol',
      engine,
      products: n(products),
      price_rows: n(prices),
      stock_rows: n(stock),
      import_calls: result.calls,
      ms,
      products_per_s: Math.round(n(products) / (ms / 1000)),
      price_rows_per_s: Math.round(n(prices) / (ms / 1000)),
      longest_call_ms: longest.ms,
      longest_call: `${longest.mode} ${longest.filename}`,
      longest_import_call_ms: longestBy.import ?? 0,
      longest_file_call_ms: longestBy.file ?? 0,
      peak_rss_mb: Math.round(peakRss / 1e6),
    }) + '\n',
  )
  await s.close()
  fs.rmSync(dir, { recursive: true, force: true })
}
