import type { Db } from '../db/knex.js'
import type { Clock } from '../shared/clock.js'
import type { Config } from '../config.js'

export type FilesService = ReturnType<typeof createFilesService>

export function createFilesService(deps: { db: Db; clock: Clock; config: Config }) {
  void deps
  return {}
}
