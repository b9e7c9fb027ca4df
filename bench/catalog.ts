import http from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import request from 'supertest'
import { setupViews } from '../server/http/views.js'
import { parseCatalogQuery } from '../server/catalog/rules.js'
import { presentCatalog } from '../server/catalog/present.js'
import { catalogPartials } from '../server/catalog/views.js'
import { generateCatalog } from './catalog-data.js'
import { benchServer, engine, load } from './support.js'

const PRODUCTS = Number(process.env.BENCH_PRODUCTS ?? 100_000)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5)
const CONNECTIONS = 32

/**
 * The catalog for a logged-in buyer with personal rules (two client groups, a personal discount, 300 rules in the data
 * set) at 100 000 products and 100 price types, 32 connections: the first page, an SKU prefix search, a search by name
 * words, a category with an attribute filter sorted by price. Then the ceiling: the same page's view-model rendered from
 * memory by a bare Express + Handlebars route with the same templates, which is as fast as this stack can serve that page.
 */
export async function run(): Promise<void> {
  const s = await benchServer()
  const t0 = Date.now()
  const { companyIds, categoryIds } = await generateCatalog(s.c.db, { products: PRODUCTS, priceTypes: 100, companies: 2_000 })
  const generateMs = Date.now() - t0
  // A live database does not carry a gigabyte of freshly written WAL: fold the generator's writes into the main file now,
  // or SQLite's automatic checkpoint copies them in the middle of the first measured case.
  if (engine === 'sqlite') await s.c.db.raw('PRAGMA wal_checkpoint(TRUNCATE)')
  process.stdout.write(JSON.stringify({ bench: 'catalog', case: 'generate data', engine, products: PRODUCTS, ms: generateMs }) + '\n')

  const companyId = companyIds[21]!
  const password = 'bench-password-1'
  const userId = await s.c.db.transaction((trx) =>
    s.c.accounts.createUser(trx, { full_name: 'Bench Buyer', email: 'catalog@b.local', phone: '+79160000000', password, password2: password }),
  )
  await s.c.db('company_members').insert({ company_id: companyId, user_id: userId, role: 'owner', created_at: Date.now() })
  const agent = request.agent(s.url)
  const page = await agent.get('/password/forgot')
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!
  await agent.post('/login').type('form').send({ _csrf: csrf, email: 'catalog@b.local', password }).redirects(0)
  const cookie = String((await agent.get('/catalog').redirects(0)).request.cookies)
  const origin = await s.c.db('attribute_options as o').join('attributes as a', 'a.id', 'o.attribute_id').where('a.code', 'origin').first('o.id')

  const headers = { cookie }
  const cases: [string, string][] = [
    ['GET /catalog (first page, 100 rows)', '/catalog'],
    ['GET /catalog?q=<SKU prefix>', '/catalog?q=KF-0012'],
    ['GET /catalog?q=<two name words>', `/catalog?q=${encodeURIComponent('кофе эфиопия')}`],
    ['GET /catalog/c/:id?f_origin=…&sort=price_asc', `/catalog/c/${categoryIds[3]}?f_origin=${origin.id}&sort=price_asc`],
  ]
  // The ceiling: the first page's view-model, computed once, rendered per request by a bare Express + Handlebars route.
  const vm = presentCatalog(await s.c.catalog.list(companyId, parseCatalogQuery({}, { categoryId: null })))
  const bare = express()
  setupViews(bare, 'Europe/Moscow', true)
  const partials = catalogPartials(true)
  bare.get('/ceiling', (_req, res) => {
    res.render('pages/catalog/list', { ...vm, partials: partials(), supplierName: 'Bench', csrfToken: 'x', user: { full_name: 'Bench' } })
  })
  const server = http.createServer(bare)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const ceilingUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ceiling`

  // Each case runs right after a run of the ceiling, and its share of the ceiling is taken against that run: a shared
  // machine's speed drifts over a minute, and a ceiling measured once at the end would judge early cases by a later speed.
  for (const [name, url] of cases) {
    const res = await agent.get(url)
    if (res.status !== 200) throw new Error(`${url} answered ${res.status}`)
    const ceiling = await load('catalog', 'ceiling: the first page rendered from memory', { url: ceilingUrl, seconds: SECONDS, connections: CONNECTIONS })
    await load('catalog', name, { url: `${s.url}${url}`, headers, seconds: SECONDS, connections: CONNECTIONS }, ceiling.rps)
  }
  // Latency of one buyer alone: at 32 connections on one process a response waits behind the other 31, so p95 there is
  // the queue, not the page (the render-only ceiling itself has a p95 of ~200 ms); one connection shows the page's own time.
  for (const [name, url] of cases) {
    await load('catalog', `${name}, one connection`, { url: `${s.url}${url}`, headers, seconds: 3, connections: 1 })
  }
  await new Promise<void>((r) => server.close(() => r()))
  await s.close()
}
