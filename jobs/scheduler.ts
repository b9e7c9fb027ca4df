import cron from 'node-cron'
import type { Container } from '../server/main.js'
import { outboxJob } from './outbox.js'
import { cleanupJob } from './cleanup.js'
import { cdekWebhookJob, deliveryPollJob } from './delivery.js'

/** The only importer of node-cron: schedules every job of the process. */
export function startScheduler(c: Container): { stop(): void } {
  const tz = c.config.timezone
  const every = Math.min(59, c.config.outbox.intervalSeconds)
  const tasks = [
    cron.schedule(`*/${every} * * * * *`, outboxJob(c), { name: 'outbox', noOverlap: true, timezone: tz }),
    cron.schedule('17 */15 * * * *', cleanupJob(c), { name: 'cleanup', noOverlap: true, timezone: tz }),
    cron.schedule('41 * * * * *', deliveryPollJob(c), { name: 'delivery-poll', noOverlap: true, timezone: tz }),
    cron.schedule('0 23 6 * * *', cdekWebhookJob(c), { name: 'cdek-webhook', noOverlap: true, timezone: tz }),
  ]
  // The CDEK webhook subscription is checked at start-up too, not only at the daily run.
  void cdekWebhookJob(c)()
  return {
    stop() {
      for (const t of tasks) void t.stop()
    },
  }
}
