import path from 'node:path'
import type { Express } from 'express'
import { engine } from 'express-handlebars'
import { ROOT_DIR } from '../config.js'
import { formatDate, formatDateTime } from '../shared/time.js'
import { sizeText } from '../files/rules.js'
import { ROLE_LABELS, EDO_OPERATORS, statusLabel } from '../companies/rules.js'
import type { Role } from '../companies/types.js'

export const VIEWS_DIR = path.join(ROOT_DIR, 'portal-views')

/** Registers Handlebars (layouts, partials, helpers). Templates escape everything; no helper returns raw HTML. */
export function setupViews(app: Express, timezone: string, cache: boolean): void {
  app.engine(
    'hbs',
    engine({
      extname: '.hbs',
      defaultLayout: 'main',
      layoutsDir: path.join(VIEWS_DIR, 'layouts'),
      partialsDir: path.join(VIEWS_DIR, 'partials'),
      helpers: {
        eq: (a: unknown, b: unknown) => String(a) === String(b),
        ne: (a: unknown, b: unknown) => String(a) !== String(b),
        or: (...args: unknown[]) => args.slice(0, -1).some(Boolean),
        and: (...args: unknown[]) => args.slice(0, -1).every(Boolean),
        not: (a: unknown) => !a,
        dateTime: (ms: number) => formatDateTime(ms, timezone),
        date: (ms: number) => formatDate(ms, timezone),
        roleLabel: (r: Role) => ROLE_LABELS[r] ?? r,
        edoLabel: (code: string) => EDO_OPERATORS[code] ?? code,
        companyStatus: (c: Parameters<typeof statusLabel>[0]) => statusLabel(c),
        bytes: (n: number) => sizeText(Number(n)),
        lookup2: (obj: Record<string, unknown> | undefined, key: string) => obj?.[key],
      },
    }),
  )
  app.set('view engine', 'hbs')
  // Compiled templates are cached everywhere but in development, where edits should show on reload.
  app.set('view cache', cache)
  app.set('views', VIEWS_DIR)
}
