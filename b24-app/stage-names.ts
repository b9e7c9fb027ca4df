import type { Clock } from '../server/shared/clock.js'
import type { Logger } from '../server/logger.js'
import type { B24Client } from './client.js'

/** The `crm.status.list` entity of a deal pipeline's stages: `DEAL_STAGE` for the general one, `DEAL_STAGE_<id>` for others. */
export const stageEntityOf = (categoryId: number) => (categoryId === 0 ? 'DEAL_STAGE' : `DEAL_STAGE_${categoryId}`)

/**
 * Names of deal stages as the portal calls them («Подготовка документов» for `PREPARATION`), for the notes people read.
 * Read with `crm.status.list` (filter `ENTITY_ID`, as the settings page reads them) through the app's REST client, so the
 * call takes a token of the portal's shared limiter; kept per portal and pipeline for `ttlMs`. When the portal cannot be
 * asked, or the stage is not in its list any more, the code itself is the name; a failed read is not retried for a minute,
 * so a portal that is down does not get one extra call per event.
 */
export function createStageNames(deps: { client: B24Client; clock: Clock; logger: Logger; ttlMs?: number }) {
  const ttlMs = deps.ttlMs ?? 10 * 60_000
  const cache = new Map<string, { names: Map<string, string>; until: number }>()

  async function namesOf(memberId: string, categoryId: number): Promise<Map<string, string>> {
    const key = `${memberId}\n${categoryId}`
    const now = deps.clock.now().getTime()
    const hit = cache.get(key)
    if (hit && hit.until > now) return hit.names
    let names = new Map<string, string>()
    let until = now + ttlMs
    try {
      const list = await deps.client.call(memberId, 'crm.status.list', { filter: { ENTITY_ID: stageEntityOf(categoryId) }, order: { SORT: 'ASC' } })
      for (const s of Array.isArray(list) ? (list as { STATUS_ID?: unknown; NAME?: unknown }[]) : []) {
        if (typeof s?.STATUS_ID === 'string' && typeof s.NAME === 'string' && s.NAME.trim()) names.set(s.STATUS_ID, s.NAME.trim())
      }
    } catch (e) {
      deps.logger.warn({ memberId, categoryId, err: e instanceof Error ? e.message : String(e) }, 'b24: stage names unavailable, codes are shown')
      names = hit?.names ?? new Map()
      until = now + 60_000
    }
    if (cache.size > 1_000) cache.clear()
    cache.set(key, { names, until })
    return names
  }

  return {
    /** The stage's name in the portal, or its code when the name cannot be had. */
    async nameOf(memberId: string, categoryId: number, stageId: string): Promise<string> {
      if (!stageId) return stageId
      return (await namesOf(memberId, Number.isSafeInteger(categoryId) && categoryId >= 0 ? categoryId : 0)).get(stageId) ?? stageId
    },
    /** Forgets a portal's names (the settings page just read fresh ones, or the app was reinstalled). */
    forget(memberId: string) {
      for (const k of cache.keys()) if (k.startsWith(`${memberId}\n`)) cache.delete(k)
    },
  }
}

export type StageNames = ReturnType<typeof createStageNames>
