import { randomBytes } from 'node:crypto'
import { Router } from 'express'
import type { AppDeps } from '../app.js'
import { NotFound, Validation } from '../shared/errors.js'
import * as store from './bitrix24-store.js'
import { SANDBOX_MEMBER_ID, stagesOf } from './bitrix24.js'

const PLACEMENTS = { deal: 'CRM_DEAL_DETAIL_TAB', company: 'CRM_COMPANY_DETAIL_TAB' } as const
const money = (v: unknown) => (Number(v) || 0).toLocaleString('ru-RU', { minimumFractionDigits: 2, maximumFractionDigits: 2 })

/**
 * «Песочница Bitrix24»: what the emulator's CRM holds (companies with requisites and contacts, deals with product rows and
 * timeline comments, tasks), and each deal's and company's tab opened exactly as Bitrix24 opens a placement: a page with
 * an iframe whose form POSTs the placement parameters to the bound handler. The data belongs to clients, so only supplier
 * staff see it (everyone else gets 404), and only in sandbox mode.
 */
export function b24SandboxPageRoutes(deps: AppDeps): Router {
  const r = Router()
  const sandbox = () => {
    if (!deps.config.b24.sandbox || !deps.b24Sandbox) throw new NotFound()
    return deps.b24Sandbox
  }
  const staffOnly = (req: { user?: { is_staff?: boolean | number } | null }) => {
    if (!req.user?.is_staff) throw new NotFound()
  }

  r.get('/bitrix24', async (req, res) => {
    sandbox()
    staffOnly(req)
    const db = deps.db
    const [companies, deals, tasks, users] = await Promise.all([
      store.listEntities(db, 'companies', {}, { limit: 100, desc: true }),
      store.listEntities(db, 'deals', {}, { limit: 100, desc: true }),
      store.listEntities(db, 'tasks', {}, { limit: 50, desc: true }),
      store.listUsers(db),
    ])
    const userName = (id: unknown) => {
      const u = users.find((x) => String(x.id) === String(id))
      return u ? `${u.name} ${u.last_name}`.trim() : id ? `#${String(id)}` : '—'
    }
    const companyView = await Promise.all(
      companies.map(async (c) => ({
        id: c.id,
        title: c.title,
        origin: c.origin_id,
        responsible: userName(c.fields.ASSIGNED_BY_ID),
        requisites: await Promise.all(
          (await store.listEntities(db, 'requisites', { entity_type_id: 4, entity_id: c.id })).map(async (q) => ({
            inn: q.fields.RQ_INN ?? '',
            kpp: q.fields.RQ_KPP ?? '',
            ogrn: q.fields.RQ_OGRN ?? q.fields.RQ_OGRNIP ?? '',
            name: q.fields.RQ_COMPANY_NAME ?? q.fields.NAME ?? '',
            banks: (await store.listEntities(db, 'bankdetails', { requisite_id: q.id })).map((b) => ({
              id: b.id,
              name: String(b.fields.RQ_BANK_NAME ?? b.fields.NAME ?? ''),
              bik: String(b.fields.RQ_BIK ?? ''),
              account: String(b.fields.RQ_ACC_NUM ?? ''),
              corr: String(b.fields.RQ_COR_ACC_NUM ?? ''),
            })),
          })),
        ),
        contacts: (await store.listEntities(db, 'contacts', { company_id: c.id })).map((k) => ({ name: k.name, email: (k.fields.EMAIL as { VALUE?: string }[] | undefined)?.[0]?.VALUE ?? '' })),
      })),
    )
    const dealView = await Promise.all(
      deals.map(async (d) => {
        const rows = await store.listEntities(db, 'productrows', { deal_id: d.id })
        const comments = await store.listEntities(db, 'comments', { entity_type: 'deal', entity_id: d.id })
        const stages = stagesOf(Number(d.category_id))
        return {
          id: d.id,
          title: d.title,
          stage: stages.find((s) => s.STATUS_ID === d.stage_id)?.NAME ?? String(d.stage_id),
          stages: stages.map((s) => ({ id: s.STATUS_ID, name: s.NAME, selected: s.STATUS_ID === d.stage_id })),
          company: companies.find((c) => c.id === Number(d.company_id))?.title ?? (d.company_id ? `#${String(d.company_id)}` : '—'),
          amount: money(d.fields.OPPORTUNITY),
          responsible: userName(d.fields.ASSIGNED_BY_ID),
          origin: d.origin_id,
          comments: comments.map((c) => ({ text: String(c.fields.COMMENT ?? ''), at: c.created_at })),
          rows: rows.map((x) => ({
            name: String(x.fields.PRODUCT_NAME ?? ''),
            qty: Number(x.fields.QUANTITY ?? 0).toLocaleString('ru-RU'),
            unit: String(x.fields.MEASURE_NAME ?? ''),
            price: money(x.fields.PRICE),
            sum: money(Number(x.fields.PRICE ?? 0) * Number(x.fields.QUANTITY ?? 0)),
            vat: x.fields.TAX_RATE != null ? `${String(x.fields.TAX_RATE)} %` : 'без НДС',
          })),
        }
      }),
    )
    res.render('pages/sandbox/bitrix24', {
      title: 'Песочница Bitrix24',
      companies: companyView,
      deals: dealView,
      tasks: tasks.map((t) => ({ id: t.id, title: t.title, responsible: userName(t.responsible_id) })),
      counts: { companies: companies.length, deals: await store.countDeals(db) },
      events: sandbox().bindings().events,
      placements: sandbox().bindings().placements,
      moved: req.query.moved === '1',
    })
  })

  /** Opens a deal's or company's tab as Bitrix24 does: a POST of the placement parameters into a frame. */
  r.get('/bitrix24/open/:kind/:id', async (req, res) => {
    const sb = sandbox()
    staffOnly(req)
    const kind = req.params.kind === 'company' ? 'company' : req.params.kind === 'deal' ? 'deal' : null
    const id = Number(req.params.id)
    if (!kind || !Number.isInteger(id) || id <= 0) throw new NotFound()
    const entity = await store.getEntity(deps.db, kind === 'deal' ? 'deals' : 'companies', id)
    if (!entity) throw new NotFound()
    const placement = PLACEMENTS[kind]
    const bound = sb.bindings().placements.find((p) => p.placement === placement)
    const handler = bound?.handler ?? `${deps.config.publicUrl}/b24/placement`
    const t = await sb.issueTokens(SANDBOX_MEMBER_ID)
    const pub = new URL(deps.config.publicUrl)
    const query = new URLSearchParams({ DOMAIN: pub.host, PROTOCOL: pub.protocol === 'https:' ? '1' : '0', LANG: 'ru', APP_SID: randomBytes(16).toString('hex') })
    const action = `${handler}${handler.includes('?') ? '&' : '?'}${query.toString()}`
    res.render('pages/sandbox/bitrix24-open', {
      title: `Песочница Bitrix24: ${kind === 'deal' ? 'сделка' : 'компания'} № ${id}`,
      kind,
      kindLabel: kind === 'deal' ? 'Сделка' : 'Компания',
      entity: { id, title: String(entity.title ?? '') },
      action,
      bound: !!bound,
      fields: [
        ['AUTH_ID', t.accessToken],
        ['AUTH_EXPIRES', '3600'],
        ['REFRESH_ID', t.refreshToken],
        ['member_id', SANDBOX_MEMBER_ID],
        ['status', 'L'],
        ['PLACEMENT', placement],
        ['PLACEMENT_OPTIONS', JSON.stringify({ ID: String(id) })],
      ].map(([name, value]) => ({ name, value })),
    })
  })

  /** Moves a deal to another stage as a manager in Bitrix24 would; bound ONCRMDEALUPDATE handlers get the event. */
  r.post('/bitrix24/deals/:id/stage', async (req, res) => {
    const sb = sandbox()
    staffOnly(req)
    const id = Number(req.params.id)
    const deal = await store.getEntity(deps.db, 'deals', id)
    if (!deal) throw new NotFound()
    const stage = String((req.body as { stage?: unknown }).stage ?? '')
    if (!stagesOf(Number(deal.category_id)).some((s) => s.STATUS_ID === stage)) throw new Validation('stage', { stage: 'Выберите стадию из списка' })
    await sb.moveDeal(id, stage)
    res.redirect(303, '/sandbox/bitrix24?moved=1')
  })
  return r
}
