import { expect } from 'chai'
import type { Browser as PwBrowser, Page } from 'playwright-core'
import { startApp, type TestApp } from '../support/app.js'
import { createUser, PASSWORD } from '../support/factories.js'
import { launchChromium, shot, logIn } from '../support/browser.js'
import { orderWithDelivery } from '../integration/delivery/helpers.js'
import { enqueue } from '../../server/integrations/outbox/store.js'

describe('CDEK delivery and the outbox in Chromium', () => {
  let app: TestApp
  let chromium: PwBrowser
  let page: Page
  before(async () => {
    app = await startApp({ env: { CDEK_SANDBOX_DELAY_SECONDS: '3600' } })
    chromium = await launchChromium()
    page = await chromium.newPage({ viewport: { width: 1360, height: 900 } })
  })
  after(async () => {
    await chromium?.close()
    await app?.close()
  })

  const login = async (p: Page, email: string, password: string) => {
    await logIn(p, app.url, email, password)
  }

  it('a manager requests a delivery with edited places, the track arrives, the buyer sees it on the order page', async () => {
    const { b, order } = await orderWithDelivery(app)
    const manager = await createUser(app, { staff: true })
    await login(page, manager.email, manager.password)
    await page.goto(`${app.url}/admin/delivery`)
    await page.fill('input[name=order]', order.number)
    await page.click('text=Подготовить заявку')
    await page.waitForURL(/\/admin\/delivery\/new/)
    expect(await page.inputValue('input[name=weight_2]')).to.equal('5000')
    await page.fill('input[name=weight_2]', 'пять кг')
    await page.click('text=Отправить заявку в СДЭК')
    await page.waitForLoadState('networkidle')
    expect(await page.textContent('body')).to.contain('Вес места — целое число граммов')
    expect(await page.inputValue('input[name=weight_2]')).to.equal('пять кг')
    await shot(page, 'admin-delivery-new-error')
    await page.fill('input[name=weight_2]', '5200')
    await page.click('text=Отправить заявку в СДЭК')
    await page.waitForURL(`${app.url}/admin/delivery`)
    expect(await page.textContent('body')).to.contain('создана и передаётся в СДЭК')

    await app.c.dispatcher.drainOnce()
    await app.c.cdekSandbox!.flush()
    await page.goto(`${app.url}/admin/delivery`)
    const req = await app.c.db('delivery_requests').where({ order_id: order.id }).first()
    expect(req.cdek_number).to.match(/^\d{10}$/)
    await page.click(`[data-delivery-id="${req.id}"] >> text=следующий статус`)
    await page.waitForURL(`${app.url}/admin/delivery`)
    await page.click(`[data-delivery-id="${req.id}"] >> text=следующий статус`)
    await page.waitForURL(`${app.url}/admin/delivery`)
    expect(await page.locator(`[data-delivery-id="${req.id}"] [data-track]`).textContent()).to.equal(req.cdek_number)
    await shot(page, 'admin-delivery')

    // Some outbox rows in every state, for the queue page.
    const t = app.clock.now().getTime()
    await enqueue(app.c.db, { topic: 'b24.deal.create', key: `e2e-pending-${t}`, payload: {}, now: t + 3_600_000 })
    await enqueue(app.c.db, { topic: 'b24.deal.create', key: `e2e-failed-${t}`, payload: {}, now: t })
    await app.c.db('outbox').where({ idempotency_key: `e2e-failed-${t}` }).update({ attempts: 2, throttled: 3, last_error: 'HTTP 503 QUERY_LIMIT_EXCEEDED: Too many requests', next_attempt_at: t + 60_000 })
    await enqueue(app.c.db, { topic: 'b24.company.create', key: `e2e-dead-${t}`, payload: {}, now: t })
    await app.c.db('outbox').where({ idempotency_key: `e2e-dead-${t}` }).update({ status: 'dead', attempts: 8, last_error: 'Bitrix24 crm.company.add: 403 insufficient_scope', external_id: '1234' })
    await page.goto(`${app.url}/admin/outbox`)
    expect(await page.locator('[data-outbox="failed"] [data-outbox-status="failed"]').count()).to.be.greaterThan(0)
    expect(await page.locator('[data-outbox="dead"] button', { hasText: 'повторить' }).count()).to.be.greaterThan(0)
    await shot(page, 'admin-outbox')
    await page.click('[data-view="dead"]')
    await page.waitForURL(/status=dead/)
    await shot(page, 'admin-outbox-dead')

    const buyerPage = await chromium.newPage({ viewport: { width: 1280, height: 900 } })
    await login(buyerPage, b.user.email, PASSWORD)
    await buyerPage.goto(`${app.url}/orders/${order.number}`)
    const link = buyerPage.locator('[data-deliveries] a', { hasText: req.cdek_number })
    expect(await link.getAttribute('href')).to.equal(`https://www.cdek.ru/ru/tracking?order_id=${req.cdek_number}`)
    await shot(buyerPage, 'buyer-order-track')
  })
})
