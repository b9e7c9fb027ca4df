import type { Browser } from '../../support/app.js'

export interface FilePart {
  buffer: Buffer
  name: string
  type?: string
}

/**
 * Submits a multipart form as a browser does, with or without a chosen file. The CSRF token goes into the query string of
 * the action, exactly like the upload forms of the portal, because it is checked before the body is read.
 */
export async function submitMultipart(browser: Browser, path: string, fields: Record<string, string>, file?: FilePart & { field: string }) {
  const token = await browser.csrf()
  let req = browser.agent.post(`${path}?_csrf=${encodeURIComponent(token)}`).redirects(0)
  for (const [k, v] of Object.entries(fields)) req = req.field(k, v)
  // Without a file the request is still multipart, as a browser sends a form whose file input was left empty.
  return file ? req.attach(file.field, file.buffer, { filename: file.name, contentType: file.type ?? 'application/octet-stream' }) : req
}

/** The value a rendered input carries, unescaped; undefined when the input is missing. */
export function inputValue(html: string, name: string): string | undefined {
  const m = new RegExp(`<input[^>]*name="${name}"[^>]*value="([^"]*)"`).exec(html) ?? new RegExp(`<textarea[^>]*name="${name}"[^>]*>([^<]*)</textarea>`).exec(html)
  return m ? unescapeHtml(m[1]!) : undefined
}

/** Reverses Handlebars' escaping for assertions on rendered text. */
export function unescapeHtml(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&#x27;/g, "'")
    .replace(/&#x3D;/g, '=')
    .replace(/&#x60;/g, '`')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
}
