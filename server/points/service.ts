import type { Db } from '../db/knex.js'
import type { Clock } from '../shared/clock.js'
import type { FilesService } from '../files/service.js'

export type PointsService = ReturnType<typeof createPointsService>

export function createPointsService(deps: { db: Db; clock: Clock; files: FilesService }) {
  void deps
  return {}
}
