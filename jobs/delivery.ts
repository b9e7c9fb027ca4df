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
