import { expect } from 'chai'
import { startApp, type TestApp } from '../../support/app.js'
import { createCompany, createProduct } from '../../support/factories.js'
import { cart, dropCartTypes, linesOf, point, priceType } from '../carts/helpers.js'
import { blend, numberOf, orderRow, orderingBuyer, outboxOf, put, stockAt, stocked, typedCart, warehouse } from './helpers.js'

describe('checkout', () => {
  let app: TestApp
  before(async () => {
    app = await startApp({ env: { ORDER_MIN_SUM_RUB: '500' } })
  })
  after(async () => {
    await dropCartTypes(app)
    await app.close()
  })

  it('places one cart as an order: server prices, reservation, invoice, event, outbox row, the cart emptied', async () => {
    const b = await orderingBuyer(app)
    const w = await warehouse(app)
    const a = await stocked(app, { warehouseId: w, onHand: 100, price: 12_345, factor: 5 })
    const c = await typedCart(app, b.company.id, w)
    await put(app, c.id, a, 15, 'к пятнице')
    const pt = await point(app, b.company.id, 'Кофейня на Ленина')

    const page = await b.browser.get(`/checkout?cart_id=${c.id}`)
    expect(page.status).to.equal(200)
    expect(page.text).to.contain(a.sku).and.contain('1\u00a0851,75\u00a0₽')

    const res = await b.browser.post('/checkout', { action: 'place', cart_id: String(c.id), point_id: String(pt), comment: 'Звонить за час', client_ref: 'Ромашка' })
    expect(res.status, res.text).to.equal(303)
    const number = numberOf(res.headers.location)
    const order = await orderRow(app, number)
    expect([order.status, Number(order.total_kopecks), order.comment, order.client_ref, Number(order.point_id)]).to.deep.equal(['pending', 185_175, 'Звонить за час', 'Ромашка', pt])
    expect(order.point_text).to.contain('Кофейня на Ленина')
    // VAT 22 % inside the price, rounded once per line.
    expect(Number(order.vat_kopecks)).to.equal(Math.round((185_175 * 22) / 122))
    const lines = await app.c.db('order_lines').where({ order_id: order.id })
    expect(lines.map((l: any) => [l.sku, Number(l.qty_milli), Number(l.unit_kopecks), Number(l.line_kopecks), Number(l.warehouse_id), l.comment])).to.deep.equal([[a.sku, 15_000, 12_345, 185_175, w, 'к пятнице']])
    const reservations = await app.c.db('order_reservations').where({ order_id: order.id })
    expect(reservations.map((r: any) => [Number(r.product_id), Number(r.warehouse_id), Number(r.qty_milli), r.status])).to.deep.equal([[a.id, w, 15_000, 'active']])
    expect(await stockAt(app, w, a.id)).to.deep.equal({ onHand: 100, reserved: 15 })
    const invoices = await app.c.db('order_invoices').where({ order_id: order.id })
    expect(invoices.map((i: any) => [Number(i.payer_company_id), Number(i.amount_kopecks), Number(i.paid_kopecks)])).to.deep.equal([[b.company.id, 185_175, 0]])
    const events = await app.c.db('order_events').where({ order_id: order.id })
    expect(events.map((e: any) => [e.kind, e.to_status, e.actor_kind, Number(e.actor_user_id)])).to.deep.equal([['placed', 'pending', 'buyer', b.user.id]])
    const outbox = await outboxOf(app, order.id)
    expect(outbox.map((o: any) => [o.topic, o.status])).to.deep.equal([['order.placed', 'pending']])
    const payload = JSON.parse(outbox[0].payload)
    expect(payload.order.number).to.equal(number)
    expect(payload.lines[0]).to.include({ sku: a.sku, qty_milli: 15_000, line_kopecks: 185_175 })
    expect(payload.invoices).to.deep.equal([{ payer_company_id: b.company.id, amount_kopecks: 185_175 }])
    expect(await linesOf(app, c.id)).to.deep.equal([])

    const shown = await b.browser.get(res.headers.location!)
    expect(shown.text).to.contain(`Заказ № ${number}`).and.contain('ожидает обработки').and.contain('не оплачено').and.contain('1\u00a0851,75\u00a0₽')
    expect(shown.text).to.contain('в резерве')
  })

  it('never trusts prices from the browser and uses the cart type’s price type', async () => {
    const b = await orderingBuyer(app)
    const w = await warehouse(app)
    const a = await stocked(app, { warehouseId: w, onHand: 10, price: 10_000 })
    const special = await priceType(app, 'Транзит', { [a.id]: 7_000 })
    const c = await typedCart(app, b.company.id, w, { priceTypeId: special })
    await put(app, c.id, a, 10)
    const res = await b.browser.post('/checkout', { action: 'place', cart_id: String(c.id), total: '1', unit_kopecks: '1', price: '1' })
    expect(res.status).to.equal(303)
    const order = await orderRow(app, numberOf(res.headers.location))
    expect(Number(order.total_kopecks)).to.equal(70_000)
  })

  it('checks out several carts of different types into one order and one invoice', async () => {
    const b = await orderingBuyer(app)
    const w1 = await warehouse(app)
    const w2 = await warehouse(app, undefined, 'transit')
    const a = await stocked(app, { warehouseId: w1, onHand: 50, price: 10_000 })
    const t = await stocked(app, { warehouseId: w2, onHand: 60, price: 5_000, factor: 30 })
    const c1 = await typedCart(app, b.company.id, w1, { name: 'Склад' })
    const c2 = await typedCart(app, b.company.id, w2, { name: 'Транзит' })
    await put(app, c1.id, a, 3)
    await put(app, c2.id, t, 30)
    const res = await b.browser.post('/checkout', { action: 'place', cart_id: [String(c1.id), String(c2.id)] })
    expect(res.status, res.text).to.equal(303)
    const order = await orderRow(app, numberOf(res.headers.location))
    expect(Number(order.total_kopecks)).to.equal(30_000 + 150_000)
    const lines = await app.c.db('order_lines').where({ order_id: order.id }).orderBy('sort')
    expect(lines.map((l: any) => [l.source_cart_name, Number(l.warehouse_id)])).to.deep.equal([['Склад', w1], ['Транзит', w2]])
    expect(await app.c.db('order_invoices').where({ order_id: order.id })).to.have.length(1)
    expect(await stockAt(app, w1, a.id)).to.deep.equal({ onHand: 50, reserved: 3 })
    expect(await stockAt(app, w2, t.id)).to.deep.equal({ onHand: 60, reserved: 30 })
    expect(await linesOf(app, c1.id)).to.deep.equal([])
    expect(await linesOf(app, c2.id)).to.deep.equal([])
  })

  it('splits one order between payer companies: one invoice per payer, amounts add up exactly', async () => {
    const b = await orderingBuyer(app)
    const ip = await createCompany(app, b.user.id, { kind: 'ip', role: 'buyer', status: 'verified', name: 'ИП Плательщиков' })
    const w = await warehouse(app)
    const a = await stocked(app, { warehouseId: w, onHand: 50, price: 33_333 })
    const c = await typedCart(app, b.company.id, w)
    await put(app, c.id, a, 3) // 999,99 ₽
    const wrong = await b.browser.post('/checkout', { action: 'place', cart_id: String(c.id), split_mode: 'manual', [`amount[${ip.id}]`]: '500', [`amount[${b.company.id}]`]: '400', comment: 'оставить у охраны' })
    expect(wrong.status).to.equal(422)
    expect(wrong.text).to.contain('должны составить сумму заказа').and.contain('не распределено 99,99')
    expect(wrong.text).to.contain('оставить у охраны').and.contain('value="500"')
    expect(await app.c.db('orders').where({ company_id: b.company.id })).to.have.length(0)
    expect(await stockAt(app, w, a.id)).to.deep.equal({ onHand: 50, reserved: 0 })

    const ok = await b.browser.post('/checkout', { action: 'place', cart_id: String(c.id), split_mode: 'manual', [`amount[${ip.id}]`]: '300,01', rest_payer: String(b.company.id) })
    expect(ok.status, ok.text).to.equal(303)
    const order = await orderRow(app, numberOf(ok.headers.location))
    const invoices = await app.c.db('order_invoices').where({ order_id: order.id }).orderBy('amount_kopecks')
    expect(invoices.map((i: any) => [Number(i.payer_company_id), Number(i.amount_kopecks)])).to.deep.equal([[ip.id, 30_001], [b.company.id, 69_998]])
    expect(invoices.reduce((s: number, i: any) => s + Number(i.amount_kopecks), 0)).to.equal(Number(order.total_kopecks))
    const page = await b.browser.get(ok.headers.location!)
    expect(page.text).to.contain('ИП Плательщиков').and.contain('300,01')
  })

  it('re-checks the payers on the server: another person’s company, an unverified or blocked one are refused', async () => {
    const b = await orderingBuyer(app)
    const stranger = await createCompany(app, (await orderingBuyer(app)).user.id, { status: 'verified' })
    const unverified = await createCompany(app, b.user.id, { role: 'owner', name: 'ООО "НЕ ПРОВЕРЕНО"' })
    const blocked = await createCompany(app, b.user.id, { role: 'owner', status: 'blocked', name: 'ООО "БЛОК"' })
    const w = await warehouse(app)
    const a = await stocked(app, { warehouseId: w, onHand: 50 })
    const c = await typedCart(app, b.company.id, w)
    await put(app, c.id, a, 10)
    for (const [payer, text] of [[stranger.id, 'Выберите плательщика из своих компаний'], [unverified.id, 'ещё не подтверждена'], [blocked.id, 'заблокирована']] as const) {
      const res = await b.browser.post('/checkout', { action: 'place', cart_id: String(c.id), split_mode: 'manual', [`amount[${payer}]`]: '', rest_payer: String(payer) })
      expect(res.status).to.equal(422)
      expect(res.text).to.contain(text)
    }
    // A cart's payer is re-checked too: the company was blocked after the cart named it.
    await app.c.db('carts').where({ id: c.id }).update({ payer_company_id: blocked.id })
    const res = await b.browser.post('/checkout', { action: 'place', cart_id: String(c.id) })
    expect(res.status).to.equal(422)
    expect(res.text).to.contain('заблокирована')
    expect(await stockAt(app, w, a.id)).to.deep.equal({ onHand: 50, reserved: 0 })
  })

  it('refuses blocked and unverified companies and roles that may not order', async () => {
    const w = await warehouse(app)
    const a = await stocked(app, { warehouseId: w, onHand: 50 })
    for (const [o, text] of [
      [{ status: 'blocked' as const }, 'заблокирована поставщиком'],
      [{ status: 'unverified' as const }, 'ещё не подтверждена'],
    ] as const) {
      const b = await orderingBuyer(app)
      await app.c.db('companies').where({ id: b.company.id }).update({ status: o.status })
      const c = await typedCart(app, b.company.id, w)
      await put(app, c.id, a, 10)
      const res = await b.browser.post('/checkout', { action: 'place', cart_id: String(c.id) })
      expect(res.status).to.equal(422)
      expect(res.text).to.contain(text)
    }
    const viewer = await orderingBuyer(app, 'viewer')
    const c = await typedCart(app, viewer.company.id, w)
    await put(app, c.id, a, 10)
    const res = await viewer.browser.post('/checkout', { action: 'place', cart_id: String(c.id) })
    expect(res.status).to.equal(422)
    expect(res.text).to.contain('роль в компании не позволяет оформлять заказы')
    expect(await app.c.db('orders').whereIn('company_id', [viewer.company.id])).to.have.length(0)
    expect(await stockAt(app, w, a.id)).to.deep.equal({ onHand: 50, reserved: 0 })
  })

  it('enforces the minimum order sum, minimums, steps, the cart type’s packagings and prices, with the line named', async () => {
    const b = await orderingBuyer(app)
    const w = await warehouse(app)
    const small = await stocked(app, { warehouseId: w, onHand: 50, price: 1_000 })
    const c = await typedCart(app, b.company.id, w)
    await put(app, c.id, small, 2)
    const minimum = await b.browser.post('/checkout', { action: 'place', cart_id: String(c.id) })
    expect(minimum.status).to.equal(422)
    expect(minimum.text).to.contain('Минимальная сумма заказа — 500\u00a0₽').and.contain('добавьте ещё на 480\u00a0₽')

    const stepped = await stocked(app, { warehouseId: w, onHand: 100, price: 10_000, min: 10, step: 5 })
    const bag = await stocked(app, { warehouseId: w, onHand: 100, price: 10_000, factor: 30 })
    const unpriced = await createProduct(app, { unit: 'кг', price: 1 })
    await app.c.db('prices').where({ product_id: unpriced.id }).delete()
    const gone = await stocked(app, { warehouseId: w, onHand: 100 })
    const c2 = await typedCart(app, b.company.id, w, { packagings: [stepped.packName, gone.packName] })
    // Lines written straight into the cart, as if the rules changed after they were added.
    await put(app, c2.id, stepped, 7)
    await put(app, c2.id, bag, 30)
    await put(app, c2.id, { id: unpriced.id, packagingId: unpriced.packagingId }, 1)
    await put(app, c2.id, gone, 1)
    await app.c.db('products').where({ id: gone.id }).update({ is_active: false })
    const res = await b.browser.post('/checkout', { action: 'place', cart_id: String(c2.id) })
    expect(res.status).to.equal(422)
    expect(res.text).to.contain(`${stepped.sku}`).and.contain('7 кг заказать нельзя: подойдёт 10 кг: минимальный заказ 10 кг')
    expect(res.text).to.contain(`упаковка «${bag.packName}» не продаётся в корзине этого типа`)
    expect(res.text).to.contain('у товара нет цены для вашей компании')
    expect(res.text).to.contain('товар больше не продаётся')
    expect(await app.c.db('orders').where({ company_id: b.company.id })).to.have.length(0)
  })

  it('refuses a shortage as a value: nothing reserved, every short line listed with what is available', async () => {
    const b = await orderingBuyer(app)
    const w = await warehouse(app, 'Склад Подольск')
    const a = await stocked(app, { warehouseId: w, onHand: 5, price: 10_000 })
    const bb = await stocked(app, { warehouseId: w, onHand: 100, price: 10_000 })
    const cc = await stocked(app, { warehouseId: w, onHand: 2.5, price: 10_000 })
    const c = await typedCart(app, b.company.id, w)
    await put(app, c.id, a, 4)
    await put(app, c.id, bb, 10)
    await put(app, c.id, cc, 3)
    // The same product in a second cart: the two lines are checked as one quantity (4 + 2 > 5).
    const c2 = await typedCart(app, b.company.id, w)
    await put(app, c2.id, a, 2)
    const res = await b.browser.post('/checkout', { action: 'place', cart_id: [String(c.id), String(c2.id)], comment: 'не потерять' })
    expect(res.status).to.equal(409)
    expect(res.text).to.contain('Не хватает товара на складе')
    expect(res.text).to.contain(`${a.sku} (корзина`).and.contain('нужно 4 кг, доступно 5 кг на складе «Склад Подольск»')
    expect(res.text).to.contain(`${cc.sku} (корзина`).and.contain('нужно 3 кг, доступно 2,5 кг')
    expect(res.text).not.to.contain(`${bb.sku} (корзина`)
    expect(res.text).to.contain('не потерять')
    for (const p of [a, bb, cc]) expect((await stockAt(app, w, p.id)).reserved).to.equal(0)
    expect(await app.c.db('orders').where({ company_id: b.company.id })).to.have.length(0)
    expect((await linesOf(app, c.id)).length).to.equal(3)
  })

  it('reserves a blend’s components in proportion and shows its availability derived from them', async () => {
    const b = await orderingBuyer(app)
    const w = await warehouse(app)
    const lotA = await stocked(app, { warehouseId: w, onHand: 60, name: 'Лот А' })
    const lotB = await stocked(app, { warehouseId: w, onHand: 10, name: 'Лот Б' })
    const mix = await blend(app, [[lotA.id, 0.6], [lotB.id, 0.4]])
    // Roasting loss: 1 kg roasted consumes 1,25 kg of green lot A.
    const roast = await blend(app, [[lotA.id, 1.25]])
    const c = await typedCart(app, b.company.id, w)
    await put(app, c.id, mix, 20) // 12 of A, 8 of B
    await put(app, c.id, roast, 8) // 10 of A
    const view = await app.c.carts.view({ ...(await app.c.companies.forMember(b.user.id, b.company.id))! }, c.id)
    // Mix: min(60 / 0,6, 10 / 0,4) = 25 kg; roast: 60 / 1,25 = 48 kg.
    expect(view.lines.map((l) => l.availableMilli)).to.deep.equal([25_000, 48_000])
    const res = await b.browser.post('/checkout', { action: 'place', cart_id: String(c.id) })
    expect(res.status, res.text).to.equal(303)
    expect(await stockAt(app, w, lotA.id)).to.deep.equal({ onHand: 60, reserved: 22 })
    expect(await stockAt(app, w, lotB.id)).to.deep.equal({ onHand: 10, reserved: 8 })
    const order = await orderRow(app, numberOf(res.headers.location))
    const rows = await app.c.db('order_reservations').where({ order_id: order.id }).orderBy('id')
    expect(rows.map((r: any) => [Number(r.product_id), Number(r.qty_milli)])).to.deep.equal([[lotA.id, 12_000], [lotB.id, 8_000], [lotA.id, 10_000]])
    // Every other buyer now sees what is left: mix min(38 / 0,6, 2 / 0,4) = 5 kg.
    const other = await orderingBuyer(app)
    const c2 = await typedCart(app, other.company.id, w)
    await put(app, c2.id, mix, 6)
    const v2 = await app.c.carts.view((await app.c.companies.forMember(other.user.id, other.company.id))!, c2.id)
    expect(v2.lines[0]!.availableMilli).to.equal(5_000)
    const refused = await other.browser.post('/checkout', { action: 'place', cart_id: String(c2.id) })
    expect(refused.status).to.equal(409)
    expect(refused.text).to.contain('из компонентов').and.contain('можно собрать 5 кг').and.contain(`${lotB.sku}: нужно 2,4 кг, доступно 2 кг`)
    // The catalog shows the blend's availability too.
    const row = await app.c.catalog.row(other.company.id, mix.id, { text: '', packagingId: null })
    expect(row.available.get(w)).to.equal(5_000)
  })

  it('treats a double submit of the same cart as one order', async () => {
    const b = await orderingBuyer(app)
    const w = await warehouse(app)
    const a = await stocked(app, { warehouseId: w, onHand: 100 })
    const c = await typedCart(app, b.company.id, w)
    await put(app, c.id, a, 10)
    const member = (await app.c.companies.forMember(b.user.id, b.company.id))!
    const input = { cartIds: [c.id], pointId: '', comment: '', clientRef: '', payers: [], source: 'web' as const }
    const outcomes = await Promise.all([1, 2, 3].map(() => app.c.orders.checkout(member, b.user.id, input, { kind: 'buyer', userId: b.user.id })))
    expect(outcomes.filter((o) => o.ok)).to.have.length(1)
    expect(outcomes.filter((o) => !o.ok).every((o) => !o.ok && o.kind === 'invalid')).to.equal(true)
    expect(await stockAt(app, w, a.id)).to.deep.equal({ onHand: 100, reserved: 10 })
  })

  it('does not reserve lines of a cart type without a warehouse (made to order)', async () => {
    const b = await orderingBuyer(app)
    const a = await stocked(app, { warehouseId: null })
    const c = await typedCart(app, b.company.id, null)
    await put(app, c.id, a, 10)
    const res = await b.browser.post('/checkout', { action: 'place', cart_id: String(c.id) })
    expect(res.status).to.equal(303)
    const order = await orderRow(app, numberOf(res.headers.location))
    expect(await app.c.db('order_reservations').where({ order_id: order.id })).to.have.length(0)
  })

  it('gives 404 for a cart of another company', async () => {
    const b = await orderingBuyer(app)
    const other = await orderingBuyer(app)
    const theirs = await cart(app, other.company.id)
    const res = await b.browser.post('/checkout', { action: 'place', cart_id: String(theirs) })
    expect(res.status).to.equal(404)
    expect(await app.c.db('orders').where({ company_id: b.company.id })).to.have.length(0)
  })
})
