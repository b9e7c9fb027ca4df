import type { Db } from '../server/db/knex.js'

/*
 * The token store of the Bitrix24 local app: one `b24_installs` row per portal (`member_id`), holding the OAuth pair, the
 * endpoints it belongs to and the `application_token` that events are checked against. Every refresh rotates the refresh
 * token, so the pair is rewritten whole each time (`saveTokens`), and refreshes are serialised per portal with a lease on the
 * row (`takeRefreshLease`), so two processes never spend the same refresh token.
 */

export interface B24Install {
  memberId: string
  domain: string
  clientEndpoint: string
  serverEndpoint: string
  accessToken: string
  refreshToken: string
  /** When the access token expires (epoch ms). */
  expiresAt: number
  applicationToken: string | null
  scope: string
  status: 'active' | 'uninstalled'
  installedAt: number
  updatedAt: number
  /** Why Bitrix24 refused the tokens for good (the app must be reinstalled), or null. */
  authError?: string | null
}

interface Row {
  member_id: string
  domain: string
  client_endpoint: string
  server_endpoint: string
  access_token: string
  refresh_token: string
  expires_at: number | string
  application_token: string | null
  scope: string
  status: 'active' | 'uninstalled'
  auth_error: string | null
  installed_at: number | string
  updated_at: number | string
}

const toInstall = (r: Row): B24Install => ({
  memberId: r.member_id,
  domain: r.domain,
  clientEndpoint: r.client_endpoint,
  serverEndpoint: r.server_endpoint,
  accessToken: r.access_token,
  refreshToken: r.refresh_token,
  expiresAt: Number(r.expires_at),
  applicationToken: r.application_token,
  scope: r.scope,
  status: r.status,
  installedAt: Number(r.installed_at),
  updatedAt: Number(r.updated_at),
  authError: r.auth_error,
})

/**
 * Saves an install (first install or reinstall) by `member_id`: the row becomes active with the new tokens and endpoints, and
 * an earlier "needs reinstall" mark is cleared. `installed_at` keeps the first install's time.
 */
export async function saveInstall(db: Db, i: Omit<B24Install, 'status' | 'installedAt' | 'updatedAt' | 'authError'>, now: number): Promise<void> {
  const values = {
    domain: i.domain,
    client_endpoint: i.clientEndpoint,
    server_endpoint: i.serverEndpoint,
    access_token: i.accessToken,
    refresh_token: i.refreshToken,
    expires_at: i.expiresAt,
    application_token: i.applicationToken,
    scope: i.scope,
    status: 'active',
    auth_error: null,
    auth_error_at: null,
    updated_at: now,
  }
  await db('b24_installs')
    .insert({ member_id: i.memberId, ...values, refresh_until: 0, installed_at: now })
    .onConflict('member_id')
    .merge(values)
}

/** The install of a portal, or null. */
export async function findInstall(db: Db, memberId: string): Promise<B24Install | null> {
  const r = (await db('b24_installs').where({ member_id: memberId }).first()) as Row | undefined
  return r ? toInstall(r) : null
}

/** Stores the `application_token` (it may come later than the install POST, with ONAPPINSTALL). */
export async function setApplicationToken(db: Db, memberId: string, token: string, now: number): Promise<void> {
  await db('b24_installs').where({ member_id: memberId }).update({ application_token: token, updated_at: now })
}

/** ONAPPUNINSTALL: the portal removed the app; its tokens are kept for the record but never used again. */
export async function markUninstalled(db: Db, memberId: string, now: number): Promise<void> {
  await db('b24_installs').where({ member_id: memberId }).update({ status: 'uninstalled', updated_at: now })
}

/** Every portal the app is installed in now. */
export async function activeInstalls(db: Db): Promise<B24Install[]> {
  const rows = (await db('b24_installs').where({ status: 'active' }).orderBy('installed_at')) as Row[]
  return rows.map(toInstall)
}

/** Writes a freshly refreshed token pair (and the endpoints the OAuth server answered with). */
export async function saveTokens(
  db: Db,
  memberId: string,
  t: { accessToken: string; refreshToken: string; expiresAt: number; clientEndpoint?: string; serverEndpoint?: string; scope?: string },
  now: number,
): Promise<void> {
  await db('b24_installs')
    .where({ member_id: memberId })
    .update({
      access_token: t.accessToken,
      refresh_token: t.refreshToken,
      expires_at: t.expiresAt,
      ...(t.clientEndpoint ? { client_endpoint: t.clientEndpoint } : {}),
      ...(t.serverEndpoint ? { server_endpoint: t.serverEndpoint } : {}),
      ...(t.scope ? { scope: t.scope } : {}),
      refreshed_at: now,
      updated_at: now,
    })
}

/** Bitrix24 refused the tokens for good: the portal's admin must reinstall the app (shown on the settings page). */
export async function markAuthFailed(db: Db, memberId: string, reason: string, now: number): Promise<void> {
  await db('b24_installs').where({ member_id: memberId }).update({ auth_error: reason.slice(0, 500), auth_error_at: now, updated_at: now })
}

/**
 * Takes the refresh lease of a portal for `leaseMs` (a conditional update checked by affected rows, portable to both
 * engines); false while another holder's lease runs. A holder that died simply lets its lease run out.
 */
export async function takeRefreshLease(db: Db, memberId: string, holder: string, now: number, leaseMs: number): Promise<boolean> {
  const n = await db('b24_installs')
    .where({ member_id: memberId })
    .andWhere('refresh_until', '<', now)
    .update({ refresh_holder: holder, refresh_until: now + leaseMs })
  return n === 1
}

/** Gives the lease back (only if this holder still has it). */
export async function releaseRefreshLease(db: Db, memberId: string, holder: string): Promise<void> {
  await db('b24_installs').where({ member_id: memberId, refresh_holder: holder }).update({ refresh_holder: null, refresh_until: 0 })
}
