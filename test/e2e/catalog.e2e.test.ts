import fs from 'node:fs'
import { expect } from 'chai'
import ExcelJS from 'exceljs'
import type { Browser as PwBrowser, Page } from 'playwright-core'
import { startApp, type TestApp } from '../support/app.js'
import { pricedDemoCatalog } from '../support/demo-catalog.js'
import { launchChromium, shot, logIn } from '../support/browser.js'
import { buyer } from '../support/factories.js'
import { insertId } from '../../server/db/dialect.js'

/*
 * A wholesale buyer's order from the catalog in real Chromium, over the demo catalog: search by an article prefix from
 * the header, a colour filter, quantities typed into three rows with Enter moving between them, the price of a row
 * re-rendered by the server as its quantity crosses a tier (from 36 pcs), all three rows added to the cart at once, and
 * the personal price list downloaded.
 */
describe('e2e: ordering from the catalog', function () {
  this.timeout(120_000)
  let app: TestApp
  let browser: PwBrowser
  let page: Page
  let login: { email: string; password: string }
  const TIERED = 'ECO-CUP-250-DW-KR'

  before(async () => {
    app = await startApp()
    const db = app.c.db
    const seeded = await pricedDemoCatalog(app)
    const now = Date.now()
    // From 36 pcs the tiered cup costs 10 % less: its own price type and a product quantity tier.
    const cup = seeded.find((s) => s.sku === TIERED)!
    const tier = await insertId(db, 'price_types', { code: `e2e-eco36-${now}`, name: 'EcoCups от 36 шт', is_default: false })
    await db('prices').insert({ price_type_id: tier, product_id: cup.id, kopecks: Math.round(cup.listKopecks * 0.9), updated_at: now })
    await db('pricing_rules').insert({ name: 'EcoCups от 36 шт', kind: 'qty_tier', product_id: cup.id, threshold: 36_000, unit: '', price_type_id: tier, discount_bp: 0, is_active: true, created_at: now, updated_at: now })
    login = (await buyer(app, { status: 'verified' })).user
    browser = await launchChromium()
    page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'ru-RU', acceptDownloads: true })
  })
  after(async () => {
    await browser?.close()
    await app?.close()
  })

  const skus = () => page.locator('tbody[data-rows] .c-sku a').allTextContents()
  const rowOf = (sku: string) => page.locator(`tbody[data-rows] tr:has(.c-sku a:text-is("${sku}"))`)
  /** Waits until a cell of the row reads as expected; the page swaps the cells, so they are looked up afresh each time. */
  const waitCell = async (sku: string, cell: string, re: RegExp) => {
    const id = await rowOf(sku).getAttribute('data-row')
    await page.waitForFunction(
      ([sel, source]) => new RegExp(source!).test(document.querySelector(sel!)?.textContent ?? ''),
      [`tr[data-row="${id}"] [data-cell="${cell}"]`, re.source],
    )
  }

  it('finds cups by an article prefix typed into the header search', async () => {
    await logIn(page, app.url, login.email, login.password)
    await page.fill('.header-search input[name=q]', 'eco-cup-25')
    await page.press('.header-search input[name=q]', 'Enter')
    await page.waitForURL(/\/catalog\?q=eco-cup-25/)
    const found = await skus()
    expect(found.length).to.be.greaterThan(5)
    for (const s of found) expect(s).to.match(/^ECO-CUP-25/)
    expect(await page.inputValue('.header-search input[name=q]')).to.equal('eco-cup-25')
    await shot(page, '09-catalog-search-by-article')
  })

  it('narrows the list with an attribute filter', async () => {
    await page.click('.facet summary:text-is("Цвет")')
    await Promise.all([page.waitForURL(/f_color=/), page.check('.facet label:has-text("крафт") input')])
    const found = await skus()
    expect(found.length).to.be.greaterThan(1)
    for (const s of found) expect(s).to.match(/^ECO-CUP-25\d*-\w\w-KR$/)
    expect(await page.isChecked('.facet label:has-text("крафт") input')).to.equal(true)
    await shot(page, '10-catalog-filtered')
  })

  it('types quantities into three rows and sees the price react, crossing a tier', async () => {
    const [first, second] = (await skus()).filter((s) => s !== TIERED)
    const tiered = rowOf(TIERED)
    const priceCell = tiered.locator('[data-cell="price"]')
    const sumCell = tiered.locator('[data-cell="sum"]')
    const listUnit = (await priceCell.locator('.unit-price').textContent())!.trim()

    await tiered.locator('[data-qty]').fill('24')
    await tiered.locator('[data-qty]').press('Enter')
    // Enter moved to the next quantity field instead of submitting the form.
    expect(page.url()).to.contain('f_color=')
    const focused = await page.evaluate(() => (document.activeElement as HTMLInputElement).name)
    expect(focused).to.match(/^qty\[\d+\]$/)
    await waitCell(TIERED, 'sum', /24\s*шт/)
    const sum24 = (await sumCell.locator('strong').textContent())!.trim()
    expect(await sumCell.locator('.tier-hint').textContent()).to.contain('ещё 12')

    await rowOf(first!).locator('[data-pack]').selectOption({ label: 'коробка 50 шт' })
    await rowOf(first!).locator('[data-qty]').fill('2')
    await rowOf(second!).locator('[data-qty]').fill('5')
    await waitCell(first!, 'sum', /100\s*шт/)
    // 5 pcs of a packaging sold from 12: the row says so.
    await waitCell(second!, 'sum', /12\s*шт/)
    expect(await rowOf(second!).locator('.qty-note').getAttribute('title')).to.contain('минимальный заказ 12')

    await tiered.locator('[data-qty]').fill('36')
    await waitCell(TIERED, 'sum', /36\s*шт/)
    const sum36 = (await sumCell.locator('strong').textContent())!.trim()
    const tierUnit = (await priceCell.locator('.unit-price').textContent())!.trim()
    expect(sum36).not.to.equal(sum24)
    expect(tierUnit).not.to.equal(listUnit)
    expect(tierUnit).to.contain(listUnit.replace(/\/шт$/, '').trim())
    expect(await page.textContent('[data-picked]')).to.contain('Позиций с количеством: 3')
    await shot(page, '11-catalog-quantities')
  })

  it('adds the three rows to the cart at once', async () => {
    await Promise.all([page.waitForURL(/\/catalog\?q=eco-cup-25/), page.click('.order-bar [data-add]')])
    expect(await page.textContent('.flash-ok')).to.contain('Добавлено в корзину «Основная корзина»: 3 позиции')
    await page.goto(`${app.url}/cart`)
    const lines = await page.locator('.cart-table tr[data-line]').count()
    expect(lines).to.equal(3)
    expect(await page.textContent('.cart-table')).to.contain(TIERED)
    await shot(page, '12-cart-from-catalog')
  })

  it('downloads the personal price list', async () => {
    await page.goto(`${app.url}/catalog`)
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('.catalog-xlsx')])
    expect(download.suggestedFilename()).to.match(/^Прайс-лист .+\.xlsx$/)
    const file = await download.path()
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.load(fs.readFileSync(file!) as unknown as ArrayBuffer)
    const skusInFile: unknown[] = []
    wb.worksheets[0]!.eachRow((row) => skusInFile.push(row.getCell(2).value))
    expect(skusInFile).to.include(TIERED)
    expect(skusInFile.length).to.be.greaterThan(500)
  })

  it('opens the short profile inline and the product page by article', async () => {
    await page.goto(`${app.url}/catalog?q=${TIERED}`)
    const row = rowOf(TIERED)
    await row.locator('summary').click()
    expect(await row.locator('.profile-body').isVisible()).to.equal(true)
    await row.locator('.profile-body a').click()
    await page.waitForURL(`${app.url}/catalog/p/${TIERED}`)
    expect(await page.textContent('h1')).to.contain('Стакан бумажный 250 мл')
    await shot(page, '13-product-card')
  })
})
