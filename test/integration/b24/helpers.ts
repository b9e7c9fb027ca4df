import type { TestApp } from '../../support/app.js'
import { createDispatcher } from '../../../server/integrations/outbox/dispatcher.js'
import { installSandboxApp } from '../../../b24-app/sandbox-install.js'
import { createB24Client } from '../../../b24-app/client.js'
import { createB24Sync } from '../../../b24-app/sync.js'
import { SANDBOX_MEMBER_ID } from '../../../server/sandbox/bitrix24.js'
import { markUninstalled } from '../../../b24-app/installs.js'

/** The Bitrix24 topics (their rows from other test files are parked so each test deals with its own). */
export const B24_TOPICS = ['company.verified', 'company.changed', 'order.placed', 'order.changed', 'order.cancelled', 'delivery.status']

/** Parks the pending Bitrix24 rows other tests left in the shared database (they would be synced too otherwise). */
export async function parkForeignRows(app: TestApp): Promise<void> {
  await app.c.db('outbox').whereIn('topic', B24_TOPICS).whereIn('status', ['pending', 'sending']).update({ status: 'dead', last_error: 'parked by the b24 tests' })
}

/** Installs the app into the test app's emulator (as `npm start` does in sandbox mode). */
export async function installSandbox(app: TestApp): Promise<string> {
  // The handlers sync to every active install: other test files' portals (nock hosts) must not take part.
  await app.c.db('b24_installs').whereNot({ member_id: SANDBOX_MEMBER_ID }).update({ status: 'uninstalled' })
  // A fresh bucket: a test on a manual clock ahead of real time leaves the shared bucket stamped in the future.
  await app.c.db('rate_limits').where({ key: `b24:${SANDBOX_MEMBER_ID}` }).delete()
  await installSandboxApp({ db: app.c.db, clock: app.clock, config: app.config, sandbox: app.c.b24Sandbox! })
  return SANDBOX_MEMBER_ID
}

/** Leaves no active install behind for other test files. */
export async function uninstallSandbox(app: TestApp): Promise<void> {
  await app.c.db('rate_limits').where({ key: `b24:${SANDBOX_MEMBER_ID}` }).delete()
  await markUninstalled(app.c.db, SANDBOX_MEMBER_ID, app.clock.now().getTime())
}

/**
 * A dispatcher with only the Bitrix24 handlers, wired like `compose()` but with an injected sleep (tests move a manual
 * clock instead of waiting) and short timeouts.
 */
export function b24Dispatcher(app: TestApp, o: { sleep?: (ms: number) => Promise<void>; timeoutMs?: number; leaseMs?: number; batchSize?: number; maxAttempts?: number } = {}) {
  const client = createB24Client({
    db: app.c.db,
    clock: app.clock,
    logger: app.c.logger,
    secret: { clientId: 'sandbox', clientSecret: 'sandbox' },
    limiter: app.c.rateLimiter,
    rate: { ratePerSec: app.config.b24.ratePerSec, burst: app.config.b24.burst },
    timeoutMs: o.timeoutMs ?? 2000,
    maxWaitMs: 60_000,
    sleep: o.sleep,
  })
  const sync = createB24Sync({ db: app.c.db, clock: app.clock, logger: app.c.logger, client, publicUrl: app.config.publicUrl, batchSize: o.batchSize })
  const dispatcher = createDispatcher({ db: app.c.db, clock: app.clock, logger: app.c.logger, handlers: sync.handlers, maxAttempts: o.maxAttempts ?? 8, leaseMs: o.leaseMs })
  return { client, sync, dispatcher }
}
