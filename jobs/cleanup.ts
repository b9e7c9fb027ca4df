import type { Container } from '../server/main.js'
import { deleteExpiredSessions, pruneLoginFailures } from '../server/accounts/store.js'
import { pruneCachedLookups } from '../server/companies/store.js'
import { runJob } from './run-job.js'

/** Deletes expired sessions, failed-login records older than a day and stale DaData cache entries. */
export function cleanupJob(c: Container) {
  return () =>
    runJob(c, 'cleanup', 10 * 60_000, async (log) => {
      const now = c.clock.now().getTime()
      const sessions = await deleteExpiredSessions(c.db, now)
      const failures = await pruneLoginFailures(c.db, now - 24 * 3_600_000)
      const cache = await pruneCachedLookups(c.db, now - c.config.dadata.cacheMs)
      log.info({ sessions, failures, cache }, 'cleanup done')
    })
}
