import cron from 'node-cron'
import type { Container } from '../server/main.js'
import { outboxJob } from './outbox.js'
import { cleanupJob } from './cleanup.js'
import { deliveryPollJob } from './delivery.js'

/** The only importer of node-cron: schedules every job of the process. */
export function startScheduler(c: Container): { stop(): void } {
  const tz = c.config.timezone
  const every = Math.min(59, c.config.outbox.intervalSeconds)
  const tasks = [
    cron.schedule(`*/${every} * * * * *`, outboxJob(c), { name: 'outbox', noOverlap: true, timezone: tz }),
    cron.schedule('17 */15 * * * *', cleanupJob(c), { name: 'cleanup', noOverlap: true, timezone: tz }),
    cron.schedule('41 * * * * *', deliveryPollJob(c), { name: 'delivery-poll', noOverlap: true, timezone: tz }),
  ]
  return {
    stop() {
      for (const t of tasks) void t.stop()
    },
  }
}
