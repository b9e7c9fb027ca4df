import type { Db } from '../db/knex.js'
import type { Clock } from '../shared/clock.js'
import { Forbidden, NotFound, Validation } from '../shared/errors.js'
import { randomToken, sha256 } from '../shared/tokens.js'
import { can } from '../companies/rules.js'
import type { CompaniesService } from '../companies/service.js'
import type { MemberCompany } from '../companies/types.js'
import type { AccountsService } from '../accounts/service.js'
import type { UserRow } from '../accounts/store.js'
import * as store from './store.js'

export type TokensService = ReturnType<typeof createTokensService>

const TOKEN_PREFIX = 'b2b_'

/**
 * Personal API tokens of the buyer API. A token belongs to one person in one company and acts with that person's current
 * role there; only its SHA-256 is stored, and the secret is shown once. A token stops working when it is revoked or when
 * its person leaves the company.
 */
export function createTokensService(deps: { db: Db; clock: Clock; accounts: AccountsService; companies: CompaniesService }) {
  const { db, clock } = deps
  const now = () => clock.now().getTime()

  return {
    list: (companyId: number) => store.listTokens(db, companyId),

    /** Issues a token for the current company; returns the secret, which is never shown again. */
    async issue(member: MemberCompany, userId: number, nameRaw: string): Promise<{ id: number; token: string }> {
      if (!can(member.role, 'tokens.manage')) throw new Forbidden()
      const name = nameRaw.trim()
      if (!name) throw new Validation('name', { name: 'Назовите токен, например «1С: выгрузка заказов»' })
      if (name.length > 100) throw new Validation('name', { name: 'Название не длиннее 100 символов' })
      const token = `${TOKEN_PREFIX}${randomToken(32)}`
      const id = await store.insertToken(db, {
        company_id: member.id, user_id: userId, name, token_hash: sha256(token), prefix: token.slice(0, 12), created_at: now(),
      })
      return { id, token }
    },

    async revoke(member: MemberCompany, id: number): Promise<void> {
      if (!can(member.role, 'tokens.manage')) throw new Forbidden()
      if (!(await store.revokeToken(db, member.id, id, now()))) throw new NotFound()
    },

    /** Creates a token with a known secret (the demo seed's `DEMO_API_TOKEN`). */
    async seedToken(trx: Db, o: { companyId: number; userId: number; token: string; name: string }): Promise<void> {
      await store.insertToken(trx, { company_id: o.companyId, user_id: o.userId, name: o.name, token_hash: sha256(o.token), prefix: o.token.slice(0, 12), created_at: now() })
    },

    /** The person and company behind a bearer secret, or null. Checks membership on every call. */
    async authenticate(secret: string): Promise<{ tokenId: number; user: UserRow; member: MemberCompany } | null> {
      if (!secret || secret.length > 200) return null
      const row = await store.findActiveTokenByHash(db, sha256(secret))
      if (!row) return null
      const [user, member] = await Promise.all([deps.accounts.findById(row.user_id), deps.companies.forMember(row.user_id, row.company_id)])
      if (!user || !user.is_active || !member) return null
      // Record use at most once a minute: a busy integration should not turn every read into a write.
      if (!row.last_used_at || now() - Number(row.last_used_at) > 60_000) await store.touchToken(db, row.id, now())
      return { tokenId: row.id, user, member }
    },
  }
}
