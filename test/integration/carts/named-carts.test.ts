import { expect } from 'chai'
import request from 'supertest'
import { startApp, type TestApp } from '../../support/app.js'
import { buyer, createCompany, createProduct, createUser } from '../../support/factories.js'
import { cart, cartIdOf, cartType, cartsOf, category, dropCartTypes, line, linesOf, point } from './helpers.js'

const NBSP = '\u00a0'

describe('named carts', () => {
  let app: TestApp
  before(async () => {
    app = await startApp()
  })
  after(async () => {
    await dropCartTypes(app)
    await app.close()
  })

  it('creates a named cart of a type; a bad form comes back with Russian messages and everything typed', async () => {
    const b = await buyer(app)
    const type = await cartType(app)
    const long = 'Кафе «Ромашка» '.repeat(20)
    const bad = await b.browser.post('/carts', { name: '  ', cart_type_id: String(type.id), client_ref: long, payer_company_id: 'abc', point_id: '' })
    expect(bad.status).to.equal(422)
    expect(bad.text).to.contain('Назовите корзину')
    expect(bad.text).to.contain('Не длиннее 200 символов')
    expect(bad.text).to.contain('Выберите плательщика из списка')
    expect(bad.text).to.contain('Кафе «Ромашка» Кафе «Ромашка»')
    expect(await cartsOf(app, b.company.id)).to.have.length(0)

    const other = await b.browser.post('/carts', { name: 'Кафе', cart_type_id: '999999999' })
    expect(other.status).to.equal(422)
    expect(other.text).to.contain('Выберите тип корзины из списка')

    const ok = await b.browser.post('/carts', { name: 'Кафе на Ленина', cart_type_id: String(type.id), client_ref: 'Ромашка, заказ 15' })
    expect(ok.status).to.equal(303)
    const id = cartIdOf(ok.headers.location)
    const [row] = await cartsOf(app, b.company.id)
    expect([row.id, row.name, Number(row.cart_type_id), row.client_ref]).to.deep.equal([id, 'Кафе на Ленина', type.id, 'Ромашка, заказ 15'])
    const page = await b.browser.get(`/carts/${id}`)
    expect(page.status).to.equal(200)
    expect(page.text).to.contain('Корзина «Кафе на Ленина» создана')
    expect(page.text).to.contain('Ромашка, заказ 15')
    expect(page.text).to.contain(type.name)
  })

  it('takes a payer only among the person’s companies where they may order, and a point only of the company', async () => {
    const b = await buyer(app)
    const id = await cart(app, b.company.id, { name: 'Для клиента' })
    const ip = await createCompany(app, b.user.id, { kind: 'ip', role: 'buyer', name: 'ИП Плательщик Тест' })
    const watched = await createCompany(app, b.user.id, { role: 'viewer', name: 'ООО "ТОЛЬКО СМОТРЮ"' })
    const stranger = await createCompany(app, (await createUser(app)).id)
    const blocked = await createCompany(app, b.user.id, { role: 'owner', status: 'blocked', name: 'ООО "ЗАБЛОКИРОВАНО"' })
    const mine = await point(app, b.company.id, 'Склад на Ленина')
    const theirs = await point(app, stranger.id, 'Чужая точка')
    const settings = (payer: number | string, pointId: number | string) =>
      b.browser.post(`/carts/${id}/settings`, { name: 'Для клиента', client_ref: 'Ромашка', payer_company_id: String(payer), point_id: String(pointId) })

    const viewer = await settings(watched.id, '')
    expect(viewer.status).to.equal(422)
    expect(viewer.text).to.contain('ваша роль не позволяет оформлять заказы')
    expect(viewer.text).to.contain('value="Ромашка"')
    expect((await settings(stranger.id, '')).text).to.contain('Выберите плательщика из своих компаний')
    expect((await settings(blocked.id, '')).text).to.contain('заблокирована поставщиком')
    expect((await settings('', theirs)).text).to.contain('Выберите точку доставки из списка точек компании')
    expect((await cartsOf(app, b.company.id))[0].client_ref).to.equal('')

    const ok = await settings(ip.id, mine)
    expect(ok.status).to.equal(303)
    const [row] = await cartsOf(app, b.company.id)
    expect([Number(row.payer_company_id), Number(row.point_id), row.client_ref]).to.deep.equal([ip.id, mine, 'Ромашка'])
    const page = await b.browser.get(`/carts/${id}`)
    expect(page.text).to.contain('ИП Плательщик Тест')
    expect(page.text).to.contain('Склад на Ленина')
    // The payer list offers the person's companies where they may order, and no other.
    const payers = /<select name="payer_company_id">[\s\S]*?<\/select>/.exec(page.text)![0]
    expect(payers).to.contain('ИП Плательщик Тест')
    expect(payers).not.to.contain('ТОЛЬКО СМОТРЮ')
    expect(payers).not.to.contain('ЗАБЛОКИРОВАНО')
  })

  it('renames, copies with every line, clears and deletes a cart', async () => {
    const b = await buyer(app)
    const p = await createProduct(app, { unit: 'кг', factor: 30 })
    const q = await createProduct(app)
    const id = await cart(app, b.company.id, { name: 'Март' })
    await line(app, id, p.id, p.packagingId, 60, 'к пятнице')
    await line(app, id, q.id, q.packagingId, 5)

    expect((await b.browser.post(`/carts/${id}/settings`, { name: 'Март, кафе', client_ref: '', payer_company_id: '', point_id: '' })).status).to.equal(303)
    const copy = await b.browser.post(`/carts/${id}/copy`)
    expect(copy.status).to.equal(303)
    const copyId = cartIdOf(copy.headers.location)
    expect((await cartsOf(app, b.company.id)).map((c: { name: string }) => c.name)).to.deep.equal(['Март, кафе', 'Март, кафе (копия)'])
    expect(await linesOf(app, copyId)).to.deep.equal(await linesOf(app, id))
    expect(cartIdOf((await b.browser.post(`/carts/${id}/copy`)).headers.location)).to.be.a('number')
    expect((await cartsOf(app, b.company.id)).map((c: { name: string }) => c.name)).to.include('Март, кафе (копия 2)')

    expect((await b.browser.post(`/carts/${id}/clear`)).status).to.equal(303)
    expect(await linesOf(app, id)).to.deep.equal([])
    expect(await linesOf(app, copyId)).to.have.length(2)

    const del = await b.browser.post(`/carts/${copyId}/delete`)
    expect(del.headers.location).to.equal('/cart')
    expect(await app.c.db('carts').where({ id: copyId }).first()).to.equal(undefined)
    expect(await app.c.db('cart_lines').where({ cart_id: copyId })).to.have.length(0)
    expect((await b.browser.get('/cart')).text).to.contain('Корзина «Март, кафе (копия)» удалена')
  })

  it('adds from the catalog to the current cart by default, to a chosen cart, or to a new cart of a type', async () => {
    const b = await buyer(app)
    const type = await cartType(app, { name: `Мешками ${Date.now()}` })
    const p = await createProduct(app, { unit: 'кг', factor: 10 })
    const a = await cart(app, b.company.id, { name: 'Первая', usedAt: 1_000 })
    const c2 = await cart(app, b.company.id, { name: 'Вторая', usedAt: 2_000 })
    const add = (extra: Record<string, string> = {}) => b.browser.post('/cart/add', { [`qty[${p.id}]`]: '1', [`pack[${p.id}]`]: String(p.packagingId), ...extra })

    // The current cart is the one used last: «Вторая». Opening «Первая» makes it current.
    await add()
    expect(await linesOf(app, c2)).to.deep.equal([[p.id, 10, '']])
    const catalog = await b.browser.get('/catalog')
    expect(catalog.text).to.match(new RegExp(`<option value="${c2}" selected>Вторая`))
    await b.browser.get(`/carts/${a}`)
    expect((await b.browser.get('/catalog')).text).to.match(new RegExp(`<option value="${a}" selected>Первая`))
    await add()
    expect(await linesOf(app, a)).to.deep.equal([[p.id, 10, '']])

    await add({ cart_id: String(c2) })
    expect(await linesOf(app, c2)).to.deep.equal([[p.id, 20, '']])
    const res = await add({ cart_id: `new:${type.id}` })
    expect(res.status).to.equal(303)
    const made = (await cartsOf(app, b.company.id)).at(-1)
    expect([made.name, Number(made.cart_type_id)]).to.deep.equal([type.name, type.id])
    expect(await linesOf(app, made.id)).to.deep.equal([[p.id, 10, '']])
    expect((await b.browser.get('/cart')).text).to.contain(`Добавлено в корзину «${type.name}»: 1 позиция`)

    // Another company's cart is not a target: 404 and nothing changes.
    const stranger = await buyer(app)
    const theirs = await cart(app, stranger.company.id)
    expect((await add({ cart_id: String(theirs) })).status).to.equal(404)
    expect(await linesOf(app, theirs)).to.deep.equal([])
  })

  it('shows lines grouped by top-level category with subtotals, the rule that gave each price and the next tier', async () => {
    const b = await buyer(app)
    const coffee = await category(app, 'Кофе', null, -2)
    const roasted = await category(app, 'Обжарка', coffee)
    const tea = await category(app, 'Чай', null, -1)
    const beans = await createProduct(app, { unit: 'кг', factor: 1, price: 150_000, categoryId: roasted, name: 'Кофе Эфиопия Иргачеффе' })
    const blend = await createProduct(app, { unit: 'кг', factor: 1, price: 100_000, categoryId: coffee, name: 'Эспрессо-смесь' })
    const puer = await createProduct(app, { unit: 'шт', factor: 1, price: 33_300, categoryId: tea, name: 'Пуэр блин' })
    const tier = await app.c.db('price_types').insert({ code: `tier-${Date.now()}`, name: 'Кофе от 10 кг', is_default: false })
    await app.c.db('prices').insert({ price_type_id: tier[0], product_id: beans.id, kopecks: 140_000, updated_at: 1 })
    await app.c.db('pricing_rules').insert({ name: 'Кофе мешками', kind: 'qty_tier', product_id: beans.id, threshold: 10_000, unit: '', price_type_id: tier[0], discount_bp: 0, is_active: true, created_at: 1, updated_at: 1 })
    const id = await cart(app, b.company.id)
    await line(app, id, beans.id, beans.packagingId, 4)
    await line(app, id, puer.id, puer.packagingId, 3)
    await line(app, id, blend.id, blend.packagingId, 2)

    const page = await b.browser.get(`/carts/${id}`)
    const text = page.text.replace(/[ \n]+/g, ' ').slice(page.text.replace(/[ \n]+/g, ' ').indexOf('cart-lines'))
    const coffeeAt = text.indexOf('>Кофе ')
    const teaAt = text.indexOf('>Чай ')
    expect(coffeeAt).to.be.greaterThan(0)
    expect(teaAt).to.be.greaterThan(coffeeAt)
    // Кофе: 4 кг × 1 500 ₽ + 2 кг × 1 000 ₽ = 8 000 ₽; Чай: 3 × 333 ₽ = 999 ₽.
    expect(text).to.contain(`8${NBSP}000${NBSP}₽`)
    expect(text).to.contain(`999${NBSP}₽`)
    expect(text).to.contain(`8${NBSP}999${NBSP}₽`)
    expect(text).to.contain('2 позиции')
    expect(text).to.contain(`ещё 6 кг — и цена 1${NBSP}400${NBSP}₽/кг, экономия 1${NBSP}000${NBSP}₽`)
    // The base price's label names the supplier's default price type (whatever other tests have made it by now).
    const def = await app.c.db('price_types').where({ is_default: true }).first('name')
    expect(text).to.contain(def.name)
  })

  it('saves quantities and comments together; one typo saves nothing and keeps everything typed', async () => {
    const b = await buyer(app)
    const bag = await createProduct(app, { unit: 'кг', factor: 30 })
    const cups = await createProduct(app, { unit: 'шт', factor: 1, min: 12, step: 12 })
    const id = await cart(app, b.company.id)
    const l1 = await line(app, id, bag.id, bag.packagingId, 30)
    const l2 = await line(app, id, cups.id, cups.packagingId, 12)

    const bad = await b.browser.post(`/carts/${id}/lines`, { [`qty[${l1}]`]: '3', [`comment[${l1}]`]: 'помол под эспрессо', [`qty[${l2}]`]: 'два', [`comment[${l2}]`]: 'к пятнице', action: 'save' })
    expect(bad.status).to.equal(422)
    expect(bad.text).to.contain('вы ввели «два»')
    expect(bad.text).to.contain('ничего не сохранено')
    expect(bad.text).to.contain('value="помол под эспрессо"')
    expect(bad.text).to.contain('value="к пятнице"')
    expect(bad.text).to.contain('value="3"')
    expect(bad.text).to.contain('value="два"')
    expect(await linesOf(app, id)).to.deep.equal([[bag.id, 30, ''], [cups.id, 12, '']])

    const long = await b.browser.post(`/carts/${id}/lines`, { [`qty[${l1}]`]: '1', [`comment[${l1}]`]: 'я'.repeat(501) })
    expect(long.status).to.equal(422)
    expect(long.text).to.contain('Комментарий не длиннее 500 символов')

    const ok = await b.browser.post(`/carts/${id}/lines`, { [`qty[${l1}]`]: '3', [`comment[${l1}]`]: 'помол под эспрессо', [`qty[${l2}]`]: '20', [`comment[${l2}]`]: 'к пятнице', action: 'save' })
    expect(ok.status).to.equal(303)
    expect(ok.headers.location).to.equal(`/carts/${id}`)
    expect(await linesOf(app, id)).to.deep.equal([[bag.id, 90, 'помол под эспрессо'], [cups.id, 24, 'к пятнице']])
    const page = await b.browser.get(`/carts/${id}`)
    expect(page.text).to.contain('Количество изменено на 24 шт: кратность 12 шт')

    // Enter in a field presses the first button, which saves; «✕» saves what was typed too, then removes its line.
    await b.browser.post(`/carts/${id}/lines`, { [`qty[${l1}]`]: '2', [`comment[${l1}]`]: 'помол под эспрессо', remove: String(l2) })
    expect(await linesOf(app, id)).to.deep.equal([[bag.id, 60, 'помол под эспрессо']])
    await b.browser.post(`/carts/${id}/lines`, { [`qty[${l1}]`]: '0', action: 'save' })
    expect(await linesOf(app, id)).to.deep.equal([])
  })

  it('saves a long cart: 150 lines are 450 fields, past the app-wide form limit', async () => {
    const b = await buyer(app)
    const id = await cart(app, b.company.id)
    const fields: Record<string, string | string[]> = { action: 'save', sel: [] }
    const ids: number[] = []
    for (let i = 0; i < 150; i++) {
      const p = await createProduct(app)
      const l = await line(app, id, p.id, p.packagingId, 1)
      ids.push(l)
      fields[`qty[${l}]`] = '2'
      fields[`comment[${l}]`] = `строка ${i + 1}`
      ;(fields.sel as string[]).push(String(l))
    }
    const res = await b.browser.post(`/carts/${id}/lines`, fields)
    expect(res.status).to.equal(303)
    const rows = await linesOf(app, id)
    expect(rows).to.have.length(150)
    expect(rows.every(([, qty]) => qty === 2)).to.equal(true)
    expect(rows[149]![2]).to.equal('строка 150')
  })

  it('moves and copies ticked lines to another cart; a packaging the target type does not sell stays with the reason', async () => {
    const b = await buyer(app)
    const bags = await cartType(app, { packagings: ['мешок 30 кг'] })
    const bag = await createProduct(app, { unit: 'кг', factor: 30 })
    const cup = await createProduct(app, { unit: 'шт', factor: 1 })
    const from = await cart(app, b.company.id, { name: 'Откуда' })
    const to = await cart(app, b.company.id, { name: 'Мешки', typeId: bags.id })
    const l1 = await line(app, from, bag.id, bag.packagingId, 60, 'первый')
    const l2 = await line(app, from, cup.id, cup.packagingId, 5)
    await line(app, to, bag.id, bag.packagingId, 30, 'уже был')

    const none = await b.browser.post(`/carts/${from}/lines`, { action: 'move', to_cart: String(to) })
    expect(none.status).to.equal(422)
    expect(none.text).to.contain('Отметьте строки, которые нужно перенести или скопировать')
    const noTarget = await b.browser.post(`/carts/${from}/lines`, { action: 'move', sel: [String(l1)], to_cart: '' })
    expect(noTarget.text).to.contain('Выберите корзину, куда перенести строки')
    expect(noTarget.text).to.match(new RegExp(`name="sel" value="${l1}"[^>]*checked`))

    const copy = await b.browser.post(`/carts/${from}/lines`, { action: 'copy', sel: [String(l1)], to_cart: String(to) })
    expect(copy.status).to.equal(303)
    expect(await linesOf(app, to)).to.deep.equal([[bag.id, 90, 'уже был; первый']])
    expect(await linesOf(app, from)).to.have.length(2)

    await b.browser.post(`/carts/${from}/lines`, { action: 'move', sel: [String(l1), String(l2)], to_cart: String(to) })
    expect(await linesOf(app, to)).to.deep.equal([[bag.id, 150, 'уже был; первый']])
    expect(await linesOf(app, from)).to.deep.equal([[cup.id, 5, '']])
    const page = await b.browser.get(`/carts/${from}`)
    expect(page.text).to.contain('Перенесено в корзину «Мешки»: 1 позиция')
    expect(page.text).to.contain(`${cup.sku}: упаковка «упаковка 1 шт» не продаётся в корзине «Мешки»`)

    const stranger = await buyer(app)
    const theirs = await cart(app, stranger.company.id)
    expect((await b.browser.post(`/carts/${from}/lines`, { action: 'move', sel: [String(l2)], to_cart: String(theirs) })).status).to.equal(404)
    expect(await linesOf(app, from)).to.deep.equal([[cup.id, 5, '']])
    expect(await linesOf(app, theirs)).to.deep.equal([])
  })

  it('shows a mini-cart in the header: money per category of the current cart, positions of the others; nothing for anonymous visitors', async () => {
    const b = await buyer(app)
    const empty = await b.browser.get('/company')
    expect(empty.text).to.contain('data-minicart')
    expect(empty.text).to.contain('Корзин пока нет')
    const coffee = await category(app, 'Кофе')
    const tea = await category(app, 'Чай')
    const beans = await createProduct(app, { unit: 'кг', factor: 1, price: 150_000, categoryId: coffee })
    const puer = await createProduct(app, { unit: 'шт', factor: 1, price: 33_300, categoryId: tea })
    const other = await cart(app, b.company.id, { name: 'Прошлая', usedAt: 1 })
    await line(app, other, puer.id, puer.packagingId, 1)
    const current = await cart(app, b.company.id, { name: 'Текущая' })
    await line(app, current, beans.id, beans.packagingId, 2)
    await line(app, current, puer.id, puer.packagingId, 3)

    const page = await b.browser.get('/company')
    const mini = /<details class="minicart"[\s\S]*?<\/details>/.exec(page.text)![0].replace(/[ \n]+/g, ' ')
    expect(mini).to.contain('Текущая')
    expect(mini).to.match(new RegExp(`Кофе [^<]*<span class="muted">1 позиция</span></span><span class="num">3${NBSP}000${NBSP}₽`))
    expect(mini).to.contain(`999${NBSP}₽`)
    expect(mini).to.contain(`3${NBSP}999${NBSP}₽`)
    expect(mini).to.contain('Прошлая')
    expect(mini).not.to.contain(puer.sku)
    expect(mini).not.to.contain(beans.sku)

    const anonymous = await request(app.url).get('/login')
    expect(anonymous.text).not.to.contain('data-minicart')
  })

  it('lets viewers and accountants look at carts but not change them', async () => {
    const owner = await buyer(app)
    const id = await cart(app, owner.company.id, { name: 'Общая' })
    const p = await createProduct(app)
    const l = await line(app, id, p.id, p.packagingId, 2)
    const viewer = await createUser(app)
    await app.c.db('company_members').insert({ company_id: owner.company.id, user_id: viewer.id, role: 'viewer', created_at: Date.now() })
    const { Browser } = await import('../../support/app.js')
    const v = new Browser(app)
    await v.login(viewer.email, viewer.password)
    const page = await v.get(`/carts/${id}`)
    expect(page.status).to.equal(200)
    expect(page.text).to.contain('Общая')
    expect(page.text).not.to.contain(`name="qty[${l}]"`)
    for (const [url, form] of [
      ['/carts', { name: 'Моя' }],
      [`/carts/${id}/settings`, { name: 'x' }],
      [`/carts/${id}/copy`, {}],
      [`/carts/${id}/clear`, {}],
      [`/carts/${id}/delete`, {}],
      [`/carts/${id}/lines`, { [`qty[${l}]`]: '9' }],
    ] as const) {
      expect((await v.post(url, form)).status, url).to.equal(403)
    }
    expect(await linesOf(app, id)).to.deep.equal([[p.id, 2, '']])
    expect(await cartsOf(app, owner.company.id)).to.have.length(1)
  })
})
