import { Router } from 'express'
import type { AppDeps } from '../app.js'
import { NotFound } from '../shared/errors.js'
import { SANDBOX_PARTIES } from './dadata-fixtures.js'
import { listSandboxLetters } from '../integrations/mail/store.js'

/**
 * The DaData emulator (reference/dadata.md §2): the same URL shape, headers and answers as the real service, so the real
 * client code runs against it unchanged. Mounted only when no `DADATA_TOKEN` is configured.
 */
export function sandboxApiRoutes(deps: AppDeps): Router {
  const r = Router()
  if (!deps.config.dadata.sandbox) return r
  r.post('/findById/party', (req, res) => {
    if (!/^Token \S+/.test(String(req.headers.authorization ?? ''))) {
      res.status(401).json({ family: 'CLIENT_ERROR', reason: 'Unauthorized', message: 'Token is missing' })
      return
    }
    const body = (req.body ?? {}) as { query?: unknown; kpp?: unknown; branch_type?: unknown; count?: unknown }
    if (typeof body.query !== 'string' || !body.query) {
      res.status(400).json({ family: 'CLIENT_ERROR', reason: 'Bad Request', message: 'query is required' })
      return
    }
    let items = SANDBOX_PARTIES[body.query] ?? []
    if (typeof body.kpp === 'string' && body.kpp) items = items.filter((s) => s.data.kpp === body.kpp)
    if (body.branch_type === 'MAIN' || body.branch_type === 'BRANCH') items = items.filter((s) => s.data.branch_type === body.branch_type)
    const count = Math.min(300, Math.max(1, Number(body.count) || 10))
    res.json({ suggestions: items.slice(0, count) })
  })
  return r
}

/**
 * The sandbox pages people look at: the mailbox that stands in for SMTP. It holds reset and invitation links, so on a
 * production host that allowed the sandbox (ALLOW_SANDBOX=1, a staging stand) only supplier staff may read it.
 */
export function sandboxPageRoutes(deps: AppDeps): Router {
  const r = Router()
  r.get('/mail', async (req, res) => {
    if (!deps.config.mail.sandbox) throw new NotFound()
    if (deps.config.env === 'production' && !req.user?.is_staff) throw new NotFound()
    const letters = await listSandboxLetters(deps.db)
    res.render('pages/sandbox/mail', { title: 'Песочница: почта', letters })
  })
  return r
}
