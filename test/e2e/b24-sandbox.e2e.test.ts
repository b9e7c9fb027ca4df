import { expect } from 'chai'
import type { Browser as PwBrowser, Page } from 'playwright-core'
import { startApp, type TestApp } from '../support/app.js'
import { launchChromium, shot, logIn } from '../support/browser.js'
import { createCompany, createProduct, createUser } from '../support/factories.js'
import { installSandboxApp } from '../../b24-app/sandbox-install.js'
import * as ordersStore from '../../server/orders/store.js'
import { orderNumber } from '../../server/orders/rules.js'
import { enqueuePlaced } from '../../server/orders/outbox.js'

/*
 * «Песочница Bitrix24» as a manager sees it in Chromium: deals the outbox made (rows, comments, stage form) and companies
 * with requisites and contacts, each with its «Открыть вкладку…» link.
 */
describe('e2e: the Bitrix24 sandbox page', function () {
  this.timeout(120_000)
  let app: TestApp
  let browser: PwBrowser
  let page: Page
  before(async () => {
    app = await startApp()
    await app.c.db('b24_installs').update({ status: 'uninstalled' })
    await installSandboxApp({ db: app.c.db, clock: app.clock, config: app.config, sandbox: app.c.b24Sandbox! })
    browser = await launchChromium()
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
  })
  after(async () => {
    await app.c.db('b24_installs').update({ status: 'uninstalled' })
    await browser?.close()
    await app?.close()
  })

  it('lists the deals with rows and comments and the companies with requisites; a tab opens in its frame', async () => {
    const owner = await createUser(app, { name: 'Закупкина Ольга Петровна' })
    const company = await createCompany(app, owner.id, { status: 'verified', name: 'ООО «Кофейня на Арбате»' })
    const coffee = await createProduct(app, { name: 'Кофе Эфиопия Иргачефф', price: 189_000 })
    const cups = await createProduct(app, { name: 'Стакан бумажный 300 мл', unit: 'шт', price: 450 })
    const t = app.clock.now().getTime()
    const lines = [
      { p: coffee, name: 'Кофе Эфиопия Иргачефф', qty: 6_000, unit: 189_000, unitName: 'кг' },
      { p: cups, name: 'Стакан бумажный 300 мл', qty: 500_000, unit: 450, unitName: 'шт' },
    ].map((l, i) => ({
      product_id: l.p.id, sku: l.p.sku, name: l.name, unit: l.unitName, packaging_id: l.p.packagingId, packaging_name: '', packaging_factor_milli: 1000,
      qty_milli: l.qty, unit_kopecks: l.unit, line_kopecks: (l.unit * l.qty) / 1000, vat_rate: '22', vat_kopecks: 0, rule_label: '', warehouse_id: null,
      source_cart_id: null, source_cart_name: '', cart_type_id: null, comment: '', sort: i,
    }))
    const order = await app.c.db.transaction(async (trx) => {
      const o = await ordersStore.insertOrder(
        trx,
        { company_id: company.id, status: 'pending', point_id: null, point_text: 'г Москва, ул Арбат, 10', client_ref: '', comment: '', total_kopecks: lines.reduce((s, l) => s + l.line_kopecks, 0), vat_kopecks: 0, created_by: owner.id, source: 'web' },
        orderNumber,
        t,
      )
      await ordersStore.insertLines(trx, o.id, lines)
      await enqueuePlaced(trx, o, lines, [], { kind: 'buyer', userId: owner.id }, t)
      return o
    })
    for (let i = 0; i < 10 && (await app.c.dispatcher.drainOnce()).claimed > 0; i++);
    await app.c.orders.transition(order.id, 'awaiting_payment', { kind: 'staff', userId: null }, 'Счёт отправлен клиенту')
    for (let i = 0; i < 10 && (await app.c.dispatcher.drainOnce()).claimed > 0; i++);

    const manager = await createUser(app, { staff: true, name: 'Менеджерова Мария' })
    await logIn(page, app.url, manager.email, manager.password)
    await page.goto(`${app.url}/sandbox/bitrix24`)
    const main = await page.textContent('main')
    expect(main).to.contain('Песочница Bitrix24')
    expect(main).to.contain(`Заказ № ${order.number} — ООО «Кофейня на Арбате»`)
    expect(main).to.contain('Кофе Эфиопия Иргачефф')
    expect(main).to.contain('«ожидает оплаты»')
    expect(main).to.contain('Закупкина Ольга Петровна')
    await shot(page, 'b24-sandbox-page')
    await Promise.all([page.waitForNavigation(), page.click(`article[data-deal-id] a:has-text("Открыть вкладку сделки")`)])
    await page.locator('iframe[name=b24-placement]').waitFor()
    await page.waitForTimeout(300)
    await shot(page, 'b24-sandbox-deal-open')
  })
})
