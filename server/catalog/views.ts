import fs from 'node:fs'
import path from 'node:path'
import Handlebars from 'handlebars'
import { VIEWS_DIR } from '../http/views.js'

const DIR = path.join(VIEWS_DIR, 'pages', 'catalog', 'partials')

/**
 * The catalog's own partials (the table row and its price cells), shared by the page, the «показать ещё» rows and the
 * live price fragment. They live next to the catalog pages and are handed to each render, so the global partials folder
 * stays as it is. Compiled once when the view cache is on, on every call in development so edits show on reload.
 */
export function catalogPartials(cache: boolean): () => Record<string, HandlebarsTemplateDelegate> {
  let compiled: Record<string, HandlebarsTemplateDelegate> | null = null
  const load = () =>
    Object.fromEntries(
      fs
        .readdirSync(DIR)
        .filter((f) => f.endsWith('.hbs'))
        .map((f) => [`catalog-${f.slice(0, -4)}`, Handlebars.compile(fs.readFileSync(path.join(DIR, f), 'utf8').trim())]),
    )
  return () => {
    if (!cache) return load()
    compiled ??= load()
    return compiled
  }
}
