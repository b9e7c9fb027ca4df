import type { Db } from '../db/knex.js'
import type { Clock } from '../shared/clock.js'
import type { Config } from '../config.js'
import type { Logger } from '../logger.js'
import { Forbidden, NotFound, Upstream, Validation } from '../shared/errors.js'
import { randomToken, sha256 } from '../shared/tokens.js'
import { isUniqueViolation } from '../db/dialect.js'
import type { DadataClient } from '../integrations/dadata/types.js'
import { toParty } from '../integrations/dadata/map.js'
import { queueMail } from '../integrations/mail/index.js'
import { emailError, normalizeEmail, normalizePhone } from '../accounts/rules.js'
import type { AccountsService, PersonInput } from '../accounts/service.js'
import { innError } from './requisites.js'
import { ROLES, ROLE_LABELS, can, companyErrors, innKppKey, kindOf, resolveParty } from './rules.js'
import * as store from './store.js'
import { enqueueCompanyChanged } from './outbox.js'
import type { BankAccountInput, BankAccountRow, CompanyInput, CompanyRow, LookupOutcome, MemberCompany, Role } from './types.js'
import { bankAccountErrors, normalizeBankAccount } from './bank.js'

const INVITE_TTL_MS = 7 * 24 * 3_600_000

export type CompaniesService = ReturnType<typeof createCompaniesService>

/**
 * Companies of a person: lookup by INN through DaData (cached, falling back to manual entry), registration, adding and
 * editing companies, members with roles, invitations. Every method that takes a `companyId` from the session also takes the
 * acting member, so nothing here can reach another company's data.
 */
