import type { Db } from '../db/knex.js'
import type { Clock } from '../shared/clock.js'
import type { Config } from '../config.js'
import { Validation } from '../shared/errors.js'
import { randomToken, sha256 } from '../shared/tokens.js'
import { queueMail } from '../integrations/mail/index.js'
import type { PasswordHasher } from './password.js'
import * as store from './store.js'
import {
  emailError,
  fullNameError,
  loginThrottled,
  normalizeEmail,
  normalizePhone,
  passwordError,
  phoneError,
} from './rules.js'

export interface PersonInput {
  full_name: string
  email: string
  phone: string
  password: string
  password2: string
}

export type LoginResult =
  | { ok: true; user: store.UserRow }
  | { ok: false; reason: 'invalid' | 'throttled' | 'inactive' }

const RESET_TTL_MS = 60 * 60_000

export type AccountsService = ReturnType<typeof createAccountsService>

/** People: registration of the person, login with throttling, password reset, own sessions. */
export function createAccountsService(deps: { db: Db; clock: Clock; config: Config; hasher: PasswordHasher }) {
  const { db, clock, config, hasher } = deps
  const now = () => clock.now().getTime()
  // A hash with the real parameters, verified against when the email is unknown so both answers take the same time.
  let dummyHash: Promise<string> | null = null

  return {
    /** Field errors of the person part of a registration form (empty when fine). */
    personErrors(p: PersonInput): Record<string, string> {
      const errors: Record<string, string> = {}
      const put = (k: string, e: string | null) => e && (errors[k] = e)
      put('full_name', fullNameError(p.full_name))
      put('email', emailError(p.email))
      put('phone', phoneError(p.phone))
      put('password', passwordError(p.password))
      if (!errors.password && p.password !== p.password2) errors.password2 = 'Пароли не совпадают'
      return errors
    },

    /** Creates the person inside the caller's transaction; a taken email is a field error. */
    async createUser(trx: Db, p: PersonInput, opts: { isStaff?: boolean } = {}): Promise<number> {
      const email = normalizeEmail(p.email)
      if (await store.findUserByEmail(trx, email)) {
        throw new Validation('email taken', { email: 'Этот email уже зарегистрирован. Войдите или восстановите пароль.' })
      }
      return store.insertUser(trx, {
        email,
        full_name: p.full_name.trim(),
        phone: normalizePhone(p.phone) ?? '',
        password_hash: await hasher.hash(p.password),
        is_staff: opts.isStaff ?? false,
        now: now(),
      })
    },

    findById: (id: number) => store.findUserById(db, id),
    findByEmail: (email: string) => store.findUserByEmail(db, normalizeEmail(email)),

    /**
     * Checks a login. Failures are counted per account and per IP in a sliding window; above the limit every attempt is
     * refused without even checking the password, so a throttled attacker learns nothing.
     */
    async login(emailRaw: string, password: string, ip: string): Promise<LoginResult> {
      const email = normalizeEmail(emailRaw)
      const t = now()
      const failures = await store.countLoginFailures(db, email, ip, t - config.login.windowMs)
      if (loginThrottled(failures, config.login)) return { ok: false, reason: 'throttled' }
      const user = await store.findUserByEmail(db, email)
      // Hash even for an unknown email so the answer takes the same time.
      dummyHash ??= hasher.hash(randomToken())
      const ok = await hasher.verify(password, user?.password_hash ?? (await dummyHash))
      if (!user || !ok) {
        await store.recordLoginFailure(db, email, ip, t)
        return { ok: false, reason: 'invalid' }
      }
      if (!user.is_active) return { ok: false, reason: 'inactive' }
      await store.clearLoginFailures(db, email)
      await store.updateUser(db, user.id, { last_login_at: t })
      return { ok: true, user }
    },

    /** Sends a single-use reset link valid for an hour. Unknown emails get no mail and the same answer. */
    async requestPasswordReset(emailRaw: string): Promise<void> {
      const user = await store.findUserByEmail(db, normalizeEmail(emailRaw))
      if (!user || !user.is_active) return
      const token = randomToken()
      const t = now()
      await db.transaction(async (trx) => {
        await store.insertPasswordReset(trx, user.id, sha256(token), t, t + RESET_TTL_MS)
        await queueMail(trx, t, `reset:${sha256(token)}`, {
          to: user.email,
          subject: 'Восстановление пароля в кабинете оптового покупателя',
          text:
            `Здравствуйте, ${user.full_name}!\n\nЧтобы задать новый пароль, откройте ссылку (она действует 1 час и только один раз):\n` +
            `${config.publicUrl}/password/reset/${token}\n\nЕсли вы не запрашивали восстановление, просто проигнорируйте это письмо.`,
        })
      })
    },

    /** Whether a reset link can still be used (for showing the form). */
    async resetTokenValid(token: string): Promise<boolean> {
      const row = await store.findPasswordReset(db, sha256(token))
      return !!row && !row.used_at && Number(row.expires_at) > now()
    },

    /** Sets the new password through a reset link and ends every session of the person. */
    async resetPassword(token: string, password: string, password2: string): Promise<{ ok: true } | { ok: false; errors: Record<string, string> }> {
      const pe = passwordError(password, password2)
      if (pe) return { ok: false, errors: { password: pe } }
      const row = await store.findPasswordReset(db, sha256(token))
      const t = now()
      if (!row || row.used_at || Number(row.expires_at) <= t) {
        return { ok: false, errors: { password: 'Ссылка устарела или уже использована. Запросите восстановление ещё раз.' } }
      }
      const hash = await hasher.hash(password)
      return db.transaction(async (trx) => {
        if (!(await store.consumePasswordReset(trx, row.id, t))) {
          return { ok: false as const, errors: { password: 'Ссылка уже использована. Запросите восстановление ещё раз.' } }
        }
        await store.updateUser(trx, row.user_id, { password_hash: hash, updated_at: t })
        await store.deleteUserSessions(trx, row.user_id, null)
        await store.clearLoginFailures(trx, (await store.findUserById(trx, row.user_id))!.email)
        return { ok: true as const }
      })
    },

    /** Changes the password of a logged-in person after checking the current one; other sessions end (ASVS 3.3.3). */
    async changePassword(userId: number, sid: string, current: string, password: string, password2: string): Promise<Record<string, string>> {
      const user = await store.findUserById(db, userId)
      if (!user || !(await hasher.verify(current, user.password_hash))) return { current: 'Текущий пароль введён неверно' }
      const pe = passwordError(password, password2)
      if (pe) return { password: pe }
      await store.updateUser(db, userId, { password_hash: await hasher.hash(password), updated_at: now() })
      await store.deleteUserSessions(db, userId, sid)
      return {}
    },

    listSessions: (userId: number) => store.listUserSessions(db, userId, now()),
    endOtherSessions: (userId: number, sid: string) => store.deleteUserSessions(db, userId, sid),
    endSession: (userId: number, sid: string) => store.deleteUserSession(db, userId, sid),
  }
}
