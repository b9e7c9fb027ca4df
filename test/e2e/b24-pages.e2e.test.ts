import { expect } from 'chai'
import type { Browser as PwBrowser, Page } from 'playwright-core'
import { launchChromium, shot, logIn, postForm } from '../support/browser.js'
import { buyer, staff, uniq } from '../support/factories.js'
import { installed, link, placementBody, portalAccepts, startB24App, type B24TestApp, PORTAL, rest, ok } from '../integration/b24-ui/helpers.js'
import { orderingBuyer, placeOrder, stocked, warehouse } from '../integration/orders/helpers.js'
import nock from 'nock'

/*
 * The Bitrix24 app's pages in real Chromium, each opened the way Bitrix24 opens it (a form POST with member_id, AUTH_ID,
 * PLACEMENT and PLACEMENT_OPTIONS; the portal's REST answered by nock in this process), screenshot for a look: the deal tab,
 * the company tab, the settings page and the read-only banner of «Открыть кабинет клиента».
 */
describe('e2e: Bitrix24 tabs, settings and the open-as-client banner (screenshots)', function () {
  this.timeout(120_000)
  let app: B24TestApp
  let browser: PwBrowser
  let page: Page

  before(async () => {
    app = await startB24App({
      delivery: {
        async createRequest() {
          return { ok: true }
        },
        async requestsForOrder() {
          return []
        },
        async draft() {
          return { packages: [{ weightG: 12_400, lengthCm: 40, widthCm: 30, heightCm: 30 }, { weightG: 12_400, lengthCm: 40, widthCm: 30, heightCm: 30 }], warnings: [] }
        },
      },
    })
    browser = await launchChromium()
    page = await browser.newPage({ viewport: { width: 1000, height: 800 } })
  })
  after(async () => {
    await browser?.close()
    await app?.close()
  })

  it('deal tab', async () => {
    const { memberId } = await installed(app)
    const wh = await warehouse(app)
    const p1 = await stocked(app, { warehouseId: wh, onHand: 500, name: 'Кофе зелёный Эфиопия Иргачефф G1', price: 98_000 })
    const p2 = await stocked(app, { warehouseId: wh, onHand: 500, name: 'Чай улун Те Гуань Инь', price: 145_000 })
    const b = await orderingBuyer(app)
    const order = await placeOrder(app, b, [{ p: p1, qty: 30 }, { p: p2, qty: 5 }], wh, { comment: 'Доставка до 14:00' })
    await link(app, 'deal', order.id, memberId, 4711)
    const auth = `auth-${uniq()}`
    portalAccepts(auth)
    await postForm(page, app.url, '/b24/placement?DOMAIN=b2b-ui.bitrix24.ru&PROTOCOL=1', placementBody(memberId, auth, 'CRM_DEAL_DETAIL_TAB', 4711))
    expect(await page.textContent('h1')).to.contain(`Заказ № ${order.number}`)
    await shot(page, 'b24-deal-tab')
    // An action: a move along the machine, posted back with the placement token.
    await Promise.all([page.waitForNavigation(), page.click('button[name=status][value=awaiting_payment]')])
    expect(await page.textContent('[data-flash]')).to.contain('ожидает оплаты')
    await shot(page, 'b24-deal-tab-after-move')
  })

  it('company tab', async () => {
    const { memberId } = await installed(app)
    const b = await buyer(app, { status: 'unverified' })
    await link(app, 'company', b.company.id, memberId, 815)
    const auth = `auth-${uniq()}`
    portalAccepts(auth)
    await postForm(page, app.url, '/b24/placement?DOMAIN=b2b-ui.bitrix24.ru&PROTOCOL=1', placementBody(memberId, auth, 'CRM_COMPANY_DETAIL_TAB', 815))
    expect(await page.textContent('h1')).to.contain(b.company.name)
    await shot(page, 'b24-company-tab')
  })

  it('settings page', async () => {
    const { memberId } = await installed(app)
    nock(PORTAL)
      .persist()
      .post(rest('crm.category.list'))
      .reply(200, ok({ categories: [{ id: 0, name: 'Общая' }, { id: 3, name: 'Оптовые заказы' }] }))
      .post(rest('crm.status.list'))
      .reply(200, ok([
        { STATUS_ID: 'NEW', NAME: 'Новая' }, { STATUS_ID: 'PREPARATION', NAME: 'Подготовка документов' }, { STATUS_ID: 'PREPAYMENT_INVOICE', NAME: 'Счёт на предоплату' },
        { STATUS_ID: 'EXECUTING', NAME: 'В работе' }, { STATUS_ID: 'FINAL_INVOICE', NAME: 'Финальный счёт' }, { STATUS_ID: 'WON', NAME: 'Сделка успешна' }, { STATUS_ID: 'LOSE', NAME: 'Сделка провалена' },
      ]))
    const auth = `auth-${uniq()}`
    portalAccepts(auth, { ID: '1', NAME: 'Анна', LAST_NAME: 'Администратова', ADMIN: true })
    await postForm(page, app.url, '/b24/app?DOMAIN=b2b-ui.bitrix24.ru&PROTOCOL=1', placementBody(memberId, auth, 'DEFAULT', ''))
    expect(await page.textContent('h1')).to.contain('Настройки приложения')
    await shot(page, 'b24-settings')
    await page.selectOption('select[name="back[WON]"]', 'completed')
    await Promise.all([page.waitForNavigation(), page.click('button:has-text("Сохранить настройки")')])
    expect(await page.textContent('[data-flash]')).to.contain('Настройки сохранены')
    nock.cleanAll()
  })

  it('open-as-client banner (staff from /admin)', async () => {
    const s = await staff(app)
    const b = await buyer(app, { status: 'verified' })
    const ctx = await browser.newContext({ viewport: { width: 1200, height: 700 } })
    const p = await ctx.newPage()
    await logIn(p, app.url, s.user.email, s.user.password)
    await p.goto(`${app.url}/admin/companies/${b.company.id}`)
    await Promise.all([p.waitForNavigation(), p.click('[data-open-cabinet] button')])
    expect(await p.textContent('[data-impersonation]')).to.contain('Вы смотрите кабинет клиента')
    await p.goto(`${app.url}/company/points/new`)
    await shot(p, 'b24-impersonation-banner')
    await ctx.close()
  })
})
