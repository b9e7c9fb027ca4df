import type { Db } from '../server/db/knex.js'
import type { Clock } from '../server/shared/clock.js'
import type { Logger } from '../server/logger.js'
import * as companiesStore from '../server/companies/store.js'
import type { B24Client } from './client.js'
import { findInstall, saveInstall } from './installs.js'
import type { InstallForm } from './ui-rules.js'
import { callWithUserToken } from './placement-auth.js'

/** The CRM cards the app adds a tab to (reference/bitrix24.md §6), with the tab's title. */
export const PLACEMENTS = [
  { code: 'CRM_DEAL_DETAIL_TAB', title: 'Заказ в кабинете' },
  { code: 'CRM_COMPANY_DETAIL_TAB', title: 'Клиент в кабинете' },
] as const

/** The events the app listens to (§5): deal changes move orders; uninstall ends the install. */
export const EVENTS = ['ONCRMDEALUPDATE', 'ONAPPUNINSTALL'] as const

export type InstallOutcome = { ok: true; memberId: string; reinstall: boolean; bound: string[]; failed: string[] } | { ok: false; status: number; message: string }

/**
 * The installer of the local app (UI-app flow, reference/bitrix24.md §2.1): the admin's first open POSTs the tokens here.
 * The POST is unsigned, so its `DOMAIN` is accepted only when the configuration names it (or it is the built-in sandbox),
 * the REST endpoint is derived from that accepted domain, its `AUTH_ID` must pass `app.info` there, and a portal already
 * installed under another domain is refused. The tokens are saved by `member_id` (a reinstall rewrites the same
 * row), then the placements and events are bound with the new token; Bitrix24 drops event handlers on a reinstall, so they
 * are bound again every time and "already bound" answers count as bound. The page then calls `BX24.installFinish()`.
 */
export function createB24Installer(deps: {
  db: Db
  clock: Clock
  logger: Logger
  client: B24Client
  /** The public URL handlers are bound to (Bitrix24 calls it). */
  publicUrl: () => string
  /** The REST endpoint of an accepted portal domain, or null when the domain is not one this app serves. */
  endpointOf: (domain: string, protocol: 'http' | 'https') => string | null
}) {
  const { db, clock, logger, client } = deps

  async function bindAll(memberId: string): Promise<{ bound: string[]; failed: string[] }> {
    const base = deps.publicUrl().replace(/\/$/, '')
    const bound: string[] = []
    const failed: string[] = []
    const attempt = async (name: string, method: string, params: object) => {
      try {
        await client.call(memberId, method, params)
        bound.push(name)
      } catch (e) {
        const text = e instanceof Error ? e.message : String(e)
        if (/already|ALREADY_BIND/i.test(text)) bound.push(name)
        else {
          failed.push(`${name}: ${text}`)
          logger.warn({ memberId, name, err: text }, 'b24: bind failed')
        }
      }
    }
    for (const p of PLACEMENTS) {
      await attempt(p.code, 'placement.bind', { PLACEMENT: p.code, HANDLER: `${base}/b24/placement`, TITLE: p.title, LANG_ALL: { ru: { TITLE: p.title } } })
    }
    for (const ev of EVENTS) await attempt(ev, 'event.bind', { event: ev, handler: `${base}/b24/events` })
    return { bound, failed }
  }

  return {
    async install(form: InstallForm): Promise<InstallOutcome> {
      const endpoint = deps.endpointOf(form.domain, form.protocol)
      if (!endpoint) {
        logger.warn({ domain: form.domain, memberId: form.memberId }, 'b24: install from a domain that is not configured')
        return { ok: false, status: 403, message: `Портал ${form.domain} не указан в настройках кабинета (B24_DOMAINS): установка отклонена` }
      }
      const before = await findInstall(db, form.memberId)
      if (before && before.domain !== form.domain) {
        logger.warn({ memberId: form.memberId, domain: form.domain, stored: before.domain }, 'b24: install for a portal under another domain')
        return { ok: false, status: 403, message: 'Этот портал уже установлен под другим адресом: установка отклонена' }
      }
      // The POST itself is unsigned: its token must work on the configured portal before it replaces anything stored.
      const info = await callWithUserToken({ clientEndpoint: endpoint }, 'app.info', form.accessToken, 8_000)
      const infoMember = info && typeof info === 'object' ? (info.member_id ?? info.MEMBER_ID) : undefined
      if (!info || (infoMember !== undefined && String(infoMember) !== form.memberId)) {
        logger.warn({ memberId: form.memberId, domain: form.domain }, 'b24: install token refused by the portal')
        return { ok: false, status: 403, message: `Портал ${form.domain} не подтвердил установку: откройте приложение в Битрикс24 ещё раз` }
      }
      const now = clock.now().getTime()
      await saveInstall(
        db,
        {
          memberId: form.memberId,
          domain: form.domain,
          clientEndpoint: endpoint,
          serverEndpoint: form.serverEndpoint,
          accessToken: form.accessToken,
          refreshToken: form.refreshToken,
          expiresAt: now + form.expiresInSec * 1000,
          // A reinstall without APPLICATION_TOKEN in the body keeps the one the events proved.
          applicationToken: form.applicationToken ?? before?.applicationToken ?? null,
          scope: form.scope,
        },
        now,
      )
      const { bound, failed } = await bindAll(form.memberId)
      await companiesStore.audit(db, { actor: null, companyId: null, action: before ? 'b24.reinstalled' : 'b24.installed', details: { member_id: form.memberId, domain: form.domain, bound, failed }, now })
      return { ok: true, memberId: form.memberId, reinstall: !!before, bound, failed }
    },
  }
}