export function createCompaniesService(deps: {
  db: Db
  clock: Clock
  config: Config
  logger: Logger
  dadata: DadataClient
  accounts: AccountsService
}) {
  const { db, clock, config, logger, dadata, accounts } = deps
  const now = () => clock.now().getTime()

  /** All records DaData has for an INN, from the cache when fresh (the free quota is 10 000 lookups a day). */
  async function fetchParties(inn: string) {
    const key = sha256(`party:${inn}`)
    const cached = await store.getCachedLookup(db, key, now() - config.dadata.cacheMs)
    if (cached) return JSON.parse(cached)
    const suggestions = await dadata.findParty({ inn })
    await store.putCachedLookup(db, key, JSON.stringify(suggestions), now())
    return suggestions
  }

  async function lookup(inn: string, kpp: string): Promise<LookupOutcome> {
    const err = innError(inn)
    if (err) return { status: 'invalid', field: 'inn', message: err }
    try {
      const parties = (await fetchParties(inn)).map(toParty)
      return resolveParty(parties, kpp)
    } catch (e) {
      if (!(e instanceof Upstream)) throw e
      logger.warn({ inn, err: e.message, status: e.httpStatus }, 'dadata lookup failed, manual entry')
      return {
        status: 'unavailable',
        message: `Не удалось проверить реквизиты автоматически (${e.message}). Заполните их вручную — менеджер проверит компанию.`,
      }
    }
  }

  /** Builds the row to store: DaData's data wins for what it knows, the person's input for the rest. */
  function rowFrom(input: CompanyInput, outcome: LookupOutcome | null, fallbackEmail: string, fallbackPhone: string, fallbackName: string): store.CompanyWrite {
    const kind = kindOf(input)
    const edo = kind !== 'person' && input.edo_enabled
    const contact = {
      postal_address: input.postal_address,
      docs_email: input.docs_email ? normalizeEmail(input.docs_email) : fallbackEmail,
      docs_phone: (input.docs_phone && normalizePhone(input.docs_phone)) || fallbackPhone,
      edo_enabled: edo,
      edo_operator: edo ? input.edo_operator : null,
      edo_participant_id: edo ? input.edo_participant_id.trim() : null,
    }
    if (kind === 'person') {
      return {
        kind, inn: null, kpp: null, inn_kpp_key: null, ogrn: null, name_short: input.name_short || fallbackName, name_full: '',
        legal_form: 'Физическое лицо', director_name: '', director_post: '', legal_address: '', requisites_checked: false,
        requisites_note: '', registry_status: null, ...contact, edo_enabled: false, edo_operator: null, edo_participant_id: null,
      }
    }
    if (outcome?.status === 'found') {
      const p = outcome.party
      return {
        kind: p.kind, inn: p.inn, kpp: p.kpp, inn_kpp_key: innKppKey(p.kind, p.inn, p.kpp), ogrn: p.ogrn, name_short: p.nameShort,
        name_full: p.nameFull, legal_form: p.legalForm, director_name: p.directorName, director_post: p.directorPost,
        legal_address: p.legalAddress, requisites_checked: true, requisites_note: 'Реквизиты получены из ЕГРЮЛ/ЕГРИП (DaData)',
        registry_status: p.registryStatus, ...contact,
      }
    }
    const kpp = kind === 'legal' ? input.kpp : null
    return {
      kind, inn: input.inn, kpp, inn_kpp_key: innKppKey(kind, input.inn, kpp), ogrn: input.ogrn || null, name_short: input.name_short,
      name_full: input.name_full, legal_form: input.legal_form || (kind === 'ip' ? 'ИП' : ''), director_name: input.director_name,
      director_post: input.director_post, legal_address: input.legal_address, requisites_checked: false,
      requisites_note: outcome?.status === 'not_found' ? 'Не найдена в ЕГРЮЛ/ЕГРИП при регистрации' : 'DaData была недоступна: реквизиты введены вручную',
      registry_status: null, ...contact,
    }
  }

  function duplicateError(row: store.CompanyWrite): Validation {
    const which = row.kpp ? `ИНН ${row.inn}, КПП ${row.kpp}` : `ИНН ${row.inn}`
    return new Validation('duplicate company', {
      inn: `Компания с ${which} уже зарегистрирована в кабинете. Попросите её владельца пригласить вас по email или обратитесь к менеджеру.`,
    })
  }

  /** Validates the company part, runs the lookup, and throws `Validation` with every field error at once. */
  async function prepareCompany(input: CompanyInput, person: { email: string; phone: string; name: string }, trx: Db) {
    let outcome: LookupOutcome | null = null
    if (!input.is_person && !innError(input.inn)) outcome = await lookup(input.inn, input.kpp)
    const errors = companyErrors(input, outcome)
    if (Object.keys(errors).length) throw new Validation('company form', errors)
    const row = rowFrom(input, outcome, normalizeEmail(person.email), normalizePhone(person.phone) ?? '', person.name)
    if (row.inn_kpp_key && (await store.findCompanyByKey(trx, row.inn_kpp_key))) throw duplicateError(row)
    return { row, outcome }
  }

  async function insertWithOwner(trx: Db, row: store.CompanyWrite, userId: number): Promise<number> {
    try {
      const companyId = await store.insertCompany(trx, row, now())
      await store.insertMember(trx, companyId, userId, 'owner', now())
      await store.audit(trx, { actor: userId, companyId, action: 'company.created', details: { checked: row.requisites_checked }, now: now() })
      return companyId
    } catch (e) {
      if (isUniqueViolation(e)) throw duplicateError(row)
      throw e
    }
  }

  /** Bank accounts are changed by the owner and the accountant only. */
  function requireBank(member: MemberCompany): void {
    if (!can(member.role, 'bank.manage')) throw new Forbidden('Банковские реквизиты меняют владелец компании и бухгалтер')
  }

  /** The cleaned account, or `Validation` with every field error (the typed values stay with the route). */
  function checkBank(input: BankAccountInput): BankAccountInput {
    const clean = normalizeBankAccount(input)
    const errors = bankAccountErrors(clean)
    if (Object.keys(errors).length) throw new Validation('bank account', errors)
    return clean
  }

  function duplicateAccount(): Validation {
    return new Validation('duplicate bank account', { account: 'Этот расчётный счёт уже есть в списке банковских реквизитов компании' })
  }

  /** The CRM keeps the main bank account of a company it already has: `company.changed` in the same transaction. */
  async function bankChanged(trx: Db, member: MemberCompany, t: number): Promise<void> {
    // Read under the row lock: a verification committed a moment ago counts.
    const c = await store.findCompany(trx, member.id)
    if (c && c.status !== 'unverified') await enqueueCompanyChanged(trx, member.id, ['bank_accounts'], t)
  }

  return {
    lookup,

    /**
     * Registers a person with their first company (or as a private buyer) in one transaction. Throws `Validation` carrying
     * the field errors of both parts together, so the form shows everything that is wrong at once.
     */
    async register(person: PersonInput, company: CompanyInput): Promise<{ userId: number; companyId: number; outcome: LookupOutcome | null }> {
      const personErrors = accounts.personErrors(person)
      let prepared: Awaited<ReturnType<typeof prepareCompany>> | null = null
      let companyErrs: Record<string, string> = {}
      try {
        prepared = await prepareCompany(company, { email: person.email, phone: person.phone, name: person.full_name }, db)
      } catch (e) {
        if (!(e instanceof Validation)) throw e
        companyErrs = e.fields
      }
      const all = { ...personErrors, ...companyErrs }
      if (Object.keys(all).length || !prepared) throw new Validation('registration', all)
      const { row, outcome } = prepared
      return db.transaction(async (trx) => {
        const userId = await accounts.createUser(trx, person)
        const companyId = await insertWithOwner(trx, row, userId)
        return { userId, companyId, outcome }
      })
    },

    /**
     * Registers a person who came by an invitation link: no company of their own is needed, they join the inviting one.
     * The invitation is consumed in the same transaction, so a used or expired link creates no account.
     */
    async registerInvited(person: PersonInput, token: string): Promise<{ userId: number; companyId: number }> {
      const errors = accounts.personErrors(person)
      if (Object.keys(errors).length) throw new Validation('registration', errors)
      const inv = await store.findInvitationByHash(db, sha256(token))
      if (!inv || inv.accepted_at || inv.revoked_at || Number(inv.expires_at) <= now()) {
        throw new Validation('invitation', { invite: 'Приглашение устарело или уже принято. Попросите коллегу отправить новое.' })
      }
      return db.transaction(async (trx) => {
        const userId = await accounts.createUser(trx, person)
        if (!(await store.acceptInvitation(trx, inv.id, now()))) {
          throw new Validation('invitation', { invite: 'Приглашение уже принято' })
        }
        await store.insertMember(trx, inv.company_id, userId, inv.role, now())
        await store.audit(trx, { actor: userId, companyId: inv.company_id, action: 'member.joined', details: { role: inv.role }, now: now() })
        return { userId, companyId: inv.company_id }
      })
    },

    /** Adds one more company for a logged-in person, who becomes its owner. */
    async addCompany(userId: number, input: CompanyInput): Promise<number> {
      const user = await accounts.findById(userId)
      if (!user) throw new NotFound()
      const { row } = await prepareCompany(input, { email: user.email, phone: user.phone, name: user.full_name }, db)
      return db.transaction((trx) => insertWithOwner(trx, row, userId))
    },

    /**
     * Edits the current company. Contacts, postal address and EDO are always editable; requisites only while DaData did not
     * confirm them and the manager has not verified the company (then they are the manager's to change).
     */
    async updateCompany(member: MemberCompany, userId: number, input: CompanyInput): Promise<void> {
      if (!can(member.role, 'company.edit')) throw new Forbidden()
      const requisitesEditable = member.kind !== 'person' && !member.requisites_checked && member.status === 'unverified'
      const effective: CompanyInput = requisitesEditable
        ? { ...input, is_person: false, inn: member.inn ?? '' }
        : {
            ...input,
            is_person: member.kind === 'person',
            inn: member.inn ?? '',
            kpp: member.kpp ?? '',
            ogrn: member.ogrn ?? '',
            name_short: member.kind === 'person' ? input.name_short || member.name_short : member.name_short,
            legal_address: member.legal_address,
          }
      const errors = companyErrors(effective, null)
      if (member.kind === 'person' && !effective.name_short) errors.name_short = 'Укажите ФИО'
      if (Object.keys(errors).length) throw new Validation('company form', errors)
      const edo = member.kind !== 'person' && input.edo_enabled
      const patch: Partial<CompanyRow> = {
        postal_address: input.postal_address,
        docs_email: input.docs_email ? normalizeEmail(input.docs_email) : member.docs_email,
        docs_phone: (input.docs_phone && normalizePhone(input.docs_phone)) || member.docs_phone,
        edo_enabled: edo,
        edo_operator: edo ? input.edo_operator : null,
        edo_participant_id: edo ? input.edo_participant_id.trim() : null,
      }
      if (member.kind === 'person') patch.name_short = effective.name_short
      if (requisitesEditable) {
        const kind = member.kind
        Object.assign(patch, {
          kpp: kind === 'legal' ? input.kpp : null,
          inn_kpp_key: innKppKey(kind, member.inn, kind === 'legal' ? input.kpp : null),
          ogrn: input.ogrn || null,
          name_short: input.name_short,
          name_full: input.name_full,
          legal_form: input.legal_form,
          director_name: input.director_name,
          director_post: input.director_post,
          legal_address: input.legal_address,
        })
      }
      try {
        await db.transaction(async (trx) => {
          await store.updateCompany(trx, member.id, patch, now())
          await store.audit(trx, { actor: userId, companyId: member.id, action: 'company.updated', now: now() })
          // The CRM keeps the contacts of a company it already has (Bitrix24 company update).
          if (member.status !== 'unverified') await enqueueCompanyChanged(trx, member.id, Object.keys(patch), now())
        })
      } catch (e) {
        if (isUniqueViolation(e)) throw new Validation('duplicate', { kpp: 'Компания с такими ИНН и КПП уже зарегистрирована в кабинете' })
        throw e
      }
    },

    /** A company's bank accounts, the main one first (the buyer's card, the admin card, the Bitrix24 tab). */
    listBankAccounts: (companyId: number): Promise<BankAccountRow[]> => store.listBankAccounts(db, companyId),

    /** One bank account of the company, or 404 (another company's account is 404 too). */
    async bankAccount(companyId: number, id: number): Promise<BankAccountRow> {
      const row = await store.findBankAccount(db, companyId, id)
      if (!row) throw new NotFound('Банковский счёт не найден')
      return row
    },

    /**
     * Adds a bank account after the control-key check against the БИК; the company's first account becomes its main one.
     * Throws `Validation` with every field error at once (the same account twice among them).
     */
    async addBankAccount(member: MemberCompany, userId: number, input: BankAccountInput): Promise<number> {
      requireBank(member)
      const clean = checkBank(input)
      try {
        return await db.transaction(async (trx) => {
          await store.lockCompanyRow(trx, member.id)
          const existing = await store.listBankAccounts(trx, member.id)
          if (existing.some((a) => a.account === clean.account)) throw duplicateAccount()
          const isMain = existing.length === 0
          const t = now()
          const id = await store.insertBankAccount(trx, member.id, clean, isMain, t)
          await store.audit(trx, { actor: userId, companyId: member.id, action: 'bank_account.added', details: { id, bik: clean.bik, account: clean.account }, now: t })
          if (isMain) await bankChanged(trx, member, t)
          return id
        })
      } catch (e) {
        if (isUniqueViolation(e)) throw duplicateAccount()
        throw e
      }
    },

    /** Corrects a bank account; the CRM hears of it when it is the main one. Throws `Validation` like `addBankAccount`. */
    async updateBankAccount(member: MemberCompany, userId: number, id: number, input: BankAccountInput): Promise<void> {
      requireBank(member)
      await this.bankAccount(member.id, id)
      const clean = checkBank(input)
      try {
        await db.transaction(async (trx) => {
          await store.lockCompanyRow(trx, member.id)
          const existing = await store.listBankAccounts(trx, member.id)
          const row = existing.find((a) => a.id === id)
          if (!row) throw new NotFound('Банковский счёт не найден')
          if (existing.some((a) => a.id !== id && a.account === clean.account)) throw duplicateAccount()
          const t = now()
          await store.updateBankAccount(trx, member.id, id, clean, t)
          await store.audit(trx, { actor: userId, companyId: member.id, action: 'bank_account.updated', details: { id, bik: clean.bik, account: clean.account }, now: t })
          if (row.is_main) await bankChanged(trx, member, t)
        })
      } catch (e) {
        if (isUniqueViolation(e)) throw duplicateAccount()
        throw e
      }
    },

    /** «Сделать основным»: the account invoices show and Bitrix24 gets. */
    async setMainBankAccount(member: MemberCompany, userId: number, id: number): Promise<BankAccountRow> {
      requireBank(member)
      const row = await this.bankAccount(member.id, id)
      if (row.is_main) return row
      await db.transaction(async (trx) => {
        await store.lockCompanyRow(trx, member.id)
        if (!(await store.findBankAccount(trx, member.id, id))) throw new NotFound('Банковский счёт не найден')
        const t = now()
        await store.setMainBankAccount(trx, member.id, id, t)
        await store.audit(trx, { actor: userId, companyId: member.id, action: 'bank_account.main', details: { id, bik: row.bik, account: row.account }, now: t })
        await bankChanged(trx, member, t)
      })
      return row
    },

    /** Removes a bank account; when it was the main one, the oldest remaining account becomes main. */
    async removeBankAccount(member: MemberCompany, userId: number, id: number): Promise<BankAccountRow> {
      requireBank(member)
      const row = await this.bankAccount(member.id, id)
      await db.transaction(async (trx) => {
        await store.lockCompanyRow(trx, member.id)
        const current = await store.findBankAccount(trx, member.id, id)
        if (!current) throw new NotFound('Банковский счёт не найден')
        const t = now()
        await store.deleteBankAccount(trx, member.id, id)
        await store.audit(trx, { actor: userId, companyId: member.id, action: 'bank_account.removed', details: { id, account: current.account }, now: t })
        if (current.is_main) {
          const next = (await store.listBankAccounts(trx, member.id))[0]
          if (next) await store.setMainBankAccount(trx, member.id, next.id, t)
          await bankChanged(trx, member, t)
        }
      })
      return row
    },

    listForUser: (userId: number) => store.listMemberCompanies(db, userId),
    /** The company if the person is a member of it, else undefined. */
    forMember: (userId: number, companyId: number) => store.findMemberCompany(db, userId, companyId),

    listMembers: (companyId: number) => store.listMembers(db, companyId),
    listInvitations: (companyId: number) => store.listOpenInvitations(db, companyId, now()),

    /** Invites a colleague by email; the link in the letter adds them with the role after login or registration. */
    async invite(member: MemberCompany, userId: number, emailRaw: string, roleRaw: string): Promise<void> {
      if (!can(member.role, 'members.manage')) throw new Forbidden()
      const email = normalizeEmail(emailRaw)
      const errors: Record<string, string> = {}
      const ee = emailError(email)
      if (ee) errors.email = ee
      if (!ROLES.includes(roleRaw as Role)) errors.role = 'Выберите роль'
      if (!errors.email && (await store.listMembers(db, member.id)).some((m) => m.email === email)) {
        errors.email = 'Этот человек уже состоит в компании'
      }
      if (Object.keys(errors).length) throw new Validation('invite', errors)
      const role = roleRaw as Role
      const token = randomToken()
      const inviter = await accounts.findById(userId)
      await db.transaction(async (trx) => {
        const t = now()
        await store.insertInvitation(trx, {
          company_id: member.id, email, role, token_hash: sha256(token), invited_by: userId, created_at: t, expires_at: t + INVITE_TTL_MS,
        })
        await store.audit(trx, { actor: userId, companyId: member.id, action: 'member.invited', details: { email, role }, now: t })
        await queueMail(trx, t, `invite:${sha256(token)}`, {
          to: email,
          subject: `Приглашение в кабинет покупателя: ${member.name_short}`,
          text:
            `Здравствуйте!\n\n${inviter?.full_name ?? 'Коллега'} приглашает вас в кабинет оптового покупателя ${config.supplierName} ` +
            `от имени компании «${member.name_short}» с ролью «${ROLE_LABELS[role]}».\n\n` +
            `Чтобы принять приглашение, откройте ссылку (действует 7 дней):\n${config.publicUrl}/invitations/${token}\n`,
        })
      })
    },

    /** The invitation behind a link, if it can still be accepted. */
    async invitationByToken(token: string) {
      const inv = await store.findInvitationByHash(db, sha256(token))
      if (!inv || inv.accepted_at || inv.revoked_at || Number(inv.expires_at) <= now()) return null
      const company = await store.findCompany(db, inv.company_id)
      return company ? { ...inv, company_name: company.name_short } : null
    },

    /** Adds the logged-in person to the invitation's company; the link works once. */
    async acceptInvitation(token: string, userId: number): Promise<number> {
      const inv = await this.invitationByToken(token)
      if (!inv) throw new NotFound('Приглашение не найдено, устарело или уже принято')
      return db.transaction(async (trx) => {
        if (!(await store.acceptInvitation(trx, inv.id, now()))) throw new NotFound('Приглашение уже принято')
        if (!(await store.findMemberCompany(trx, userId, inv.company_id))) {
          await store.insertMember(trx, inv.company_id, userId, inv.role, now())
        }
        await store.audit(trx, { actor: userId, companyId: inv.company_id, action: 'member.joined', details: { role: inv.role }, now: now() })
        return inv.company_id
      })
    },

    async revokeInvitation(member: MemberCompany, invitationId: number): Promise<void> {
      if (!can(member.role, 'members.manage')) throw new Forbidden()
      if (!(await store.revokeInvitation(db, member.id, invitationId, now()))) throw new NotFound()
    },

    /** Changes a member's role; the company always keeps at least one owner. */
    async changeRole(member: MemberCompany, userId: number, memberId: number, roleRaw: string): Promise<void> {
      if (!can(member.role, 'members.manage')) throw new Forbidden()
      const target = await store.findMember(db, member.id, memberId)
      if (!target) throw new NotFound()
      if (!ROLES.includes(roleRaw as Role)) throw new Validation('role', { role: 'Выберите роль' })
      await db.transaction(async (trx) => {
        if (target.role === 'owner' && roleRaw !== 'owner' && (await store.countOwners(trx, member.id)) <= 1) {
          throw new Validation('last owner', { role: 'В компании должен остаться хотя бы один владелец' })
        }
        await store.setMemberRole(trx, member.id, memberId, roleRaw as Role)
        await store.audit(trx, { actor: userId, companyId: member.id, action: 'member.role', details: { memberId, role: roleRaw }, now: now() })
      })
    },

    /** Removes a member; the last owner cannot be removed. */
    async removeMember(member: MemberCompany, userId: number, memberId: number): Promise<void> {
      if (!can(member.role, 'members.manage')) throw new Forbidden()
      const target = await store.findMember(db, member.id, memberId)
      if (!target) throw new NotFound()
      await db.transaction(async (trx) => {
        if (target.role === 'owner' && (await store.countOwners(trx, member.id)) <= 1) {
          throw new Validation('last owner', { member: 'Нельзя удалить единственного владельца компании' })
        }
        await store.deleteMember(trx, member.id, memberId)
        await store.audit(trx, { actor: userId, companyId: member.id, action: 'member.removed', details: { userId: target.user_id }, now: now() })
      })
    },
  }
}
