import type { NextFunction, Request, RequestHandler, Response } from 'express'
import multer from 'multer'
import { sizeText } from '../files/rules.js'

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
  return (fieldName) => {
    const parse = multer({
      storage: multer.memoryStorage(),
      // Browsers send file names as UTF-8; busboy's default (Latin-1) would garble «Устав.pdf».
      defParamCharset: 'utf8',
      limits: { fileSize: maxBytes, files: 1, fields: 40, fieldSize: 64 * 1024 },
    }).single(fieldName)
    const handle: RequestHandler = (req: Request, res: Response, next: NextFunction) => {
      parse(req, res, (err: unknown) => {
        if (err instanceof multer.MulterError) {
          req.uploadError =
            err.code === 'LIMIT_FILE_SIZE' ? `Файл больше ${sizeText(maxBytes)}. Уменьшите его или загрузите другой.` : 'Не удалось принять файл: загрузите один файл.'
          req.file = undefined
          return next()
        }
        next(err)
      })
    }
    return [handle]
  }
}
