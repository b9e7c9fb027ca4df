import { expect } from 'chai'
import { startApp, type TestApp } from '../../support/app.js'
import { buyer, createProduct, staff } from '../../support/factories.js'
import * as catalogStore from '../../../server/catalog/store.js'
import { cart, cartIdOf, cartType, cartsOf, dropCartTypes, line, linesOf, priceType, track } from './helpers.js'

const NBSP = '\u00a0'

describe('cart types', () => {
  let app: TestApp
  before(async () => {
    app = await startApp()
  })
  after(async () => {
    await dropCartTypes(app)
    await app.close()
  })

  it('are configured by staff only; the form checks every field in Russian and keeps what was typed', async () => {
    const b = await buyer(app)
    expect((await b.browser.get('/admin/cart-types')).status).to.equal(404)
    expect((await b.browser.post('/admin/cart-types', { name: 'Взлом' })).status).to.equal(404)

    const s = await staff(app)
    const transitType = await priceType(app, 'Транзит')
    const warehouse = await hiddenWarehouse('transit', 'status')
    await createProduct(app, { unit: 'кг', factor: 60 })
    const page = await s.browser.get('/admin/cart-types')
    expect(page.status).to.equal(200)
    expect(page.text).to.contain('мешок 60 кг')

    const bad = await s.browser.post('/admin/cart-types', { name: '', description: 'Контейнер в пути', price_type_id: '999999999', warehouse_id: 'x', sort: 'первый' })
    expect(bad.status).to.equal(422)
    for (const m of ['Укажите название', 'Выберите тип цен из списка', 'Выберите склад из списка', 'Отметьте упаковки', 'Целое число']) expect(bad.text).to.contain(m)
    expect(bad.text).to.contain('value="Контейнер в пути"')
    expect(bad.text).to.contain('value="первый"')

    const name = `Транзит ${Date.now()}`
    const ok = await s.browser.post('/admin/cart-types', {
      name, description: 'Контейнер в пути', price_type_id: String(transitType), warehouse_id: String(warehouse), sort: '30', is_active: '1',
      packaging_names: ['мешок 60 кг', 'Мешок  60 КГ'], packaging_extra: 'биг-бэг 1 000 кг\n\n',
    })
    expect(ok.status).to.equal(303)
    const row = await app.c.db('cart_types').where({ name }).first()
    track(row.id)
    expect([Number(row.price_type_id), Number(row.warehouse_id), Number(row.sort), JSON.parse(row.packaging_names)]).to.deep.equal([transitType, warehouse, 30, ['мешок 60 кг', 'биг-бэг 1 000 кг']])
    const audit = await app.c.db('audit_log').where({ action: 'cart_type.created', actor_user_id: s.user.id }).first()
    expect(JSON.parse(audit.details)).to.include({ name })

    const edit = await s.browser.post(`/admin/cart-types/${row.id}`, { name, description: '', price_type_id: '', warehouse_id: '', sort: '31', all_packagings: '1' })
    expect(edit.status).to.equal(303)
    const saved = await app.c.db('cart_types').where({ id: row.id }).first()
    expect([saved.price_type_id, saved.warehouse_id, saved.packaging_names, !!saved.is_active]).to.deep.equal([null, null, null, false])
    expect((await s.browser.post('/admin/cart-types/999999999', { name: 'x', sort: '1', all_packagings: '1' })).status).to.equal(404)
  })

  it('price a cart with the type’s own price type; the same product in a cart without a type keeps the company price', async () => {
    const b = await buyer(app)
    const p = await createProduct(app, { unit: 'кг', factor: 1, price: 100_000 })
    const office = await priceType(app, 'Кофе в офис', { [p.id]: 125_000 })
    const type = await cartType(app, { name: `Кофе в офис ${Date.now()}`, priceTypeId: office })
    const typed = await cart(app, b.company.id, { typeId: type.id })
    const plain = await cart(app, b.company.id)
    await line(app, typed, p.id, p.packagingId, 2)
    await line(app, plain, p.id, p.packagingId, 2)

    const page = await b.browser.get(`/carts/${typed}`)
    expect(page.text).to.contain(`1${NBSP}250${NBSP}₽/кг`)
    expect(page.text).to.contain(`2${NBSP}500${NBSP}₽`)
    expect(page.text).to.contain(`(корзина «${type.name}»)`)
    const other = await b.browser.get(`/carts/${plain}`)
    expect(other.text).to.contain(`1${NBSP}000${NBSP}₽/кг`)
  })

  it('sell only their packagings: a chosen packaging outside the list is refused, none chosen takes the first allowed', async () => {
    const b = await buyer(app)
    const bags = await cartType(app, { packagings: ['мешок 30 кг'] })
    const p = await createProduct(app, { unit: 'кг', factor: 1 })
    const bag = Number((await app.c.db('packagings').insert({ product_id: p.id, name: 'Мешок 30 кг', factor_milli: 30_000, min_qty_milli: 0, step_milli: 0, is_default: false, sort: 5 }))[0])
    const id = await cart(app, b.company.id, { typeId: bags.id })

    await b.browser.post('/cart/add', { [`qty[${p.id}]`]: '2', [`pack[${p.id}]`]: String(p.packagingId), cart_id: String(id) })
    expect(await linesOf(app, id)).to.deep.equal([])
    expect((await b.browser.get('/cart')).text).to.contain(`${p.sku}: упаковка «мешок 1 кг» не продаётся в корзине типа «${bags.name}» (можно: «мешок 30 кг»)`)

    const res = await app.c.carts.addLines(await member(b), b.user.id, [{ productId: p.id, packagingId: null, qtyMilli: 45_000 }], { cartId: id })
    expect(res.refused).to.deep.equal([])
    expect(res.notes[0]).to.contain('Количество изменено на 60 кг')
    const row = await app.c.db('cart_lines').where({ cart_id: id }).first()
    expect([Number(row.packaging_id), Number(row.qty_milli)]).to.deep.equal([bag, 60_000])
  })

  it('show the stock of the type’s warehouse on the cart page, as the catalog shows that warehouse', async () => {
    const b = await buyer(app)
    const wh = await hiddenWarehouse('office', 'qty')
    const type = await cartType(app, { warehouseId: wh })
    const p = await createProduct(app, { unit: 'кг', factor: 1 })
    await catalogStore.insertStock(app.c.db, [{ warehouse_id: wh, product_id: p.id, on_hand_milli: 5_000, reserved_milli: 2_000 }], Date.now())
    const id = await cart(app, b.company.id, { typeId: type.id })
    await line(app, id, p.id, p.packagingId, 4)
    const page = await b.browser.get(`/carts/${id}`)
    expect(page.text).to.contain('3 кг — меньше, чем в корзине')
  })

  it('switched off: not offered for new carts, while carts of the type keep working', async () => {
    const b = await buyer(app)
    const type = await cartType(app, { active: false, name: `Старый тип ${Date.now()}` })
    const old = await cart(app, b.company.id, { typeId: type.id, name: 'Старая корзина' })
    const p = await createProduct(app)
    const refused = await b.browser.post('/carts', { name: 'Новая', cart_type_id: String(type.id) })
    expect(refused.status).to.equal(422)
    expect(refused.text).to.contain('Выберите тип корзины из списка')
    expect((await b.browser.post('/cart/add', { [`qty[${p.id}]`]: '1', cart_id: `new:${type.id}` })).status).to.equal(404)
    await b.browser.post('/cart/add', { [`qty[${p.id}]`]: '1', cart_id: String(old) })
    expect(await linesOf(app, old)).to.have.length(1)
    const page = await b.browser.get(`/carts/${old}`)
    expect(page.status).to.equal(200)
    expect(page.text).to.contain('(тип отключён)')
    expect(await cartsOf(app, b.company.id)).to.have.length(1)
  })

  it('open as tabs: a type without carts opens empty with a form for its first cart', async () => {
    const b = await buyer(app)
    const first = await cartType(app, { name: `Вкладка А ${Date.now()}`, sort: 10_001 })
    const second = await cartType(app, { name: `Вкладка Б ${Date.now()}`, sort: 10_002 })
    const a = await cart(app, b.company.id, { typeId: first.id, name: 'Корзина А' })
    const tab = await b.browser.get(`/cart?type=${second.id}`)
    expect(tab.status).to.equal(200)
    expect(tab.text).to.contain(`Корзин типа «${second.name}» пока нет`)
    expect(tab.text).to.match(new RegExp(`<option value="${second.id}" selected`))
    const back = await b.browser.get(`/cart?type=${first.id}`)
    expect(back.text).to.contain('Корзина А')
    expect(back.text).to.contain(`/carts/${a}`)
    const made = await b.browser.post('/carts', { name: 'Корзина Б', cart_type_id: String(second.id) })
    expect(Number((await app.c.db('carts').where({ id: cartIdOf(made.headers.location) }).first()).cart_type_id)).to.equal(second.id)
  })

  /** A warehouse switched off at once, so the catalog tests that share the database never see its column. */
  async function hiddenWarehouse(kind: string, mode: 'qty' | 'status'): Promise<number> {
    const id = await catalogStore.insertWarehouse(app.c.db, { name: `Склад ${kind} ${Date.now()}`, kind, show_mode: mode, low_packagings: 1, sort: 90 })
    await catalogStore.updateWarehouse(app.c.db, id, { is_active: false })
    return id
  }

  /** The member row the service takes, as the session middleware builds it. */
  async function member(b: Awaited<ReturnType<typeof buyer>>) {
    return (await app.c.companies.forMember(b.user.id, b.company.id))!
  }
})
