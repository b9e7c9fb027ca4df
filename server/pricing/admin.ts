import type { Db } from '../db/knex.js'
import type { Clock } from '../shared/clock.js'
import { isUniqueViolation } from '../db/dialect.js'
import { NotFound, Validation } from '../shared/errors.js'
import { formatRub } from '../shared/money.js'
import { normalizeSku } from '../catalog/rules.js'
import * as companiesStore from '../companies/store.js'
import * as store from './store.js'
import { formatPercent } from './rules.js'
import { presentCardTerms } from './present.js'
import {
  codeFromName, parseCompanyRef, parseGroup, parseRule, parseTerms, priceTypeErrors,
  type GroupInput, type PriceTypeInput, type RuleDraft, type RuleInput, type TermsInput,
} from './forms.js'
import type { PricingRuleKind } from './types.js'

export type PricingAdmin = ReturnType<typeof createPricingAdmin>

/** Rules per page of the staff list. */
export const RULES_PAGE_SIZE = 100

/** The audit action of every change to a company's pricing terms, its groups included. */
export const TERMS_AUDIT_ACTION = 'company.pricing_changed'

/**
 * The staff use cases of pricing: price types, client groups with their members, rules, and each company's terms. Every
 * change is written with an audit entry in the same transaction (company terms on the company, the rest with no company).
 * Throws `Validation` with Russian messages per form field, `NotFound` for ids that do not exist.
 */
