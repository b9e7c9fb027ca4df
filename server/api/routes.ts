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
