import { expect } from 'chai'
import { startApp, type TestApp } from '../../support/app.js'
import { buyer, createProduct } from '../../support/factories.js'

describe('the company cart', () => {
  let app: TestApp
  before(async () => {
    app = await startApp()
  })
  after(() => app.close())

  const linesOf = (companyId: number) =>
    app.c.db('cart_lines as l').join('carts as c', 'c.id', 'l.cart_id').where({ 'c.company_id': companyId }).orderBy('l.id').select('l.*')

  it('adds many catalog rows at once in packagings, corrected to minimum and step', async () => {
    const b = await buyer(app, { status: 'verified' })
    const bag = await createProduct(app, { unit: 'кг', factor: 30, price: 95_000 })
    const cups = await createProduct(app, { unit: 'шт', factor: 50, min: 12, step: 12, price: 900 })
    const res = await b.browser.post('/cart/add', {
      [`qty[${bag.id}]`]: '2', [`pack[${bag.id}]`]: String(bag.packagingId),
      [`qty[${cups.id}]`]: '0,1', [`pack[${cups.id}]`]: String(cups.packagingId),
      return_to: '/catalog?q=x',
    })
    expect(res.status).to.equal(303)
    expect(res.headers.location).to.equal('/catalog?q=x')
    const lines = await linesOf(b.company.id)
    expect(lines.map((l: { product_id: number; qty_milli: number }) => [l.product_id, Number(l.qty_milli)])).to.deep.equal([
      [bag.id, 60_000],
      [cups.id, 12_000],
    ])
    const page = await b.browser.get('/cart')
    expect(page.text).to.contain(bag.sku)
    expect(page.text).to.contain('минимальный заказ 12 шт')
    expect(page.text).to.contain('57\u00a0000\u00a0₽') // 60 kg × 950 ₽
    expect(page.text).to.contain('108\u00a0₽') // 12 pcs × 9 ₽
  })

  it('adds to an existing line and changes or removes it from the cart page', async () => {
    const b = await buyer(app)
    const p = await createProduct(app, { unit: 'кг', factor: 10, price: 50_000 })
    const add = { [`qty[${p.id}]`]: '1', [`pack[${p.id}]`]: String(p.packagingId) }
    await b.browser.post('/cart/add', add)
    await b.browser.post('/cart/add', add)
    let [line] = await linesOf(b.company.id)
    expect(Number(line.qty_milli)).to.equal(20_000)
    expect((await b.browser.post(`/cart/lines/${line.id}`, { qty: '3' })).status).to.equal(303)
    ;[line] = await linesOf(b.company.id)
    expect(Number(line.qty_milli)).to.equal(30_000)
    const bad = await b.browser.post(`/cart/lines/${line.id}`, { qty: 'три' })
    expect(bad.status).to.equal(303)
    expect((await b.browser.get('/cart')).text).to.contain('Количество — число')
    expect(Number((await linesOf(b.company.id))[0].qty_milli)).to.equal(30_000)
    await b.browser.post(`/cart/lines/${line.id}/remove`)
    expect(await linesOf(b.company.id)).to.have.length(0)
    expect((await b.browser.get('/cart')).text).to.contain('Корзина пуста')
  })

  it('reports quantities it cannot read and keeps the rest', async () => {
    const b = await buyer(app)
    const p = await createProduct(app)
    const q = await createProduct(app)
    await b.browser.post('/cart/add', { [`qty[${p.id}]`]: 'много', [`qty[${q.id}]`]: '2', [`pack[${q.id}]`]: String(q.packagingId) })
    const page = await b.browser.get('/cart')
    expect(page.text).to.contain('Не понял количество: «много»')
    expect((await linesOf(b.company.id)).map((l: { product_id: number }) => l.product_id)).to.deep.equal([q.id])
  })

  it('refuses a packaging of another product and an inactive product', async () => {
    const b = await buyer(app)
    const p = await createProduct(app)
    const other = await createProduct(app)
    const gone = await createProduct(app)
    await app.c.db('products').where({ id: gone.id }).update({ is_active: false })
    await b.browser.post('/cart/add', { [`qty[${p.id}]`]: '1', [`pack[${p.id}]`]: String(other.packagingId), [`qty[${gone.id}]`]: '1' })
    expect(await linesOf(b.company.id)).to.have.length(0)
    const page = await b.browser.get('/cart')
    expect(page.text).to.contain('такой упаковки у товара нет')
    expect(page.text).to.contain('больше не продаётся')
  })

  it('lets only owners and buyers fill the cart', async () => {
    const p = await createProduct(app)
    for (const role of ['viewer', 'accountant'] as const) {
      const b = await buyer(app, { role })
      expect((await b.browser.post('/cart/add', { [`qty[${p.id}]`]: '1' })).status, role).to.equal(403)
      expect(await linesOf(b.company.id)).to.have.length(0)
    }
  })

  it('prices lines for the company at read time, never from the form', async () => {
    const b = await buyer(app)
    const p = await createProduct(app, { price: 12_345 })
    await b.browser.post('/cart/add', { [`qty[${p.id}]`]: '1', [`pack[${p.id}]`]: String(p.packagingId), [`price[${p.id}]`]: '1' })
    expect((await b.browser.get('/cart')).text).to.contain('123,45\u00a0₽')
    await app.c.db('prices').where({ product_id: p.id }).update({ kopecks: 20_000 })
    expect((await b.browser.get('/cart')).text).to.contain('200\u00a0₽')
  })
})
