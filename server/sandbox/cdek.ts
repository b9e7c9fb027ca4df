import { randomUUID, randomInt } from 'node:crypto'
import express, { Router } from 'express'
import axios from 'axios'
import type { Clock } from '../shared/clock.js'
import type { Logger } from '../logger.js'
import type { CdekOrderRequest, CdekProblem, CdekStatus } from '../integrations/cdek/types.js'

/** An order the emulator keeps (in memory: a sandbox forgets its orders on restart, like the shared CDEK test account). */
interface SandboxOrder {
  uuid: string
  number: string
  body: CdekOrderRequest
  cdekNumber: string
  state: 'ACCEPTED' | 'SUCCESSFUL' | 'INVALID'
  statuses: CdekStatus[]
  createdAt: number
  /** The time of the last status: each new one is at least a second later, so CDEK's status times never repeat. */
  lastAt: number
}

/** The walk the sandbox's «следующий статус» takes an order along (reference/cdek.md §6). */
export const SANDBOX_STATUS_CHAIN = [
  'CREATED',
  'RECEIVED_AT_SHIPMENT_WAREHOUSE',
  'TAKEN_BY_TRANSPORTER_FROM_SENDER_CITY',
  'ACCEPTED_IN_RECIPIENT_CITY',
  'ACCEPTED_AT_PICK_UP_POINT',
  'DELIVERED',
] as const

export interface CdekSandbox {
  router: Router
  /** Assigns the track numbers that are still waiting for their delay, at once (tests, the «ускорить» of a demo). */
  flush(): Promise<void>
  /** Moves an order to the next status of the chain (or `code`) and posts the webhook; false for an unknown uuid. */
  advance(uuid: string, code?: string): Promise<boolean>
  orders(): SandboxOrder[]
}

/** CDEK's date-time format: «2026-11-27T10:00:00+0000». */
const cdekTime = (t: number) => new Date(t).toISOString().replace(/\.\d{3}Z$/, '+0000')

/**
 * The CDEK API v2 emulator mounted under `/sandbox/cdek` when no CDEK credentials are configured: the same URL shapes and
 * answers as the real API (reference/cdek.md §2–5), so the real client runs against it unchanged. Token by client
 * credentials (any pair but «wrong»), orders accepted asynchronously (`ACCEPTED`, empty `cdek_number`), the track number
 * and the `CREATED` status assigned after `delayMs`, then an `ORDER_STATUS` webhook POSTed to the subscribed url or
 * `hookUrl()` (our own `/hooks/cdek/:secret`). Validation errors answer 400 with `INVALID` and `errors` like CDEK.
 */
