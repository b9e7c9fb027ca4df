import { insertId } from '../server/db/dialect.js'
import * as companiesStore from '../server/companies/store.js'
import * as ordersStore from '../server/orders/store.js'
import { orderNumber } from '../server/orders/rules.js'
import { enqueuePlaced, ORDER_PLACED } from '../server/orders/outbox.js'
import { installSandboxApp } from '../b24-app/sandbox-install.js'
import { rateKey } from '../b24-app/client.js'
import { benchServer, engine } from './support.js'

/*
 * `npm run bench -- outbox`: placed orders → Bitrix24 deals through the real outbox dispatcher, the real handlers and the
 * real REST client against the built-in emulator over HTTP, under the portal's real limit (B24_RATE_PER_SEC, 2 requests/s
 * by default). The limiter's burst is used up before the clock starts, so the figure is the steady state the limit allows,
 * not the first 50 free requests. Companies are synced beforehand (a one-off per company).
 *
 * Batching allows at most rate × 50 commands per second; an order needs 2 commands (crm.deal.add and
 * crm.deal.productrows.set), so the ceiling is rate × 25 orders/s. The line reports entities/s, requests/s and the share of
 * that ceiling reached.
 */

const ORDERS = Number(process.env.BENCH_OUTBOX_ORDERS ?? 1500)
const COMPANIES = Number(process.env.BENCH_OUTBOX_COMPANIES ?? 20)
const LINES = 3

export async function run(): Promise<void> {
  const s = await benchServer()
  const { c } = s
  try {
    const db = c.db
    const now = Date.now()
    const memberId = await installSandboxApp({ db, clock: c.clock, config: c.config, sandbox: c.b24Sandbox! })
    const companies: number[] = []
    for (let i = 0; i < COMPANIES; i++) {
      const userId = await insertId(db, 'users', { email: `outbox-${i}@bench.local`, full_name: 'Закупщиков Пётр Ильич', phone: '+79160000000', password_hash: 'x', created_at: now, updated_at: now })
      const companyId = await companiesStore.insertCompany(
        db,
        {
          kind: 'legal', inn: String(7700000000 + i), kpp: '770101001', inn_kpp_key: `${7700000000 + i}/770101001`, ogrn: '1027700132195', name_short: `ООО "ОПТ ${i}"`, name_full: '',
          legal_form: 'ООО', director_name: '', director_post: '', legal_address: 'г Москва', postal_address: '', docs_email: 'opt@bench.local', docs_phone: '', edo_enabled: false,
          edo_operator: null, edo_participant_id: null, requisites_checked: true, requisites_note: '', registry_status: 'ACTIVE',
        },
        now,
      )
      await db('companies').where({ id: companyId }).update({ status: 'verified' })
      await companiesStore.insertMember(db, companyId, userId, 'owner', now)
      companies.push(companyId)
    }
    for (const id of companies) await c.b24Sync.ensureCompany(memberId, id)

    for (let k = 0; k < ORDERS; k += 250) {
      await db.transaction(async (trx) => {
        for (let n = k; n < Math.min(ORDERS, k + 250); n++) {
          const lines = Array.from({ length: LINES }, (_v, j) => ({
            product_id: null, sku: `SKU-${j}`, name: `Товар ${j}`, unit: 'кг', packaging_id: null, packaging_name: '', packaging_factor_milli: 1000,
            qty_milli: (1 + ((n + j) % 9)) * 1000, unit_kopecks: 10_000 + j * 100, line_kopecks: (10_000 + j * 100) * (1 + ((n + j) % 9)), vat_rate: '22', vat_kopecks: 0,
            rule_label: '', warehouse_id: null, source_cart_id: null, source_cart_name: '', cart_type_id: null, comment: '', sort: j,
          }))
          const order = await ordersStore.insertOrder(
            trx,
            { company_id: companies[n % COMPANIES]!, status: 'pending', point_id: null, point_text: '', client_ref: '', comment: '', total_kopecks: lines.reduce((x, l) => x + l.line_kopecks, 0), vat_kopecks: 0, created_by: null, source: 'web' },
            orderNumber,
            now,
          )
          await ordersStore.insertLines(trx, order.id, lines)
          await enqueuePlaced(trx, order, lines, [], { kind: 'buyer', userId: null }, now)
        }
      })
    }

    // Start from an empty bucket: what follows runs at the limit's steady rate.
    const rate = { ratePerSec: c.config.b24.ratePerSec, burst: c.config.b24.burst }
    while ((await c.rateLimiter.tryAcquire(rateKey(memberId), rate)).ok) {
      // take every saved-up token
    }
    const stats = c.b24Sandbox!.stats
    const requests0 = stats.requests
    const methods0 = { ...stats.methods }
    const t0 = performance.now()
    for (;;) {
      const r = await c.dispatcher.drainOnce(200)
      const left = await db('outbox').where({ topic: ORDER_PLACED }).whereIn('status', ['pending', 'sending']).count({ n: '*' }).first()
      if (Number((left as { n: number | string }).n) === 0) break
      if (r.claimed === 0) await new Promise((res) => setTimeout(res, 50))
    }
    const seconds = (performance.now() - t0) / 1000
    const sent = Number(((await db('outbox').where({ topic: ORDER_PLACED, status: 'sent' }).count({ n: '*' }).first()) as { n: number | string }).n)
    const deals = Number(((await db('sandbox_b24_deals').count({ n: '*' }).first()) as { n: number | string }).n)
    const requests = stats.requests - requests0
    const commands = Object.entries(stats.methods).reduce((x, [m, n]) => x + n - (methods0[m] ?? 0), 0)
    const perEntity = commands / ORDERS
    const allowed = (rate.ratePerSec * 50) / 2
    const entitiesPerS = sent / seconds
    process.stdout.write(
      JSON.stringify({
        bench: 'outbox',
        case: 'order.placed → crm.deal.add + productrows.set',
        engine,
        orders: ORDERS,
        sent,
        deals,
        seconds: Number(seconds.toFixed(2)),
        entities_per_s: Number(entitiesPerS.toFixed(2)),
        requests,
        requests_per_s: Number((requests / seconds).toFixed(3)),
        limit_requests_per_s: rate.ratePerSec,
        commands_per_entity: Number(perEntity.toFixed(2)),
        commands_per_request: Number((commands / Math.max(1, requests)).toFixed(1)),
        allowed_entities_per_s: allowed,
        share_of_allowed: Number((entitiesPerS / allowed).toFixed(3)),
      }) + '\n',
    )
  } finally {
    await s.close()
  }
}
