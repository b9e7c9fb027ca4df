/**
 * Pure rules of the Bitrix24 app's own pages (install, events, placements, settings): how the portal's form bodies are read,
 * the signed placement token, the frame-ancestors header, and which order state a deal's stage asks for. No IO; `now` and
 * the secret are passed in.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { STATUSES, transitionError } from '../server/orders/rules.js'
import type { OrderStatus } from '../server/orders/types.js'

const str = (v: unknown, max = 500): string => (typeof v === 'string' ? v.trim().slice(0, max) : '')

/** `member_id` is the portal's id: hex-like, short; anything else is not a Bitrix24 request. */
export function memberIdOf(v: unknown): string | null {
  const s = str(v, 100)
  return /^[A-Za-z0-9_.-]{4,64}$/.test(s) ? s : null
}

/** A host name (with an optional port) as Bitrix24 sends `DOMAIN`, or null. */
export function domainOf(v: unknown): string | null {
  const s = str(v, 255).toLowerCase()
  return /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?$/.test(s) ? s : null
}

/** The install POST (reference/bitrix24.md §2.1): query `DOMAIN`, `PROTOCOL`; body `AUTH_ID`, `REFRESH_ID`, `member_id`, … */
export interface InstallForm {
  domain: string
  protocol: 'http' | 'https'
  memberId: string
  accessToken: string
  refreshToken: string
  expiresInSec: number
  serverEndpoint: string
  applicationToken: string | null
  scope: string
}

/** Reads the install POST, or returns the Russian reason it is not one. */
export function parseInstallForm(query: Record<string, unknown>, body: Record<string, unknown>): InstallForm | { error: string } {
  const domain = domainOf(query.DOMAIN ?? body.DOMAIN)
  const memberId = memberIdOf(body.member_id)
  const accessToken = str(body.AUTH_ID, 255)
  const refreshToken = str(body.REFRESH_ID, 255)
  if (!domain || !memberId || !accessToken || !refreshToken) return { error: 'Это не запрос установки из Битрикс24: нет DOMAIN, member_id, AUTH_ID или REFRESH_ID' }
  const expires = Number(str(body.AUTH_EXPIRES, 10))
  const serverEndpoint = str(body.SERVER_ENDPOINT, 500)
  return {
    domain,
    protocol: String(query.PROTOCOL ?? body.PROTOCOL ?? '1') === '0' ? 'http' : 'https',
    memberId,
    accessToken,
    refreshToken,
    expiresInSec: Number.isFinite(expires) && expires > 0 ? Math.min(expires, 86_400) : 3600,
    serverEndpoint: /^https?:\/\//.test(serverEndpoint) ? serverEndpoint : 'https://oauth.bitrix.info/rest/',
    applicationToken: str(body.APPLICATION_TOKEN, 255) || null,
    scope: str(body.APPLICATION_SCOPE, 500),
  }
}

/** The placement POST (§6): `PLACEMENT`, `PLACEMENT_OPTIONS` (a JSON string with a string `ID`), `AUTH_ID`, `member_id`. */
export interface PlacementForm {
  memberId: string
  authId: string
  placement: string
  entityId: number | null
}

export function parsePlacementForm(body: Record<string, unknown>): PlacementForm | null {
  const memberId = memberIdOf(body.member_id)
  const authId = str(body.AUTH_ID, 255)
  if (!memberId || !authId) return null
  const placement = str(body.PLACEMENT, 64).toUpperCase() || 'DEFAULT'
  let entityId: number | null = null
  const raw = str(body.PLACEMENT_OPTIONS, 2000)
  if (raw) {
    try {
      const o = JSON.parse(raw) as { ID?: unknown }
      const n = Number(o?.ID)
      if (Number.isSafeInteger(n) && n > 0) entityId = n
    } catch {
      entityId = null
    }
  }
  return { memberId, authId, placement, entityId }
}

/** What the signed placement token carries: the verified portal and Bitrix24 user, and what the page shows. */
export interface PlacementClaims {
  /** member_id */
  m: string
  /** Bitrix24 user id and name */
  u: string
  n: string
  /** whether the user is a portal admin (settings may be saved only by admins) */
  a: boolean
  /** placement code and entity id (deal or company), or 'DEFAULT' for the settings page */
  p: string
  id: number | null
  /** expiry, epoch ms */
  exp: number
}

const sign = (secret: string, data: string) => createHmac('sha256', secret).update(`b24-placement:${data}`).digest('base64url')

/**
 * The placement pages' CSRF equivalent: Bitrix24 frames them on its own domain, where the portal's cookies are third-party
 * (blocked by Safari and others), so each page carries a short-lived token signed with the server secret that names the
 * verified portal, user and entity. Actions post it back; a token for another deal or company, an expired or altered one is
 * refused.
 */
export function signPlacement(claims: PlacementClaims, secret: string): string {
  const data = Buffer.from(JSON.stringify(claims)).toString('base64url')
  return `${data}.${sign(secret, data)}`
}

export function verifyPlacement(token: unknown, secret: string, now: number): PlacementClaims | null {
  if (typeof token !== 'string' || token.length > 2000) return null
  const [data, mac] = token.split('.')
  if (!data || !mac) return null
  const expected = Buffer.from(sign(secret, data))
  const given = Buffer.from(mac)
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null
  try {
    const c = JSON.parse(Buffer.from(data, 'base64url').toString('utf8')) as PlacementClaims
    if (typeof c.exp !== 'number' || c.exp <= now || typeof c.m !== 'string') return null
    return c
  } catch {
    return null
  }
}

