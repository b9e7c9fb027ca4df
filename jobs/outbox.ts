import type { Container } from '../server/main.js'
import { runJob } from './run-job.js'

/** Drains due outbox rows (mail now; Bitrix24, MoySklad and CDEK calls as later issues add their handlers). */
export function outboxJob(c: Container) {
  return () =>
    runJob(c, 'outbox', 5 * 60_000, async (log) => {
      const { sent, failed } = await c.dispatcher.drainOnce(100)
      if (sent || failed) log.info({ sent, failed }, 'outbox drained')
    })
}
