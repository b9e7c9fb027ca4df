import { expect } from 'chai'
import { startApp, type TestApp } from '../../support/app.js'
import { dropCartTypes, linesOf } from '../carts/helpers.js'
import { orderingBuyer, placeOrder, setStock, stocked, typedCart, warehouse } from './helpers.js'

describe('repeating an order', () => {
  let app: TestApp
  before(async () => {
    app = await startApp()
  })
  after(async () => {
    await dropCartTypes(app)
    await app.close()
  })

  it('copies the lines into a chosen cart at today’s prices and says which are unavailable or changed', async () => {
    const b = await orderingBuyer(app)
    const w = await warehouse(app)
    const same = await stocked(app, { warehouseId: w, onHand: 100, price: 10_000 })
    const dearer = await stocked(app, { warehouseId: w, onHand: 100, price: 20_000 })
    const vanished = await stocked(app, { warehouseId: w, onHand: 100, price: 5_000 })
    const retired = await stocked(app, { warehouseId: w, onHand: 100, price: 5_000 })
    const bag = await stocked(app, { warehouseId: w, onHand: 100, price: 5_000, factor: 30 })
    const scarce = await stocked(app, { warehouseId: w, onHand: 100, price: 5_000 })
    const order = await placeOrder(app, b, [{ p: same, qty: 2 }, { p: dearer, qty: 3 }, { p: vanished, qty: 1 }, { p: retired, qty: 1 }, { p: bag, qty: 30 }, { p: scarce, qty: 5 }], w)
    // What changed since: a new price, a product deleted from the catalog, one no longer sold, stock sold out.
    await app.c.db('prices').where({ product_id: dearer.id }).update({ kopecks: 21_500 })
    await app.c.db('products').where({ id: vanished.id }).delete()
    await app.c.db('products').where({ id: retired.id }).update({ is_active: false })
    await app.c.orders.cancel((await app.c.companies.forMember(b.user.id, b.company.id))!, b.user.id, order.number)
    await setStock(app, w, scarce.id, 2)
    // The target cart's type sells every packaging but bags.
    const target = await typedCart(app, b.company.id, w, { packagings: [same.packName], name: 'Повтор' })

    const res = await b.browser.post(`/orders/${order.number}/repeat`, { cart_id: String(target.id) })
    expect(res.status).to.equal(303)
    expect(res.headers.location).to.equal(`/carts/${target.id}`)
    const page = await b.browser.get(res.headers.location!)
    expect(page.text).to.contain('В корзину «Повтор» добавлено 3 позиции по сегодняшним ценам')
    expect(page.text).to.contain(`Недоступно: ${vanished.sku}`).and.contain('товара больше нет в каталоге')
    expect(page.text).to.contain(`Недоступно: ${retired.sku}`).and.contain('товар больше не продаётся')
    expect(page.text).to.contain(`${bag.sku}: упаковка «${bag.packName}» не продаётся в корзине типа`)
    expect(page.text).to.contain(`Изменилось: ${dearer.sku}: цена была 200\u00a0₽/кг, сегодня 215\u00a0₽/кг`)
    expect(page.text).to.contain(`Изменилось: ${scarce.sku}: на складе сейчас доступно 2 кг из 5 кг`)
    expect(page.text).not.to.contain(`Изменилось: ${same.sku}`)
    expect((await linesOf(app, target.id)).map(([p, q]) => [p, q])).to.deep.equal([[same.id, 2], [dearer.id, 3], [scarce.id, 5]])
    // The order itself is unchanged, and its page still shows the vanished line from its copy.
    const shown = await b.browser.get(`/orders/${order.number}`)
    expect(shown.text).to.contain(vanished.sku)
    const lines = await app.c.db('order_lines').where({ order_id: order.id })
    expect(lines).to.have.length(6)
    expect(lines.find((l: any) => l.sku === vanished.sku).product_id).to.equal(null)
  })

  it('repeats into a new cart of a type, and a viewer cannot repeat', async () => {
    const b = await orderingBuyer(app)
    const w = await warehouse(app)
    const a = await stocked(app, { warehouseId: w, onHand: 100 })
    const order = await placeOrder(app, b, [{ p: a, qty: 4 }], w)
    const { typeId } = await typedCart(app, b.company.id, w)
    const res = await b.browser.post(`/orders/${order.number}/repeat`, { cart_id: `new:${typeId}` })
    expect(res.status).to.equal(303)
    const cartId = Number(/\/carts\/(\d+)/.exec(res.headers.location!)![1])
    expect(Number((await app.c.db('carts').where({ id: cartId }).first()).cart_type_id)).to.equal(typeId)
    expect(await linesOf(app, cartId)).to.deep.equal([[a.id, 4, '']])
    const viewer = await orderingBuyer(app, 'viewer')
    await app.c.db('company_members').insert({ company_id: b.company.id, user_id: viewer.user.id, role: 'viewer', created_at: Date.now() })
    await viewer.browser.post('/companies/switch', { company_id: String(b.company.id) })
    expect((await viewer.browser.get(`/orders/${order.number}`)).status).to.equal(200)
    expect((await viewer.browser.get(`/orders/${order.number}`)).text).not.to.contain('Повторить заказ')
    expect((await viewer.browser.post(`/orders/${order.number}/repeat`, { cart_id: `new:${typeId}` })).status).to.equal(403)
  })
})
