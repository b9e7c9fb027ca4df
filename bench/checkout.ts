import { insertId } from '../server/db/dialect.js'
import { foldText, normalizeSku } from '../server/catalog/rules.js'
import * as catalogStore from '../server/catalog/store.js'
import * as cartsStore from '../server/carts/store.js'
import * as companiesStore from '../server/companies/store.js'
import { setRecipe } from '../server/stock/store.js'
import { seededRandom } from '../server/shared/random.js'
import type { Container } from '../server/main.js'
import type { CheckoutOutcome } from '../server/orders/types.js'
import { benchServer, engine } from './support.js'

const PRODUCTS = Number(process.env.BENCH_CHECKOUT_PRODUCTS ?? 2_000)
const CHECKOUTS = Number(process.env.BENCH_CHECKOUTS ?? 400)
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8)
const LINES = 20

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0
}

/** Products of their own warehouse with packagings, prices and `onHand` base units each; every tenth one a blend of two others. */
async function catalog(c: Container, n: number, onHand: number, tag: string) {
  const db = c.db
  const now = Date.now()
  const warehouseId = await catalogStore.insertWarehouse(db, { name: `Склад ${tag}`, kind: 'main', show_mode: 'qty', low_packagings: 1, sort: 1 })
  const priceType = (await db('price_types').where({ is_default: true }).first())?.id ?? (await insertId(db, 'price_types', { code: 'base', name: 'Оптовая', is_default: true }))
  const rows = Array.from({ length: n }, (_, i) => {
    const sku = `CHK-${tag}-${String(i).padStart(5, '0')}`
    const name = `Товар ${tag} ${i}`
    return { sku, sku_norm: normalizeSku(sku), name, name_search: foldText(name), category_id: null, base_unit: 'кг', vat_rate: '22', popularity: 0, is_active: true, profile: null }
  })
  const ids: number[] = []
  for (let i = 0; i < rows.length; i += 500) {
    const m = await catalogStore.insertProducts(db, rows.slice(i, i + 500), now)
    ids.push(...rows.slice(i, i + 500).map((r) => m.get(r.sku_norm)!))
  }
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500)
    await catalogStore.insertPackagings(db, chunk.map((id) => ({ product_id: id, name: 'мешок 1 кг', factor_milli: 1000, min_qty_milli: 0, step_milli: 0, is_default: true, sort: 0 })))
    await db('prices').insert(chunk.map((id, k) => ({ price_type_id: priceType, product_id: id, kopecks: 10_000 + ((i + k) % 97) * 100, updated_at: now })))
    await catalogStore.insertStock(db, chunk.filter((_, k) => (i + k) % 10 !== 9).map((id) => ({ warehouse_id: warehouseId, product_id: id, on_hand_milli: onHand * 1000, reserved_milli: 0 })), now)
  }
  for (let i = 9; i < ids.length; i += 10) await setRecipe(db, ids[i]!, [{ componentId: ids[i - 9]!, perUnitMilli: 600 }, { componentId: ids[i - 5]!, perUnitMilli: 650 }])
  const packs = new Map((await catalogStore.packagingsOf(db, ids)).map((p) => [p.product_id, p.id]))
  const typeId = await cartsStore.insertCartType(db, { name: `Тип ${tag}`, description: '', price_type_id: null, packaging_names: null, warehouse_id: warehouseId, sort: 1, is_active: true }, now)
  return { ids, packs, typeId, warehouseId }
}

/** Verified companies, each with an owner. */
async function companies(c: Container, n: number, tag: string) {
  const now = Date.now()
  const out: { companyId: number; userId: number }[] = []
  for (let i = 0; i < n; i++) {
    const userId = await insertId(c.db, 'users', { email: `bench-${tag}-${i}@bench.local`, full_name: 'Бенч', phone: '', password_hash: 'x', created_at: now, updated_at: now })
    const companyId = await companiesStore.insertCompany(
      c.db,
      {
        kind: 'legal', inn: null, kpp: null, inn_kpp_key: null, ogrn: null, name_short: `ООО "БЕНЧ ${tag} ${i}"`, name_full: '', legal_form: 'ООО', director_name: '', director_post: '',
        legal_address: '', postal_address: '', docs_email: '', docs_phone: '', edo_enabled: false, edo_operator: null, edo_participant_id: null, requisites_checked: true,
        requisites_note: '', registry_status: 'ACTIVE',
      },
      now,
    )
    await c.db('companies').where({ id: companyId }).update({ status: 'verified' })
    await companiesStore.insertMember(c.db, companyId, userId, 'owner', now)
    out.push({ companyId, userId })
  }
  return out
}

/** One cart of `LINES` random lines (1–3 kg each) per checkout. */
async function carts(c: Container, buyers: { companyId: number }[], data: Awaited<ReturnType<typeof catalog>>, count: number, seed: number) {
  const rand = seededRandom(seed)
  const now = Date.now()
  const out: { companyId: number; cartId: number }[] = []
  for (let n = 0; n < count; n++) {
    const { companyId } = buyers[n % buyers.length]!
    const cartId = await cartsStore.insertCart(c.db, companyId, { name: `Корзина ${n}`, cart_type_id: data.typeId, client_ref: '', payer_company_id: null, point_id: null }, null, now)
    for (let k = 0; k < LINES; k++) {
      const id = data.ids[Math.floor(rand() * data.ids.length)]!
      await cartsStore.addToLine(c.db, cartId, id, data.packs.get(id)!, 1000 * (1 + Math.floor(rand() * 3)), now)
    }
    out.push({ companyId, cartId })
  }
  return out
}

