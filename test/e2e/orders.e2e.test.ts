import { expect } from 'chai'
import type { Browser as PwBrowser, Page } from 'playwright-core'
import { startApp, type TestApp } from '../support/app.js'
import { pricedDemoCatalog } from '../support/demo-catalog.js'
import { launchChromium, shot, logIn } from '../support/browser.js'
import { buyer } from '../support/factories.js'
import { seedCarts } from '../../server/db/seeds/carts.js'

/*
 * A buyer's whole road from a pasted list to a repeated order, in real Chromium over the demo catalog and cart types: 30
 * lines pasted into the quick order with one unknown article fixed in place, everything added to a new «Со склада
 * мешками» cart, the container lots moved into a «Транзит» cart, both carts checked out into one order (stock reserved at
 * the main warehouse and in transit), the order found in the history by an article, split into two shipments and repeated
 * into a new cart.
 */
const LIST = `GRN-ETH-IRG-G1	2 мешка 30 кг
GRN-KEN-NER-AA	1 мешок 60 кг
GRN-RWA-NYA-A;2 мешка
GRN-CHN-YUN-SHB — 1 мешок 30 кг
GRN-YEM-HAR-Grade 1 мешок 60 кг
GRN-ETH-GUD-G1 2 мешка 30 кг
GRN-ETH-LIM-G1 1 мешок 30 кг
GRN-KEN-KIR-AA 1 мешок 10 кг
GRN-COL-UIL-Supremo 3 мешка 10 кг
GRN-COL-KAU-Supremo 1 мешок 30 кг
GRN-GTM-ANT-SHB 1 мешок 60 кг
GRN-CRI-TAR-SHB 2 мешка 30 кг
GRN-PER-CHA-Grade 1 мешок 30 кг
GRN-PAN-BOK-SHB 1 мешок 30 кг
GRN-BDI-KAY-A 1 мешок 60 кг
GRN-IDN-SUM-Grade 1 мешок 30 кг
GRN-UGA-MAS-Screen 2 мешка 30 кг
TEA-DHP 2 коробки
TEA-LAPSANG 1 коробка
TEA-GUNPOWDER 2 коробки
TEA-GABA 1 коробка
TEA-DARJ-SF 1 коробка
TEA-ALISHAN 2 коробки
TEA-DIANHONG 1 коробка
TEA-SH-MENGHAI-357 1 тун
TEA-SHEN-BULANG-357 1 тун
TEA-SH-ZHUAN-250 1 коробка
TEA-SHEN-YIWU-357 1 тун
GRN-ZZZ-NOPE 1 мешок
TEA-SHEN-JINGMAI-200 1 коробка
С уважением, отдел закупок`

const TRANSIT = ['GRN-ETH-IRG-G1', 'GRN-KEN-NER-AA', 'GRN-RWA-NYA-A', 'GRN-CHN-YUN-SHB', 'GRN-YEM-HAR-Grade']

