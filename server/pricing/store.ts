import type { Db } from '../db/knex.js'
import { insertId } from '../db/dialect.js'
import type { CompanyPricing, PricingRule, PricingRuleKind } from './types.js'

/*
 * SQL of pricing. The read path of the engine (`companyPricing`, `productsForPricing`, `activeRules`, `pricesOf`) loads what
 * the pricing service's caches miss: the terms of one company, the units, categories and prices of the given products only,
 * and the active rules (a few hundred). Nothing here ever lists every product for a company.
 */

/** Engines return booleans as 0/1 and big integers as numbers or strings; rows leave the store as plain JS values. */
const bool = (v: unknown) => v === true || v === 1 || v === '1'

export interface PriceTypeRow {
  id: number
  code: string
  name: string
  is_default: boolean
  sort: number
  external_id: string | null
}

function priceTypeRow(r: PriceTypeRow): PriceTypeRow {
  return { ...r, is_default: bool(r.is_default) }
}

/** Every price type, in the supplier's order. There are a few, or a few hundred at most. */
export async function listPriceTypes(db: Db): Promise<PriceTypeRow[]> {
  const rows: PriceTypeRow[] = await db('price_types').orderBy([{ column: 'sort' }, { column: 'name' }, { column: 'id' }]).select('id', 'code', 'name', 'is_default', 'sort', 'external_id')
  return rows.map(priceTypeRow)
}

export async function findPriceType(db: Db, id: number): Promise<PriceTypeRow | undefined> {
  const r = await db('price_types').where({ id }).first('id', 'code', 'name', 'is_default', 'sort', 'external_id')
  return r ? priceTypeRow(r) : undefined
}

export async function priceTypeByCode(db: Db, code: string): Promise<PriceTypeRow | undefined> {
  const r = await db('price_types').where({ code }).first('id', 'code', 'name', 'is_default', 'sort', 'external_id')
  return r ? priceTypeRow(r) : undefined
}

export async function insertPriceType(db: Db, row: { code: string; name: string; is_default?: boolean; sort?: number }): Promise<number> {
  return insertId(db, 'price_types', { code: row.code, name: row.name, is_default: row.is_default ?? false, sort: row.sort ?? 0 })
}

export async function updatePriceType(db: Db, id: number, patch: { code: string; name: string }): Promise<void> {
  await db('price_types').where({ id }).update(patch)
}

/** Makes one type the supplier default and every other not; the caller runs it in a transaction. */
export async function setDefaultPriceType(db: Db, id: number): Promise<void> {
  await db('price_types').whereNot({ id }).where({ is_default: true }).update({ is_default: false })
  await db('price_types').where({ id }).update({ is_default: true })
}

/** How often each price type is referred to, for the price types page: groups, active rules, pinned companies. */
export async function priceTypeUsage(db: Db): Promise<Map<number, { groups: number; rules: number; pinned: number }>> {
  const [groups, rules, pinned] = await Promise.all([
    db('client_groups').whereNotNull('default_price_type_id').groupBy('default_price_type_id').select('default_price_type_id as id').count({ n: '*' }),
    db('pricing_rules').whereNotNull('price_type_id').where('is_active', true).groupBy('price_type_id').select('price_type_id as id').count({ n: '*' }),
    db('company_pricing').whereNotNull('pinned_price_type_id').groupBy('pinned_price_type_id').select('pinned_price_type_id as id').count({ n: '*' }),
  ])
  const out = new Map<number, { groups: number; rules: number; pinned: number }>()
  const at = (id: unknown) => {
    const k = Number(id)
    if (!out.has(k)) out.set(k, { groups: 0, rules: 0, pinned: 0 })
    return out.get(k)!
  }
  for (const r of groups as { id: number; n: number }[]) at(r.id).groups = Number(r.n)
  for (const r of rules as { id: number; n: number }[]) at(r.id).rules = Number(r.n)
  for (const r of pinned as { id: number; n: number }[]) at(r.id).pinned = Number(r.n)
  return out
}

export interface GroupRow {
  id: number
  name: string
  default_price_type_id: number | null
  external_id: string | null
  members: number
}

/** Client groups by name, with their member counts. */
export async function listGroups(db: Db): Promise<GroupRow[]> {
  const members = db('company_groups as cg').count('*').whereRaw('cg.group_id = g.id').as('members')
  const rows: GroupRow[] = await db('client_groups as g').orderBy('g.name').orderBy('g.id').select('g.id', 'g.name', 'g.default_price_type_id', 'g.external_id', members)
  return rows.map((r) => ({ ...r, members: Number(r.members) }))
}

