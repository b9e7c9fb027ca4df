import type { Container } from '../server/main.js'
import { runJob } from './run-job.js'

/** Deletes expired sessions, old login failures and stale DaData cache entries. */
export function cleanupJob(c: Container) {
  return () =>
    runJob(c, 'cleanup', 10 * 60_000, async (log) => {
      const now = c.clock.now().getTime()
      const sessions = await c.db('sessions').where('expires_at', '<', now).delete()
      const failures = await c.db('login_failures').where('created_at', '<', now - 24 * 3_600_000).delete()
      const cache = await c.db('dadata_cache').where('fetched_at', '<', now - c.config.dadata.cacheMs).delete()
      log.info({ sessions, failures, cache }, 'cleanup done')
    })
}
