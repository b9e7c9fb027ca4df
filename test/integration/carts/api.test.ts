import { expect } from 'chai'
import request from 'supertest'
import { startApp, type TestApp } from '../../support/app.js'
import { buyer, createCompany, createProduct, issueApiToken } from '../../support/factories.js'
import { cart, cartType, dropCartTypes, line, linesOf, point, priceType } from './helpers.js'

/** Issues a buyer-API token in the cabinet, as an owner does. */
describe('buyer API: carts', () => {
  let app: TestApp
  before(async () => {
    app = await startApp()
  })
  after(async () => {
    await dropCartTypes(app)
    await app.close()
  })

  const api = (token: string) => ({
    get: (path: string) => request(app.url).get(`/api/v1${path}`).set('Authorization', `Bearer ${token}`),
    post: (path: string, body: object) => request(app.url).post(`/api/v1${path}`).set('Authorization', `Bearer ${token}`).send(body),
  })

  it('lists the token company’s carts and returns one with priced lines under its type’s price type', async () => {
    const b = await buyer(app)
    const p = await createProduct(app, { unit: 'кг', factor: 30, price: 100_000 })
    const transit = await priceType(app, 'Транзит', { [p.id]: 85_000 })
    const type = await cartType(app, { priceTypeId: transit, packagings: ['мешок 30 кг'] })
    const id = await cart(app, b.company.id, { name: 'Контейнер', typeId: type.id })
    await line(app, id, p.id, p.packagingId, 60, 'март')
    await cart(app, b.company.id, { name: 'Пустая' })
    const t = api(await issueApiToken(b))

    const list = await t.get('/carts')
    expect(list.status).to.equal(200)
    expect(list.body.items.map((c: { name: string; positions: number; type: { id: number } | null }) => [c.name, c.positions, c.type?.id ?? null])).to.deep.equal([
      ['Контейнер', 1, type.id],
      ['Пустая', 0, null],
    ])
    const one = await t.get(`/carts/${id}`)
    expect(one.status).to.equal(200)
    expect(one.body).to.include({ id, name: 'Контейнер', total_kopecks: 5_100_000 })
    expect(one.body.price_type).to.deep.include({ id: transit })
    expect(one.body.allowed_packagings).to.deep.equal(['мешок 30 кг'])
    expect(one.body.lines[0]).to.deep.include({ sku: p.sku, qty: 60, unit: 'кг', comment: 'март', unit_price_kopecks: 85_000, line_kopecks: 5_100_000 })
    expect(one.body.lines[0].rule).to.contain('Транзит')
    expect(one.body.lines[0].packaging).to.deep.equal({ id: p.packagingId, name: 'мешок 30 кг', factor: 30 })
  })

  it('creates a cart, checking the payer and the point on the server; errors are 422 with Russian field messages', async () => {
    const b = await buyer(app)
    const ip = await createCompany(app, b.user.id, { kind: 'ip', role: 'buyer' })
    const mine = await point(app, b.company.id)
    const stranger = await buyer(app)
    const theirs = await point(app, stranger.company.id)
    const t = api(await issueApiToken(b))

    const bad = await t.post('/carts', { name: '', payer_company_id: stranger.company.id, point_id: theirs })
    expect(bad.status).to.equal(422)
    expect(bad.body.error.fields).to.include({ payer_company_id: 'Выберите плательщика из своих компаний', point_id: 'Выберите точку доставки из списка точек компании' })
    expect(bad.body.error.fields.name).to.contain('Назовите корзину')

    const ok = await t.post('/carts', { name: 'Кафе «Ромашка»', client_ref: 'заказ 15', payer_company_id: ip.id, point_id: mine })
    expect(ok.status).to.equal(201)
    expect(ok.body).to.include({ name: 'Кафе «Ромашка»', client_ref: 'заказ 15', payer_company_id: ip.id, point_id: mine, total_kopecks: 0 })
    expect(ok.body.lines).to.deep.equal([])
    const row = await app.c.db('carts').where({ id: ok.body.id }).first()
    expect(Number(row.company_id)).to.equal(b.company.id)
  })

  it('adds lines by article or product id with corrections and reasons, line by line', async () => {
    const b = await buyer(app)
    const cups = await createProduct(app, { sku: `ECO-T-${Date.now()}`, unit: 'шт', factor: 1, min: 12, step: 12, price: 900 })
    const bag = await createProduct(app, { unit: 'кг', factor: 30 })
    const id = await cart(app, b.company.id)
    const t = api(await issueApiToken(b))
    const res = await t.post(`/carts/${id}/lines`, {
      lines: [
        { sku: cups.sku.toLowerCase().replace(/-/g, ' '), qty: 20, comment: 'с крышками' },
        { product_id: bag.id, qty: '45,5' },
        { sku: 'НЕТ-ТАКОГО', qty: 1 },
        { sku: cups.sku, qty: 0 },
        { qty: 3 },
      ],
    })
    expect(res.status).to.equal(200)
    expect(res.body.added).to.equal(2)
    expect(res.body.notes).to.deep.equal([`${cups.sku}: Количество изменено на 24 шт: кратность 12 шт`, `${bag.sku}: Количество изменено на 60 кг: кратность 30 кг`])
    expect(res.body.refused).to.deep.equal([
      'Строка 4: qty — положительное число в базовых единицах товара, например 2 или 1.5',
      'Строка 5: укажите sku или product_id',
      'Строка 3: нет товара с артикулом «НЕТ-ТАКОГО»',
    ])
    expect(await linesOf(app, id)).to.deep.equal([[cups.id, 24, 'с крышками'], [bag.id, 60, '']])
    expect(res.body.cart.total_kopecks).to.equal(24 * 900 + 60 * 10_000)
    expect((await t.post(`/carts/${id}/lines`, { lines: [] })).status).to.equal(422)
    expect((await t.post(`/carts/${id}/lines`, {})).body.error.message).to.contain('lines')
  })

  it('answers 404 for another company’s cart, 401 without a token and 403 for a role that cannot order', async () => {
    const a = await buyer(app)
    const v = await buyer(app)
    const p = await createProduct(app)
    const theirs = await cart(app, v.company.id)
    await line(app, theirs, p.id, p.packagingId, 1)
    const t = api(await issueApiToken(a))
    expect((await t.get(`/carts/${theirs}`)).status).to.equal(404)
    const add = await t.post(`/carts/${theirs}/lines`, { lines: [{ product_id: p.id, qty: 5 }] })
    expect(add.status).to.equal(404)
    expect(add.body.error.message).to.equal('Корзина не найдена')
    expect(await linesOf(app, theirs)).to.deep.equal([[p.id, 1, '']])
    expect((await t.get('/carts')).body.items.map((c: { id: number }) => c.id)).not.to.include(theirs)
    expect((await request(app.url).get('/api/v1/carts')).status).to.equal(401)

    // A token acts with its person's current role: demoted to viewer, the person may read carts but not fill them.
    const mine = await cart(app, a.company.id)
    await app.c.db('company_members').where({ company_id: a.company.id, user_id: a.user.id }).update({ role: 'viewer' })
    expect((await t.get(`/carts/${mine}`)).status).to.equal(200)
    expect((await t.post(`/carts/${mine}/lines`, { lines: [{ product_id: p.id, qty: 5 }] })).status).to.equal(403)
    expect((await t.post('/carts', { name: 'x' })).status).to.equal(403)
  })
})