export async function findGroup(db: Db, id: number): Promise<Omit<GroupRow, 'members'> | undefined> {
  return db('client_groups').where({ id }).first('id', 'name', 'default_price_type_id', 'external_id')
}

export async function groupByName(db: Db, name: string): Promise<{ id: number } | undefined> {
  return db('client_groups').where({ name }).first('id')
}

export async function insertGroup(db: Db, row: { name: string; default_price_type_id: number | null }): Promise<number> {
  return insertId(db, 'client_groups', row)
}

export async function updateGroup(db: Db, id: number, patch: { name: string; default_price_type_id: number | null }): Promise<void> {
  await db('client_groups').where({ id }).update(patch)
}

export interface GroupMemberRow {
  id: number
  name_short: string
  inn: string | null
  kpp: string | null
  status: string
}

/** The companies of a group, by name. */
export function groupMembers(db: Db, groupId: number): Promise<GroupMemberRow[]> {
  return db('company_groups as cg')
    .join('companies as c', 'c.id', 'cg.company_id')
    .where('cg.group_id', groupId)
    .orderBy('c.name_short')
    .orderBy('c.id')
    .select('c.id', 'c.name_short', 'c.inn', 'c.kpp', 'c.status')
}

/** Adds a company to a group; false when it already was a member. */
export async function addMember(db: Db, groupId: number, companyId: number): Promise<boolean> {
  const exists = await db('company_groups').where({ group_id: groupId, company_id: companyId }).first('group_id')
  if (exists) return false
  await db('company_groups').insert({ group_id: groupId, company_id: companyId })
  return true
}

/** Removes a company from a group; false when it was not a member. */
export async function removeMember(db: Db, groupId: number, companyId: number): Promise<boolean> {
  return (await db('company_groups').where({ group_id: groupId, company_id: companyId }).delete()) > 0
}

/** The ids of the groups a company is in. */
export async function groupIdsOf(db: Db, companyId: number): Promise<number[]> {
  const rows: { group_id: number }[] = await db('company_groups').where({ company_id: companyId }).orderBy('group_id').select('group_id')
  return rows.map((r) => Number(r.group_id))
}

/** Replaces a company's groups with the given ones. */
export async function setCompanyGroups(db: Db, companyId: number, groupIds: number[]): Promise<void> {
  await db('company_groups').where({ company_id: companyId }).delete()
  if (groupIds.length) await db('company_groups').insert(groupIds.map((g) => ({ company_id: companyId, group_id: g })))
}

export interface CompanyRef {
  id: number
  name_short: string
  inn: string | null
}

export function companiesByInn(db: Db, inn: string): Promise<CompanyRef[]> {
  return db('companies').where({ inn }).orderBy('id').select('id', 'name_short', 'inn')
}

export function companyById(db: Db, id: number): Promise<CompanyRef | undefined> {
  return db('companies').where({ id }).first('id', 'name_short', 'inn')
}

export interface TermsRow {
  pinned_price_type_id: number | null
  discount_bp: number
  turnover_12m_kopecks: number
  updated_at: number | null
}

/** A company's pricing terms; zeros when nothing was ever set. */
export async function companyTerms(db: Db, companyId: number): Promise<TermsRow> {
  const r = await db('company_pricing').where({ company_id: companyId }).first('pinned_price_type_id', 'discount_bp', 'turnover_12m_kopecks', 'updated_at')
  if (!r) return { pinned_price_type_id: null, discount_bp: 0, turnover_12m_kopecks: 0, updated_at: null }
  return {
    pinned_price_type_id: r.pinned_price_type_id == null ? null : Number(r.pinned_price_type_id),
    discount_bp: Number(r.discount_bp),
    turnover_12m_kopecks: Number(r.turnover_12m_kopecks),
    updated_at: Number(r.updated_at),
  }
}

/** Writes a company's pricing terms (insert or update of its one row). */
export async function saveTerms(db: Db, companyId: number, t: { pinned_price_type_id: number | null; discount_bp: number; turnover_12m_kopecks: number }, now: number): Promise<void> {
  const n = await db('company_pricing').where({ company_id: companyId }).update({ ...t, updated_at: now })
  if (!n) await db('company_pricing').insert({ company_id: companyId, ...t, updated_at: now })
}

