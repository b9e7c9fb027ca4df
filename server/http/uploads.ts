import type { NextFunction, Request, RequestHandler, Response } from 'express'
import multer from 'multer'

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** A Russian message when multer refused the file (too big, too many); the route shows it next to the field. */
      uploadError?: string
    }
  }
}

export type UploadGuard = (fieldName: string) => RequestHandler[]

/**
 * Multipart handling for one file field: multer keeps the file in memory up to `maxBytes` (content is checked by the files
 * service, not here). The CSRF check has already run on the query-string token (see csrf.ts), so a forged upload is refused
 * before its body is read. A refused file becomes `req.uploadError` so the form is re-rendered with the person's other
 * values instead of failing the request. Upload forms post to `action="…?_csrf={{csrfToken}}"`.
 */
export function createUploadGuard(maxBytes: number): UploadGuard {
  const mb = Math.round(maxBytes / 1024 / 1024)
  return (fieldName) => {
    const parse = multer({ storage: multer.memoryStorage(), limits: { fileSize: maxBytes, files: 1, fields: 40, fieldSize: 64 * 1024 } }).single(fieldName)
    const handle: RequestHandler = (req: Request, res: Response, next: NextFunction) => {
      parse(req, res, (err: unknown) => {
        if (err instanceof multer.MulterError) {
          req.uploadError =
            err.code === 'LIMIT_FILE_SIZE' ? `Файл больше ${mb} МБ. Уменьшите его или загрузите другой.` : 'Не удалось принять файл: загрузите один файл.'
          req.file = undefined
          return next()
        }
        next(err)
      })
    }
    return [handle]
  }
}
