import { expect } from 'chai'
import type { Browser as PwBrowser, BrowserContext, Page } from 'playwright-core'
import { startApp, type TestApp } from '../support/app.js'
import { launchChromium, shot, logIn } from '../support/browser.js'
import { createCompany, createUser, uniq } from '../support/factories.js'
import { put, stocked, typedCart, warehouse } from '../integration/orders/helpers.js'
import { insertPoint } from '../../server/points/store.js'
import { findLink } from '../../b24-app/links.js'
import { installSandboxApp } from '../../b24-app/sandbox-install.js'
import { SANDBOX_MEMBER_ID } from '../../server/sandbox/bitrix24.js'
import { getSettings, saveSettings } from '../../b24-app/settings-store.js'

/*
 * The whole road of issue 6 in real Chromium against the built-in Bitrix24 and CDEK sandboxes (no credentials configured):
 * a buyer places an order on the site; the outbox creates the deal in the sandbox portal; a manager opens the sandbox deal
 * card, whose tab is our placement POSTed into a frame exactly as Bitrix24 does it, and creates a CDEK delivery request
 * there; the outbox sends it to the CDEK sandbox, which assigns a track number and posts its status webhook; the buyer
 * sees the track number on the order page.
 */
describe('e2e: order → Bitrix24 deal → CDEK request from the deal tab → track number for the buyer', function () {
  this.timeout(180_000)
  let app: TestApp
  let browser: PwBrowser
  let buyerCtx: BrowserContext
  let managerCtx: BrowserContext
  let buyerPage: Page
  let orderId = 0
  let number = ''
  let dealId = ''
  let companyId = 0
  let managerPage: Page

  const go = (p: Page, action: Promise<unknown>) => Promise.all([p.waitForNavigation(), action])

  /** Runs the outbox until nothing is due (what the outbox job does every few seconds). */
  async function drain() {
    for (let i = 0; i < 20; i++) {
      const r = await app.c.dispatcher.drainOnce()
      if (r.claimed === 0) return
    }
  }

  before(async () => {
    app = await startApp({ env: { CDEK_SANDBOX_DELAY_SECONDS: '0' } })
    expect(app.c.b24Sandbox, 'the Bitrix24 sandbox runs without B24 credentials').to.not.equal(null)
    await installSandboxApp({ db: app.c.db, clock: app.clock, config: app.config, sandbox: app.c.b24Sandbox! })
    browser = await launchChromium()
    buyerCtx = await browser.newContext({ viewport: { width: 1200, height: 900 } })
    managerCtx = await browser.newContext({ viewport: { width: 1280, height: 1000 } })
    buyerPage = await buyerCtx.newPage()
  })
  after(async () => {
    await browser?.close()
    await app?.close()
  })

  it('the buyer places an order on the site', async () => {
    const user = await createUser(app, { name: 'Покупателев Пётр' })
    const company = await createCompany(app, user.id, { status: 'verified', name: `ООО «Чайная лавка ${uniq()}»` })
    companyId = company.id
    await insertPoint(app.c.db, company.id, { name: 'Склад на Садовой', address: 'г Москва, ул Садовая, д 5', contact_name: 'Анна Приёмкина', contact_phone: '+7 916 123-45-67', working_hours: 'пн–пт 9–18', comment: '' }, { isDefault: true, photoFileId: null, now: app.clock.now().getTime() })
    const wh = await warehouse(app)
    const tea = await stocked(app, { warehouseId: wh, onHand: 500, name: 'Чай улун Те Гуань Инь', price: 145_000 })
    const cart = await typedCart(app, company.id, wh, { name: 'Чай к празднику' })
    await put(app, cart.id, tea, 12)

    await logIn(buyerPage, app.url, user.email, user.password)
    await buyerPage.goto(`${app.url}/checkout`)
    const box = buyerPage.locator(`input[name=cart_id][value="${cart.id}"]`)
    if (!(await box.isChecked())) await box.check()
    await go(buyerPage, buyerPage.click('button[value=preview]'))
    const point = await buyerPage.locator('select[name=point_id] option', { hasText: 'Склад на Садовой' }).getAttribute('value')
    await buyerPage.selectOption('select[name=point_id]', point!)
    await go(buyerPage, buyerPage.click('button[value=place]'))
    expect(await buyerPage.textContent('.flash-ok')).to.contain('оформлен')
    number = /\/orders\/(\d+)$/.exec(buyerPage.url())![1]!
    orderId = Number((await app.c.db('orders').where({ number, company_id: company.id }).first()).id)
  })

  it('the outbox creates the deal in the (sandbox) portal', async () => {
    await drain()
    dealId = (await findLink(app.c.db, 'deal', orderId, SANDBOX_MEMBER_ID)) ?? ''
    expect(dealId, 'the order has a deal').to.match(/^\d+$/)
  })

  it('a manager opens the deal tab in the sandbox Bitrix24 and creates a CDEK request there', async () => {
    const manager = await createUser(app, { staff: true, name: 'Менеджерова Ирина' })
    const page = await managerCtx.newPage()
    managerPage = page
    await logIn(page, app.url, manager.email, manager.password)
    await page.goto(`${app.url}/sandbox/bitrix24/open/deal/${dealId}`)
    const tab = page.frameLocator('iframe[name=b24-placement]')
    await tab.locator(`text=Заказ № ${number}`).waitFor()
    expect(await tab.locator('[data-b24-delivery]').textContent()).to.contain('Создать заявку СДЭК')
    await shot(page, 'b24-e2e-deal-tab')
    await tab.locator('[data-b24-delivery-form] button[type=submit]').click()
    await tab.locator('[data-flash]').waitFor()
    expect(await tab.locator('[data-flash]').textContent()).to.contain('Заявка СДЭК создана')
    await shot(page, 'b24-e2e-deal-tab-request')
    const req = await app.c.db('delivery_requests').where({ order_id: orderId }).first()
    expect(req.created_via).to.equal('b24')

    // The outbox sends it; the CDEK sandbox assigns the number and posts the status webhook.
    await drain()
    const deadline = Date.now() + 10_000
    let track: string | null = null
    while (!track && Date.now() < deadline) {
      track = (await app.c.db('delivery_requests').where({ order_id: orderId }).first()).cdek_number
      if (!track) await new Promise((r) => setTimeout(r, 25))
    }
    expect(track, 'CDEK assigned a track number').to.be.a('string')
    await page.reload()
    await tab.locator(`text=${track}`).waitFor()
    await shot(page, 'b24-e2e-deal-tab-track')
  })

  it('the buyer sees the track number on the order page', async () => {
    const track = (await app.c.db('delivery_requests').where({ order_id: orderId }).first()).cdek_number as string
    await buyerPage.goto(`${app.url}/orders/${number}`)
    expect(await buyerPage.textContent('main')).to.contain(track)
    await shot(buyerPage, 'b24-e2e-buyer-order-track')
  })

  it('a manager moves the deal in Bitrix24: the event moves the order, and our own deal update does not bounce back', async () => {
    const s = await getSettings(app.c.db, SANDBOX_MEMBER_ID)
    await saveSettings(app.c.db, SANDBOX_MEMBER_ID, { ...s, statusByStage: { ...s.statusByStage, PREPARATION: 'awaiting_payment' } }, app.clock.now().getTime())
    await managerPage.goto(`${app.url}/sandbox/bitrix24`)
    const form = managerPage.locator(`form[action="/sandbox/bitrix24/deals/${dealId}/stage"]`)
    await form.locator('select[name=stage]').selectOption('PREPARATION')
    await go(managerPage, form.locator('button[type=submit]').click())
    expect((await app.c.db('orders').where({ id: orderId }).first()).status).to.equal('pending') // answered first, handled from the outbox
    await drain()
    expect((await app.c.db('orders').where({ id: orderId }).first()).status).to.equal('awaiting_payment')
    await drain()
    expect((await app.c.db('orders').where({ id: orderId }).first()).status).to.equal('awaiting_payment')
    // The history names the stage as the portal calls it, not by its code.
    const moved = await app.c.db('order_events').where({ order_id: orderId, to_status: 'awaiting_payment' }).first()
    expect(moved.note).to.contain('в стадию «Подготовка документов»')
    await buyerPage.goto(`${app.url}/orders/${number}`)
    expect(await buyerPage.textContent('main')).to.contain('ожидает оплаты')
  })

  it('from the company tab a manager opens the client cabinet in a new tab: read-only, with the banner', async () => {
    const b24CompanyId = await findLink(app.c.db, 'company', companyId, SANDBOX_MEMBER_ID)
    expect(b24CompanyId, 'the company is in the CRM').to.match(/^\d+$/)
    await managerPage.goto(`${app.url}/sandbox/bitrix24/open/company/${b24CompanyId}`)
    const tab = managerPage.frameLocator('iframe[name=b24-placement]')
    await tab.locator('h1').waitFor()
    await shot(managerPage, 'b24-e2e-company-tab')
    await tab.locator('[data-b24-company]').waitFor({ timeout: 2000 })
    await shot(managerPage, 'b24-e2e-company-tab')
    const [cabinet] = await Promise.all([managerCtx.waitForEvent('page'), tab.locator('[data-b24-open-cabinet] button').click()])
    await cabinet.waitForLoadState()
    await cabinet.locator('[data-impersonation]').waitFor()
    expect(await cabinet.textContent('[data-impersonation]')).to.contain('Вы смотрите кабинет клиента').and.contain('как менеджер')
    await cabinet.goto(`${app.url}/orders/${number}`)
    await shot(cabinet, 'b24-e2e-cabinet-as-manager')
    expect(await cabinet.textContent('main')).to.contain(`Заказ № ${number}`)
    // The buyer's «Отменить заказ» is there but disabled, marked «только просмотр».
    const cancel = cabinet.locator('button:has-text("Отменить заказ")')
    expect(await cancel.isDisabled()).to.equal(true)
    expect(await cabinet.locator('.read-only-hint').count()).to.be.greaterThan(0)
    // The server stays the guard: the same form submitted anyway is refused.
    await go(
      cabinet,
      cabinet.evaluate(() => {
        const form = Array.from(document.querySelectorAll('form')).find((f) => f.textContent?.includes('Отменить заказ'))!
        form.querySelectorAll('[disabled]').forEach((el) => el.removeAttribute('disabled'))
        HTMLFormElement.prototype.submit.call(form)
      }),
    )
    expect(await cabinet.textContent('main')).to.contain('только для просмотра')
    expect((await app.c.db('orders').where({ id: orderId }).first()).status).to.equal('awaiting_payment')
  })
})
