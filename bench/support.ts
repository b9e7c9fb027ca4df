import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import autocannon from 'autocannon'
import { loadConfig } from '../server/config.js'
import { createLogger } from '../server/logger.js'
import { openDb } from '../server/db/knex.js'
import { dropAllTables } from '../server/db/dialect.js'
import { migrateLatest } from '../server/db/migrations/index.js'
import { compose, type Container } from '../server/main.js'
import { buildApp } from '../server/app.js'

export const engine = process.env.BENCH_DB === 'mysql' ? 'mysql' : 'sqlite'

/** A server over a fresh database on a random loopback port; `env` adds configuration keys. */
export async function benchServer(env: Record<string, string> = {}): Promise<{ url: string; c: Container; close(): Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'b2b-bench-'))
  const server = http.createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as AddressInfo).port
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: String(port),
    LOG_LEVEL: 'silent',
    DATABASE_URL: engine === 'mysql' ? process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test' : path.join(dir, 'bench.sqlite'),
    UPLOAD_DIR: path.join(dir, 'uploads'),
    SESSION_SECRET: 'bench-secret-bench-secret',
    LOGIN_MAX_FAILURES_IP: '100000',
    API_RATE_LIMIT_PER_MINUTE: '10000000',
    ...env,
  })
  const db = openDb(config.db)
  await dropAllTables(db)
  await migrateLatest(db)
  const c = compose({ config, db, logger: createLogger('silent') })
  server.on('request', buildApp(c))
  return {
    url: `http://127.0.0.1:${port}`,
    c,
    close: async () => {
      await new Promise<void>((r) => server.close(() => r()))
      await db.destroy()
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

/**
 * Loads one URL with autocannon for `seconds` after a second of warm-up and prints `{"bench","case","engine","p50_ms","p95_ms","rps","non2xx"}`,
 * with `ceiling_rps` and `share_of_ceiling` when a ceiling measured just before is given.
 * Latencies come from every response, so p95 is exact rather than autocannon's nearest bucket.
 */
export async function load(
  bench: string,
  kase: string,
  o: { url: string; headers?: Record<string, string>; seconds?: number; connections?: number },
  ceilingRps?: number,
): Promise<{ rps: number }> {
  // One unmeasured second first: connections open, code paths compile, and caches fill as they would on a running server.
  await new Promise<void>((resolve, reject) => {
    autocannon({ url: o.url, headers: o.headers, duration: 1, connections: o.connections ?? 10 }, (err) => (err ? reject(err) : resolve()))
  })
  const times: number[] = []
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon({ url: o.url, headers: o.headers, duration: o.seconds ?? 5, connections: o.connections ?? 10 }, (err, res) =>
      err ? reject(err) : resolve(res),
    )
    instance.on('response', (_client, _status, _bytes, responseTime) => times.push(responseTime))
  })
  times.sort((a, b) => a - b)
  const line = {
    bench,
    case: kase,
    engine,
    p50_ms: Number(percentile(times, 50).toFixed(2)),
    p95_ms: Number(percentile(times, 95).toFixed(2)),
    rps: Math.round(result.requests.average),
    non2xx: result.non2xx,
    ...(ceilingRps ? { ceiling_rps: ceilingRps, share_of_ceiling: Number((result.requests.average / ceilingRps).toFixed(2)) } : {}),
  }
  process.stdout.write(JSON.stringify(line) + '\n')
  return line
}
