import { Router, type Request, type Response } from 'express'
import type { AppDeps } from '../app.js'
import { flash, requireStaff } from '../http/auth.js'
import { field } from '../http/forms.js'
import { idParam, userOf } from '../http/context.js'
import { Validation } from '../shared/errors.js'
import { isRuleKind, type GroupInput, type PriceTypeInput, type RuleInput, type TermsInput } from './forms.js'
import {
  emptyRuleForm, groupFormOf, presentGroups, presentMembers, presentPriceTypes, presentRuleForm, presentRuleRow, presentTermsForm,
  ruleFilters, ruleFormOf, termsFormOf, typeOptions,
} from './present.js'

type Errors = Record<string, string>

/** A trimmed query-string parameter (the first when repeated), cut to `max` characters. */
function queryParam(req: Request, name: string, max = 100): string {
  const v = req.query[name]
  const s = Array.isArray(v) ? v[0] : v
  return typeof s === 'string' ? s.trim().slice(0, max) : ''
}

/** Every value of a repeated form field (checkboxes), trimmed, at most `limit` of them. */
function fieldList(req: Request, name: string, limit = 200): string[] {
  const v = (req.body as Record<string, unknown> | undefined)?.[name]
  const list = Array.isArray(v) ? v : v === undefined ? [] : [v]
  return list.filter((x): x is string => typeof x === 'string').map((x) => x.trim().slice(0, 20)).slice(0, limit)
}

const priceTypeInput = (req: Request): PriceTypeInput => ({ name: field(req, 'name', 200), code: field(req, 'code', 64) })
const groupInput = (req: Request): GroupInput => ({ name: field(req, 'name', 200), default_price_type_id: field(req, 'default_price_type_id', 20) })
const ruleInput = (req: Request): RuleInput => ({
  name: field(req, 'name', 200),
  kind: field(req, 'kind', 24),
  sku: field(req, 'sku', 100),
  category_id: field(req, 'category_id', 20),
  group_id: field(req, 'group_id', 20),
  threshold: field(req, 'threshold', 40),
  price_type_id: field(req, 'price_type_id', 20),
  discount: field(req, 'discount', 20),
})
const termsInput = (req: Request): TermsInput => ({
  group_ids: fieldList(req, 'group_ids'),
  pinned_price_type_id: field(req, 'pinned_price_type_id', 20),
  discount: field(req, 'discount', 20),
  turnover: field(req, 'turnover', 40),
})

/** Runs a form action; a `Validation` re-renders the form through `onInvalid` with status 422 instead of failing. */
async function formAction(res: Response, action: () => Promise<void>, onInvalid: (errors: Errors) => Promise<void>) {
  try {
    await action()
  } catch (e) {
    if (!(e instanceof Validation)) throw e
    res.status(422)
    await onInvalid(e.fields)
  }
}

const layout = (tab: string, title: string) => ({ title, bodyClass: 'admin-page', adminSection: 'pricing', pricingTab: tab })

/**
 * Pricing in the supplier staff area: price types, client groups with their members, rules, and each company's terms
 * (groups, pinned type, personal discount, turnover). Staff only; the card's «Цены» section links to the terms form.
 */
