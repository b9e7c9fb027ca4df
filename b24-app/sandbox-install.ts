import { randomBytes } from 'node:crypto'
import type { Db } from '../server/db/knex.js'
import type { Clock } from '../server/shared/clock.js'
import type { Config } from '../server/config.js'
import { SANDBOX_MEMBER_ID, type B24Sandbox } from '../server/sandbox/bitrix24.js'
import { findInstall, saveInstall } from './installs.js'

/**
 * Installs the app into the built-in Bitrix24 emulator, as an admin's first open would (reference/bitrix24.md §2.1): a
 * token pair for the sandbox portal is stored in `b24_installs` with endpoints pointing at the emulator, the placements
 * (deal and company tabs) and ONCRMDEALUPDATE are bound to this portal's handlers. Runs at start-up in sandbox mode; a
 * second run (a restart) keeps the application token, so events stay verifiable, and gives fresh tokens.
 */
export async function installSandboxApp(deps: { db: Db; clock: Clock; config: Config; sandbox: B24Sandbox }): Promise<string> {
  const { db, clock, config, sandbox } = deps
  const now = clock.now().getTime()
  const previous = await findInstall(db, SANDBOX_MEMBER_ID)
  const applicationToken = previous?.applicationToken ?? randomBytes(16).toString('hex')
  const t = await sandbox.issueTokens(SANDBOX_MEMBER_ID)
  sandbox.setApplicationToken(SANDBOX_MEMBER_ID, applicationToken)
  await saveInstall(
    db,
    {
      memberId: SANDBOX_MEMBER_ID,
      domain: new URL(config.publicUrl).host,
      clientEndpoint: `${config.b24.sandboxUrl}/rest/`,
      serverEndpoint: `${config.b24.sandboxUrl}/rest/`,
      accessToken: t.accessToken,
      refreshToken: t.refreshToken,
      expiresAt: t.expiresAt,
      applicationToken,
      scope: 'crm,placement,task,user_brief',
    },
    now,
  )
  const self = `http://127.0.0.1:${config.port}`
  for (const [placement, title] of [['CRM_DEAL_DETAIL_TAB', 'B2B-кабинет: заказ'], ['CRM_COMPANY_DETAIL_TAB', 'B2B-кабинет: клиент']] as const) {
    await sandbox.invoke(SANDBOX_MEMBER_ID, 'placement.bind', { PLACEMENT: placement, HANDLER: `${config.publicUrl}/b24/placement`, TITLE: title })
  }
  await sandbox.invoke(SANDBOX_MEMBER_ID, 'event.bind', { event: 'ONCRMDEALUPDATE', handler: `${self}/b24/events` })
  return SANDBOX_MEMBER_ID
}