export function createPricingAdmin(deps: { db: Db; clock: Clock }) {
  const { db, clock } = deps
  const now = () => clock.now().getTime()
  const audit = (q: Db, actor: number, action: string, details: unknown, companyId: number | null = null) =>
    companiesStore.audit(q, { actor, companyId, action, details, now: now() })

  async function priceTypeOr404(q: Db, id: number) {
    const t = await store.findPriceType(q, id)
    if (!t) throw new NotFound('Тип цен не найден')
    return t
  }

  async function groupOr404(q: Db, id: number) {
    const g = await store.findGroup(q, id)
    if (!g) throw new NotFound('Группа не найдена')
    return g
  }

  async function companyOr404(q: Db, id: number) {
    const c = await companiesStore.findCompany(q, id)
    if (!c) throw new NotFound('Компания не найдена')
    return c
  }

  /** A price type's code: the one typed (it must be free), or one made from the name with a number when taken. */
  async function freeCode(q: Db, input: PriceTypeInput, ownId: number | null): Promise<string> {
    if (input.code) {
      const other = await store.priceTypeByCode(q, input.code)
      if (other && other.id !== ownId) throw new Validation('code taken', { code: `Этот код уже у типа «${other.name}»` })
      return input.code
    }
    const base = codeFromName(input.name)
    for (let n = 1; ; n++) {
      const code = n === 1 ? base : `${base}-${n}`
      const other = await store.priceTypeByCode(q, code)
      if (!other || other.id === ownId) return code
    }
  }

  /** A readable list of group names for the audit log: «Дилеры, Кофейни» or «—». */
  async function groupNames(q: Db, ids: number[]): Promise<string> {
    if (!ids.length) return '—'
    const groups = await store.listGroups(q)
    return groups.filter((g) => ids.includes(g.id)).map((g) => g.name).join(', ') || '—'
  }

  /**
   * Checks what the rule form refers to (the product by SKU, the category, the group, the price type) and returns the row
   * to write. A product tier takes the product's unit; a typed unit must match it.
   */
  async function ruleRow(q: Db, draft: RuleDraft): Promise<store.RuleWrite> {
    const errors: Record<string, string> = {}
    let productId: number | null = null
    let unit = draft.kind === 'qty_tier' ? draft.unit : ''
    if (draft.sku) {
      const p = await store.productBySkuNorm(q, normalizeSku(draft.sku))
      if (!p) errors.sku = `Товара с артикулом «${draft.sku}» нет в каталоге`
      else {
        productId = p.id
        if (draft.kind === 'qty_tier') {
          if (draft.unit && draft.unit !== p.base_unit) errors.threshold = `Товар считается в «${p.base_unit}»: укажите порог в ${p.base_unit}, например «36 ${p.base_unit}»`
          unit = p.base_unit
        }
      }
    }
    if (draft.categoryId && !(await store.categoryExists(q, draft.categoryId))) errors.category_id = 'Категории больше нет: выберите другую'
    if (draft.groupId && !(await store.findGroup(q, draft.groupId))) errors.group_id = 'Группы больше нет: выберите другую'
    if (draft.priceTypeId && !(await store.findPriceType(q, draft.priceTypeId))) errors.price_type_id = 'Типа цен больше нет: выберите другой'
    if (Object.keys(errors).length) throw new Validation('rule', errors)
    return {
      name: draft.name,
      kind: draft.kind,
      product_id: productId,
      category_id: draft.categoryId,
      group_id: draft.groupId,
      threshold: draft.threshold,
      unit,
      price_type_id: draft.priceTypeId,
      discount_bp: draft.discountBp,
    }
  }

  async function ruleOr404(id: number) {
    const r = await store.findRule(db, id)
    if (!r) throw new NotFound('Правило не найдено')
    return r
  }

  function parsedRule(input: RuleInput): RuleDraft {
    const { draft, errors } = parseRule(input)
    if (!draft) throw new Validation('rule', errors)
    return draft
  }

  return {
    /** Every price type with how many groups, active rules and pinned companies use it. */
    async priceTypes() {
      const [types, usage] = await Promise.all([store.listPriceTypes(db), store.priceTypeUsage(db)])
      return { types, usage }
    },

    /** Creates a price type; the first one ever created becomes the default. */
    async createPriceType(actorId: number, input: PriceTypeInput): Promise<number> {
      const errors = priceTypeErrors(input)
      if (Object.keys(errors).length) throw new Validation('price type', errors)
      return db.transaction(async (trx) => {
        const code = await freeCode(trx, input, null)
        const first = (await store.listPriceTypes(trx)).length === 0
        const id = await store.insertPriceType(trx, { code, name: input.name, is_default: first })
        await audit(trx, actorId, 'pricing.price_type_created', { name: input.name, code })
        return id
      })
    },

    /** Renames a price type or changes its code; false when nothing differed. */
    async updatePriceType(actorId: number, id: number, input: PriceTypeInput): Promise<boolean> {
      const errors = priceTypeErrors(input)
      await priceTypeOr404(db, id)
      if (Object.keys(errors).length) throw new Validation('price type', errors)
      return db.transaction(async (trx) => {
        const before = await priceTypeOr404(trx, id)
        const code = input.code ? await freeCode(trx, input, id) : before.code
        if (before.name === input.name && before.code === code) return false
        await store.updatePriceType(trx, id, { name: input.name, code })
        await audit(trx, actorId, 'pricing.price_type_changed', { id, name: [before.name, input.name], code: [before.code, code] })
        return true
      })
    },

    /** Makes a price type the supplier default (what a company without a group pays); false when it already was. */
    async setDefaultPriceType(actorId: number, id: number): Promise<{ changed: boolean; name: string }> {
      return db.transaction(async (trx) => {
        const t = await priceTypeOr404(trx, id)
        if (t.is_default) return { changed: false, name: t.name }
        await store.setDefaultPriceType(trx, id)
        await audit(trx, actorId, 'pricing.default_price_type', { id, name: t.name })
        return { changed: true, name: t.name }
      })
    },

    /** Client groups with member counts, and the price types for the form. */
    async groups() {
      const [groups, types] = await Promise.all([store.listGroups(db), store.listPriceTypes(db)])
      return { groups, types }
    },

    /** Creates a client group; a name already taken is an error on the name field. */
    async createGroup(actorId: number, input: GroupInput): Promise<number> {
      const { name, defaultPriceTypeId, errors } = parseGroup(input)
      if (defaultPriceTypeId && !errors.default_price_type_id && !(await store.findPriceType(db, defaultPriceTypeId))) errors.default_price_type_id = 'Типа цен больше нет: выберите другой'
      if (!errors.name && (await store.groupByName(db, name))) errors.name = 'Группа с таким названием уже есть'
      if (Object.keys(errors).length) throw new Validation('group', errors)
      try {
        return await db.transaction(async (trx) => {
          const id = await store.insertGroup(trx, { name, default_price_type_id: defaultPriceTypeId })
          await audit(trx, actorId, 'pricing.group_created', { id, name })
          return id
        })
      } catch (e) {
        if (isUniqueViolation(e)) throw new Validation('group', { name: 'Группа с таким названием уже есть' })
        throw e
      }
    },

    /** A group with its members and the price types for the form. */
    async group(id: number) {
      const group = await groupOr404(db, id)
      const [members, types] = await Promise.all([store.groupMembers(db, id), store.listPriceTypes(db)])
      return { group, members, types }
    },

    /** Renames a group or changes its default price type; false when nothing differed. */
    async updateGroup(actorId: number, id: number, input: GroupInput): Promise<boolean> {
      const before = await groupOr404(db, id)
      const { name, defaultPriceTypeId, errors } = parseGroup(input)
      if (defaultPriceTypeId && !errors.default_price_type_id && !(await store.findPriceType(db, defaultPriceTypeId))) errors.default_price_type_id = 'Типа цен больше нет: выберите другой'
      const other = errors.name ? undefined : await store.groupByName(db, name)
      if (other && Number(other.id) !== id) errors.name = 'Группа с таким названием уже есть'
      if (Object.keys(errors).length) throw new Validation('group', errors)
      const beforeType = before.default_price_type_id == null ? null : Number(before.default_price_type_id)
      if (before.name === name && beforeType === defaultPriceTypeId) return false
      await db.transaction(async (trx) => {
        await store.updateGroup(trx, id, { name, default_price_type_id: defaultPriceTypeId })
        await audit(trx, actorId, 'pricing.group_changed', { id, name: [before.name, name], default_price_type_id: [beforeType, defaultPriceTypeId] })
      })
      return true
    },

    /**
     * Adds a company, found by INN or by its number in the portal, to a group. An INN shared by several companies (branches
     * with their own КПП) asks for the number instead. The company's audit log records the change.
     */
    async addGroupMember(actorId: number, groupId: number, text: string): Promise<{ added: boolean; name: string }> {
      const group = await groupOr404(db, groupId)
      const ref = parseCompanyRef(text)
      if (!ref) throw new Validation('member', { company: 'Укажите ИНН (10 или 12 цифр) или номер компании в кабинете, например «№ 42»' })
      let company: store.CompanyRef | undefined
      if ('inn' in ref) {
        const found = await store.companiesByInn(db, ref.inn)
        if (found.length > 1) throw new Validation('member', { company: `С этим ИНН несколько компаний (${found.map((c) => `№ ${c.id}`).join(', ')}): укажите номер нужной` })
        company = found[0]
      } else {
        company = await store.companyById(db, ref.id)
      }
      if (!company) throw new Validation('member', { company: 'Такой компании в кабинете нет' })
      const c = company
      const added = await db.transaction(async (trx) => {
        if (!(await store.addMember(trx, groupId, c.id))) return false
        await audit(trx, actorId, TERMS_AUDIT_ACTION, { 'Группы': `добавлена в «${group.name}»` }, c.id)
        return true
      })
      return { added, name: c.name_short }
    },

    /** Takes a company out of a group; false when it was not in it. */
    async removeGroupMember(actorId: number, groupId: number, companyId: number): Promise<boolean> {
      const group = await groupOr404(db, groupId)
      return db.transaction(async (trx) => {
        if (!(await store.removeMember(trx, groupId, companyId))) return false
        await audit(trx, actorId, TERMS_AUDIT_ACTION, { 'Группы': `исключена из «${group.name}»` }, companyId)
        return true
      })
    },

    /** One page of rules with the filters of the list. */
    async rules(f: { kind: PricingRuleKind | null; state: 'active' | 'inactive' | 'all'; groupId: number | null; page: number }) {
      const { rows, total } = await store.listRules(db, { ...f, limit: RULES_PAGE_SIZE, offset: (f.page - 1) * RULES_PAGE_SIZE })
      return { rows, total, pages: Math.max(1, Math.ceil(total / RULES_PAGE_SIZE)) }
    },

    /** What the rule form offers: price types, groups and the category tree. */
    async ruleOptions() {
      const [types, groups, categories] = await Promise.all([store.listPriceTypes(db), store.listGroups(db), store.listCategories(db)])
      return { types, groups, categories }
    },

    /** One rule with the names it refers to. */
    rule: ruleOr404,

    /** Creates an active rule from the form. */
    async createRule(actorId: number, input: RuleInput): Promise<number> {
      const draft = parsedRule(input)
      return db.transaction(async (trx) => {
        const row = await ruleRow(trx, draft)
        const id = await store.insertRule(trx, row, now())
        await audit(trx, actorId, 'pricing.rule_created', { id, ...row })
        return id
      })
    },

    /** Rewrites a rule from the form (its on/off state stays). */
    async updateRule(actorId: number, id: number, input: RuleInput): Promise<void> {
      const before = await ruleOr404(id)
      const draft = parsedRule(input)
      await db.transaction(async (trx) => {
        const row = await ruleRow(trx, draft)
        await store.updateRule(trx, id, row, now())
        await audit(trx, actorId, 'pricing.rule_changed', { id, before: { name: before.name, kind: before.kind, threshold: before.threshold }, after: row })
      })
    },

    /** Switches a rule off (it stays in the list, greyed) or back on; false when it already was in that state. */
    async setRuleActive(actorId: number, id: number, active: boolean): Promise<boolean> {
      await ruleOr404(id)
      return db.transaction(async (trx) => {
        if (!(await store.setRuleActive(trx, id, active, now()))) return false
        await audit(trx, actorId, active ? 'pricing.rule_activated' : 'pricing.rule_deactivated', { id })
        return true
      })
    },

    /**
     * The «Цены» section of the admin company card, already presented, so the card's router passes it on in one line.
     */
    async cardTerms(companyId: number) {
      const [terms, groupIds, groups, types] = await Promise.all([
        store.companyTerms(db, companyId),
        store.groupIdsOf(db, companyId),
        store.listGroups(db),
        store.listPriceTypes(db),
      ])
      return presentCardTerms({ companyId, terms, groupIds, groups, types })
    },

    /** A company's pricing terms with everything the form offers. */
    async companyTerms(companyId: number) {
      const company = await companyOr404(db, companyId)
      const [terms, groupIds, groups, types] = await Promise.all([
        store.companyTerms(db, companyId),
        store.groupIdsOf(db, companyId),
        store.listGroups(db),
        store.listPriceTypes(db),
      ])
      return { company, terms, groupIds, groups, types }
    },

    /**
     * Saves a company's groups, pinned type, personal discount and turnover, with one audit entry listing what changed in
     * words. Returns false when nothing differed.
     */
    async saveCompanyTerms(actorId: number, companyId: number, input: TermsInput): Promise<boolean> {
      await companyOr404(db, companyId)
      const { draft, errors } = parseTerms(input)
      if (!draft) throw new Validation('terms', errors)
      const [groups, types] = await Promise.all([store.listGroups(db), store.listPriceTypes(db)])
      if (draft.groupIds.some((g) => !groups.some((x) => x.id === g))) errors.group_ids = 'Одной из групп больше нет: обновите страницу'
      if (draft.pinnedPriceTypeId && !types.some((t) => t.id === draft.pinnedPriceTypeId)) errors.pinned_price_type_id = 'Типа цен больше нет: выберите другой'
      if (Object.keys(errors).length) throw new Validation('terms', errors)
      const typeName = (id: number | null) => (id === null ? '—' : types.find((t) => t.id === id)?.name ?? `№ ${id}`)
      return db.transaction(async (trx) => {
        const [before, beforeGroups] = await Promise.all([store.companyTerms(trx, companyId), store.groupIdsOf(trx, companyId)])
        const changes: Record<string, string> = {}
        if (beforeGroups.join(',') !== draft.groupIds.join(',')) changes['Группы'] = `${await groupNames(trx, beforeGroups)} → ${await groupNames(trx, draft.groupIds)}`
        if (before.pinned_price_type_id !== draft.pinnedPriceTypeId) changes['Закреплённый тип цен'] = `${typeName(before.pinned_price_type_id)} → ${typeName(draft.pinnedPriceTypeId)}`
        if (before.discount_bp !== draft.discountBp) changes['Персональная скидка'] = `${formatPercent(before.discount_bp)} → ${formatPercent(draft.discountBp)}`
        if (before.turnover_12m_kopecks !== draft.turnoverKopecks) changes['Оборот за 12 месяцев'] = `${formatRub(before.turnover_12m_kopecks)} → ${formatRub(draft.turnoverKopecks)}`
        if (!Object.keys(changes).length) return false
        if ('Группы' in changes) await store.setCompanyGroups(trx, companyId, draft.groupIds)
        await store.saveTerms(trx, companyId, { pinned_price_type_id: draft.pinnedPriceTypeId, discount_bp: draft.discountBp, turnover_12m_kopecks: draft.turnoverKopecks }, now())
        await audit(trx, actorId, TERMS_AUDIT_ACTION, changes, companyId)
        return true
      })
    },
  }
}
