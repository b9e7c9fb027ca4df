import { Router, type NextFunction, type Request, type Response } from 'express'
import { rateLimit } from 'express-rate-limit'
import type { AppDeps } from '../app.js'
import { flash, requireCompany } from '../http/auth.js'
import { field } from '../http/forms.js'
import { idParam, memberOf, userOf } from '../http/context.js'
import { Forbidden, Validation } from '../shared/errors.js'
import { can } from '../companies/rules.js'
import { openApiDocument } from './openapi.js'
import { apiCompany, apiUser } from './present.js'
import { API_MAX_PER_PAGE, parseCatalogQuery } from '../catalog/rules.js'
import { apiProductCard, apiProductsPage } from '../catalog/present.js'
import { quickOrderApiRoutes } from '../quickorder/routes.js'
import { cartsApiRoutes } from '../carts/api-routes.js'
import { ordersApiRoutes } from '../orders/api-routes.js'

/** The buyer API under /api/v1: Bearer tokens, JSON in and out, no cookies and therefore no CSRF. */
export function apiRoutes(deps: AppDeps): Router {
  const r = Router()
  const doc = openApiDocument(deps.config.publicUrl)

  r.get('/openapi.json', (_req, res) => {
    res.json(doc)
  })

  const perToken = rateLimit({
    windowMs: 60_000,
    limit: deps.config.api.ratePerMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (req) => `t${req.apiTokenId ?? 0}`,
    handler: (_req, res) =>
      res.status(429).json({ error: { status: 429, message: `Слишком много запросов: не больше ${deps.config.api.ratePerMinute} в минуту на токен` } }),
  })

  async function bearer(req: Request, res: Response, next: NextFunction) {
    const m = /^Bearer\s+(\S+)$/i.exec(String(req.headers.authorization ?? ''))
    const auth = m ? await deps.tokens.authenticate(m[1]!) : null
    if (!auth) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="api"')
      res.status(401).json({ error: { status: 401, message: m ? 'Токен недействителен или отозван' : 'Нужен заголовок Authorization: Bearer <токен>' } })
      return
    }
    req.user = auth.user
    req.member = auth.member
    req.apiTokenId = auth.tokenId
    next()
  }
  r.use(bearer, perToken)

  r.get('/me', (req, res) => {
    res.json({ user: apiUser(userOf(req)), company: apiCompany(memberOf(req)) })
  })

  /** The catalog with the caller's prices and stock: search, filters and sort as on the catalog page, up to 200 a page. */
  r.get('/products', async (req, res) => {
    const query = parseCatalogQuery(req.query, { perPage: 50, maxPerPage: API_MAX_PER_PAGE })
    res.json(apiProductsPage(await deps.catalog.list(memberOf(req).id, query, new Map(), { facets: false })))
  })

  /** One product by article, with every attribute and the caller's price of every packaging. */
  r.get('/products/:sku', async (req, res) => {
    res.json(apiProductCard(await deps.catalog.product(memberOf(req).id, String(req.params.sku ?? ''))))
  })

  r.use(cartsApiRoutes(deps))

  r.use(quickOrderApiRoutes(deps))

  r.use(ordersApiRoutes(deps))

  r.use((_req: Request, res: Response) => {
    res.status(404).json({ error: { status: 404, message: 'Нет такого метода API' } })
  })
  return r
}

/** The token page of the cabinet: the company owner issues and revokes tokens. */
export function tokensRoutes(deps: AppDeps): Router {
  const { tokens } = deps
  const r = Router()

  const page = async (req: Request, extra: Record<string, unknown> = {}) => {
    const member = memberOf(req)
    if (!can(member.role, 'tokens.manage')) throw new Forbidden('API-токены выпускает владелец компании')
    return { title: 'API', tokens: await tokens.list(member.id), apiUrl: `${deps.config.publicUrl}/api/v1`, ...extra }
  }

  r.get('/company/api-tokens', requireCompany, async (req, res) => {
    res.render('pages/api/tokens', await page(req))
  })

  r.post('/company/api-tokens', requireCompany, async (req, res) => {
    const name = field(req, 'name', 100)
    try {
      const { token } = await tokens.issue(memberOf(req), userOf(req).id, name)
      // The secret is shown on this one response only, never stored or redirected through the session.
      res.set('Cache-Control', 'no-store').render('pages/api/tokens', await page(req, { issued: token, issuedName: name }))
    } catch (e) {
      if (!(e instanceof Validation)) throw e
      res.status(422).render('pages/api/tokens', await page(req, { name, errors: e.fields }))
    }
  })

  r.post('/company/api-tokens/:id/revoke', requireCompany, async (req, res) => {
    await tokens.revoke(memberOf(req), idParam(req))
    flash(req, 'ok', 'Токен отозван: запросы с ним больше не принимаются')
    res.redirect(303, '/company/api-tokens')
  })

  return r
}
