import { expect } from 'chai'
import type { Browser as PwBrowser, Page } from 'playwright-core'
import { startApp, type TestApp } from '../support/app.js'
import { pricedDemoCatalog } from '../support/demo-catalog.js'
import { launchChromium, shot, logIn } from '../support/browser.js'
import { buyer } from '../support/factories.js'
import { seedCarts } from '../../server/db/seeds/carts.js'

/*
 * A buyer's carts in real Chromium over the demo catalog and the demo cart types: the type tabs and the mini-cart, a
 * quantity and a comment saved with Enter, a new cart of «Кофе в офис», lines moved into it, a line the bags cart cannot
 * take refused with the reason, and a catalog row added to a chosen cart. The cart types are removed afterwards, so the
 * other end-to-end tests that share the database meet no cart types.
 */
describe('e2e: named carts and cart types', function () {
  this.timeout(120_000)
  let app: TestApp
  let browser: PwBrowser
  let page: Page
  let login: { email: string; password: string }
  let companyId = 0

  before(async () => {
    app = await startApp()
    const db = app.c.db
    const seeded = await pricedDemoCatalog(app)
    const now = Date.now()
    const b = await buyer(app, { status: 'verified' })
    login = b.user
    companyId = b.company.id
    await db('delivery_points').insert({ company_id: companyId, name: 'Кофейня на Садовнической', address: 'г Москва, ул Садовническая, д 14', contact_name: 'Елена', contact_phone: '+79035550101', working_hours: '', is_default: true, created_at: now, updated_at: now })
    await seedCarts(app.c, seeded, { oooId: companyId })
    browser = await launchChromium()
    page = await browser.newPage({ viewport: { width: 1366, height: 900 }, locale: 'ru-RU' })
  })
  after(async () => {
    await browser?.close()
    await app?.c.db('cart_types').delete()
    await app?.close()
  })

  const lineRow = (sku: string) => page.locator(`.cart-table tr[data-line]:has(a:text-is("${sku}"))`)

  it('opens the current cart with type tabs, lines by category and the mini-cart in the header', async () => {
    await logIn(page, app.url, login.email, login.password)
    await page.goto(`${app.url}/cart`)
    expect(await page.locator('.cart-tab').allTextContents()).to.satisfy((t: string[]) => ['Кофе в офис', 'Со склада мешками', 'Транзит', 'От фермера'].every((n) => t.some((x) => x.includes(n))))
    expect(await page.textContent('.cart-tab.is-current')).to.contain('Кофе в офис')
    const groups = await page.locator('.cart-group-head th:first-child').allTextContents()
    expect(groups.map((g) => g.replace(/\s+\d.*$/, '').trim())).to.deep.equal(['Кофе', 'Чай', 'Посуда', 'Аксессуары'])
    expect(await lineRow('BLD-CLASSIC').textContent()).to.contain('Кофе в офис (розница) (корзина «Кофе в офис»)')
    await shot(page, '20-cart-office')
    await page.click('[data-minicart] summary')
    const mini = await page.textContent('.minicart-menu')
    expect(mini).to.contain('Офис на Садовнической')
    expect(mini).to.contain('Склад: мешки на апрель')
    expect(mini).not.to.contain('BLD-CLASSIC')
    await shot(page, '21-mini-cart')
    await page.click('[data-minicart] summary')
  })

  it('saves a quantity and a comment with Enter, as one form', async () => {
    await lineRow('BLD-CLASSIC').locator('input.line-comment').fill('помол под эспрессо не нужен, к пятнице')
    await lineRow('BLD-CLASSIC').locator('input.qty').fill('8')
    await Promise.all([page.waitForNavigation(), lineRow('BLD-CLASSIC').locator('input.qty').press('Enter')])
    expect(await page.textContent('.flash-ok')).to.contain('сохранены')
    expect(await lineRow('BLD-CLASSIC').locator('input.qty').inputValue()).to.equal('8')
    expect(await lineRow('BLD-CLASSIC').locator('input.line-comment').inputValue()).to.equal('помол под эспрессо не нужен, к пятнице')
  })

  it('keeps everything typed when a quantity is wrong', async () => {
    await lineRow('TEA-DHP').locator('input.qty').fill('две')
    await lineRow('TEA-DHP').locator('input.line-comment').fill('зелёную пачку')
    await Promise.all([page.waitForNavigation(), page.click('.cart-bar button[value=save]')])
    expect(await page.textContent('.flash-error')).to.contain('ничего не сохранено')
    expect(await lineRow('TEA-DHP').textContent()).to.contain('вы ввели «две»')
    expect(await lineRow('TEA-DHP').locator('input.line-comment').inputValue()).to.equal('зелёную пачку')
    await lineRow('TEA-DHP').locator('input.qty').fill('2')
    await Promise.all([page.waitForNavigation(), page.click('.cart-bar button[value=save]')])
    expect(await page.locator('.flash-error').count()).to.equal(0)
  })

  it('makes a new cart of a type and moves ticked lines into it; the bags cart refuses packs with the reason', async () => {
    await page.fill('#new-cart input[name=name]', 'Кафе «Ромашка»')
    await page.selectOption('#new-cart select[name=cart_type_id]', { label: 'Кофе в офис' })
    await page.fill('#new-cart input[name=client_ref]', 'заказ на апрель')
    await Promise.all([page.waitForNavigation(), page.click('#new-cart button[type=submit]')])
    expect(await page.textContent('.flash-ok')).to.contain('Корзина «Кафе «Ромашка»» создана')
    await page.goto(`${app.url}/cart?type=${await typeId('Кофе в офис')}`)
    await page.click('.cart-pill:has-text("Офис на Садовнической")')
    const target = await page.locator('select[name=to_cart] option', { hasText: 'Кафе «Ромашка»' }).getAttribute('value')
    await lineRow('ECO-CUP-250-DW-KR').locator('input[name=sel]').check()
    await lineRow('ECO-LID-80-WH-SP').locator('input[name=sel]').check()
    await page.selectOption('select[name=to_cart]', target!)
    await Promise.all([page.waitForNavigation(), page.click('.cart-bar button[value=move]')])
    expect(await page.textContent('.flash-ok')).to.contain('Перенесено в корзину «Кафе «Ромашка»»: 2 позиции')
    expect(await lineRow('ECO-CUP-250-DW-KR').count()).to.equal(0)

    const bags = await page.locator('select[name=to_cart] option', { hasText: 'Склад: мешки на апрель' }).getAttribute('value')
    await lineRow('BLD-CLASSIC').locator('input[name=sel]').check()
    await page.selectOption('select[name=to_cart]', bags!)
    await Promise.all([page.waitForNavigation(), page.click('.cart-bar button[value=copy]')])
    expect(await page.textContent('.flash-error')).to.contain('упаковка «пачка 1 кг» не продаётся в корзине «Склад: мешки на апрель»')
    await page.goto(`${app.url}/carts/${target}`)
    expect(await lineRow('ECO-CUP-250-DW-KR').count()).to.equal(1)
    await shot(page, '22-cart-moved-lines')
  })

  it('switches type tabs and adds a catalog row to the chosen cart', async () => {
    await page.click('.cart-tab:has-text("Транзит")')
    expect(await page.textContent('main')).to.contain('Корзин типа «Транзит» пока нет')
    await page.goto(`${app.url}/catalog?q=GRN-ETH-IRG-G1`)
    const row = page.locator('tbody[data-rows] tr:has(.c-sku a:text-is("GRN-ETH-IRG-G1"))')
    await row.locator('[data-qty]').fill('2')
    await page.selectOption('.order-bar select[name=cart_id]', { label: 'Новая корзина «Транзит»' })
    await Promise.all([page.waitForNavigation(), page.click('.order-bar [data-add]')])
    expect(await page.textContent('.flash-ok')).to.contain('Добавлено в корзину «Транзит»: 1 позиция')
    await page.goto(`${app.url}/cart?type=${await typeId('Транзит')}`)
    expect(await lineRow('GRN-ETH-IRG-G1').textContent()).to.contain('Транзит (контейнер в пути) (корзина «Транзит»)')
    await shot(page, '23-cart-transit')
  })

  async function typeId(name: string): Promise<number> {
    return Number((await app.c.db('cart_types').where({ name }).first('id')).id)
  }
})