/** The pricing side of a company for the engine: its terms and its groups with their default types, in two queries. */
export async function companyPricing(db: Db, companyId: number): Promise<CompanyPricing> {
  const [terms, groups] = await Promise.all([
    companyTerms(db, companyId),
    db('company_groups as cg').join('client_groups as g', 'g.id', 'cg.group_id').where('cg.company_id', companyId).orderBy('g.id').select('g.id', 'g.name', 'g.default_price_type_id'),
  ])
  return {
    groups: (groups as { id: number; name: string; default_price_type_id: number | null }[]).map((g) => ({
      id: Number(g.id),
      name: g.name,
      defaultPriceTypeId: g.default_price_type_id == null ? null : Number(g.default_price_type_id),
    })),
    pinnedPriceTypeId: terms.pinned_price_type_id,
    discountBp: terms.discount_bp,
    turnoverKopecks: terms.turnover_12m_kopecks,
  }
}

export interface PricingProductRow {
  id: number
  base_unit: string
  category_id: number | null
  /** The category's materialised path of ids, "/3/17/"; null without a category. */
  path: string | null
}

/** Base unit and category path of the cart's products, one indexed query. */
export async function productsForPricing(db: Db, ids: number[]): Promise<PricingProductRow[]> {
  if (!ids.length) return []
  const rows: PricingProductRow[] = await db('products as p').leftJoin('categories as c', 'c.id', 'p.category_id').whereIn('p.id', ids).select('p.id', 'p.base_unit', 'p.category_id', 'c.path')
  return rows.map((r) => ({ ...r, id: Number(r.id), category_id: r.category_id == null ? null : Number(r.category_id) }))
}

interface RuleDbRow {
  id: number
  name: string
  kind: PricingRuleKind
  product_id: number | null
  category_id: number | null
  group_id: number | null
  threshold: number | string
  unit: string
  price_type_id: number | null
  discount_bp: number
}

const numOrNull = (v: unknown) => (v == null ? null : Number(v))

function toRule(r: RuleDbRow): PricingRule {
  return {
    id: Number(r.id),
    name: r.name,
    kind: r.kind,
    productId: numOrNull(r.product_id),
    categoryId: numOrNull(r.category_id),
    groupId: numOrNull(r.group_id),
    threshold: Number(r.threshold),
    unit: r.unit ?? '',
    priceTypeId: numOrNull(r.price_type_id),
    discountBp: Number(r.discount_bp),
  }
}

const RULE_COLUMNS = ['id', 'name', 'kind', 'product_id', 'category_id', 'group_id', 'threshold', 'unit', 'price_type_id', 'discount_bp']

/**
 * Every active rule, in id order: a few hundred at most, read whole and cached under the terms version (the pricing
 * service picks the ones in scope of a cart with `rulesInScope`).
 */
export async function activeRules(db: Db): Promise<PricingRule[]> {
  const rows: RuleDbRow[] = await db('pricing_rules').where('is_active', true).orderBy('id').select(RULE_COLUMNS)
  return rows.map(toRule)
}

/**
 * Every price of the given products, in all types, one primary-key range read per product. A product with no price at
 * all gets an empty map, so that the cache remembers it has none.
 */
export async function pricesOf(db: Db, productIds: number[]): Promise<Map<number, Map<number, number>>> {
  const table = new Map<number, Map<number, number>>(productIds.map((id) => [id, new Map()]))
  if (!productIds.length) return table
  const rows: { product_id: number; price_type_id: number; kopecks: number | string }[] = await db('prices')
    .whereIn('product_id', productIds)
    .select('product_id', 'price_type_id', 'kopecks')
  for (const r of rows) table.get(Number(r.product_id))?.set(Number(r.price_type_id), Number(r.kopecks))
  return table
}

/** A rule row for the staff pages, with the names it refers to. */
export interface RuleListRow extends PricingRule {
  isActive: boolean
  sku: string | null
  productName: string | null
  productUnit: string | null
  categoryName: string | null
  groupName: string | null
  priceTypeName: string | null
  updatedAt: number
}

function ruleListQuery(db: Db) {
  return db('pricing_rules as r')
    .leftJoin('products as p', 'p.id', 'r.product_id')
    .leftJoin('categories as c', 'c.id', 'r.category_id')
    .leftJoin('client_groups as g', 'g.id', 'r.group_id')
    .leftJoin('price_types as t', 't.id', 'r.price_type_id')
    .select(
      ...RULE_COLUMNS.map((c) => `r.${c}`),
      'r.is_active',
      'r.updated_at',
      'p.sku',
      'p.name as product_name',
      'p.base_unit as product_unit',
      'c.name as category_name',
      'g.name as group_name',
      't.name as price_type_name',
    )
}

