import { expect } from 'chai'
import type { Browser as PwBrowser, Page } from 'playwright-core'
import { startApp, type TestApp } from '../support/app.js'
import { pricedDemoCatalog } from '../support/demo-catalog.js'
import { launchChromium, shot, logIn } from '../support/browser.js'
import { buyer } from '../support/factories.js'

/*
 * A buyer's emailed order pasted into the quick order in real Chromium, over the demo catalog: every line comes back with
 * its status, an unknown line is fixed in place, an article prefix that fits several lids is settled by picking one, the
 * typo is confirmed, and everything found goes to the cart in one click.
 */
const EMAIL = `Добрый день! Заказ на следующую неделю:
GRN-ETH-IRG-G1 — 2 мешка
GRN-BRA-SER-NY2	1 мешок 60 кг
Кофе в зёрнах Кения Ньери, обжарка средняя под эспрессо 6 кг
Эспрессо-смесь «Ореховая» 100% арабика, зерно — 3 коробки
Чай Цзинь Цзюнь Мэй 1,5 кг
ECO-CUP-250-DW-WH 3 кор
eco-cup-400-dw-wh 2 коробки
ECO-LID-73 2 рукава
Стакан бумажный 300 мл рифленая стенка черный 1000 шт
Аэропресс 2
Темпер 53 мм 1
Сироп карамельный Barinoff 6
Кофе в зёрнах Эфиопия Гуджи обжарка светлая под фильтр 1 коробка
Кофе в зёрнах Эфиопя Гуджи светлая 2 кг
ECO-CUP-250-DW-WH 2 коробки
GRN-ETH-OLD-2023 1

С уважением, Анна
+7 (916) 555-12-34`

describe('e2e: quick order', function () {
  this.timeout(120_000)
  let app: TestApp
  let browser: PwBrowser
  let page: Page
  let login: { email: string; password: string }
  let companyId: number

  before(async () => {
    app = await startApp()
    const db = app.c.db
    const seeded = await pricedDemoCatalog(app)
    const now = Date.now()
    const b = await buyer(app, { status: 'verified' })
    login = b.user
    companyId = b.company.id
    browser = await launchChromium()
    page = await browser.newPage({ viewport: { width: 1360, height: 900 }, locale: 'ru-RU' })
  })
  after(async () => {
    await browser?.close()
    await app?.close()
  })

  const statusOf = (line: number) => page.locator(`tr[data-line="${line}"]`).getAttribute('data-status')

  it('pastes an email and shows every line with its status', async () => {
    await logIn(page, app.url, login.email, login.password)
    await page.click('header a[href="/quick-order"]')
    await page.fill('textarea[name="text"]', EMAIL)
    await Promise.all([page.waitForLoadState('load'), page.click('form[action="/quick-order"] button[type="submit"]')])
    await page.waitForSelector('.qo-result')
    await shot(page, 'quick-order-result')
    expect(await page.locator('tr.qo-row').count()).to.equal(19)
    const statuses = await Promise.all(Array.from({ length: 20 }, (_, i) => i + 1).filter((n) => n !== 18).map(statusOf))
    expect(statuses).to.deep.equal([
      'ignored', 'matched', 'matched', 'matched', 'matched', 'matched', 'matched', 'matched', 'ambiguous', 'matched', 'matched',
      'matched', 'unmatched', 'matched', 'ambiguous', 'merged', 'inactive', 'ignored', 'ignored',
    ])
    const cups = page.locator('tr[data-line="7"]')
    await expect(await cups.textContent()).to.contain('5 × коробка 50 шт').and.contain('Объединено со строкой 16')
  })

  it('fixes an unknown line in place, picks a lid and confirms the typo, then adds everything to the cart', async () => {
    expect(await page.locator('tr[data-line="15"] input[type="radio"]:checked').count()).to.equal(1)
    await page.fill('input[name="t[13]"]', 'TEA-KENYA-PF1 2 коробки')
    await page.locator('tr[data-line="9"] input[type="radio"]').first().check()
    await Promise.all([page.waitForLoadState('load'), page.click('button:has-text("Проверить снова")')])
    expect(await statusOf(13)).to.equal('matched')
    expect(await page.locator('tr[data-line="13"]').textContent()).to.contain('TEA-KENYA-PF1').and.contain('2 × коробка 5 кг')
    expect(await statusOf(9)).to.equal('matched')
    // The typo's pre-selected suggestion was sent with the form: confirmed.
    expect(await statusOf(15)).to.equal('matched')
    expect(await page.locator('tr[data-line="15"]').textContent()).to.contain('RST-ETH-GUD-F').and.contain('2 × пачка 1 кг')
    await shot(page, 'quick-order-checked')
    await Promise.all([page.waitForLoadState('load'), page.click('button:has-text("Добавить найденное в корзину")')])
    // The product no longer sold stays on the page; everything else is in the cart.
    expect(await page.locator('p.flash-ok').textContent()).to.contain('добавлено позиций: 14')
    expect(await page.locator('tr.qo-row').count()).to.equal(1)
    expect(await statusOf(17)).to.equal('inactive')
    await shot(page, 'quick-order-added')
    await Promise.all([page.waitForURL(/\/carts\/\d+$/), page.click('p.flash-ok a')])
    await shot(page, 'quick-order-cart')
    const lines = await app.c.db('cart_lines as l').join('carts as c', 'c.id', 'l.cart_id').where('c.company_id', companyId).count({ n: '*' })
    expect(Number(lines[0]!.n)).to.equal(14)
  })
})
