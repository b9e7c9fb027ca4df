import { expect } from 'chai'
import { startApp, type TestApp } from '../../support/app.js'
import { createCompany } from '../../support/factories.js'
import { dropCartTypes, point } from '../carts/helpers.js'
import { memberOf, orderingBuyer, placeOrder, put, stocked, typedCart, warehouse } from './helpers.js'

/** The order numbers a history page lists, in order. */
function numbers(html: string): string[] {
  return [...html.matchAll(/data-order="(\d+)"/g)].map((m) => m[1]!)
}

describe('order history and the order page', () => {
  let app: TestApp
  before(async () => {
    app = await startApp()
  })
  after(async () => {
    await dropCartTypes(app)
    await app.close()
  })

  it('searches by number, dates, state, article or name, amount, delivery point and payer', async () => {
    const b = await orderingBuyer(app)
    const ip = await createCompany(app, b.user.id, { kind: 'ip', role: 'buyer', status: 'verified', name: 'ИП Историков' })
    const w = await warehouse(app)
    const kenya = await stocked(app, { warehouseId: w, onHand: 100, price: 10_000, name: 'Кофе зелёный Кения Ньери АА' })
    const cups = await stocked(app, { warehouseId: w, onHand: 1000, price: 500, unit: 'шт', name: 'Стакан бумажный 250 мл' })
    const office = await point(app, b.company.id, 'Офис на Тверской')
    const d1 = await placeOrder(app, b, [{ p: kenya, qty: 2 }], w, { pointId: office })
    const d2 = await placeOrder(app, b, [{ p: cups, qty: 100 }], w)
    const c = await typedCart(app, b.company.id, w)
    await put(app, c.id, kenya, 5)
    await put(app, c.id, cups, 10)
    const out = await app.c.orders.checkout(await memberOf(app, b.user.id, b.company.id), b.user.id, { cartIds: [c.id], pointId: '', comment: '', clientRef: '', payers: [{ companyId: ip.id, amountKopecks: null }], source: 'web' }, { kind: 'buyer', userId: b.user.id })
    if (!out.ok) throw new Error('not placed')
    const d3 = out.order
    const day = (s: string) => Date.parse(`${s}T09:00:00Z`)
    await app.c.db('orders').where({ id: d1.id }).update({ created_at: day('2026-03-01') })
    await app.c.db('orders').where({ id: d2.id }).update({ created_at: day('2026-03-15'), status: 'completed' })
    await app.c.db('orders').where({ id: d3.id }).update({ created_at: day('2026-04-02') })
    const other = await orderingBuyer(app)
    await placeOrder(app, other, [{ p: kenya, qty: 1 }], w)

    const list = async (q: string) => numbers((await b.browser.get(`/orders${q}`)).text)
    expect(await list('')).to.deep.equal([d3.number, d2.number, d1.number])
    expect(await list(`?number=${Number(d2.number)}`)).to.deep.equal([d2.number])
    expect(await list('?from=2026-03-10&to=2026-03-31')).to.deep.equal([d2.number])
    expect(await list('?to=2026-03-01')).to.deep.equal([d1.number])
    expect(await list('?status=completed')).to.deep.equal([d2.number])
    expect(await list('?status=open')).to.deep.equal([d3.number, d1.number])
    expect(await list(`?product=${encodeURIComponent(kenya.sku.toLowerCase())}`)).to.deep.equal([d3.number, d1.number])
    expect(await list(`?product=${encodeURIComponent('стакан бумажный')}`)).to.deep.equal([d3.number, d2.number])
    expect(await list('?min=400&max=600')).to.deep.equal([d3.number, d2.number])
    expect(await list(`?point=${office}`)).to.deep.equal([d1.number])
    expect(await list(`?payer=${ip.id}`)).to.deep.equal([d3.number])
    const page = await b.browser.get('/orders?status=open')
    expect(page.text).to.contain('ожидает обработки').and.contain('не оплачено').and.contain('ИП Историков')
    // Nonsense filters are ignored rather than refused, and nothing of another company shows.
    expect(await list('?from=вчера&min=много&status=всякий')).to.deep.equal([d3.number, d2.number, d1.number])
  })

  it('shows an order with lines, invoices, reservations and events, and 404 for another company’s', async () => {
    const b = await orderingBuyer(app)
    const w = await warehouse(app, 'Склад Хранения')
    const a = await stocked(app, { warehouseId: w, onHand: 100, price: 25_050, factor: 2, name: 'Чай Да Хун Пао' })
    const order = await placeOrder(app, b, [{ p: a, qty: 6 }], w, { comment: 'с <b>тегами</b>' })
    const page = await b.browser.get(`/orders/${order.number}`)
    expect(page.status).to.equal(200)
    expect(page.text).to.contain('Чай Да Хун Пао').and.contain('1\u00a0503\u00a0₽').and.contain('Склад Хранения').and.contain('в резерве')
    expect(page.text).to.contain('Заказ оформлен').and.contain('покупатель')
    expect(page.text).to.contain('с &lt;b&gt;тегами&lt;/b&gt;')
    // The number works with or without leading zeros.
    expect((await b.browser.get(`/orders/${Number(order.number)}`)).status).to.equal(200)
    const other = await orderingBuyer(app)
    expect((await other.browser.get(`/orders/${order.number}`)).status).to.equal(404)
    expect((await other.browser.get('/orders/abc')).status).to.equal(404)
  })
})
