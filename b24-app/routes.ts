import path from 'node:path'
import express, { Router, type Request, type Response } from 'express'
import type { B24Install } from './installs.js'
import { findInstall } from './installs.js'
import type { createB24Installer } from './install.js'
import type { createB24Events } from './events.js'
import type { PlacementVerifier } from './placement-auth.js'
import type { PlacementPages } from './placement.js'
import type { SettingsPage } from './settings-page.js'
import type { Db } from '../server/db/knex.js'
import type { Clock } from '../server/shared/clock.js'
import { ROOT_DIR } from '../server/config.js'
import { NotFound } from '../server/shared/errors.js'
import {
  framedCsp,
  originOfInstall,
  packageRowsOf,
  parseInstallForm,
  parsePackages,
  parsePlacementForm,
  signPlacement,
  verifyPlacement,
  type PlacementClaims,
} from './ui-rules.js'

export interface B24RoutesDeps {
  db: Db
  clock: Clock
  secret: string
  tokenMs: number
  installer: ReturnType<typeof createB24Installer>
  events: ReturnType<typeof createB24Events>
  verifier: PlacementVerifier
  pages: PlacementPages
  settings: SettingsPage
}

type Body = Record<string, unknown>

/** The parsed form body; a request Express did not parse (multipart, JSON, none) reads as an empty form. */
const bodyOf = (req: Request): Body => (req.body && typeof req.body === 'object' ? (req.body as Body) : {})

/** The browser build of @bitrix24/b24jssdk, served from our origin so the CSP keeps `script-src 'self'`. */
const SDK_FILE = path.join(ROOT_DIR, 'node_modules', '@bitrix24', 'b24jssdk', 'dist', 'umd', 'index.min.js')

/**
 * The Bitrix24 local app's handlers (`/b24/…`, reference/bitrix24.md §2, §5, §6). Mounted before the portal's session and
 * CSRF layers: Bitrix24 posts here from its own domain without our cookies, so each handler proves the request its own way
 * (install: configured domain; events: `application_token`; placements and the app page: `member_id` → stored install →
 * `AUTH_ID` checked on the stored endpoint; actions: the signed placement token). Only these pages may be framed, and only
 * by the portal of the install they belong to; everything else keeps helmet's `frame-ancestors 'self'`.
 */
