import type { Db } from '../db/knex.js'
import type { Clock } from '../shared/clock.js'
import { NotFound, Validation } from '../shared/errors.js'
import { isUniqueViolation } from '../db/dialect.js'
import type { AccountsService } from '../accounts/service.js'
import * as companiesStore from '../companies/store.js'
import type { CompanyRow } from '../companies/types.js'
import * as outboxStore from '../integrations/outbox/store.js'
import { enqueueCompanyChanged, enqueueCompanyVerified } from '../companies/outbox.js'
import * as store from './store.js'
import { blockReasonError, pageCount, requisitesChange, requisitesErrors, searchWords, statusTransition } from './rules.js'
import type { ActionOutcome, CompanyFilter, RequisitesInput, StaffInput } from './types.js'
import type { PointsService } from '../points/service.js'

export type AdminService = ReturnType<typeof createAdminService>

/** The audit actions of the status buttons (their Russian labels live in present.ts). */
const AUDIT_ACTIONS = { verify: 'company.verified', block: 'company.blocked', unblock: 'company.unblocked' } as const

/** How many delivered outbox rows the queue page keeps in view. */
const RECENT_SENT = 50

/**
 * The supplier staff area: the companies queue (search, verification, blocking, requisites corrections), the outbox and
 * staff accounts. Every change is written together with its audit entry in one transaction, with the staff member as the
 * actor. Staff reach any company, so nothing here is scoped by a session company: the routes let only staff in.
 */
