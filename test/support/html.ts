/** A file chosen in a form's file input. */
export interface FilePart {
  buffer: Buffer
  name: string
  type?: string
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
