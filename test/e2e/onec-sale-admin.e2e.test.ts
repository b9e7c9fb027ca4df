import path from 'node:path'
import { expect } from 'chai'
import type { Browser as PwBrowser, Page } from 'playwright-core'
import { startApp, type TestApp } from '../support/app.js'
import { tmpRoot } from '../support/hooks.js'
import { createCompany, createUser } from '../support/factories.js'
import { launchChromium, shot, logIn } from '../support/browser.js'
import { ONEC_ENV, OnecClient } from '../support/onec.js'
import { memberOf, orderingBuyer, put, stocked, typedCart, warehouse } from '../integration/orders/helpers.js'
import { documentsXml } from '../integration/onec-sale/helpers.js'

describe('1C order exchange report in /admin/onec, in Chromium', () => {
  let app: TestApp
  let chromium: PwBrowser
  let page: Page
  before(async () => {
    app = await startApp({ env: { ...ONEC_ENV, ONEC_DIR: path.join(tmpRoot, 'onec-sale-e2e'), ONEC_ZIP: 'no' } })
    chromium = await launchChromium()
    page = await chromium.newPage({ viewport: { width: 1280, height: 900 } })
  })
  after(async () => {
    await chromium?.close()
    await app?.close()
  })

  it('shows the payments and shipments 1C reported, those that need a person first, until a person marks them handled', async () => {
    const b = await orderingBuyer(app)
    const ip = await createCompany(app, b.user.id, { kind: 'ip', role: 'buyer', status: 'verified', name: 'ИП Плательщикова' })
    const w = await warehouse(app)
    const p = await stocked(app, { warehouseId: w, onHand: 50, price: 25_000 })
    const c = await typedCart(app, b.company.id, w)
    await put(app, c.id, p, 4)
    const out = await app.c.orders.checkout(await memberOf(app, b.user.id, b.company.id), b.user.id, {
      cartIds: [c.id], pointId: '', comment: '', clientRef: '', source: 'web', payers: [{ companyId: ip.id, amountKopecks: 30_000 }, { companyId: b.company.id, amountKopecks: null }],
    }, { kind: 'buyer', userId: b.user.id })
    if (!out.ok) throw new Error(JSON.stringify(out))
    const number = out.order.number
    const onec = new OnecClient(app, 'sale')
    await onec.checkauth()
    await onec.init()
    await onec.query()
    await onec.success()
    const answer = await onec.sendDocuments('v8_8789_c.xml', documentsXml([
      { number, number1c: 'ЗЛ00-001001', children: [{ number: 'ЗЛ00-000777', date: '2026-11-27', operation: 'Выплата безналичных денег', sum: '300.00', parties: [{ name: 'ИП Плательщикова', inn: String(ip.inn), role: 'Плательщик' }] }] },
      { number, requisites: { 'Номер оплаты по 1С': 'ЗЛ00-000778', 'Дата оплаты по 1С': '2026-11-27', 'Сумма оплаты по 1С': '750,00' } },
      { number, requisites: { 'Номер отгрузки по 1С': 'ЗЛ00-000540', 'Дата отгрузки по 1С': '2026-11-27' }, children: [{ number: 'ЗЛ00-000540', date: '2026-11-27', operation: 'Реализация товаров', items: [{ sku: 'НЕТ-ТАКОГО', qty: '1' }] }] },
      { number: '999999', requisites: { Оплачен: 'true' } },
    ]))
    expect(answer).to.match(/^success/)
    const user = await createUser(app, { staff: true })
    await logIn(page, app.url, user.email, user.password)
    await page.goto(`${app.url}/admin/onec`)
    const payments = page.locator('[data-onec-sale-payments] tbody tr')
    expect(await payments.count()).to.equal(2)
    expect(await payments.first().innerText()).to.contain('ЗЛ00-000778').and.contain('переплата').and.contain('50\u00a0₽')
    expect(await page.locator('[data-onec-sale-shipments] tbody tr').first().innerText()).to.contain('не сопоставлена')
    // Above the sessions: what still needs a person, with a button each.
    expect(await page.locator('[data-onec-sale-open-payments] tbody tr').count()).to.equal(1)
    expect(await page.locator('[data-onec-sale-open-shipments] tbody tr').count()).to.equal(1)
    await shot(page, 'admin-onec-sale')
    await page.locator('[data-onec-sale-open-payments] button').click()
    await page.waitForURL(`${app.url}/admin/onec`)
    expect(await page.locator('[data-onec-sale-open-payments]').count()).to.equal(0)
    expect(await page.locator('.flash').innerText()).to.contain('отмечена как разобранная')
    await shot(page, 'admin-onec-sale-settled')
  })
})
