/** View-models of the pricing pages in /admin: money, quantities and percentages are formatted here, once. */
import type { CompanyRow } from '../companies/types.js'
import { formatRub } from '../shared/money.js'
import { conditionText, formatPercent } from './rules.js'
import { RULE_KINDS, kindLabel, percentInput, rublesInput, thresholdText, type GroupInput, type PriceTypeInput, type RuleInput, type TermsInput } from './forms.js'
import type { CategoryRow, GroupMemberRow, GroupRow, PriceTypeRow, RuleListRow, TermsRow } from './store.js'
import type { PricingRuleKind } from './types.js'

type Errors = Record<string, string>

/** The options of a price type selector with one selected; `none` adds an empty first option with that text. */
export function typeOptions(types: PriceTypeRow[], selected: string | number | null, none?: string) {
  const sel = selected == null ? '' : String(selected)
  const opts = types.map((t) => ({ value: String(t.id), label: t.is_default ? `${t.name} (основной)` : t.name, selected: String(t.id) === sel }))
  return none === undefined ? opts : [{ value: '', label: none, selected: sel === '' }, ...opts]
}

/** The price types page: one row per type with its inline rename form, the row with errors keeping what was typed. */
export function presentPriceTypes(
  types: PriceTypeRow[],
  usage: Map<number, { groups: number; rules: number; pinned: number }>,
  edit?: { id: number; form: PriceTypeInput; errors: Errors },
) {
  return types.map((t) => {
    const u = usage.get(t.id) ?? { groups: 0, rules: 0, pinned: 0 }
    const editing = edit?.id === t.id
    return {
      id: t.id,
      name: t.name,
      code: t.code,
      externalId: t.external_id ?? '',
      isDefault: t.is_default,
      groups: u.groups,
      rules: u.rules,
      pinned: u.pinned,
      form: editing ? edit.form : { name: t.name, code: t.code },
      errors: editing ? edit.errors : {},
    }
  })
}

/** The client groups list. */
export function presentGroups(groups: GroupRow[], types: PriceTypeRow[]) {
  const names = new Map(types.map((t) => [t.id, t.name]))
  return groups.map((g) => ({
    id: g.id,
    name: g.name,
    typeName: g.default_price_type_id == null ? null : names.get(Number(g.default_price_type_id)) ?? null,
    members: g.members,
    externalId: g.external_id ?? '',
  }))
}

const STATUS_WORDS: Record<string, string> = { unverified: 'ожидает проверки', verified: 'подтверждена', blocked: 'заблокирована' }

/** The members of a group, linked to their admin cards. */
export function presentMembers(members: GroupMemberRow[]) {
  return members.map((m) => ({ ...m, innKpp: m.inn ? (m.kpp ? `${m.inn} / ${m.kpp}` : m.inn) : '', statusText: STATUS_WORDS[m.status] ?? m.status }))
}

/** The group form from a stored group. */
export function groupFormOf(g: { name: string; default_price_type_id: number | null }): GroupInput {
  return { name: g.name, default_price_type_id: g.default_price_type_id == null ? '' : String(g.default_price_type_id) }
}

/** What a rule applies to, in words: the product, the category, or the whole cart. */
function scopeOf(r: RuleListRow) {
  if (r.productId !== null) return { kind: 'product', text: r.sku ?? `товар № ${r.productId}`, title: r.productName ?? '' }
  if (r.categoryId !== null) return { kind: 'category', text: r.categoryName ?? `категория № ${r.categoryId}`, title: '' }
  return { kind: 'cart', text: 'вся корзина', title: '' }
}

/** What a rule gives, in words: «Крупный опт», «−5 %», «Дилер −2 %». */
function resultOf(r: RuleListRow): string {
  const parts = [r.priceTypeName ?? (r.priceTypeId !== null ? `тип № ${r.priceTypeId}` : ''), r.discountBp ? `−${formatPercent(r.discountBp)}` : '']
  return parts.filter(Boolean).join(' ')
}

/** One line of the rules list. */
export function presentRuleRow(r: RuleListRow) {
  const cond = conditionText(r, r.productUnit ?? '')
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    kindLabel: kindLabel(r.kind),
    scope: scopeOf(r),
    groupName: r.groupName,
    condition: cond || (r.kind === 'category_discount' ? '' : 'всегда'),
    result: resultOf(r),
    isActive: r.isActive,
    updatedAt: r.updatedAt,
  }
}

/** The rule form's values from a stored rule, in the units staff type. */
export function ruleFormOf(r: RuleListRow): RuleInput {
  return {
    name: r.name,
    kind: r.kind,
    sku: r.sku ?? '',
    category_id: r.categoryId === null ? '' : String(r.categoryId),
    group_id: r.groupId === null ? '' : String(r.groupId),
    threshold: thresholdText(r.kind, r.threshold, r.unit || r.productUnit || ''),
    price_type_id: r.priceTypeId === null ? '' : String(r.priceTypeId),
    discount: percentInput(r.discountBp),
  }
}

/** An empty rule form; the kind may come from the list filter. */
export function emptyRuleForm(kind = 'qty_tier'): RuleInput {
  return { name: '', kind, sku: '', category_id: '', group_id: '', threshold: '', price_type_id: '', discount: '' }
}