export function b24Routes(deps: B24RoutesDeps): Router {
  const r = Router()
  r.use('/b24', express.urlencoded({ extended: true, limit: '100kb', parameterLimit: 500 }))
  const now = () => deps.clock.now().getTime()

  /** Lets the portal of `install` frame this answer (CSP frame-ancestors per request; no X-Frame-Options). */
  function frameFor(res: Response, install: Pick<B24Install, 'domain' | 'clientEndpoint'>) {
    const csp = String(res.getHeader('Content-Security-Policy') ?? "default-src 'self'")
    res.setHeader('Content-Security-Policy', framedCsp(csp, originOfInstall(install)))
    res.removeHeader('X-Frame-Options')
  }

  const render = (res: Response, view: string, data: Record<string, unknown>, status = 200) => res.status(status).render(`pages/b24/${view}`, { layout: 'b24', ...data })
  const refuse = (res: Response, status: number, message: string) => render(res, 'message', { title: 'Доступ запрещён', message }, status)

  r.get('/b24/assets/b24jssdk.js', (_req, res) => {
    res.sendFile(SDK_FILE, { maxAge: '1d', headers: { 'content-type': 'text/javascript; charset=utf-8' } })
  })

  r.post('/b24/install', async (req, res) => {
    const form = parseInstallForm(req.query as Body, bodyOf(req))
    if ('error' in form) return refuse(res, 403, form.error)
    const out = await deps.installer.install(form)
    if (!out.ok) return refuse(res, out.status, out.message)
    const install = await findInstall(deps.db, out.memberId)
    if (install) frameFor(res, install)
    render(res, 'install', { title: 'Установка приложения', out, b24Sdk: true, b24Script: 'b24-install.js' })
  })

  r.post('/b24/events', async (req, res) => {
    const out = await deps.events.receive(bodyOf(req))
    res.status(out.status).type('text/plain').send(out.text)
  })

  /** What a verified request opened: a signed token for its actions and the page's data. */
  async function open(req: Request, res: Response, forceSettings: boolean) {
    const form = parsePlacementForm(bodyOf(req))
    if (!form) return refuse(res, 403, 'Эта страница открывается только из Битрикс24')
    const v = await deps.verifier.verify(form)
    if (!v.ok && v.status === 503) {
      res.setHeader('Retry-After', '60')
      return render(res, 'message', { title: 'Битрикс24 перегружен', message: v.message }, 503)
    }
    if (!v.ok) return refuse(res, v.status, v.message)
    frameFor(res, v.install)
    const placement = forceSettings ? 'DEFAULT' : form.placement
    const claims: PlacementClaims = { m: form.memberId, u: v.user.id, n: v.user.name, a: v.user.admin, p: placement, id: form.entityId, exp: now() + deps.tokenMs }
    await show(res, claims, {})
  }

  /** Renders the page a token names, with an action's message or form state. */
  async function show(res: Response, claims: PlacementClaims, extra: { flash?: { ok: boolean; text: string }; packages?: Record<string, ReturnType<typeof packageRowsOf>>; packageErrors?: Record<string, Record<number, string>>; settingsForm?: unknown; settingsErrors?: Record<string, string> }, status = 200) {
    const pt = signPlacement(claims, deps.secret)
    const common = { pt, user: { name: claims.n, admin: claims.a }, flash: extra.flash ?? null }
    if (claims.p === 'CRM_DEAL_DETAIL_TAB') {
      const view = await deps.pages.dealView(claims.m, claims.id, { packages: extra.packages, packageErrors: extra.packageErrors })
      return render(res, 'deal', { title: 'Заказ в кабинете', ...common, ...view }, status)
    }
    if (claims.p === 'CRM_COMPANY_DETAIL_TAB') {
      const view = await deps.pages.companyView(claims.m, claims.id)
      return render(res, 'company', { title: 'Клиент в кабинете', ...common, ...view }, status)
    }
    if (claims.p === 'DEFAULT') {
      const view = await deps.settings.view(claims.m, extra.settingsForm, extra.settingsErrors)
      return render(res, 'settings', { title: 'Настройки приложения', ...common, ...view }, status)
    }
    return render(res, 'message', { title: 'Вкладка не поддерживается', message: `Место встройки ${claims.p} этим приложением не обслуживается.` }, 200)
  }

  r.post('/b24/placement', (req, res) => open(req, res, false))
  r.post('/b24/app', (req, res) => open(req, res, true))

  /** Checks the signed token of an action and that the install it names is still there; frames the answer for it. */
  async function claimsOf(req: Request, res: Response): Promise<PlacementClaims | null> {
    const claims = verifyPlacement(bodyOf(req)._pt, deps.secret, now())
    if (!claims) {
      refuse(res, 403, 'Страница устарела: откройте вкладку в Битрикс24 заново')
      return null
    }
    const install = await findInstall(deps.db, claims.m)
    if (!install || install.status !== 'active') {
      refuse(res, 403, 'Приложение не установлено на этом портале Битрикс24')
      return null
    }
    frameFor(res, install)
    return claims
  }

  const text = (req: Request, name: string, max = 500) => {
    const v = bodyOf(req)[name]
    return typeof v === 'string' ? v.trim().slice(0, max) : ''
  }

  r.post('/b24/placement/action', async (req, res) => {
    const claims = await claimsOf(req, res)
    if (!claims) return
    const action = text(req, 'do', 32)
    try {
      if (action === 'status' || action === 'cancel') {
        const out = await deps.pages.changeStatus(claims, action === 'cancel' ? 'cancelled' : text(req, 'status', 24), text(req, 'note', 500))
        return show(res, claims, { flash: { ok: out.ok, text: out.message } }, out.ok ? 200 : 422)
      }
      if (action === 'delivery') {
        const key = text(req, 'shipment', 12) || 'all'
        const shipmentId = key === 'all' ? null : /^\d{1,12}$/.test(key) ? Number(key) : NaN
        const rows = packageRowsOf(bodyOf(req))
        const parsed = parsePackages(rows)
        if (Number.isNaN(shipmentId)) return show(res, claims, { flash: { ok: false, text: 'Нет такой отгрузки' } }, 422)
        if (Object.keys(parsed.errors).length) {
          return show(res, claims, { flash: { ok: false, text: 'Проверьте места заявки СДЭК' }, packages: { [key]: rows }, packageErrors: { [key]: parsed.errors } }, 422)
        }
        const out = await deps.pages.createDeliveryRequest(claims, shipmentId, parsed.packages)
        return show(res, claims, { flash: { ok: out.ok, text: out.message }, ...(out.ok ? {} : { packages: { [key]: rows } }) }, out.ok ? 200 : 422)
      }
      if (action === 'verify') {
        const out = await deps.pages.verifyCompany(claims)
        return show(res, claims, { flash: { ok: out.ok, text: out.message } }, out.ok ? 200 : 422)
      }
      if (action === 'open-cabinet') {
        const out = await deps.pages.openCabinet(claims)
        if (out.ok && out.redirect) return res.redirect(303, out.redirect)
        return show(res, claims, { flash: { ok: false, text: out.message } }, 422)
      }
      return show(res, claims, { flash: { ok: false, text: 'Неизвестное действие' } }, 422)
    } catch (e) {
      if (e instanceof NotFound) return show(res, claims, { flash: { ok: false, text: e.message } }, 404)
      throw e
    }
  })

  r.post('/b24/app/save', async (req, res) => {
    const claims = await claimsOf(req, res)
    if (!claims) return
    if (claims.p !== 'DEFAULT') return refuse(res, 403, 'Настройки сохраняются только со страницы приложения')
    if (!claims.a) return show(res, claims, { flash: { ok: false, text: 'Настройки меняет только администратор портала Битрикс24' } }, 403)
    const out = await deps.settings.save(claims.m, bodyOf(req), { userId: claims.u, name: claims.n })
    if (out.ok) return show(res, claims, { flash: { ok: true, text: out.message } })
    const reload = bodyOf(req).do === 'reload'
    return show(res, claims, { flash: { ok: reload, text: out.message }, settingsForm: out.form, settingsErrors: out.errors }, reload ? 200 : 422)
  })

  return r
}
