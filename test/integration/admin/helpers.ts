import { Browser, type TestApp } from '../../support/app.js'
import { createUser } from '../../support/factories.js'

/** A logged-in supplier staff member. */
export async function staff(app: TestApp, name = 'Менеджерова Мария Ивановна') {
  const user = await createUser(app, { staff: true, name })
  const browser = new Browser(app)
  await browser.login(user.email, user.password)
  return { user, browser }
}

/** The company ids of the admin list page, in the order shown. */
export function listedIds(html: string): number[] {
  return [...html.matchAll(/data-company-id="(\d+)"/g)].map((m) => Number(m[1]))
}

/** The audit rows of a company, oldest first. */
export function auditOf(app: TestApp, companyId: number) {
  return app.c.db('audit_log').where({ company_id: companyId }).orderBy('id')
}

/** The company row as stored. */
export function companyRow(app: TestApp, id: number) {
  return app.c.db('companies').where({ id }).first()
}

/** Text with the HTML escaping Handlebars applies, for matching names with quotes in pages. */
export function escaped(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&#x27;').replace(/=/g, '&#x3D;').replace(/`/g, '&#x60;')
}
