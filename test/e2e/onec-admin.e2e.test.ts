import path from 'node:path'
import { expect } from 'chai'
import type { Browser as PwBrowser, Page } from 'playwright-core'
import { startApp, type TestApp } from '../support/app.js'
import { tmpRoot } from '../support/hooks.js'
import { createUser } from '../support/factories.js'
import { launchChromium, shot } from '../support/browser.js'
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
    await page.goto(`${app.url}/login`)
    await page.fill('input[name=email]', user.email)
    await page.fill('input[name=password]', user.password)
    await page.click('button[type=submit]')
    await page.waitForURL(`${app.url}/admin**`)
    await page.goto(`${app.url}/admin/onec`)
    expect(await page.locator('[data-onec-session]').count()).to.be.greaterThan(2)
    expect(await page.locator('progress').count()).to.be.greaterThan(0)
    await shot(page, 'admin-onec')
  })
})