describe('e2e: from a pasted list to a split and repeated order', function () {
  this.timeout(180_000)
  let app: TestApp
  let browser: PwBrowser
  let page: Page
  let login: { email: string; password: string }
  let companyId = 0
  let number = ''

  before(async () => {
    app = await startApp()
    const db = app.c.db
    const seeded = await pricedDemoCatalog(app)
    const now = Date.now()
    const b = await buyer(app, { status: 'verified' })
    login = b.user
    companyId = b.company.id
    await db('delivery_points').insert({ company_id: companyId, name: 'Склад в Подольске', address: 'Московская обл, г Подольск, ул Комсомольская, д 1', contact_name: 'Игорь', contact_phone: '+79035550102', working_hours: '', is_default: true, created_at: now, updated_at: now })
    // The demo cart types only: a company with a cart already gets no demo carts.
    const other = await buyer(app)
    await db('carts').insert({ company_id: other.company.id, name: 'x', created_at: now, updated_at: now })
    await seedCarts(app.c, seeded, { oooId: other.company.id })
    browser = await launchChromium()
    page = await browser.newPage({ viewport: { width: 1366, height: 900 }, locale: 'ru-RU' })
  })
  after(async () => {
    await browser?.close()
    await app?.c.db('cart_types').delete()
    await app?.close()
  })

  const typeId = async (name: string) => Number((await app.c.db('cart_types').where({ name }).first()).id)
  const lineRow = (sku: string) => page.locator(`.cart-table tr[data-line]:has(a:text-is("${sku}"))`)
  const go = (action: Promise<unknown>) => Promise.all([page.waitForLoadState('load'), action])

  it('pastes 30 lines, fixes the unknown one in place and adds everything to a new bags cart', async () => {
    await logIn(page, app.url, login.email, login.password)
    await page.goto(`${app.url}/quick-order`)
    await page.fill('textarea[name="text"]', LIST)
    await go(page.click('form[action="/quick-order"] button[type="submit"]'))
    await page.waitForSelector('.qo-result')
    const statuses = await page.locator('tr.qo-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-status')))
    expect(statuses.filter((s) => s === 'matched')).to.have.length(29)
    expect(await page.locator('tr[data-line="29"]').getAttribute('data-status')).to.equal('unmatched')
    await page.fill('input[name="t[29]"]', 'GRN-GTM-UEU-SHB 1 мешок 30 кг')
    await go(page.click('button:has-text("Проверить снова")'))
    expect(await page.locator('tr[data-line="29"]').getAttribute('data-status')).to.equal('matched')
    await page.selectOption('.qo-bar select[name="cart_id"]', `new:${await typeId('Со склада мешками')}`)
    // Everything was found, so the page goes straight to the new cart.
    await Promise.all([page.waitForURL(/\/carts\/\d+$/), page.click('button:has-text("Добавить найденное в корзину")')])
    expect(await page.textContent('.flash-ok')).to.contain('добавлено позиций: 30')
    expect(await page.textContent('.cart-title')).to.contain('Со склада мешками')
    expect(await page.locator('.cart-table tr[data-line]').count()).to.equal(30)
  })

  it('moves the container lots into a new «Транзит» cart', async () => {
    const bagsUrl = page.url()
    await page.fill('#new-cart input[name=name]', 'Контейнер: май')
    await page.selectOption('#new-cart select[name=cart_type_id]', { label: 'Транзит' })
    await go(page.click('#new-cart button[type=submit]'))
    const transitId = /\/carts\/(\d+)$/.exec(page.url())![1]!
    await page.goto(bagsUrl)
    for (const sku of TRANSIT) await lineRow(sku).locator('input[name=sel]').check()
    await page.selectOption('select[name=to_cart]', transitId)
    await go(page.click('.cart-bar button[value=move]'))
    expect(await page.textContent('.flash-ok')).to.contain('Перенесено в корзину «Контейнер: май»: 5 позиций')
    expect(await page.locator('.cart-table tr[data-line]').count()).to.equal(25)
  })

  it('checks out both carts into one order with stock reserved at both warehouses', async () => {
    await go(page.click('a[data-checkout]'))
    const transit = page.locator('.checkout-cart', { hasText: 'Контейнер: май' }).locator('input[type=checkbox]')
    await transit.check()
    await go(page.click('button[value=preview]'))
    expect(await page.locator('section.checkout-lines').count()).to.equal(2)
    await page.selectOption('select[name=point_id]', { label: 'Склад в Подольске — Московская обл, г Подольск, ул Комсомольская, д 1' })
    await page.fill('textarea[name=comment]', 'Приёмка до 12:00, машина 5 т')
    await shot(page, '30-checkout')
    await go(page.click('button[value=place]'))
    expect(await page.textContent('.flash-ok')).to.contain('оформлен')
    number = /\/orders\/(\d+)$/.exec(page.url())![1]!
    const order = await app.c.db('orders').where({ number, company_id: companyId }).first()
    expect(order.status).to.equal('pending')
    expect(await app.c.db('order_lines').where({ order_id: order.id })).to.have.length(30)
    const kinds = await app.c.db('order_reservations as r').join('warehouses as w', 'w.id', 'r.warehouse_id').where('r.order_id', order.id).distinct('w.kind')
    expect(kinds.map((k: { kind: string }) => k.kind).sort()).to.deep.equal(['main', 'transit'])
    expect(await page.textContent('main')).to.contain('ожидает обработки').and.contain('не оплачено').and.contain('Приёмка до 12:00')
    await shot(page, '31-order')
  })

  it('finds the order in the history by an article', async () => {
    await go(page.click('header a[href="/orders"]'))
    await page.fill('input[name=product]', 'grn-rwa')
    await go(page.click('form.orders-filter button[type=submit]'))
    expect(await page.locator('tr[data-order]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-order')))).to.deep.equal([number])
    await shot(page, '32-history')
  })

  it('splits the order: the container lots ship later', async () => {
    await go(page.click(`a[href="/orders/${number}"]`))
    await go(page.click('a:has-text("Разделить на отгрузки")'))
    for (const sku of TRANSIT) await page.locator(`.split-table tr:has(td:text-is("${sku}")) input`).fill('0')
    await shot(page, '33-split')
    await go(page.click('form button:has-text("Разделить")'))
    expect(await page.textContent('.flash-ok')).to.contain('Заказ разделён на две отгрузки')
    expect(await page.locator('.shipment').count()).to.equal(2)
    expect(await page.locator('.shipment[data-shipment="2"] tr').count()).to.equal(5)
    await shot(page, '34-order-split')
  })

  it('repeats the order into a new cart at today’s prices', async () => {
    await page.selectOption('select[name=cart_id]', `new:${await typeId('Со склада мешками')}`)
    await Promise.all([page.waitForURL(/\/carts\/\d+$/), page.click('button:has-text("Повторить заказ")')])
    expect(await page.textContent('.flash-ok')).to.contain('добавлено 30 позиций по сегодняшним ценам')
    expect(await page.locator('.cart-table tr[data-line]').count()).to.equal(30)
    await shot(page, '35-repeated')
  })
})
