import type { Db } from '../server/db/knex.js'
import type { Clock } from '../server/shared/clock.js'
import type { Logger } from '../server/logger.js'
import { enqueue } from '../server/integrations/outbox/store.js'
import * as companiesStore from '../server/companies/store.js'
import type { OrdersService } from '../server/orders/service.js'
import { STATUS_LABELS } from '../server/orders/rules.js'
import { Validation } from '../server/shared/errors.js'
import type { B24Client } from './client.js'
import { findInstall, markUninstalled, setApplicationToken } from './installs.js'
import { callWithUserToken } from './placement-auth.js'
import { queuedEventState } from './events-store.js'
import type { StageNames } from './stage-names.js'
import type { OutboxActor } from '../server/orders/outbox.js'
import { memberIdOf, sameSecret, stageDecision } from './ui-rules.js'

/** The inbound outbox topic: events are answered at once and processed from here, with the outbox's retries and dedupe. */
export const B24_EVENT_TOPIC = 'b24.event'

/** The stage ↔ state mapping the events use, read from the app's settings (b24-app/settings-store.ts). */
export interface StageMapping {
  stageToStatus: Record<string, string>
  statusToStage: Record<string, string>
  /** false: deal updates in Bitrix24 do not move orders (the settings page's «какие события что делают»). */
  dealUpdateMovesOrder: boolean
}

export interface EventDeps {
  db: Db
  clock: Clock
  logger: Logger
  client: B24Client
  orders: OrdersService
  mappingOf: (memberId: string) => Promise<StageMapping>
  /** Our order linked to a deal of a portal (`b24_links`), or null. */
  orderOfDeal: (memberId: string, dealId: string) => Promise<number | null>
  /** Stage names for the order history note (code when unknown). */
  stageNames: StageNames
}

/**
 * Who moves an order because its deal moved: Bitrix24 itself. `via` travels in the `order.changed` payload, so the sync
 * does not send the deal back the stage it is already in (b24-app/sync.ts).
 */
export const DEAL_STAGE_ACTOR: OutboxActor = { kind: 'b24', userId: null, via: 'b24_deal' }

type Body = Record<string, any>

/**
 * `/b24/events` (reference/bitrix24.md §5, reliability-security.md §4.8). The body is form-encoded with nested keys. An
 * unknown portal, an uninstalled one, or an `auth[application_token]` other than the stored one (constant-time compare) gets
 * 403 and changes nothing. When the install has no token yet (the install POST carried none), the first event proves its
 * token by its `auth[access_token]` working on the install's stored endpoint, and the token is stored. `ONAPPUNINSTALL`
 * marks the install uninstalled at once (it carries no tokens; the application token is its only proof); other events are
 * queued in the outbox (`b24.event`, keyed by portal, event, entity and time, so a repeated delivery waiting in the queue
 * is one row) and the answer is 200 straight away.
 */