function toListRow(r: RuleDbRow & Record<string, unknown>): RuleListRow {
  return {
    ...toRule(r),
    isActive: bool(r.is_active),
    sku: (r.sku as string) ?? null,
    productName: (r.product_name as string) ?? null,
    productUnit: (r.product_unit as string) ?? null,
    categoryName: (r.category_name as string) ?? null,
    groupName: (r.group_name as string) ?? null,
    priceTypeName: (r.price_type_name as string) ?? null,
    updatedAt: Number(r.updated_at),
  }
}

/** One page of rules for staff: active first, then by kind and threshold, with the total for paging. */
export async function listRules(
  db: Db,
  f: { kind: PricingRuleKind | null; state: 'active' | 'inactive' | 'all'; groupId: number | null; limit: number; offset: number },
): Promise<{ rows: RuleListRow[]; total: number }> {
  const filter = (q: ReturnType<typeof ruleListQuery>) => {
    if (f.kind) q.where('r.kind', f.kind)
    if (f.state !== 'all') q.where('r.is_active', f.state === 'active')
    if (f.groupId) q.where('r.group_id', f.groupId)
    return q
  }
  const rows = await filter(ruleListQuery(db))
    .orderBy('r.is_active', 'desc')
    .orderBy('r.kind')
    .orderBy('r.product_id')
    .orderBy('r.category_id')
    .orderBy('r.threshold')
    .orderBy('r.id')
    .limit(f.limit)
    .offset(f.offset)
  const countQ = db('pricing_rules as r')
  if (f.kind) countQ.where('r.kind', f.kind)
  if (f.state !== 'all') countQ.where('r.is_active', f.state === 'active')
  if (f.groupId) countQ.where('r.group_id', f.groupId)
  const [c] = await countQ.count({ n: '*' })
  return { rows: (rows as (RuleDbRow & Record<string, unknown>)[]).map(toListRow), total: Number(c?.n ?? 0) }
}

export async function findRule(db: Db, id: number): Promise<RuleListRow | undefined> {
  const r = await ruleListQuery(db).where('r.id', id).first()
  return r ? toListRow(r) : undefined
}

export interface RuleWrite {
  name: string
  kind: PricingRuleKind
  product_id: number | null
  category_id: number | null
  group_id: number | null
  threshold: number
  unit: string
  price_type_id: number | null
  discount_bp: number
}

export async function insertRule(db: Db, row: RuleWrite, now: number): Promise<number> {
  return insertId(db, 'pricing_rules', { ...row, is_active: true, created_at: now, updated_at: now })
}

export async function updateRule(db: Db, id: number, row: RuleWrite, now: number): Promise<void> {
  await db('pricing_rules').where({ id }).update({ ...row, updated_at: now })
}

/** True when a rule with the same name, kind, scope, group and threshold exists (the demo seed adds each rule once). */
export async function sameRuleExists(db: Db, r: RuleWrite): Promise<boolean> {
  const q = db('pricing_rules').where({ name: r.name, kind: r.kind, threshold: r.threshold })
  for (const col of ['product_id', 'category_id', 'group_id'] as const) {
    const v = r[col]
    if (v === null) q.whereNull(col)
    else q.where(col, v)
  }
  return !!(await q.first('id'))
}

/** Switches a rule on or off; false when it already was in that state. */
export async function setRuleActive(db: Db, id: number, active: boolean, now: number): Promise<boolean> {
  return (await db('pricing_rules').where({ id, is_active: !active }).update({ is_active: active, updated_at: now })) > 0
}

/** A product by its normalised SKU, for the rule form. */
export function productBySkuNorm(db: Db, skuNorm: string): Promise<{ id: number; sku: string; base_unit: string } | undefined> {
  return db('products').where({ sku_norm: skuNorm }).first('id', 'sku', 'base_unit')
}

export interface CategoryRow {
  id: number
  parent_id: number | null
  name: string
  sort: number
}

/** Every category, for the scope selector of the rule form. */
export function listCategories(db: Db): Promise<CategoryRow[]> {
  return db('categories').orderBy([{ column: 'sort' }, { column: 'name' }, { column: 'id' }]).select('id', 'parent_id', 'name', 'sort')
}

export async function categoryExists(db: Db, id: number): Promise<boolean> {
  return !!(await db('categories').where({ id }).first('id'))
}