/** Runs `jobs` with at most `limit` at once; returns each one's milliseconds and outcome. */
async function pool<T>(jobs: (() => Promise<T>)[], limit: number): Promise<{ ms: number; value: T }[]> {
  const out: { ms: number; value: T }[] = new Array(jobs.length)
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(limit, jobs.length) }, async () => {
      while (next < jobs.length) {
        const i = next++
        const t = performance.now()
        const value = await jobs[i]!()
        out[i] = { ms: performance.now() - t, value }
      }
    }),
  )
  return out
}

function report(kase: string, results: { ms: number; ok: boolean }[], wallMs: number, extra: Record<string, unknown> = {}) {
  const times = results.map((r) => r.ms).sort((a, b) => a - b)
  process.stdout.write(
    JSON.stringify({
      bench: 'checkout',
      case: kase,
      engine,
      lines: LINES,
      checkouts: results.length,
      placed: results.filter((r) => r.ok).length,
      refused: results.filter((r) => !r.ok).length,
      checkouts_per_s: Number(((results.length * 1000) / wallMs).toFixed(1)),
      p50_ms: Number(percentile(times, 50).toFixed(1)),
      p95_ms: Number(percentile(times, 95).toFixed(1)),
      ...extra,
    }) + '\n',
  )
}

/**
 * `npm run bench -- checkout`: checkouts of 20-line carts through the service (prices, checks, the reservation
 * transaction, the order with its lines, reservations, invoice, event and outbox row): `BENCH_CHECKOUTS` (400) over
 * 2 000 products with ample stock, `BENCH_CONCURRENCY` (8) at a time; the same through `POST /api/v1/orders` with an
 * Idempotency-Key; and the contended case of the concurrency test (200 at once, 50 products with stock 10, blends).
 */
export async function run(): Promise<void> {
  const s = await benchServer()
  const c = s.c
  const t0 = Date.now()
  const ample = await catalog(c, PRODUCTS, 1_000_000, 'A')
  const buyers = await companies(c, 20, 'A')
  const serviceCarts = await carts(c, buyers, ample, CHECKOUTS, 1)
  const apiCarts = await carts(c, buyers, ample, CHECKOUTS, 2)
  const scarce = await catalog(c, 50, 10, 'S')
  const raceBuyers = await companies(c, 4, 'S')
  const raceCarts = await carts(c, raceBuyers, scarce, 200, 3)
  const tokens = new Map<number, string>()
  for (const b of buyers) {
    const token = `b2b_bench_${b.companyId}_${'x'.repeat(24)}`
    await c.tokens.seedToken(c.db, { companyId: b.companyId, userId: b.userId, token, name: 'bench' })
    tokens.set(b.companyId, token)
  }
  process.stdout.write(JSON.stringify({ bench: 'checkout', case: 'generate data', engine, products: PRODUCTS + 50, carts: CHECKOUTS * 2 + 200, ms: Date.now() - t0 }) + '\n')

  const members = new Map(await Promise.all([...buyers, ...raceBuyers].map(async (b) => [b.companyId, { ...(await c.companies.forMember(b.userId, b.companyId))!, userId: b.userId }] as const)))
  const place = (j: { companyId: number; cartId: number }) => () => {
    const m = members.get(j.companyId)!
    return c.orders.checkout(m, m.userId, { cartIds: [j.cartId], pointId: '', comment: '', clientRef: '', payers: [], source: 'web' }, { kind: 'buyer', userId: m.userId })
  }

  // A few unmeasured checkouts first: code paths compile and the pricing caches fill as on a running server.
  await pool(serviceCarts.slice(0, 10).map(place), 2)
  let start = Date.now()
  const service = await pool(serviceCarts.slice(10).map(place), CONCURRENCY)
  report(`service, ${CONCURRENCY} at a time, ample stock`, service.map((r) => ({ ms: r.ms, ok: (r.value as CheckoutOutcome).ok })), Date.now() - start, { products: PRODUCTS })

  start = Date.now()
  const api = await pool(
    apiCarts.map((j, i) => async () => {
      const res = await fetch(`${s.url}/api/v1/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.get(j.companyId)}`, 'idempotency-key': `bench-${i}` },
        body: JSON.stringify({ cart_ids: [j.cartId] }),
      })
      await res.arrayBuffer()
      return res.status
    }),
    CONCURRENCY,
  )
  report(`POST /api/v1/orders, ${CONCURRENCY} connections, ample stock`, api.map((r) => ({ ms: r.ms, ok: r.value === 201 })), Date.now() - start, { products: PRODUCTS })

  start = Date.now()
  const race = await pool(raceCarts.map(place), raceCarts.length)
  report('contended: 200 at once, 50 products with stock 10', race.map((r) => ({ ms: r.ms, ok: (r.value as CheckoutOutcome).ok })), Date.now() - start, { products: 50 })
  await s.close()
}
