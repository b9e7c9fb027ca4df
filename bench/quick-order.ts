import { seededRandom } from '../server/shared/random.js'
import { generateCatalog } from './catalog-data.js'
import { benchServer, engine } from './support.js'

const PRODUCTS = Number(process.env.BENCH_PRODUCTS ?? 100_000)
const RUNS = Number(process.env.BENCH_RUNS ?? 30)
const LINES = 500

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0
}

/** Drops, doubles or swaps one letter of the longest word: the typos of a hurried buyer. */
function typo(name: string, rand: () => number): string {
  const words = name.split(' ')
  const i = words.reduce((best, w, j) => (w.length > words[best]!.length && /^\p{L}+$/u.test(w) ? j : best), 0)
  const w = words[i]!
  const at = 1 + Math.floor(rand() * (w.length - 2))
  const kind = Math.floor(rand() * 3)
  words[i] = kind === 0 ? w.slice(0, at) + w.slice(at + 1) : kind === 1 ? w.slice(0, at) + w[at] + w.slice(at) : w.slice(0, at) + w[at + 1] + w[at] + w.slice(at + 2)
  return words.join(' ')
}

/**
 * 500 messy lines over the bench catalog, deterministic: articles as typed in emails and tables (lower case, no dash,
 * spaces, Cyrillic look-alike letters, «x 5», «;», tabs), 1C printout rows with line numbers, prices and sums, full names
 * with ё/е and packaging words, short names, names with a typo, article prefixes that fit several products, unknown
 * articles, duplicates, a header and the greetings and signature of an email.
 */
export function messyLines(products: { sku: string; name: string }[], rand: () => number): string[] {
  const pick = () => products[Math.floor(rand() * products.length)]!
  const qty = () => ['2', '5', '1,5', '3 мешка', '2 меш', '12 шт', '1,5 кг', '30 кг', '4 кор', '1'][Math.floor(rand() * 10)]!
  const lines: string[] = ['Добрый день!', 'Просим выставить счёт на следующие позиции:', '№\tАртикул\tНаименование\tКол-во\tЕд.\tЦена\tСумма']
  const cyr = (s: string) => s.replace('K', 'К').replace('C', 'С').replace('A', 'А')
  while (lines.length < LINES - 4) {
    const p = pick()
    const r = rand()
    const n = lines.length
    if (r < 0.12) lines.push(`${p.sku} ${qty()}`)
    else if (r < 0.2) lines.push(`${p.sku.toLowerCase().replace('-', '')};${qty()}`)
    else if (r < 0.26) lines.push(`${cyr(p.sku)} x ${Math.ceil(rand() * 9)}`)
    else if (r < 0.32) lines.push(`${p.sku.replace('-', ' ')}\t${qty()}`)
    else if (r < 0.42) lines.push(`${n}\t${p.sku}\t${p.name}\t${Math.ceil(rand() * 60)},000\tкг\t1 234,00\t74 040,00`)
    else if (r < 0.47) lines.push(`${n} ${p.sku} ${p.name} ${Math.ceil(rand() * 60)} кг 1 234,00 74 040,00`)
    else if (r < 0.62) lines.push(`${p.name.replace(/е/g, (c) => (rand() < 0.3 ? 'ё' : c)).replace(/ё/g, 'е')} — ${qty()}`)
    else if (r < 0.7) lines.push(`${p.name.split(' ').slice(1).join(' ')} ${qty()}`)
    else if (r < 0.8) lines.push(`${typo(p.name, rand)} ${qty()}`)
    else if (r < 0.85) lines.push(`${p.sku.slice(0, 6)} ${qty()}`)
    else if (r < 0.9) lines.push(`ZZ-${Math.floor(rand() * 1e6)} ${qty()}`)
    else if (r < 0.95 && n > 10) lines.push(lines[3 + Math.floor(rand() * (n - 3))]!)
    else lines.push(`${p.sku}\t${p.name}\t${qty()}`)
  }
  lines.push('Итого: 1 234 567,00', 'С уважением,', 'Иван Петров, закупки', 'тел. +7 (916) 123-45-67')
  return lines
}

/**
 * `npm run bench -- quick-order`: the catalog bench data (100 000 products, `BENCH_PRODUCTS` to change), then 500 messy
 * pasted lines resolved by the quick-order service: parsing, every catalog query, packagings, corrections, merging. Each
 * run pastes a different list (other products, other typos), so only the common vocabulary is ever warm; the first run,
 * with every cache cold, is reported on its own line, then p50/p95 of `BENCH_RUNS` further runs. The target is 300 ms.
 */
export async function run(): Promise<void> {
  const s = await benchServer()
  const t0 = Date.now()
  await generateCatalog(s.c.db, { products: PRODUCTS, priceTypes: 10, companies: 20 })
  process.stdout.write(JSON.stringify({ bench: 'quick-order', case: 'generate data', engine, products: PRODUCTS, ms: Date.now() - t0 }) + '\n')

  const texts: string[] = []
  for (let i = 0; i <= RUNS; i++) {
    const rand = seededRandom(7 + i)
    const ids = Array.from({ length: 400 }, () => 1 + Math.floor(rand() * PRODUCTS))
    const products: { sku: string; name: string }[] = await s.c.db('products').whereIn('id', ids).select('sku', 'name')
    texts.push(messyLines(products, rand).join('\n'))
  }

  const times: number[] = []
  const counts: Record<string, number> = {}
  for (const [i, text] of texts.entries()) {
    const start = performance.now()
    const result = await s.c.quickOrder.resolveText(text)
    const ms = performance.now() - start
    for (const [k, n] of Object.entries(result.counts)) counts[k] = (counts[k] ?? 0) + n
    if (i === 0) {
      process.stdout.write(JSON.stringify({ bench: 'quick-order', case: `resolve ${LINES} pasted lines, cold caches`, engine, products: PRODUCTS, ms: Number(ms.toFixed(1)), ...result.counts }) + '\n')
    } else times.push(ms)
  }
  times.sort((a, b) => a - b)
  const avg = Object.fromEntries(Object.entries(counts).map(([k, n]) => [k, Math.round(n / texts.length)]))
  process.stdout.write(
    JSON.stringify({
      bench: 'quick-order',
      case: `resolve ${LINES} pasted lines`,
      engine,
      products: PRODUCTS,
      runs: RUNS,
      p50_ms: Number(percentile(times, 50).toFixed(1)),
      p95_ms: Number(percentile(times, 95).toFixed(1)),
      max_ms: Number(times.at(-1)!.toFixed(1)),
      avg_lines: avg,
    }) + '\n',
  )
  await s.close()
}
