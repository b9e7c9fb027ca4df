import type { Db } from '../server/db/knex.js'

/** The state of the outbox row an event delivery was queued under (`b24.event:<member>:<event>:<id>:<ts>`), or null. */
export async function queuedEventState(db: Db, key: string): Promise<string | null> {
  const r = (await db('outbox').where({ idempotency_key: key }).first('status')) as { status: string } | undefined
  return r?.status ?? null
}