export function pricingAdminRoutes(deps: AppDeps): Router {
  const admin = deps.pricing.admin
  const r = Router()
  r.use(requireStaff)

  async function typesPage(res: Response, extra: { create?: PriceTypeInput; createErrors?: Errors; edit?: { id: number; form: PriceTypeInput; errors: Errors } } = {}) {
    const { types, usage } = await admin.priceTypes()
    res.render('pages/pricing/types', {
      ...layout('types', 'Типы цен'),
      rows: presentPriceTypes(types, usage, extra.edit),
      form: extra.create ?? { name: '', code: '' },
      errors: extra.createErrors ?? {},
    })
  }

  r.get('/pricing', async (_req, res) => {
    await typesPage(res)
  })

  r.post('/pricing/types', async (req, res) => {
    const input = priceTypeInput(req)
    await formAction(
      res,
      async () => {
        await admin.createPriceType(userOf(req).id, input)
        flash(req, 'ok', `Тип цен «${input.name}» добавлен`)
        res.redirect(303, '/admin/pricing')
      },
      (errors) => typesPage(res, { create: input, createErrors: errors }),
    )
  })

  r.post('/pricing/types/:id', async (req, res) => {
    const id = idParam(req)
    const input = priceTypeInput(req)
    await formAction(
      res,
      async () => {
        const changed = await admin.updatePriceType(userOf(req).id, id, input)
        flash(req, changed ? 'ok' : 'info', changed ? `Тип цен «${input.name}» сохранён` : 'Изменений нет')
        res.redirect(303, '/admin/pricing')
      },
      (errors) => typesPage(res, { edit: { id, form: input, errors } }),
    )
  })

  r.post('/pricing/types/:id/default', async (req, res) => {
    const { changed, name } = await admin.setDefaultPriceType(userOf(req).id, idParam(req))
    flash(req, changed ? 'ok' : 'info', changed ? `Основной тип цен теперь «${name}»: его получают компании без группы` : `«${name}» уже основной`)
    res.redirect(303, '/admin/pricing')
  })

  async function groupsPage(res: Response, extra: { form?: GroupInput; errors?: Errors } = {}) {
    const { groups, types } = await admin.groups()
    const form = extra.form ?? { name: '', default_price_type_id: '' }
    res.render('pages/pricing/groups', {
      ...layout('groups', 'Группы клиентов'),
      rows: presentGroups(groups, types),
      form,
      errors: extra.errors ?? {},
      typeOptions: typeOptions(types, form.default_price_type_id, '— основной тип поставщика —'),
    })
  }

  r.get('/pricing/groups', async (_req, res) => {
    await groupsPage(res)
  })

  r.post('/pricing/groups', async (req, res) => {
    const input = groupInput(req)
    await formAction(
      res,
      async () => {
        const id = await admin.createGroup(userOf(req).id, input)
        flash(req, 'ok', `Группа «${input.name}» создана: добавьте в неё компании`)
        res.redirect(303, `/admin/pricing/groups/${id}`)
      },
      (errors) => groupsPage(res, { form: input, errors }),
    )
  })

  async function groupPage(req: Request, res: Response, extra: { form?: GroupInput; errors?: Errors; company?: string; memberErrors?: Errors } = {}) {
    const { group, members, types } = await admin.group(idParam(req))
    const form = extra.form ?? groupFormOf(group)
    res.render('pages/pricing/group', {
      ...layout('groups', `Группа «${group.name}»`),
      group,
      form,
      errors: extra.errors ?? {},
      typeOptions: typeOptions(types, form.default_price_type_id, '— основной тип поставщика —'),
      members: presentMembers(members),
      company: extra.company ?? '',
      memberErrors: extra.memberErrors ?? {},
    })
  }

  r.get('/pricing/groups/:id', async (req, res) => {
    await groupPage(req, res)
  })

  r.post('/pricing/groups/:id', async (req, res) => {
    const id = idParam(req)
    const input = groupInput(req)
    await formAction(
      res,
      async () => {
        const changed = await admin.updateGroup(userOf(req).id, id, input)
        flash(req, changed ? 'ok' : 'info', changed ? 'Группа сохранена' : 'Изменений нет')
        res.redirect(303, `/admin/pricing/groups/${id}`)
      },
      (errors) => groupPage(req, res, { form: input, errors }),
    )
  })

  r.post('/pricing/groups/:id/members', async (req, res) => {
    const id = idParam(req)
    const text = field(req, 'company', 40)
    await formAction(
      res,
      async () => {
        const { added, name } = await admin.addGroupMember(userOf(req).id, id, text)
        flash(req, added ? 'ok' : 'info', added ? `${name} добавлена в группу` : `${name} уже в группе`)
        res.redirect(303, `/admin/pricing/groups/${id}`)
      },
      (errors) => groupPage(req, res, { company: text, memberErrors: errors }),
    )
  })

  r.post('/pricing/groups/:id/members/:companyId/remove', async (req, res) => {
    const id = idParam(req)
    const removed = await admin.removeGroupMember(userOf(req).id, id, idParam(req, 'companyId'))
    flash(req, removed ? 'ok' : 'info', removed ? 'Компания исключена из группы' : 'Компании уже нет в группе')
    res.redirect(303, `/admin/pricing/groups/${id}`)
  })

  r.get('/pricing/rules', async (req, res) => {
    const kindRaw = queryParam(req, 'kind', 24)
    const stateRaw = queryParam(req, 'state', 10)
    const groupRaw = queryParam(req, 'group', 12)
    const pageRaw = queryParam(req, 'page', 6)
    const filter = {
      kind: isRuleKind(kindRaw) ? kindRaw : null,
      state: (stateRaw === 'inactive' || stateRaw === 'all' ? stateRaw : 'active') as 'active' | 'inactive' | 'all',
      groupId: /^\d{1,9}$/.test(groupRaw) ? Number(groupRaw) : null,
      page: /^\d{1,6}$/.test(pageRaw) && Number(pageRaw) > 0 ? Number(pageRaw) : 1,
    }
    const [{ rows, total, pages }, { groups }] = await Promise.all([admin.rules(filter), admin.ruleOptions()])
    const pageUrl = (page: number) => {
      const p = new URLSearchParams()
      if (filter.kind) p.set('kind', filter.kind)
      if (filter.state !== 'active') p.set('state', filter.state)
      if (filter.groupId) p.set('group', String(filter.groupId))
      if (page > 1) p.set('page', String(page))
      const s = p.toString()
      return s ? `/admin/pricing/rules?${s}` : '/admin/pricing/rules'
    }
    res.render('pages/pricing/rules', {
      ...layout('rules', 'Правила цен'),
      rows: rows.map(presentRuleRow),
      total,
      filters: ruleFilters(filter, groups),
      filtered: !!(filter.kind || filter.groupId || filter.state !== 'active'),
      newUrl: filter.kind ? `/admin/pricing/rules/new?kind=${filter.kind}` : '/admin/pricing/rules/new',
      paging: { page: filter.page, pages, prevUrl: filter.page > 1 ? pageUrl(Math.min(filter.page - 1, pages)) : null, nextUrl: filter.page < pages ? pageUrl(filter.page + 1) : null },
    })
  })

  async function rulePage(res: Response, o: { id: number | null; form: RuleInput; errors?: Errors; isActive?: boolean }) {
    const options = await admin.ruleOptions()
    res.render('pages/pricing/rule', {
      ...layout('rules', o.id ? `Правило № ${o.id}` : 'Новое правило'),
      id: o.id,
      isActive: o.isActive ?? true,
      action: o.id ? `/admin/pricing/rules/${o.id}` : '/admin/pricing/rules',
      ...presentRuleForm(o.form, options, o.errors),
    })
  }

  r.get('/pricing/rules/new', async (req, res) => {
    const kind = queryParam(req, 'kind', 24)
    await rulePage(res, { id: null, form: emptyRuleForm(isRuleKind(kind) ? kind : undefined) })
  })

  r.post('/pricing/rules', async (req, res) => {
    const input = ruleInput(req)
    await formAction(
      res,
      async () => {
        const id = await admin.createRule(userOf(req).id, input)
        flash(req, 'ok', `Правило «${input.name}» добавлено (№ ${id})`)
        res.redirect(303, '/admin/pricing/rules')
      },
      (errors) => rulePage(res, { id: null, form: input, errors }),
    )
  })

  r.get('/pricing/rules/:id', async (req, res) => {
    const rule = await admin.rule(idParam(req))
    await rulePage(res, { id: rule.id, form: ruleFormOf(rule), isActive: rule.isActive })
  })

  r.post('/pricing/rules/:id', async (req, res) => {
    const id = idParam(req)
    const rule = await admin.rule(id)
    const input = ruleInput(req)
    await formAction(
      res,
      async () => {
        await admin.updateRule(userOf(req).id, id, input)
        flash(req, 'ok', `Правило «${input.name}» сохранено`)
        res.redirect(303, '/admin/pricing/rules')
      },
      (errors) => rulePage(res, { id, form: input, errors, isActive: rule.isActive }),
    )
  })

  for (const [action, active] of [['deactivate', false], ['activate', true]] as const) {
    r.post(`/pricing/rules/:id/${action}`, async (req, res) => {
      const id = idParam(req)
      const changed = await admin.setRuleActive(userOf(req).id, id, active)
      flash(req, changed ? 'ok' : 'info', changed ? (active ? `Правило № ${id} снова действует` : `Правило № ${id} отключено`) : 'Правило уже в этом состоянии')
      res.redirect(303, active ? `/admin/pricing/rules/${id}` : '/admin/pricing/rules')
    })
  }

  async function termsPage(req: Request, res: Response, extra: { form?: TermsInput; errors?: Errors } = {}) {
    const data = await admin.companyTerms(idParam(req))
    res.render('pages/pricing/company', {
      ...layout('companies', `Цены: ${data.company.name_short}`),
      adminSection: 'companies',
      ...presentTermsForm(data, extra.form ?? termsFormOf(data.terms, data.groupIds), extra.errors),
    })
  }

  r.get('/companies/:id/pricing', async (req, res) => {
    await termsPage(req, res)
  })

  r.post('/companies/:id/pricing', async (req, res) => {
    const id = idParam(req)
    const input = termsInput(req)
    await formAction(
      res,
      async () => {
        const changed = await admin.saveCompanyTerms(userOf(req).id, id, input)
        flash(req, changed ? 'ok' : 'info', changed ? 'Условия цен сохранены' : 'Изменений нет')
        res.redirect(303, `/admin/companies/${id}#pricing`)
      },
      (errors) => termsPage(req, res, { form: input, errors }),
    )
  })

  return r
}
