import { expect } from 'chai'
import request from 'supertest'
import type { Browser as PwBrowser, Page } from 'playwright-core'
import { startApp, type TestApp } from '../support/app.js'
import { createUser, PASSWORD } from '../support/factories.js'
import { launchChromium, shot, logIn } from '../support/browser.js'
import { orderWithDelivery, splitAndShip } from '../integration/delivery/helpers.js'

const SECRET = 'e2e-cdek-secret-more-0123456789'

describe('CDEK delivery, second part, in Chromium: packaging sizes, subscription, delivered and returned', () => {
  let app: TestApp
  let chromium: PwBrowser
  let page: Page
  before(async () => {
    app = await startApp({ env: { CDEK_SANDBOX_DELAY_SECONDS: '3600', CDEK_WEBHOOK_SECRET: SECRET } })
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

  it('staff set packaging sizes by article, the draft uses them; the list flags a return; the buyer reads it in Russian', async () => {
    const { b, order } = await orderWithDelivery(app)
    const loose = (await app.c.db('order_lines').where({ order_id: order.id }).orderBy('id'))[1]
    const manager = await createUser(app, { staff: true })
    await login(page, manager.email, manager.password)

    await page.goto(`${app.url}/admin/delivery/new?order=${order.number}`)
    expect(await page.locator('[data-no-sizes]').textContent()).to.contain(loose.sku)
    await shot(page, 'admin-delivery-new-no-sizes')

    await page.goto(`${app.url}/admin/catalog/packagings`)
    await page.fill('input[name=sku]', loose.sku)
    await page.click('text=Найти')
    await page.waitForURL(/packagings\?sku=/)
    const row = page.locator('[data-packagings] tbody tr').first()
    await row.locator('input[name^=weight_]').fill('1,2 кг')
    await row.locator('input[name^=length_]').fill('20')
    await page.click('text=Сохранить размеры')
    await page.waitForLoadState('networkidle')
    expect(await page.textContent('body')).to.contain('Вес — целое число граммов').and.contain('Укажите все три размера')
    expect(await row.locator('input[name^=weight_]').inputValue()).to.equal('1,2 кг')
    await shot(page, 'admin-packagings-error')
    await row.locator('input[name^=weight_]').fill('1020')
    await row.locator('input[name^=width_]').fill('15')
    await row.locator('input[name^=height_]').fill('10')
    await page.click('text=Сохранить размеры')
    await page.waitForURL(/packagings\?sku=/)
    expect(await page.textContent('body')).to.contain('Размеры упаковки сохранены').and.contain('для СДЭК готово')
    await shot(page, 'admin-packagings')

    await page.goto(`${app.url}/admin/delivery/new?order=${order.number}`)
    expect(await page.inputValue('input[name=weight_2]')).to.equal('1020')
    expect(await page.locator('[data-no-sizes]').count()).to.equal(0)
    await page.click('text=Отправить заявку в СДЭК')
    await page.waitForURL(`${app.url}/admin/delivery`)
    await app.c.dispatcher.drainOnce()
    const req = await app.c.db('delivery_requests').where({ order_id: order.id }).first()
    await request(app.url).post(`/hooks/cdek/${SECRET}`).send({ type: 'ORDER_STATUS', date_time: '2026-11-27T12:00:00+0300', uuid: req.cdek_uuid, attributes: { cdek_number: '5550003334', status_code: 'NOT_DELIVERED', status_date_time: '2026-11-27T12:00:00+0300', city_name: 'Санкт-Петербург' } })
    await request(app.url).post(`/hooks/cdek/${SECRET}`).send({ type: 'ORDER_STATUS', date_time: '2026-11-28T12:00:00+0300', uuid: req.cdek_uuid, attributes: { cdek_number: '5550003334', status_code: 'RETURNED_TO_SENDER_CITY_WAREHOUSE', status_date_time: '2026-11-28T12:00:00+0300', city_name: 'Москва' } })

    await app.c.dispatcher.drainOnce()
    await page.goto(`${app.url}/admin/delivery`)
    await page.click('text=проверить подписку')
    await page.waitForURL(`${app.url}/admin/delivery`)
    expect(await page.textContent('body')).to.contain('Подписка на статусы СДЭК оформлена')
    expect(await page.locator('[data-delivery-attention]').textContent()).to.contain('Не доставлено или возвращается: 1')
    expect(await page.locator(`[data-delivery-id="${req.id}"] [data-delivery-problem]`).textContent()).to.contain('Груз возвращается отправителю')
    await shot(page, 'admin-delivery-returned')

    const buyerPage = await chromium.newPage({ viewport: { width: 1280, height: 900 } })
    await login(buyerPage, b.user.email, PASSWORD)
    await buyerPage.goto(`${app.url}/orders/${order.number}`)
    expect(await buyerPage.locator('[data-deliveries] [data-delivery-problem]').textContent()).to.contain('Груз возвращается отправителю')
    await shot(buyerPage, 'buyer-order-returned')
  })

  it('the buyer sees each shipment «доставлена» and the order «доставлен» after CDEK delivers them', async () => {
    const { b, order } = await orderWithDelivery(app)
    const shipments = await splitAndShip(app, b, order)
    for (const s of shipments) {
      expect((await app.c.delivery.createRequest({ orderId: order.id, shipmentId: s.id, actor: { kind: 'b24', userId: null } })).ok).to.equal(true)
    }
    await app.c.dispatcher.drainOnce()
    for (const r of await app.c.db('delivery_requests').where({ order_id: order.id })) await app.c.cdekSandbox!.advance(r.cdek_uuid, 'DELIVERED')
    await app.c.dispatcher.drainOnce()
    expect((await app.c.db('orders').where({ id: order.id }).first()).status).to.equal('delivered')
    const buyerPage = await chromium.newPage({ viewport: { width: 1280, height: 1100 } })
    await login(buyerPage, b.user.email, PASSWORD)
    await buyerPage.goto(`${app.url}/orders/${order.number}`)
    expect(await buyerPage.locator('[data-shipment-delivered]').count()).to.equal(2)
    await shot(buyerPage, 'buyer-order-delivered')
    await page.goto(`${app.url}/admin/orders/${order.id}`)
    expect(await page.textContent('body')).to.contain('Доставка СДЭК').and.contain('доставлено отгрузок: 1 из 2')
    expect(await page.locator('[data-shipment-delivered]').count()).to.equal(2)
    await shot(page, 'admin-order-delivered')
  })
})
