import path from 'node:path'
import { expect } from 'chai'
import { manualClock, startApp, type TestApp } from '../../support/app.js'
import { tmpRoot } from '../../support/hooks.js'
import { ONEC_ENV, OnecClient } from '../../support/onec.js'
import { dropCartTypes } from '../carts/helpers.js'
import { orderingBuyer, placeOrder, stocked, warehouse } from '../orders/helpers.js'
import { parseSaleBuffer } from '../../../server/integrations/onec/sale-parse.js'
import { convertExportVersions } from '../../../server/db/migrations/013-onec-sale-money.js'
import { documentsXml, type OnecDoc } from './helpers.js'

/*
 * What `mode=query` sends, driven as 1C does: what 1C itself changed is not sent back, a change of ours always is, even in
 * the same millisecond as the query's read, and nothing is sent twice once 1C confirmed it.
 */
describe('1C sale over /1c/exchange: what query sends (1C’s own changes not echoed, exact versions)', () => {
  let app: TestApp
  const clock = manualClock()
  const staff = { kind: 'staff' as const, userId: null }
  before(async () => {
    app = await startApp({ clock, env: { ...ONEC_ENV, ONEC_DIR: path.join(tmpRoot, 'onec-sale-export'), ONEC_ZIP: '0', ONEC_SALE_MAX_ORDERS: '1000000' } })
  })
  after(async () => {
    await dropCartTypes(app)
    await app.close()
  })

  async function placed() {
    const b = await orderingBuyer(app)
    const w = await warehouse(app)
    const p = await stocked(app, { warehouseId: w, onHand: 20, price: 50_000 })
    clock.advance(1000)
    return placeOrder(app, b, [{ p, qty: 2 }], w)
  }

  /** A new exchange session of 1C (checkauth with Basic, then init). */
  async function session() {
    const onec = new OnecClient(app, 'sale')
    expect((await onec.checkauth()).text).to.match(/^success/)
    await onec.init()
    return onec
  }
  /** The documents of one query, by our number. */
  async function query(onec: OnecClient) {
    const q = await onec.query()
    expect(q.status).to.equal(200)
    return new Map(parseSaleBuffer(q.body).map((d) => [d.number, d]))
  }
  /** A whole read-and-confirm round: query, then success. */
  async function round() {
    const onec = await session()
    const docs = await query(onec)
    expect(await onec.success()).to.match(/^success/)
    return docs
  }
  async function send(docs: OnecDoc[]) {
    const onec = await session()
    return onec.sendDocuments(`v8_${Date.now()}_c.xml`, documentsXml(docs))
  }

  it('does not send back what 1C itself set (its number, status and payment); a later change on our side is sent with it', async () => {
    const order = await placed()
    expect((await round()).has(order.number)).to.equal(true)
    expect((await round()).has(order.number)).to.equal(false)
    clock.advance(1000)
    const answer = await send([{ id: `guid-${order.id}`, number: order.number, number1c: 'ЗЛ00-002001', requisites: { 'Статус заказа': 'Согласован', Оплачен: 'true', 'Номер оплаты по 1С': 'ЗЛ00-000990', 'Дата оплаты по 1С': '2026-11-27' } }])
    expect(answer).to.match(/^success/)
    expect((await app.c.db('orders').where({ id: order.id }).first()).status).to.equal('paid')
    clock.advance(1000)
    // 1C's own changes moved the order (and its updated_at), yet 1C already knows all of them: nothing to send.
    expect((await round()).has(order.number)).to.equal(false)
    // A manager moves it on: that is news for 1C, sent with everything 1C set.
    clock.advance(1000)
    await app.c.orders.transition(order.id, 'assembling', staff, 'на склад')
    const docs = await round()
    const doc = docs.get(order.number)!
    expect(doc.requisites['Статус заказа']).to.equal('Собирается')
    expect(doc.requisites['Заказ оплачен']).to.equal('true')
    expect((await round()).has(order.number)).to.equal(false)
  })

  it('a change of ours waiting for export stays waiting when 1C changes the order too', async () => {
    const order = await placed()
    await round()
    clock.advance(1000)
    await app.c.orders.transition(order.id, 'awaiting_payment', staff, 'счёт выставлен')
    clock.advance(1000)
    await send([{ number: order.number, requisites: { 'Статус заказа': 'Оплачен' } }])
    const doc = (await round()).get(order.number)
    expect(doc?.requisites['Статус заказа']).to.equal('Оплачен')
    expect((await round()).has(order.number)).to.equal(false)
  })

  it('a change in the same millisecond as the query’s read is sent next time; a change after the read but before success too', async () => {
    const a = await placed()
    const b = await placed()
    await round()
    clock.advance(1000)
    await app.c.orders.transition(a.id, 'awaiting_payment', staff)
    await app.c.orders.transition(b.id, 'awaiting_payment', staff)
    // The clock stands still: the query reads both, a change lands in the same millisecond, then 1C confirms.
    const onec = await session()
    const read = await query(onec)
    expect([read.has(a.number), read.has(b.number)]).to.deep.equal([true, true])
    const readAt = (await app.c.db('orders').where({ id: a.id }).first()).updated_at
    await app.c.orders.transition(a.id, 'assembling', staff, 'в ту же миллисекунду')
    expect(Number((await app.c.db('orders').where({ id: a.id }).first()).updated_at)).to.equal(Number(readAt))
    expect(await onec.success()).to.match(/^success/)
    const next = await round()
    expect(next.get(a.number)?.requisites['Статус заказа']).to.equal('Собирается')
    // The order that did not change after the read is not sent again.
    expect(next.has(b.number)).to.equal(false)
    expect((await round()).has(a.number)).to.equal(false)
  })

  it('migration 013 turns an exported timestamp into the last event of ours at or before it (a later change stays newer)', async () => {
    const order = await placed()
    await round()
    clock.advance(1000)
    await app.c.orders.transition(order.id, 'awaiting_payment', staff)
    // What 009 stored: the order's updated_at at the export, before the transition above.
    const placedEvent = await app.c.db('order_events').where({ order_id: order.id, kind: 'placed' }).first()
    // Converted inside a transaction that is rolled back: the suite's other orders keep their versions.
    class Rollback extends Error {
      constructor(readonly version: number) {
        super('rollback')
      }
    }
    const converted = await app.c.db
      .transaction(async (trx) => {
        await trx('onec_sale_orders').where({ order_id: order.id }).update({ exported_version: Number(placedEvent.created_at) })
        await convertExportVersions(trx)
        throw new Rollback(Number((await trx('onec_sale_orders').where({ order_id: order.id }).first()).exported_version))
      })
      .catch((e: unknown) => (e instanceof Rollback ? e.version : Promise.reject(e)))
    expect(converted).to.equal(Number(placedEvent.id))
    // The transition after the export has a larger id: it is sent.
    const transition = await app.c.db('order_events').where({ order_id: order.id, kind: 'status' }).first()
    expect(Number(transition.id)).to.be.greaterThan(converted)
  })

  it('without success the same orders come again, in the same session and the next', async () => {
    const order = await placed()
    const onec = await session()
    expect((await query(onec)).has(order.number)).to.equal(true)
    expect((await query(onec)).has(order.number)).to.equal(true)
    expect((await round()).has(order.number)).to.equal(true)
    expect((await round()).has(order.number)).to.equal(false)
  })
})
