/*
 * `npm run bench -- <name>`: runs one benchmark and prints one JSON object per line. Benchmarks start their own server on
 * loopback over a fresh database (SQLite by default, MariaDB/MySQL with BENCH_DB=mysql and MYSQL_URL) and never touch
 * var/portal.sqlite.
 */
const benches: Record<string, () => Promise<{ run(): Promise<void> }>> = {
  pages: () => import('./pages.js'),
  catalog: () => import('./catalog.js'),
  'onec-import': () => import('./onec-import.js'),
  'quick-order': () => import('./quick-order.js'),
  checkout: () => import('./checkout.js'),
  outbox: () => import('./outbox.js'),
}

const name = process.argv[2]
if (!name || !benches[name]) {
  process.stderr.write(`usage: npm run bench -- <${Object.keys(benches).join('|')}>\n`)
  process.exit(2)
}
const mod = await benches[name]!()
await mod.run()
process.exit(0)