export function createCdekSandbox(deps: { delayMs: number; hookUrl: () => string; clock: Clock; logger: Logger }): CdekSandbox {
  const tokens = new Set<string>()
  const orders = new Map<string, SandboxOrder>()
  const pending = new Map<string, NodeJS.Timeout>()
  let subscribed: string | null = null
  let subscriptionUuid = ''
  const now = () => deps.clock.now().getTime()

  async function postHook(o: SandboxOrder, s: CdekStatus): Promise<void> {
    const url = subscribed ?? deps.hookUrl()
    const body = {
      type: 'ORDER_STATUS',
      date_time: s.date_time,
      uuid: o.uuid,
      attributes: { is_return: false, cdek_number: o.cdekNumber, number: o.number, status_code: s.code, status_reason_code: '', status_date_time: s.date_time, city_name: s.city ?? 'Москва', city_code: '44' },
    }
    try {
      await axios.post(url, body, { timeout: 5000 })
    } catch (err) {
      // CDEK does not retry webhooks either; the poll job reconciles.
      deps.logger.warn({ url: url.replace(/\/hooks\/cdek\/.*/, '/hooks/cdek/…'), err: (err as Error).message }, 'cdek sandbox: webhook not delivered')
    }
  }

  async function addStatus(o: SandboxOrder, code: string): Promise<void> {
    o.lastAt = Math.max(now(), o.lastAt + 1000)
    const s: CdekStatus = { code, name: code, date_time: cdekTime(o.lastAt), city: 'Москва' }
    o.statuses.push(s)
    await postHook(o, s)
  }

  async function register(uuid: string): Promise<void> {
    const o = orders.get(uuid)
    pending.delete(uuid)
    if (!o || o.state !== 'ACCEPTED') return
    o.state = 'SUCCESSFUL'
    o.cdekNumber = String(randomInt(1_000_000_000, 9_999_999_999))
    await addStatus(o, 'CREATED')
  }

  function problems(b: Partial<CdekOrderRequest>): CdekProblem[] {
    const out: CdekProblem[] = []
    const empty = (field: string) => out.push({ code: 'v2_field_is_empty', message: `Поле ${field} не заполнено` })
    if (!b.tariff_code) empty('tariff_code')
    if (!b.number) empty('number')
    if (b.shipment_point && b.from_location) out.push({ code: 'v2_bad_request', message: 'shipment_point и from_location указаны одновременно' })
    if (!b.shipment_point && !b.from_location?.address) empty('from_location.address')
    if (b.delivery_point && b.to_location) out.push({ code: 'v2_bad_request', message: 'delivery_point и to_location указаны одновременно' })
    if (!b.delivery_point && !b.to_location?.address) empty('to_location.address')
    if (!b.recipient?.name) empty('recipient.name')
    if (!b.recipient?.phones?.[0]?.number) out.push({ code: 'v2_recipient_phone_empty', message: 'Не указан телефон получателя' })
    if (!b.packages?.length) empty('packages')
    for (const [i, p] of (b.packages ?? []).entries()) {
      if (!(p.weight > 0)) out.push({ code: 'v2_weight_is_empty', message: `packages[${i}].weight` })
    }
    return out
  }

  const r = Router()
  r.use(express.urlencoded({ extended: false, limit: '10kb' }), express.json({ limit: '1mb' }))

  r.post('/v2/oauth/token', (req, res) => {
    const b = (req.body ?? {}) as Record<string, string>
    if (b.grant_type !== 'client_credentials' || !b.client_id || !b.client_secret || b.client_id === 'wrong') {
      res.status(401).json({ error: 'invalid_client', error_description: 'Bad client credentials' })
      return
    }
    const token = `sandbox.${randomUUID()}`
    tokens.add(token)
    res.json({ access_token: token, token_type: 'bearer', expires_in: 3599, scope: 'order:all payment:all', jti: randomUUID() })
  })

  // Every API call below needs a token this emulator issued.
  r.use('/v2', (req, res, next) => {
    const m = /^Bearer (\S+)$/.exec(String(req.headers.authorization ?? ''))
    if (!m || !tokens.has(m[1]!)) {
      res.status(401).json({ requests: [{ state: 'INVALID', errors: [{ code: 'v2_token_expired', message: 'Токен недействителен' }] }] })
      return
    }
    next()
  })

  r.post('/v2/orders', (req, res) => {
    const b = (req.body ?? {}) as CdekOrderRequest
    const bad = problems(b)
    if (!bad.length && [...orders.values()].some((o) => o.number === b.number)) bad.push({ code: 'v2_similar_order_exists', message: `Заказ с номером ${b.number} уже существует` })
    const request = { request_uuid: randomUUID(), type: 'CREATE', state: bad.length ? 'INVALID' : 'ACCEPTED', date_time: cdekTime(now()), errors: bad, warnings: [] }
    if (bad.length) {
      res.status(400).json({ requests: [request] })
      return
    }
    const uuid = randomUUID()
    orders.set(uuid, { uuid, number: b.number, body: b, cdekNumber: '', state: 'ACCEPTED', statuses: [], createdAt: now(), lastAt: 0 })
    const timer = setTimeout(() => void register(uuid), deps.delayMs)
    timer.unref()
    pending.set(uuid, timer)
    res.status(202).json({ entity: { uuid }, requests: [request] })
  })

  const entityOf = (o: SandboxOrder) => ({
    entity: {
      uuid: o.uuid,
      type: o.body.type,
      number: o.number,
      cdek_number: o.cdekNumber || undefined,
      tariff_code: o.body.tariff_code,
      sender: o.body.sender,
      recipient: o.body.recipient,
      to_location: o.body.to_location,
      packages: o.body.packages,
      // CDEK lists the newest status first.
      statuses: [...o.statuses].reverse(),
    },
    requests: [{ request_uuid: randomUUID(), type: 'CREATE', state: o.state, date_time: cdekTime(o.createdAt), errors: [], warnings: [] }],
    related_entities: [],
  })

  r.get('/v2/orders/:uuid', (req, res) => {
    const o = orders.get(String(req.params.uuid))
    if (!o) {
      res.status(404).json({ requests: [{ state: 'INVALID', errors: [{ code: 'v2_entity_not_found', message: 'Заказ не найден' }] }] })
      return
    }
    res.json(entityOf(o))
  })

  r.get('/v2/orders', (req, res) => {
    const im = String(req.query.im_number ?? '')
    const cdek = String(req.query.cdek_number ?? '')
    const o = [...orders.values()].find((x) => (im && x.number === im) || (cdek && x.cdekNumber === cdek))
    if (!o) {
      res.status(404).json({ requests: [{ state: 'INVALID', errors: [{ code: 'v2_entity_not_found', message: 'Заказ не найден' }] }] })
      return
    }
    res.json(entityOf(o))
  })

  r.post('/v2/webhooks', (req, res) => {
    const b = (req.body ?? {}) as { url?: string; type?: string }
    if (!b.url || b.type !== 'ORDER_STATUS') {
      res.status(400).json({ requests: [{ state: 'INVALID', errors: [{ code: 'v2_field_is_empty', message: 'url и type обязательны' }] }] })
      return
    }
    subscribed = b.url
    subscriptionUuid = randomUUID()
    res.json({ entity: { uuid: subscriptionUuid }, requests: [{ state: 'SUCCESSFUL', errors: [] }] })
  })

  r.get('/v2/webhooks', (_req, res) => {
    res.json(subscribed ? [{ uuid: subscriptionUuid, url: subscribed, type: 'ORDER_STATUS' }] : [])
  })

  return {
    router: r,
    async flush() {
      for (const [uuid, t] of [...pending]) {
        clearTimeout(t)
        await register(uuid)
      }
    },
    async advance(uuid, code) {
      const o = orders.get(uuid)
      if (!o) return false
      if (o.state === 'ACCEPTED') {
        clearTimeout(pending.get(uuid))
        await register(uuid)
        if (!code) return true
      }
      const last = o.statuses.at(-1)?.code
      const next = code ?? SANDBOX_STATUS_CHAIN[Math.min(SANDBOX_STATUS_CHAIN.length - 1, SANDBOX_STATUS_CHAIN.indexOf(last as (typeof SANDBOX_STATUS_CHAIN)[number]) + 1)]!
      await addStatus(o, next)
      return true
    },
    orders: () => [...orders.values()],
  }
}
