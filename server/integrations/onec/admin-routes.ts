import { Router } from 'express'
import type { Db } from '../../db/knex.js'
import type { Config } from '../../config.js'
import type { Clock } from '../../shared/clock.js'
import { flash, requireStaff } from '../../http/auth.js'
import { idParam, userOf } from '../../http/context.js'
import * as store from './store.js'
import { emptyCounts, type ImportCounts } from './types.js'
import { openIssues, saleReportsOf, settleIssue } from './sale-store.js'
import { presentIssues, presentSaleSession } from './sale-present.js'

/**
 * Staff page `/admin/onec`: every recent exchange session with its files, steps, counts, duration and errors, and above them
 * the 1C payments and shipments of the order exchange that still need a person.
 */
export function onecAdminRoutes(deps: { db: Db; config: Config; clock: Clock }): Router {
  const { db } = deps
  const r = Router()
  r.get('/onec', requireStaff, async (_req, res) => {
    const sessions = await store.recentSessions(db, 30)
    const ids = sessions.map((s) => s.id)
    const files = await store.filesOf(db, ids)
    const errors = await store.errorsOf(db, ids)
    const saleRows = await saleReportsOf(db, sessions.filter((s) => s.type === 'sale').map((s) => s.id))
    const issues = presentIssues(await openIssues(db, 200))
    const counts = (raw: string | null): ImportCounts => ({ ...emptyCounts(), ...(raw ? (JSON.parse(raw) as Partial<ImportCounts>) : {}) })
    res.render('pages/admin/onec', {
      title: 'Обмен с 1С',
      bodyClass: 'admin-page',
      adminSection: 'onec',
      configured: Boolean(deps.config.onec.user && deps.config.onec.password),
      issues,
      sessions: sessions.map((s) => {
        const own = files.filter((f) => Number(f.session_id) === s.id)
        const done = own.filter((f) => f.status === 'done').length
        const end = s.finished_at ?? s.updated_at
        const sale = s.type === 'sale' ? presentSaleSession(s.id, saleRows) : null
        return {
          id: s.id,
          type: s.type === 'sale' ? 'заказы' : 'каталог',
          sale,
          status: own.some((f) => f.status === 'importing') ? 'идёт загрузка' : (({ open: 'ожидает файлов', running: 'идёт загрузка', done: 'завершён', failed: 'ошибка' } as Record<string, string>)[s.status] ?? s.status),
          failed: s.status === 'failed',
          running: own.some((f) => f.status === 'importing') || (s.status === 'running' && s.zip && !s.unzipped),
          started: new Date(s.created_at).toISOString().replace('T', ' ').slice(0, 19),
          duration: `${Math.max(0, Math.round((end - s.created_at) / 1000))} с`,
          steps: s.steps,
          counts: counts(s.counts),
          progressMax: Math.max(1, own.length),
          progressValue: done,
          files: own.map((f) => ({ name: f.name, size: Number(f.bytes).toLocaleString('ru-RU'), chunks: f.chunks, state: ({ uploaded: 'получен', importing: 'загружается', done: 'загружен', failed: 'ошибка' } as Record<string, string>)[f.status] ?? f.status, applied: f.applied, message: f.message, ...sale?.files[f.name] })),
          errors: errors.filter((e) => Number(e.session_id) === s.id),
        }
      }),
    })
  })
  // A person handled a 1C payment or shipment the exchange could not place or match: it leaves «Требуют разбора».
  for (const kind of ['payment', 'shipment'] as const) {
    r.post(`/onec/${kind}s/:id/settle`, requireStaff, async (req, res) => {
      const user = userOf(req)
      const ok = await settleIssue(db, kind, idParam(req), user.full_name || user.email, deps.clock.now().getTime())
      flash(req, ok ? 'ok' : 'error', ok ? `${kind === 'payment' ? 'Оплата' : 'Отгрузка'} из 1С отмечена как разобранная` : 'Это уже разобрано: обновите страницу')
      res.redirect(303, '/admin/onec')
    })
  }
  return r
}
