import type { Db } from '../db/knex.js'
import type { Clock } from '../shared/clock.js'

export type AdminService = ReturnType<typeof createAdminService>

export function createAdminService(deps: { db: Db; clock: Clock }) {
  void deps
  return {}
}
