import { expect } from 'chai'
import type { Browser as PwBrowser, Page } from 'playwright-core'
import { launchChromium, shot, logIn, postForm } from '../support/browser.js'
import { buyer, staff, uniq } from '../support/factories.js'
import { installed, link, placementBody, portalAccepts, startB24App, type B24TestApp } from '../integration/b24-ui/helpers.js'
import { b24Dispatcher, installSandbox, parkForeignRows, uninstallSandbox } from '../integration/b24/helpers.js'
import { startApp, type TestApp } from '../support/app.js'

/*
 * «Банковские реквизиты» in real Chromium: the buyer adds an account with a digit wrong (the key message next to the
 * field, every typed value kept), corrects it, adds a second one and makes it main; staff see both on the admin card, a
 * manager on the Bitrix24 company tab. Screenshots of each for a look.
 */
describe('e2e: bank accounts of a company (screenshots)', function () {
  this.timeout(120_000)
  let app: B24TestApp
  let browser: PwBrowser

  before(async () => {
    app = await startB24App()
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
    await app?.close()
  })

  async function login(email: string, password: string, width = 1200): Promise<Page> {
    const ctx = await browser.newContext({ viewport: { width, height: 900 } })
    const page = await ctx.newPage()
    await logIn(page, app.url, email, password)
    return page
  }

  async function fillBank(page: Page, a: Record<string, string>) {
    for (const [k, v] of Object.entries(a)) await page.fill(`#bank-form input[name=${k}]`, v)
    await Promise.all([page.waitForNavigation(), page.click('#bank-form button[type=submit]')])
  }

  it('buyer: adds accounts, sees the key error with the typed values kept, makes another main; staff and Bitrix24 see them', async () => {
    const b = await buyer(app, { status: 'verified' })
    const page = await login(b.user.email, b.user.password)
    await page.goto(`${app.url}/company`)
    expect(await page.textContent('[data-bank-accounts]')).to.contain('Банковских счетов пока нет')

    await fillBank(page, { bik: '044525225', bank_name: 'ПАО Сбербанк', bank_city: 'Москва', account: '4070 3810 2380 0000 2576', corr_account: '30101810400000000225' })
    expect(await page.textContent('#bank-form')).to.contain('Расчётный счёт не сходится с БИК — проверьте цифры')
    expect(await page.inputValue('#bank-form input[name=account]')).to.equal('4070 3810 2380 0000 2576')
    expect(await page.inputValue('#bank-form input[name=bank_name]')).to.equal('ПАО Сбербанк')
    await page.evaluate(() => window.scrollTo(0, 0))
    await shot(page, 'company-bank-error')

    await page.fill('#bank-form input[name=account]', '4070 3810 2380 0000 2575')
    await Promise.all([page.waitForNavigation(), page.click('#bank-form button[type=submit]')])
    expect(await page.textContent('.flash')).to.contain('Банковский счёт добавлен')
    await fillBank(page, { bik: '044525700', bank_name: 'АО «Райффайзенбанк»', bank_city: 'Москва', account: '40702810800001400002', corr_account: '30101810200000000700' })
    const second = page.locator('[data-bank-account]').nth(1)
    expect(await second.textContent()).to.contain('Райффайзенбанк')
    await Promise.all([page.waitForNavigation(), second.locator('button:has-text("Сделать основным")').click()])
    expect(await page.textContent('.flash')).to.contain('Основной счёт')
    expect(await page.locator('[data-bank-account]').first().textContent()).to.contain('Райффайзенбанк')
    await page.evaluate(() => window.scrollTo(0, 0))
    await shot(page, 'company-bank-accounts')

    const s = await staff(app)
    const admin = await login(s.user.email, s.user.password, 1300)
    await admin.goto(`${app.url}/admin/companies/${b.company.id}`)
    const section = admin.locator('[data-admin-bank-accounts]')
    expect(await section.textContent()).to.contain('4070 3810 2380 0000 2575').and.contain('основной')
    await shot(admin, 'admin-company-bank')

    const { memberId } = await installed(app)
    await link(app, 'company', b.company.id, memberId, 916)
    const auth = `auth-${uniq()}`
    portalAccepts(auth)
    const tab = await (await browser.newContext({ viewport: { width: 1000, height: 900 } })).newPage()
    await postForm(tab, app.url, '/b24/placement?DOMAIN=b2b-ui.bitrix24.ru&PROTOCOL=1', placementBody(memberId, auth, 'CRM_COMPANY_DETAIL_TAB', 916))
    const bankCard = tab.locator('[data-b24-bank-accounts]')
    expect(await bankCard.textContent()).to.contain('АО «Райффайзенбанк», Москва').and.contain('р/с 4070 2810 8000 0140 0002')
    await shot(tab, 'b24-company-tab-bank')
  })
})

describe('e2e: the bank detail in the Bitrix24 sandbox CRM (screenshot)', function () {
  this.timeout(120_000)
  let app: TestApp
  let browser: PwBrowser

  before(async () => {
    app = await startApp()
    await installSandbox(app)
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
    await uninstallSandbox(app)
    await app?.close()
  })

  it('a verified company with a main bank account: the sandbox CRM page lists it under the requisite', async () => {
    await parkForeignRows(app)
    const b = await buyer(app, { status: 'unverified' })
    expect((await b.browser.post('/company/bank-accounts', { bik: '044525225', account: '40703810238000002575', corr_account: '30101810400000000225', bank_name: 'ПАО Сбербанк', bank_city: 'Москва' })).status).to.equal(303)
    const s = await staff(app)
    expect((await s.browser.post(`/admin/companies/${b.company.id}/verify`)).status).to.equal(303)
    await b24Dispatcher(app).dispatcher.drainOnce()
    const ctx = await browser.newContext({ viewport: { width: 1300, height: 800 } })
    const page = await ctx.newPage()
    await logIn(page, app.url, s.user.email, s.user.password)
    await page.goto(`${app.url}/sandbox/bitrix24`)
    const row = page.locator('tr[data-company-id]', { hasText: b.company.name })
    expect(await row.textContent()).to.contain('БИК 044525225, р/с 40703810238000002575, к/с 30101810400000000225')
    await shot(page, 'b24-sandbox-bankdetail')
    await ctx.close()
  })
})
