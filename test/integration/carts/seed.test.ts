import { expect } from 'chai'
import { startApp, type TestApp } from '../../support/app.js'
import { createCompany, createUser } from '../../support/factories.js'
import { seedCatalog } from '../../../server/db/seeds/catalog.js'
import { seedCarts } from '../../../server/db/seeds/carts.js'
import type { Container } from '../../../server/main.js'
import { point } from './helpers.js'

/*
 * The demo's cart types on the real database, inside a transaction that is rolled back (the shared test database keeps no
 * demo articles and no demo cart types): the four types of a coffee importer, their price types and the farmer's
 * warehouse, two carts of the demo company, and a second run that adds nothing.
 */
describe('carts: the demo seed', function () {
  this.timeout(60_000)
  let app: TestApp
  before(async () => {
    app = await startApp()
  })
  after(() => app.close())

  it('makes the four cart types of a coffee importer and two carts of the demo company, once', async () => {
    class Rollback extends Error {}
    const owner = await createUser(app)
    const ooo = await createCompany(app, owner.id, { status: 'verified' })
    await point(app, ooo.id, 'Кофейня')
    await app.c.db
      .transaction(async (trx) => {
        const c = { ...app.c, db: trx } as Container
        const products = await seedCatalog(c)
        await seedCarts(c, products, { oooId: ooo.id })
        const count = async (t: string) => Number((await trx(t).count({ n: '*' }))[0]!.n)
        const once = [await count('cart_types'), await count('price_types'), await count('prices'), await count('carts'), await count('cart_lines'), await count('warehouses')]

        const types = await trx('cart_types as ct')
          .leftJoin('price_types as pt', 'pt.id', 'ct.price_type_id')
          .leftJoin('warehouses as w', 'w.id', 'ct.warehouse_id')
          .whereIn('ct.name', ['Кофе в офис', 'Со склада мешками', 'Транзит', 'От фермера'])
          .orderBy('ct.sort')
          .select('ct.name', 'pt.code', 'w.kind', 'ct.packaging_names')
        expect(types.map((t: { name: string; code: string | null; kind: string | null }) => [t.name, t.code, t.kind])).to.deep.equal([
          ['Кофе в офис', 'office-roast', null],
          ['Со склада мешками', null, 'main'],
          ['Транзит', 'transit', 'transit'],
          ['От фермера', 'farm-direct', 'farmer'],
        ])
        expect(JSON.parse(types[2].packaging_names)).to.deep.equal(['мешок 60 кг', 'мешок 30 кг'])

        // «Кофе в офис» is the highest price; transit and the farmer's contract are below the list price, for green coffee only.
        const priceOf = async (sku: string, code: string) =>
          Number((await trx('prices as p').join('products as pr', 'pr.id', 'p.product_id').join('price_types as t', 't.id', 'p.price_type_id').where({ 'pr.sku': sku, 't.code': code }).first('p.kopecks'))?.kopecks ?? 0)
        const blend = products.find((p) => p.sku === 'BLD-CLASSIC')!
        expect(await priceOf('BLD-CLASSIC', 'office-roast')).to.equal(Math.round(blend.listKopecks * 1.2))
        const green = products.find((p) => p.sku.startsWith('GRN-'))!
        expect(await priceOf(green.sku, 'transit')).to.equal(Math.round(green.listKopecks * 0.85))
        expect(await priceOf(green.sku, 'office-roast')).to.equal(0)
        const farm = await trx('warehouses').where({ kind: 'farmer' }).first('id')
        expect(Number((await trx('stock').where({ warehouse_id: farm.id }).count({ n: '*' }))[0]!.n)).to.be.greaterThan(10)

        const carts = await trx('carts').where({ company_id: ooo.id }).orderBy('id')
        expect(carts.map((k: { name: string }) => k.name)).to.deep.equal(['Офис на Садовнической', 'Склад: мешки на апрель'])
        expect(carts[0].client_ref).to.contain('Ромашка')
        expect(Number((await trx('cart_lines').where({ cart_id: carts[0].id }).count({ n: '*' }))[0]!.n)).to.equal(6)

        await seedCarts(c, products, { oooId: ooo.id })
        expect([await count('cart_types'), await count('price_types'), await count('prices'), await count('carts'), await count('cart_lines'), await count('warehouses')]).to.deep.equal(once)
        throw new Rollback()
      })
      .catch((e) => {
        if (!(e instanceof Rollback)) throw e
      })
    expect(await app.c.db('cart_types').where({ name: 'От фермера' }).first()).to.equal(undefined)
  })
})