export function createAdminService(deps: { db: Db; clock: Clock; accounts: AccountsService; points: PointsService }) {
  const { db, clock, accounts } = deps
  const now = () => clock.now().getTime()

  async function companyOr404(q: Db, id: number): Promise<CompanyRow> {
    const c = await companiesStore.findCompany(q, id)
    if (!c) throw new NotFound('Компания не найдена')
    return c
  }

  /**
   * Applies a status transition with the conditional update of the store; a company changed by someone else in between
   * gives a message instead of a second, contradicting audit entry.
   */
  async function transition(
    actorId: number | null,
    companyId: number,
    action: 'verify' | 'block' | 'unblock',
    extra: { reason?: string; via?: Record<string, string> },
    done: string,
  ): Promise<ActionOutcome> {
    return db.transaction(async (trx) => {
      const c = await companyOr404(trx, companyId)
      const next = statusTransition(c, action)
      if (!next.ok) return next
      const t = now()
      const patch =
        action === 'verify'
          ? { status: next.status, verified_at: t, verified_by: actorId }
          : action === 'block'
            ? { status: next.status, blocked_reason: extra.reason ?? '' }
            : { status: next.status, blocked_reason: '' }
      if (!(await store.changeStatus(trx, companyId, c.status, patch, t))) {
        return { ok: false as const, message: 'Статус компании только что изменил другой сотрудник: обновите страницу' }
      }
      const details = { from: c.status, to: next.status, ...(action === 'block' ? { reason: extra.reason } : {}), ...(extra.via ? { via: extra.via } : {}) }
      await companiesStore.audit(trx, { actor: actorId, companyId, action: AUDIT_ACTIONS[action], details, now: t })
      // The CRM learns of the company with the same commit (Bitrix24: a company with requisites and the owner's contact).
      if (action === 'verify') await enqueueCompanyVerified(trx, companyId, t)
      return { ok: true as const, message: done }
    })
  }

  return {
    /** One page of the companies list with the total for paging. */
    async searchCompanies(f: CompanyFilter) {
      const { rows, total } = await store.searchCompanies(db, { words: searchWords(f.q), status: f.status, uncheckedOnly: f.uncheckedOnly, page: f.page })
      return { rows, total, pages: pageCount(total) }
    },

    /** Everything the company card shows: the row, members, delivery points, bank accounts and the audit log. */
    async companyCard(id: number) {
      const company = await companyOr404(db, id)
      const [members, points, bankAccounts, audit] = await Promise.all([
        companiesStore.listMembers(db, id),
        deps.points.listForCompany(id),
        companiesStore.listBankAccounts(db, id),
        store.listCompanyAudit(db, id),
      ])
      return { company, members, points, bankAccounts, audit }
    },

    /** Confirms a company after the manager's check: from now on it may order. */
    verify: (actorId: number, companyId: number) => transition(actorId, companyId, 'verify', {}, 'Компания подтверждена: заказы доступны'),

    /** The same confirmation by a manager in Bitrix24 (the company tab): no portal account, so the audit names the CRM user. */
    verifyFromB24: (companyId: number, via: { b24_member_id: string; b24_user_id: string; manager: string }) =>
      transition(null, companyId, 'verify', { via }, 'Компания подтверждена: заказы доступны'),

    /** Blocks a company with a reason the buyer will see; throws `Validation` when the reason is missing. */
    async block(actorId: number, companyId: number, reasonRaw: string): Promise<ActionOutcome> {
      const reason = reasonRaw.trim()
      const err = blockReasonError(reason)
      if (err) {
        await companyOr404(db, companyId)
        throw new Validation('block reason', { reason: err })
      }
      return transition(actorId, companyId, 'block', { reason }, 'Компания заблокирована: заказы недоступны')
    },

    /** Lifts a block; the company returns to the status it had earned before (see `statusTransition`). */
    unblock: (actorId: number, companyId: number) => transition(actorId, companyId, 'unblock', {}, 'Компания разблокирована'),

    /**
     * Corrects the requisites of a company. Throws `Validation` with field errors, including a КПП that would make the
     * company a duplicate of another one. Returns false when nothing differed, so nothing was written.
     */
    async editRequisites(actorId: number, companyId: number, input: RequisitesInput): Promise<boolean> {
      const current = await companyOr404(db, companyId)
      const errors = requisitesErrors(current.kind, input)
      if (Object.keys(errors).length) throw new Validation('requisites', errors)
      const clash = () =>
        new Validation('duplicate', { kpp: `Компания с ИНН ${current.inn} и КПП ${input.kpp} уже есть в кабинете. Проверьте КПП.` })
      try {
        return await db.transaction(async (trx) => {
          const c = await companyOr404(trx, companyId)
          const { patch, changes } = requisitesChange(c, input)
          if (!Object.keys(changes).length) return false
          if (patch.inn_kpp_key) {
            const other = await companiesStore.findCompanyByKey(trx, patch.inn_kpp_key)
            if (other && other.id !== companyId) throw clash()
          }
          const t = now()
          await companiesStore.updateCompany(trx, companyId, patch, t)
          await companiesStore.audit(trx, { actor: actorId, companyId, action: 'company.requisites_corrected', details: { changes }, now: t })
          // A company the CRM already has (verified, or blocked later) gets the corrected requisites there too.
          if (c.status !== 'unverified') await enqueueCompanyChanged(trx, companyId, Object.keys(changes), t)
          return true
        })
      } catch (e) {
        // Two corrections racing to the same КПП: the unique key catches the second one.
        if (isUniqueViolation(e)) throw clash()
        throw e
      }
    },

    /** The outbox as staff see it: what failed for good, what is waiting or being sent, and what went out recently. */
    async outbox(filter: { view: outboxStore.OutboxView | 'all'; topic: string | null } = { view: 'all', topic: null }) {
      const { view, topic } = filter
      const want = (v: outboxStore.OutboxView) => view === 'all' || view === v
      const list = (v: outboxStore.OutboxView, limit?: number) => (want(v) ? outboxStore.listView(db, v, topic, limit) : Promise.resolve([]))
      const [dead, failed, pending, sending, sent, counts, topics] = await Promise.all([
        list('dead'),
        list('failed'),
        list('pending'),
        list('sending'),
        list('sent', view === 'sent' ? 200 : RECENT_SENT),
        outboxStore.countViews(db, topic),
        outboxStore.topics(db),
      ])
      return { dead, failed, queued: [...sending, ...pending], sent, counts, topics }
    },

    /**
     * «повторить»: a dead row back in the queue with its attempts reset, or a failed row (waiting out its backoff) due now;
     * false when it is neither any more (someone retried it already, or it went out).
     */
    async retryOutbox(actorId: number, id: number): Promise<boolean> {
      return db.transaction(async (trx) => {
        const t = now()
        if (!(await outboxStore.retryNow(trx, id, t))) return false
        await companiesStore.audit(trx, { actor: actorId, companyId: null, action: 'outbox.retried', details: { outboxId: id }, now: t })
        return true
      })
    },

    /** Every supplier staff account, for the staff page. */
    listStaff: () => store.listStaff(db),

    /**
     * Creates another staff account with a temporary password the new colleague changes in their profile. Throws
     * `Validation` with field errors (a taken email among them).
     */
    async createStaff(actorId: number, input: StaffInput): Promise<number> {
      const person = { ...input, password2: input.password }
      const errors = accounts.personErrors(person)
      if (Object.keys(errors).length) throw new Validation('staff', errors)
      return db.transaction(async (trx) => {
        const id = await accounts.createUser(trx, person, { isStaff: true })
        await companiesStore.audit(trx, { actor: actorId, companyId: null, action: 'staff.created', details: { userId: id, email: input.email.trim().toLowerCase() }, now: now() })
        return id
      })
    },
  }
}
