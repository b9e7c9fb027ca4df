import { expect } from 'chai'
import { startApp, type TestApp } from '../../support/app.js'
import { createCompany, createUser } from '../../support/factories.js'
import { seededRandom } from '../../../server/shared/random.js'
import { explode } from '../../../server/stock/rules.js'
import { recipesOf } from '../../../server/stock/store.js'
import { cart, dropCartTypes, line } from '../carts/helpers.js'
import { cartType } from '../carts/helpers.js'
import { blend, memberOf, stocked, warehouse } from '../orders/helpers.js'
import type { CheckoutOutcome } from '../../../server/orders/types.js'
import { engineOf } from '../../../server/db/knex.js'

/*
 * reference/reliability-security.md §1.6 on the engine of the run: 200 checkouts at once (Promise.all through the service,
 * so the conditional updates really interleave), each of 20 random lines over 50 products with stock 10, some of them
 * blends sharing components. Nothing may be reserved beyond on hand, no availability may go negative, every refusal must
 * list its short lines, and no deadlock or SQLITE_BUSY may surface.
 */
describe(`stock: 200 concurrent checkouts`, function () {
  this.timeout(300_000)
  let app: TestApp
  before(async () => {
    app = await startApp()
  })
  after(async () => {
    await dropCartTypes(app)
    await app.close()
  })

  it('never reserves beyond on hand, refuses with every short line, surfaces no lock error', async () => {
    const rand = seededRandom(20261127)
    const w = await warehouse(app, 'Склад гонки')
    const stock: { id: number; packagingId: number }[] = []
    for (let i = 0; i < 42; i++) stock.push(await stocked(app, { warehouseId: w, onHand: 10, price: 1_000 + i }))
    // Eight blends over the first ten stock products, so their components are shared between them and with plain lines.
    const blends: { id: number; packagingId: number }[] = []
    for (let i = 0; i < 8; i++) {
      const a = stock[i % 10]!
      const b = stock[(i * 3 + 1) % 10]!
      const parts: [number, number][] = a.id === b.id ? [[a.id, 1.25]] : [[a.id, 0.6], [b.id, 0.4]]
      blends.push(await blend(app, parts, { price: 5_000 }))
    }
    const all = [...stock, ...blends]
    expect(all).to.have.length(50)
    const type = await cartType(app, { warehouseId: w })
    const buyers: { userId: number; companyId: number }[] = []
    for (let i = 0; i < 4; i++) {
      const u = await createUser(app)
      buyers.push({ userId: u.id, companyId: (await createCompany(app, u.id, { status: 'verified' })).id })
    }
    const jobs: { buyer: (typeof buyers)[number]; cartId: number }[] = []
    for (let n = 0; n < 200; n++) {
      const buyer = buyers[n % 4]!
      const cartId = await cart(app, buyer.companyId, { typeId: type.id })
      for (let k = 0; k < 20; k++) {
        const p = all[Math.floor(rand() * all.length)]!
        await line(app, cartId, p.id, p.packagingId, 1 + Math.floor(rand() * 3))
      }
      jobs.push({ buyer, cartId })
    }
    const members = new Map(await Promise.all(buyers.map(async (b) => [b.companyId, await memberOf(app, b.userId, b.companyId)] as const)))

    const started = Date.now()
    const settled = await Promise.allSettled(
      jobs.map((j) =>
        app.c.orders.checkout(members.get(j.buyer.companyId)!, j.buyer.userId, { cartIds: [j.cartId], pointId: '', comment: '', clientRef: '', payers: [], source: 'web' }, { kind: 'buyer', userId: j.buyer.userId }),
      ),
    )
    const elapsed = Date.now() - started
    const errors = settled.filter((s) => s.status === 'rejected').map((s) => String((s as PromiseRejectedResult).reason?.message ?? (s as PromiseRejectedResult).reason))
    expect(errors, errors.slice(0, 3).join('\n')).to.deep.equal([])
    const outcomes = settled.map((s) => (s as PromiseFulfilledResult<CheckoutOutcome>).value)
    const placed = outcomes.filter((o) => o.ok)
    const refused = outcomes.filter((o) => !o.ok)
    expect(placed.length, 'some orders placed').to.be.greaterThan(0)
    expect(refused.length, 'some orders refused').to.be.greaterThan(0)
    for (const o of refused) {
      expect(!o.ok && o.kind, JSON.stringify(o).slice(0, 300)).to.equal('shortage')
      if (o.ok || o.kind !== 'shortage') continue
      expect(o.short.length).to.be.greaterThan(0)
      for (const s of o.short) {
        expect(s.message).to.contain(s.sku)
        expect(s.availableMilli).to.be.at.least(0)
      }
    }

    // Stock: nothing beyond on hand, nothing negative, and the counter equals what the reservation rows hold.
    const ids = all.map((p) => p.id)
    const rows = await app.c.db('stock').where({ warehouse_id: w }).whereIn('product_id', ids)
    const held = new Map<number, number>()
    for (const r of await app.c.db('order_reservations').where({ warehouse_id: w, status: 'active' })) held.set(Number(r.product_id), (held.get(Number(r.product_id)) ?? 0) + Number(r.qty_milli))
    for (const r of rows) {
      const onHand = Number(r.on_hand_milli)
      const reserved = Number(r.reserved_milli)
      expect(reserved, `product ${r.product_id}`).to.be.at.most(onHand)
      expect(reserved).to.be.at.least(0)
      expect(reserved, `product ${r.product_id} counter vs rows`).to.equal(held.get(Number(r.product_id)) ?? 0)
    }
    // Each placed order holds exactly its lines exploded into components; refused carts kept their lines.
    const recipes = await recipesOf(app.c.db, ids)
    for (const o of placed) {
      if (!o.ok) continue
      const lines = await app.c.db('order_lines').where({ order_id: o.order.id }).orderBy('sort')
      const want = explode(lines.map((l: any, key: number) => ({ key, warehouseId: w, productId: Number(l.product_id), qtyMilli: Number(l.qty_milli) })), recipes)
      const sum = (xs: { productId: number; qtyMilli: number }[]) => xs.reduce((m, x) => m.set(x.productId, (m.get(x.productId) ?? 0) + x.qtyMilli), new Map<number, number>())
      const got = await app.c.db('order_reservations').where({ order_id: o.order.id })
      expect([...sum(got.map((g: any) => ({ productId: Number(g.product_id), qtyMilli: Number(g.qty_milli) })))].sort()).to.deep.equal([...sum(want)].sort())
    }
    const left = await app.c.db('cart_lines').whereIn('cart_id', jobs.map((j) => j.cartId)).countDistinct({ n: 'cart_id' })
    expect(Number(left[0]!.n)).to.equal(refused.length)
    // eslint-disable-next-line no-console
    console.log(`      ${engineOf(app.c.db)}: ${placed.length} placed, ${refused.length} refused in ${elapsed} ms`)
  })
})
