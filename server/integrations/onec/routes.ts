import { Router, type Request } from 'express'
import iconv from 'iconv-lite'
import type { OnecService } from './service.js'
import { EXCHANGE_COOKIE } from './service.js'

/**
 * `/1c/exchange`: parses 1C's query string, cookie and raw body, calls the exchange service and writes its plain-text answer.
 * Mounted before the session and CSRF middleware: 1C sends neither; it logs in with Basic at checkauth, then sends its cookie.
 */
export function onecRoutes(deps: { onec: OnecService }): Router {
  const r = Router()
  const handler = async (req: Request, res: import('express').Response) => {
    const q = req.query as Record<string, unknown>
    const str = (k: string) => (typeof q[k] === 'string' ? (q[k] as string) : '')
    const type = str('type')
    const mode = str('mode')
    if (type !== 'catalog' && type !== 'sale') {
      res.status(400).type('text/plain; charset=utf-8').send('failure\nunknown exchange type')
      return
    }
    const answer =
      mode === 'checkauth'
        ? await deps.onec.checkauth(type, req.headers.authorization, req.ip ?? '')
        : await deps.onec.handle({ type, mode, cookie: cookieValue(req.headers.cookie), filename: str('filename'), body: req, length: req.headers['content-length'] ? Number(req.headers['content-length']) : null })
    for (const [k, v] of Object.entries(answer.headers ?? {})) res.setHeader(k, v)
    res.setHeader('Cache-Control', 'no-store')
    if (answer.body) {
      res.status(answer.status).type(answer.contentType ?? 'application/xml').send(answer.body)
      return
    }
    // Plain-text answers in windows-1251, as 1C reads them (Bitrix answers so): the status words are ASCII either way, and
    // a Russian message («импортировано 5 000 товаров», a failure's reason) arrives readable in 1C's exchange log.
    res.status(answer.status).setHeader('Content-Type', 'text/plain; charset=windows-1251')
    res.end(iconv.encode(answer.lines.join('\n'), 'win1251'))
  }
  r.get('/1c/exchange', handler)
  r.post('/1c/exchange', handler)
  return r
}

function cookieValue(header: string | undefined): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=')
    if (k === EXCHANGE_COOKIE) return v.join('=')
  }
  return undefined
}
