import os from 'node:os'
import { randomUUID } from 'node:crypto'
import type { Db } from '../server/db/knex.js'
import type { Clock } from '../server/shared/clock.js'
import type { Logger } from '../server/logger.js'

const HOLDER = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`

/**
 * Runs a job under a database lease, so that of several app instances (or two overlapping runs in one) only one runs a given
 * job at a time. The lease is a conditional update checked by affected rows (portable to both engines); a crashed holder's
 * lease simply runs out. Returns false when the lease is taken.
 */
export async function runJob(
  deps: { db: Db; clock: Clock; logger: Logger },
  job: string,
  leaseMs: number,
  fn: (log: Logger) => Promise<unknown>,
): Promise<boolean> {
  const { db, clock } = deps
  const now = clock.now().getTime()
  await db('job_leases').insert({ job, lease_until: 0 }).onConflict('job').ignore()
  const taken = await db('job_leases')
    .where({ job })
    .andWhere('lease_until', '<', now)
    .update({ holder: HOLDER, lease_until: now + leaseMs, last_started_at: now })
  if (taken !== 1) return false
  const log = deps.logger.child({ job, jobRunId: randomUUID() })
  let error: string | null = null
  try {
    await fn(log)
  } catch (err) {
    error = err instanceof Error ? err.message : String(err)
    log.error({ err }, 'job failed')
  } finally {
    await db('job_leases')
      .where({ job, holder: HOLDER })
      .update({ lease_until: 0, last_finished_at: clock.now().getTime(), last_error: error })
  }
  return true
}
