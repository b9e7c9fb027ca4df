import { expect } from 'chai'
import type { Browser as PwBrowser, Page } from 'playwright-core'
import { launchChromium, shot, logIn } from '../support/browser.js'
import { staff } from '../support/factories.js'
import { startB24App, type B24TestApp } from '../integration/b24-ui/helpers.js'
import { orderingBuyer, placeOrder, put, stocked, typedCart, warehouse } from '../integration/orders/helpers.js'

/*
 * «Открыть кабинет клиента» in real Chromium: the manager sees the buyer's catalog, cart and order pages as they are, with
 * every control that would change something disabled and marked «только просмотр»; «Выйти» still works. Screenshots:
 * b24-read-only-catalog, b24-read-only-cart, b24-read-only-order.
 */
describe('e2e: the read-only client cabinet (screenshots)', function () {
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

  /** What the page's post forms look like: enabled controls other than «Выйти»/logout, and how many hints are shown. */
  const controlsOf = (p: Page) =>
    p.evaluate(() => {
      const forms = Array.from(document.querySelectorAll('form')).filter((f) => (f.getAttribute('method') || '').toLowerCase() === 'post')
      const changing = forms.filter((f) => !['/logout', '/impersonation/exit'].includes(f.getAttribute('action') || ''))
      const controls = changing.flatMap((f) => Array.from(f.querySelectorAll('button, input, select, textarea')) as HTMLInputElement[]).filter((el) => el.type !== 'hidden')
      const exit = document.querySelector('form[action="/impersonation/exit"] button') as HTMLButtonElement | null
      return {
        forms: changing.length,
        controls: controls.length,
        enabled: controls.filter((el) => !el.disabled).map((el) => el.outerHTML.slice(0, 120)),
        hints: document.querySelectorAll('.read-only-hint').length,
        exitEnabled: !!exit && !exit.disabled,
        readOnly: document.body.classList.contains('read-only'),
      }
    })

  it('catalog, cart and order: every state-changing control disabled with a hint, «Выйти» works', async () => {
    const s = await staff(app)
    const wh = await warehouse(app)
    const p1 = await stocked(app, { warehouseId: wh, onHand: 500 })
    const p2 = await stocked(app, { warehouseId: wh, onHand: 500 })
    const b = await orderingBuyer(app)
    const order = await placeOrder(app, b, [{ p: p1, qty: 12 }, { p: p2, qty: 24 }], wh)
    const cart = await typedCart(app, b.company.id, wh, { name: 'Поставка на декабрь' })
    await put(app, cart.id, p1, 6)
    await put(app, cart.id, p2, 12)

    const ctx = await browser.newContext({ viewport: { width: 1200, height: 800 } })
    const p = await ctx.newPage()
    await logIn(p, app.url, s.user.email, s.user.password)
    await p.goto(`${app.url}/admin/companies/${b.company.id}`)
    await Promise.all([p.waitForNavigation(), p.click('[data-open-cabinet] button')])

    for (const [path, name] of [
      ['/catalog', 'b24-read-only-catalog'],
      [`/carts/${cart.id}`, 'b24-read-only-cart'],
      [`/orders/${order.number}`, 'b24-read-only-order'],
    ] as const) {
      await p.goto(`${app.url}${path}`)
      await p.waitForLoadState('load')
      const c = await controlsOf(p)
      expect(c.readOnly, path).to.equal(true)
      expect(c.forms, path).to.be.greaterThan(0)
      expect(c.controls, path).to.be.greaterThan(0)
      expect(c.enabled, path).to.deep.equal([])
      expect(c.hints, path).to.be.greaterThan(0)
      expect(c.exitEnabled, path).to.equal(true)
      await shot(p, name)
    }

    // «Показать ещё»-style re-enabling (pageshow) is locked again by the script.
    await p.evaluate(() => document.querySelectorAll('form[method="post"]:not([action="/impersonation/exit"]):not([action="/logout"]) button').forEach((el) => ((el as HTMLButtonElement).disabled = false)))
    await p.waitForFunction(() => Array.from(document.querySelectorAll('form[method="post"]:not([action="/impersonation/exit"]):not([action="/logout"]) button')).every((el) => (el as HTMLButtonElement).disabled))

    await Promise.all([p.waitForNavigation(), p.click('form[action="/impersonation/exit"] button')])
    expect(p.url()).to.contain(`/admin/companies/${b.company.id}`)
    await ctx.close()
  })
})
