import type { TestApp } from '../../support/app.js'

/** The company ids of the admin list page, in the order shown. */
export function listedIds(html: string): number[] {
  return [...html.matchAll(/data-company-id="(\d+)"/g)].map((m) => Number(m[1]))
}

/** The company row as stored. */
export function companyRow(app: TestApp, id: number) {
  return app.c.db('companies').where({ id }).first()
}

/** Text with the HTML escaping Handlebars applies, for matching names with quotes in pages. */
export function escaped(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&#x27;').replace(/=/g, '&#x3D;').replace(/`/g, '&#x60;')
}
