import path from 'node:path'
import { expect } from 'chai'
import type { Browser as PwBrowser, Page } from 'playwright-core'
import { startApp, type TestApp } from '../support/app.js'
import { tmpRoot } from '../support/hooks.js'
import { buyer, createUser } from '../support/factories.js'
import { JPEG_4x3, png } from '../support/images.js'
import { launchChromium, shot, logIn } from '../support/browser.js'
import { fixture, ONEC_ENV, OnecClient } from '../support/onec.js'

describe('1C exchange page in Chromium', () => {
  let app: TestApp
  let chromium: PwBrowser
  let page: Page
  before(async () => {
    app = await startApp({ env: { ...ONEC_ENV, ONEC_DIR: path.join(tmpRoot, 'onec-e2e'), ONEC_ZIP: 'no', ONEC_BATCH_SIZE: '1', ONEC_STEP_SECONDS: '0.001' } })
    chromium = await launchChromium()
    page = await chromium.newPage({ viewport: { width: 1280, height: 900 } })
  })
  after(async () => {
    await chromium?.close()
    await app?.close()
  })

  it('shows finished, failed and running sessions with counts, files, errors and a progress bar', async () => {
    await new OnecClient(app).push([{ name: 'import.xml', body: fixture('import.xml') }, { name: 'offers.xml', body: fixture('offers.xml') }])
    await new OnecClient(app).push([{ name: 'offers_bad.xml', body: Buffer.from('<?xml version="1.0"?><КоммерческаяИнформация><ПакетПредложений><Предложения><Предложение><Ид>no-such-product</Ид><Наименование>Призрак</Наименование></Предложение></Предложения></ПакетПредложений></КоммерческаяИнформация>') }])
    const running = new OnecClient(app)
    await running.checkauth()
    await running.init()
    await running.upload('import.xml', fixture('import.xml'))
    await running.upload('offers.xml', fixture('offers.xml'))
    await running.get('import', '&filename=import.xml')
    const user = await createUser(app, { staff: true })
    await logIn(page, app.url, user.email, user.password)
    await page.goto(`${app.url}/admin/onec`)
    expect(await page.locator('[data-onec-session]').count()).to.be.greaterThan(2)
    expect(await page.locator('progress').count()).to.be.greaterThan(0)
    await shot(page, 'admin-onec')
  })

  it('shows the pictures 1C sent on the product card, the main one first', async () => {
    const id = `e2e-pic-${Date.now().toString(36)}`
    const sku = `PIC-${Date.now().toString(36).toUpperCase()}`
    const xml = Buffer.from(
      `<?xml version="1.0" encoding="UTF-8"?><КоммерческаяИнформация ВерсияСхемы="2.10"><Каталог><Товары><Товар><Ид>${id}</Ид><Артикул>${sku}</Артикул>` +
        `<Наименование>Кофе в зёрнах Бразилия Сантос, 1 кг</Наименование><БазоваяЕдиница>кг</БазоваяЕдиница>` +
        `<Картинка>import_files/e2/${id}_main.png</Картинка><Картинка>import_files/e2/${id}_pack.jpg</Картинка></Товар></Товары></Каталог></КоммерческаяИнформация>`,
    )
    await new OnecClient(app).push([
      { name: `import_files/e2/${id}_main.png`, body: png(400, 300) },
      { name: `import_files/e2/${id}_pack.jpg`, body: JPEG_4x3 },
      { name: 'import.xml', body: xml },
    ])
    const b = await buyer(app, { status: 'verified' })
    const ctx = await chromium.newContext({ viewport: { width: 1280, height: 900 } })
    const p = await ctx.newPage()
    await logIn(p, app.url, b.user.email, b.user.password)
    await p.goto(`${app.url}/catalog/p/${sku}`)
    const main = p.locator('img.product-main-picture')
    await main.waitFor()
    expect(await main.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).to.equal(400)
    expect(await p.locator('.product-thumbs img').count()).to.equal(1)
    await shot(p, 'catalog-product-pictures')
    await ctx.close()
  })
})
