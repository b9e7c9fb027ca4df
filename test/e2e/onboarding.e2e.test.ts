import { expect } from 'chai'
import type { Browser as PwBrowser, Page } from 'playwright-core'
import { startApp, type TestApp } from '../support/app.js'
import { launchChromium, shot } from '../support/browser.js'
import { JPEG_4x3, pdf } from '../support/images.js'

/*
 * A buyer's first visit in real Chromium: registration of an ООО by INN through the DaData sandbox (the page script fills
 * the card without a reload), an ИП added next, switching between them from the header, a delivery point with a photo and
 * a statutory document uploaded.
 */
describe('e2e: onboarding of a wholesale buyer', function () {
  this.timeout(120_000)
  let app: TestApp
  let browser: PwBrowser
  let page: Page
  const email = `e2e${Date.now()}@test.local`

  before(async () => {
    app = await startApp()
    await app.c.db('companies').whereIn('inn', ['7705123452', '773006366201']).delete()
    browser = await launchChromium()
    page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'ru-RU' })
  })
  after(async () => {
    await browser?.close()
    await app?.close()
  })

  it('registers a person with an ООО found by INN', async () => {
    await page.goto(`${app.url}/register`)
    await page.fill('input[name=full_name]', 'Кузнецова Мария Игоревна')
    await page.fill('input[name=email]', email)
    await page.fill('input[name=phone]', '+7 916 555-44-33')
    await page.fill('input[name=password]', 'correct-horse-battery')
    await page.fill('input[name=password2]', 'correct-horse-battery')
    await page.fill('input[name=inn]', '7705123452')
    await page.waitForSelector('[data-lookup-card]:not([hidden])')
    expect(await page.textContent('[data-card="name_short"]')).to.equal('ООО "КОФЕЙНАЯ ГАВАНЬ"')
    expect(await page.locator('[data-branch-select] option').count()).to.equal(3)
    await page.check('input[name=edo_enabled]')
    await page.selectOption('select[name=edo_operator]', 'diadoc')
    await page.fill('input[name=edo_participant_id]', '2BM-7705123452-770501001')
    await page.fill('input[name=postal_address]', '115035, г Москва, а/я 12')
    await shot(page, '01-register-filled-by-inn')
    await page.click('button[value=register]')
    await page.waitForURL(`${app.url}/`)
    expect(await page.textContent('.flash-ok')).to.contain('Регистрация завершена')
    expect(await page.textContent('h1')).to.contain('КОФЕЙНАЯ ГАВАНЬ')
    await shot(page, '02-cabinet-home')
  })

  it('hides every company field for a private person', async () => {
    const other = await browser.newPage()
    await other.goto(`${app.url}/register`)
    expect(await other.isVisible('input[name=inn]')).to.equal(true)
    await other.check('input[name=is_person]')
    expect(await other.isVisible('input[name=inn]')).to.equal(false)
    expect(await other.isVisible('input[name=edo_enabled]')).to.equal(false)
    await other.close()
  })

  it('adds an ИП and switches between the companies from the header', async () => {
    await page.goto(`${app.url}/companies/new`)
    await page.fill('input[name=inn]', '773006366201')
    await page.waitForSelector('[data-lookup-card]:not([hidden])')
    expect(await page.textContent('[data-card="name_short"]')).to.contain('ИП Петрова')
    await shot(page, '03-new-company-ip')
    await page.click('button[value=save]')
    await page.waitForURL(`${app.url}/company`)
    expect(await page.textContent('.switcher-label')).to.contain('ИП Петрова')

    await page.goto(`${app.url}/company/members`)
    await page.click('.switcher summary')
    await shot(page, '04-company-switcher')
    await page.click('.switcher-item:has-text("КОФЕЙНАЯ ГАВАНЬ")')
    await page.waitForURL(`${app.url}/company/members`)
    expect(await page.textContent('.switcher-label')).to.contain('КОФЕЙНАЯ ГАВАНЬ')
    await page.goto(`${app.url}/company`)
    expect(await page.textContent('.dl')).to.contain('Контур.Диадок')
    await shot(page, '05-company-card')
  })

  it('adds a delivery point with a photo', async () => {
    await page.goto(`${app.url}/company/points/new`)
    await page.fill('input[name=name]', 'Кофейня на Садовнической')
    await page.fill('input[name=address]', 'г Москва, ул Садовническая, д 14 стр 2')
    await page.fill('input[name=contact_name]', 'Елена')
    await page.fill('input[name=contact_phone]', '+7 903 555-01-01')
    await page.fill('input[name=working_hours]', 'пн–пт 8:00–20:00, приёмка до 12:00')
    await page.setInputFiles('input[name=photo]', { name: 'фасад.jpg', mimeType: 'image/jpeg', buffer: JPEG_4x3 })
    await shot(page, '06-delivery-point-form')
    await page.click('button[type=submit].button')
    await page.waitForURL(`${app.url}/company/points`)
    expect(await page.textContent('main')).to.contain('Кофейня на Садовнической')
    const thumb = page.locator('img.thumb').first()
    expect(await thumb.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).to.equal(4)
    await shot(page, '07-delivery-points')
  })

  it('uploads a statutory document and downloads it', async () => {
    await page.goto(`${app.url}/company/documents`)
    await page.selectOption('select[name=doc_type]', 'charter')
    await page.fill('input[name=title]', 'Устав в редакции 2024 года')
    await page.setInputFiles('input[name=file]', { name: 'Устав.pdf', mimeType: 'application/pdf', buffer: pdf() })
    await page.click('form[enctype="multipart/form-data"] button[type=submit]')
    await page.waitForURL(`${app.url}/company/documents`)
    expect(await page.textContent('main')).to.contain('Устав в редакции 2024 года')
    expect(await page.textContent('main')).to.contain('Устав.pdf')
    await shot(page, '08-documents')
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('a[href$="/download"]')])
    expect(download.suggestedFilename()).to.equal('Устав.pdf')
  })
})
