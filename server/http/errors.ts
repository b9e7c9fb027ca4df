import type { NextFunction, Request, Response } from 'express'
import type { Logger } from '../logger.js'
import { AppError, NotFound } from '../shared/errors.js'

/** The 404 for every unmatched route. */
export function notFoundHandler(_req: Request, _res: Response, next: NextFunction) {
  next(new NotFound())
}

/**
 * Maps the error hierarchy to a status and a Russian page (or JSON under /api and for JSON callers), once for the whole app.
 * Unexpected errors are logged with the request id and shown without details.
 */
export function createErrorHandler(logger: Logger) {
  return function errorHandler(err: unknown, req: Request, res: Response, _next: NextFunction) {
    const e = err as AppError & { code?: string; status?: number; type?: string }
    let status = e instanceof AppError ? e.status : 500
    let message = e instanceof AppError ? e.message : 'Что-то пошло не так. Мы уже знаем об ошибке; попробуйте ещё раз.'
    if (e?.code === 'EBADCSRFTOKEN' || e?.name === 'ForbiddenError' && /csrf/i.test(e.message)) {
      status = 403
      message = 'Форма устарела или открыта в другой вкладке. Обновите страницу и отправьте её ещё раз.'
    } else if (e?.type === 'entity.too.large') {
      status = 413
      message = 'Слишком большой запрос'
    } else if (e?.type === 'entity.parse.failed') {
      status = 400
      message = 'Не удалось прочитать запрос'
    }
    if (status >= 500) logger.error({ err, reqId: req.id, url: req.originalUrl }, 'request failed')
    if (res.headersSent) return
    const wantsJson = req.path.startsWith('/api/') || (req.accepts(['html', 'json']) === 'json' && !req.accepts('html'))
    if (wantsJson) {
      res.status(status).json({ error: { status, message } })
      return
    }
    const titles: Record<number, string> = { 403: 'Доступ запрещён', 404: 'Не найдено', 409: 'Конфликт', 413: 'Слишком большой запрос' }
    res.status(status).render('pages/error', { title: titles[status] ?? 'Ошибка', status, message })
  }
}
