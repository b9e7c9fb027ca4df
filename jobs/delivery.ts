import type { Container } from '../server/main.js'
import { runJob } from './run-job.js'

/**
 * Asks CDEK about open delivery requests: the track number of requests CDEK accepted, and statuses a webhook may have missed
 * (CDEK never retries a webhook). Each request is asked at most once per `CDEK_POLL_MINUTES`.
 */
export function deliveryPollJob(c: Container) {
  return () =>
    runJob(c, 'delivery-poll', 5 * 60_000, async (log) => {
      const r = await c.delivery.poll({ limit: 100 })
      if (r.polled) log.info(r, 'cdek requests polled')
    })
}

/**
 * Makes sure CDEK posts order statuses to `/hooks/cdek/<secret>` (`delivery.ensureWebhook`): at start-up and daily, under
 * the job lease so several instances check once. With no CDEK credentials (the sandbox) there is nothing to subscribe: the
 * emulator posts to the hook by itself.
 */
export function cdekWebhookJob(c: Container) {
  return () =>
    runJob(c, 'cdek-webhook', 5 * 60_000, async (log) => {
      if (c.config.cdek.sandbox) return
      const r = await c.delivery.ensureWebhook('job')
      log.info({ outcome: r.outcome, error: r.error }, 'cdek webhook subscription checked')
    })
}
