import { Router } from 'express'
import type { AppDeps } from '../app.js'
import type { UploadGuard } from '../http/uploads.js'

export function documentsRoutes(deps: AppDeps & { upload: UploadGuard }): Router {
  void deps
  return Router()
}

export function documentsAdminRoutes(deps: AppDeps & { upload: UploadGuard }): Router {
  void deps
  return Router()
}
