import { Router } from 'express'
import type { AppDeps } from '../app.js'
import type { UploadGuard } from '../http/uploads.js'

export function adminRoutes(deps: AppDeps & { upload: UploadGuard }): Router {
  void deps
  return Router()
}