/** Compares two secrets in constant time (`application_token`); a missing one never matches. */
export function sameSecret(a: string | null | undefined, b: string | null | undefined): boolean {
  if (!a || !b) return false
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/**
 * The CSP of a placement page: helmet's policy with `frame-ancestors` naming only the portal the install belongs to (its
 * stored domain, never the request's), so only that portal may frame the page (reliability-security.md §4.7).
 */
export function framedCsp(current: string, origin: string): string {
  const parts = current.split(';').map((p) => p.trim()).filter((p) => p && !p.startsWith('frame-ancestors'))
  parts.push(`frame-ancestors 'self' ${origin}`)
  return parts.join(';')
}

/** The web origin of a stored install: from its client endpoint (`https://x.bitrix24.ru/rest/` → `https://x.bitrix24.ru`). */
export function originOfInstall(i: { domain: string; clientEndpoint: string }): string {
  try {
    return new URL(i.clientEndpoint).origin
  } catch {
    return `https://${i.domain}`
  }
}

/**
 * What a deal's new stage asks of its order, given the stage ↔ state mapping of the settings:
 * - `none`: the stage maps to no state, or to the state the order already has, or it is the very stage our own sync puts
 *   deals of the order's state in (the echo of our own `crm.deal.update`: never bounce it back);
 * - `move`: a transition the state machine allows;
 * - `refused`: the machine does not allow it (recorded, never forced).
 */
export function stageDecision(
  stageId: string,
  current: OrderStatus,
  mapping: { stageToStatus: Record<string, string>; statusToStage: Record<string, string> },
): { kind: 'none'; why: string } | { kind: 'move'; to: OrderStatus } | { kind: 'refused'; to: OrderStatus; reason: string } {
  if (mapping.statusToStage[current] && mapping.statusToStage[current] === stageId) return { kind: 'none', why: 'deal is where our sync put it' }
  const to = mapping.stageToStatus[stageId] as OrderStatus | undefined
  if (!to || !STATUSES.includes(to)) return { kind: 'none', why: 'stage not mapped' }
  if (to === current) return { kind: 'none', why: 'order already there' }
  const refused = transitionError(current, to)
  return refused ? { kind: 'refused', to, reason: refused } : { kind: 'move', to }
}

/** One package row of the delivery request form, as typed (kept on errors so nothing typed is lost). */
export interface PackageRowInput {
  weight: string
  length: string
  width: string
  height: string
  count: string
}

/** A package of a delivery request: weight in grams, dimensions in centimetres (cdek.md). */
export interface PackageSpec {
  weightG: number
  lengthCm: number
  widthCm: number
  heightCm: number
}

const asArray = (v: unknown): string[] => (Array.isArray(v) ? v.map((x) => String(x ?? '')) : v === undefined ? [] : [String(v)])

/** The package rows of the form (`pkg_weight[]`, `pkg_length[]`, …), at most 20. */
export function packageRowsOf(body: Record<string, unknown>): PackageRowInput[] {
  const w = asArray(body.pkg_weight)
  const l = asArray(body.pkg_length)
  const wd = asArray(body.pkg_width)
  const h = asArray(body.pkg_height)
  const c = asArray(body.pkg_count)
  const n = Math.min(20, Math.max(w.length, l.length, wd.length, h.length, c.length))
  const t = (a: string[], i: number) => (a[i] ?? '').trim().slice(0, 12)
  return Array.from({ length: n }, (_, i) => ({ weight: t(w, i), length: t(l, i), width: t(wd, i), height: t(h, i), count: t(c, i) }))
}

/**
 * Reads the typed package rows: empty rows are skipped; a row's «мест» repeats it; every number must be a whole positive
 * number in range. No rows at all → `packages: null` (the delivery service computes them from the packagings). Errors are
 * Russian, per row.
 */
export function parsePackages(rows: PackageRowInput[]): { packages: PackageSpec[] | null; errors: Record<number, string> } {
  const errors: Record<number, string> = {}
  const out: PackageSpec[] = []
  const num = (s: string, max: number) => (/^\d{1,7}$/.test(s) && Number(s) >= 1 && Number(s) <= max ? Number(s) : null)
  rows.forEach((r, i) => {
    if (!r.weight && !r.length && !r.width && !r.height && !r.count) return
    const weightG = num(r.weight, 1_000_000)
    const lengthCm = num(r.length, 1_500)
    const widthCm = num(r.width, 1_500)
    const heightCm = num(r.height, 1_500)
    const count = r.count ? num(r.count, 100) : 1
    if (weightG === null) errors[i] = `Вес — целое число граммов от 1 до 1 000 000 (вы ввели «${r.weight}»)`
    else if (lengthCm === null || widthCm === null || heightCm === null) errors[i] = 'Длина, ширина и высота — целые сантиметры от 1 до 1 500'
    else if (count === null) errors[i] = `Мест — целое число от 1 до 100 (вы ввели «${r.count}»)`
    else for (let k = 0; k < count; k++) out.push({ weightG, lengthCm, widthCm, heightCm })
  })
  if (out.length > 100) errors[0] = errors[0] ?? 'Не больше 100 мест в одной заявке'
  return { packages: Object.keys(errors).length ? null : out.length ? out : null, errors }
}