export function createB24Events(deps: EventDeps) {
  const { db, clock, logger } = deps

  async function receive(body: Body): Promise<{ status: number; text: string }> {
    const auth = (body.auth ?? {}) as Body
    const event = String(body.event ?? '').toUpperCase().slice(0, 64)
    const memberId = memberIdOf(auth.member_id)
    const token = typeof auth.application_token === 'string' ? auth.application_token.slice(0, 255) : ''
    const forbidden = { status: 403, text: 'forbidden' }
    if (!memberId || !event || !token) return forbidden
    const install = await findInstall(db, memberId)
    if (!install || install.status !== 'active') return forbidden
    const now = clock.now().getTime()
    if (install.applicationToken) {
      if (!sameSecret(install.applicationToken, token)) {
        logger.warn({ memberId, event }, 'b24: event with a wrong application_token refused')
        return forbidden
      }
    } else {
      const access = typeof auth.access_token === 'string' ? auth.access_token : ''
      const proved = access && event !== 'ONAPPUNINSTALL' ? await callWithUserToken(install, 'app.info', access, 8_000) : null
      if (!proved) return forbidden
      await setApplicationToken(db, memberId, token, now)
    }

    if (event === 'ONAPPUNINSTALL') {
      await markUninstalled(db, memberId, now)
      await companiesStore.audit(db, { actor: null, companyId: null, action: 'b24.uninstalled', details: { member_id: memberId, domain: install.domain }, now })
      return { status: 200, text: 'ok' }
    }
    if (event === 'ONCRMDEALUPDATE') {
      const id = String(body.data?.FIELDS?.ID ?? '')
      if (!/^\d{1,12}$/.test(id)) return { status: 200, text: 'ignored' }
      const ts = String(body.ts ?? now).slice(0, 20)
      // Bitrix24's `ts` has a resolution of one second. A repeat of a delivery that still waits in the queue is the same row;
      // once that row has been handled (or is being handled), a delivery with the same `ts` is a later change in the same
      // second and gets a row of its own (handling reads the deal afresh, so a true repeat changes nothing).
      const base = `${B24_EVENT_TOPIC}:${memberId}:${event}:${id}:${ts}`
      const state = await queuedEventState(db, base)
      const key = state === null || state === 'pending' ? base : `${base}:${now}`
      await enqueue(db, { topic: B24_EVENT_TOPIC, key, now, payload: { memberId, event, id, ts } })
      return { status: 200, text: 'queued' }
    }
    return { status: 200, text: 'ignored' }
  }

  /**
   * The outbox handler of `b24.event`: reads the deal (`crm.deal.get`), finds our order through `b24_links`, and moves it
   * along the stage → state mapping with the orders service's own transitions. Our own sync's echo (the deal is in the stage
   * the order's state maps to) changes nothing; a move the state machine refuses is written to the audit log, not forced.
   */
  async function handle(payload: { memberId: string; event: string; id: string }): Promise<null> {
    const outcome = await processEvent(payload)
    logger.info({ memberId: payload.memberId, event: payload.event, id: payload.id, outcome }, 'b24: event processed')
    return null
  }

  async function processEvent(payload: { memberId: string; event: string; id: string }): Promise<string> {
    if (payload.event !== 'ONCRMDEALUPDATE') return 'ignored'
    const mapping = await deps.mappingOf(payload.memberId)
    if (!mapping.dealUpdateMovesOrder) return 'ignored: disabled in settings'
    const orderId = await deps.orderOfDeal(payload.memberId, payload.id)
    if (!orderId) return 'ignored: deal not linked'
    const deal = await deps.client.call(payload.memberId, 'crm.deal.get', { id: payload.id })
    const stageId = String(deal?.STAGE_ID ?? '')
    const order = await deps.orders.viewForStaff(orderId)
    const decision = stageDecision(stageId, order.order.status, mapping)
    const now = clock.now().getTime()
    if (decision.kind === 'none') return `no change (${decision.why})`
    if (decision.kind === 'refused') {
      await companiesStore.audit(db, {
        actor: null,
        companyId: order.order.company_id,
        action: 'b24.status_refused',
        details: { order: order.order.number, deal: payload.id, stage: stageId, from: STATUS_LABELS[order.order.status], to: STATUS_LABELS[decision.to], reason: decision.reason },
        now,
      })
      logger.info({ orderId, dealId: payload.id, stageId, reason: decision.reason }, 'b24: deal stage asks for a transition the order refuses')
      return `refused: ${decision.reason}`
    }
    const stageName = await deps.stageNames.nameOf(payload.memberId, Number(deal?.CATEGORY_ID ?? 0), stageId)
    try {
      await deps.orders.transition(orderId, decision.to, DEAL_STAGE_ACTOR, `Битрикс24: сделка № ${payload.id} перешла в стадию «${stageName}»`)
    } catch (e) {
      // The order changed between the read and the move: the machine's answer is recorded like any refusal.
      if (!(e instanceof Validation)) throw e
      await companiesStore.audit(db, { actor: null, companyId: order.order.company_id, action: 'b24.status_refused', details: { order: order.order.number, deal: payload.id, stage: stageId, reason: e.message }, now })
      return `refused: ${e.message}`
    }
    return `moved to ${decision.to}`
  }

  return { receive, handle, processEvent }
}
