import fs from 'node:fs'
import path from 'node:path'
import { chromium, type Browser as PwBrowser, type Page } from 'playwright-core'

export const SCREENSHOTS = path.resolve('test/e2e/screenshots')

/** Debian's Chromium, driven by playwright-core (never a downloaded browser), with the flags this sandbox needs. */
export async function launchChromium(): Promise<PwBrowser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
  })
}

/** Saves a full-page screenshot under test/e2e/screenshots/ (git-ignored) so pages can be looked at after a run. */
export async function shot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true })
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true })
}

/** Logs in through the login page as a person would and waits for the page it lands on. */
export async function logIn(page: Page, baseUrl: string, email: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/login`)
  await page.fill('form[action="/login"] input[name=email]', email)
  await page.fill('form[action="/login"] input[name=password]', password)
  await Promise.all([page.waitForURL((u) => u.pathname !== '/login'), page.click('form[action="/login"] button[type=submit]')])
}

/**
 * Opens a page of the app the way Bitrix24 opens a placement or the app page: a form POST of the given fields (here top-level,
 * so the page can be looked at and screenshotted).
 */
export async function postForm(page: Page, baseUrl: string, path: string, fields: Record<string, string>): Promise<void> {
  await page.goto(`${baseUrl}/login`)
  await Promise.all([
    page.waitForNavigation(),
    page.evaluate(
      ({ path, fields }) => {
        const f = document.createElement('form')
        f.method = 'post'
        f.action = path
        for (const [k, v] of Object.entries(fields)) {
          const i = document.createElement('input')
          i.type = 'hidden'
          i.name = k
          i.value = v
          f.appendChild(i)
        }
        document.body.appendChild(f)
        f.submit()
      },
      { path, fields },
    ),
  ])
}