/** The category tree as options, children under their parent with a dash per level. */
export function categoryOptions(categories: CategoryRow[], selected: string) {
  const byParent = new Map<number | null, CategoryRow[]>()
  const ids = new Set(categories.map((c) => c.id))
  for (const c of categories) {
    const parent = c.parent_id !== null && ids.has(Number(c.parent_id)) ? Number(c.parent_id) : null
    byParent.set(parent, [...(byParent.get(parent) ?? []), c])
  }
  const out: { value: string; label: string; selected: boolean }[] = [{ value: '', label: '— не выбрана —', selected: selected === '' }]
  const walk = (parent: number | null, depth: number) => {
    for (const c of byParent.get(parent) ?? []) {
      out.push({ value: String(c.id), label: `${'— '.repeat(depth)}${c.name}`, selected: String(c.id) === selected })
      if (depth < 20) walk(c.id, depth + 1)
    }
  }
  walk(null, 0)
  return out
}

/** Everything the rule form shows: the values, the options with the current ones selected, and the errors. */
export function presentRuleForm(
  form: RuleInput,
  options: { types: PriceTypeRow[]; groups: GroupRow[]; categories: CategoryRow[] },
  errors: Errors = {},
) {
  return {
    form,
    errors,
    kinds: RULE_KINDS.map((k) => ({ value: k.kind, label: k.label, hint: k.hint, selected: k.kind === form.kind })),
    typeOptions: typeOptions(options.types, form.price_type_id, '— не меняет тип цен —'),
    groupOptions: [{ value: '', label: 'Все компании', selected: form.group_id === '' }, ...options.groups.map((g) => ({ value: String(g.id), label: g.name, selected: String(g.id) === form.group_id }))],
    categoryOptions: categoryOptions(options.categories, form.category_id),
  }
}

/** The filters of the rules list with the current ones selected. */
export function ruleFilters(f: { kind: PricingRuleKind | null; state: string; groupId: number | null }, groups: GroupRow[]) {
  return {
    kinds: [{ value: '', label: 'Все виды', selected: f.kind === null }, ...RULE_KINDS.map((k) => ({ value: k.kind, label: k.label, selected: k.kind === f.kind }))],
    states: [
      { value: 'active', label: 'Действующие', selected: f.state === 'active' },
      { value: 'inactive', label: 'Отключённые', selected: f.state === 'inactive' },
      { value: 'all', label: 'Все', selected: f.state === 'all' },
    ],
    groups: [{ value: '', label: 'Любая группа', selected: f.groupId === null }, ...groups.map((g) => ({ value: String(g.id), label: g.name, selected: g.id === f.groupId }))],
  }
}

/** The company terms form's values from what is stored. */
export function termsFormOf(terms: TermsRow, groupIds: number[]): TermsInput {
  return {
    group_ids: groupIds.map(String),
    pinned_price_type_id: terms.pinned_price_type_id === null ? '' : String(terms.pinned_price_type_id),
    discount: percentInput(terms.discount_bp),
    turnover: terms.turnover_12m_kopecks ? rublesInput(terms.turnover_12m_kopecks) : '',
  }
}

/** The company terms page: the company, the form with its options, and the errors. */
export function presentTermsForm(o: { company: CompanyRow; groups: GroupRow[]; types: PriceTypeRow[] }, form: TermsInput, errors: Errors = {}) {
  const names = new Map(o.types.map((t) => [t.id, t.name]))
  return {
    company: { id: o.company.id, name: o.company.name_short, inn: o.company.inn ?? '' },
    form,
    errors,
    groupChecks: o.groups.map((g) => ({
      id: g.id,
      name: g.name,
      typeName: g.default_price_type_id == null ? null : names.get(Number(g.default_price_type_id)) ?? null,
      checked: form.group_ids.includes(String(g.id)),
    })),
    pinnedOptions: typeOptions(o.types, form.pinned_price_type_id, '— не закреплён —'),
  }
}

/** The «Цены» section of the admin company card: groups, pinned type, personal discount and turnover in words. */
export function presentCardTerms(o: { companyId: number; terms: TermsRow; groupIds: number[]; groups: GroupRow[]; types: PriceTypeRow[] }) {
  const names = new Map(o.types.map((t) => [t.id, t.name]))
  const def = o.types.find((t) => t.is_default)
  return {
    editUrl: `/admin/companies/${o.companyId}/pricing`,
    groups: o.groups
      .filter((g) => o.groupIds.includes(g.id))
      .map((g) => ({ id: g.id, name: g.name, typeName: g.default_price_type_id == null ? null : names.get(Number(g.default_price_type_id)) ?? null })),
    defaultTypeName: def?.name ?? null,
    pinnedName: o.terms.pinned_price_type_id === null ? null : names.get(o.terms.pinned_price_type_id) ?? `№ ${o.terms.pinned_price_type_id}`,
    discount: o.terms.discount_bp ? formatPercent(o.terms.discount_bp) : null,
    turnover: formatRub(o.terms.turnover_12m_kopecks),
    updatedAt: o.terms.updated_at,
  }
}
