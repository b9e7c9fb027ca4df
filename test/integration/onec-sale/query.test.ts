import { expect } from 'chai'
import iconv from 'iconv-lite'
import { manualClock, startApp, type TestApp } from '../../support/app.js'
import { dropCartTypes } from '../carts/helpers.js'
import { orderingBuyer, placeOrder, stocked, warehouse } from '../orders/helpers.js'
import { parseSaleBuffer } from '../../../server/integrations/onec/sale-parse.js'
import { newSession, numbersIn, saleService } from './helpers.js'

const staff = { kind: 'staff' as const, userId: null }

describe('1C sale: mode=query and mode=success', () => {
  let app: TestApp
  const clock = manualClock()
  before(async () => {
    app = await startApp({ clock })
  })
  after(async () => {
    await dropCartTypes(app)
    await app.close()
  })

  async function order(o: { externalId?: string } = {}) {
    const b = await orderingBuyer(app)
    const w = await warehouse(app)
    const a = await stocked(app, { warehouseId: w, onHand: 100, price: 162_000, name: 'Кофе зерновой Эфиопия Иргачеффе' })
    if (o.externalId) await app.c.db('products').where({ id: a.id }).update({ external_id: o.externalId })
    clock.advance(1000)
    return { order: await placeOrder(app, b, [{ p: a, qty: 3 }], w, { comment: 'Доставка до 12:00' }), buyer: b, product: a }
  }

  it('sends new orders in windows-1251 with 1C’s product Ид; success marks them exported; the next query is empty', async () => {
    const sale = saleService(app)
    const guid = `c5b1e6f0-${Date.now()}-a1b2`
    const { order: o, buyer: b, product } = await order({ externalId: guid })
    const s1 = newSession()
    const q1 = await sale.query(s1)
    expect(q1.contentType).to.equal('application/xml; charset=windows-1251')
    expect(q1.body.subarray(0, 45).toString('latin1')).to.equal('<?xml version="1.0" encoding="windows-1251"?>')
    const text = iconv.decode(q1.body, 'win1251')
    const mine = parseSaleBuffer(q1.body).find((d) => d.number === o.number)!
    expect(mine).to.deep.include({ id: o.number, operation: 'Заказ товара', sum: '4860.00' })
    expect(mine.requisites['Статус заказа']).to.equal('Принят')
    expect(mine.requisites['Комментарий покупателя']).to.equal('Доставка до 12:00')
    expect(text).to.include(`<Ид>${guid}</Ид>`)
    expect(text).to.include(`<Артикул>${product.sku}</Артикул>`)
    expect(text).to.include(`<ИНН>${b.company.inn}</ИНН>`)
    // Nothing is marked before success: the same orders come again.
    expect(numbersIn((await sale.query(newSession())).body)).to.include(o.number)
    await sale.success(s1)
    const q2 = await sale.query(newSession())
    expect(parseSaleBuffer(q2.body)).to.have.length(0)
    const row = await app.c.db('onec_sale_orders').where({ order_id: o.id }).first()
    // The version is the order's last event made on our side (here: its placing), not a timestamp.
    const placedEvent = await app.c.db('order_events').where({ order_id: o.id, kind: 'placed' }).first('id')
    expect(Number(row.exported_version)).to.equal(Number(placedEvent.id))
  })

  it('re-sends an order changed after its export, with its new state; success of an older session never moves a version back', async () => {
    const sale = saleService(app)
    const { order: o } = await order()
    const s1 = newSession()
    expect(numbersIn((await sale.query(s1)).body)).to.include(o.number)
    await sale.success(s1)
    clock.advance(1000)
    await app.c.orders.transition(o.id, 'awaiting_payment', staff, 'счёт выставлен')
    const s2 = newSession()
    const q = await sale.query(s2)
    const docs = parseSaleBuffer(q.body)
    expect(docs.map((d) => d.number)).to.deep.equal([o.number])
    expect(docs[0]!.requisites['Статус заказа']).to.equal('Ожидает оплаты')
    await sale.success(s2)
    await sale.success(s1)
    expect(numbersIn((await sale.query(newSession())).body)).to.deep.equal([])
  })

  it('does not send an order cancelled before 1C ever saw it, and does send a cancellation of an exported one', async () => {
    const sale = saleService(app)
    const a = await order()
    const b = await order()
    const s1 = newSession()
    await sale.query(s1)
    await sale.success(s1)
    clock.advance(1000)
    await app.c.orders.transition(a.order.id, 'cancelled', staff, 'клиент передумал')
    const c = await order()
    clock.advance(1000)
    await app.c.orders.transition(c.order.id, 'cancelled', staff, 'дубль')
    const docs = parseSaleBuffer((await sale.query(newSession())).body)
    expect(docs.map((d) => d.number)).to.deep.equal([a.order.number])
    expect(docs[0]!.requisites['Отменен']).to.equal('true')
    expect(docs.map((d) => d.number)).not.to.include(b.order.number)
  })

  it('answers UTF-8 with a BOM when ONEC_SALE_ENCODING=utf-8', async () => {
    const sale = saleService(app, { encoding: 'utf-8' })
    const { order: o } = await order()
    const q = await sale.query(newSession())
    expect(q.contentType).to.equal('application/xml; charset=utf-8')
    expect([...q.body.subarray(0, 3)]).to.deep.equal([0xef, 0xbb, 0xbf])
    expect(q.body.toString('utf8')).to.include('<ХозОперация>Заказ товара</ХозОперация>')
    expect(numbersIn(q.body)).to.include(o.number)
  })
})
