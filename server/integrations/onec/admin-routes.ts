import { Router } from 'express'
import type { Db } from '../../db/knex.js'
import type { Config } from '../../config.js'
import { requireStaff } from '../../http/auth.js'
import * as store from './store.js'
import { emptyCounts, type ImportCounts } from './types.js'
import { saleReportsOf } from './sale-store.js'
import { presentSaleSession } from './sale-present.js'

/** Staff page `/admin/onec`: every recent exchange session with its files, steps, counts, duration and errors. */
export function onecAdminRoutes(deps: { db: Db; config: Config }): Router {
  const { db } = deps
  const r = Router()
  r.get('/onec', requireStaff, async (_req, res) => {
    const sessions = await store.recentSessions(db, 30)
    const ids = sessions.map((s) => s.id)
    const files = await store.filesOf(db, ids)
    const errors = await store.errorsOf(db, ids)
    const saleRows = await saleReportsOf(db, sessions.filter((s) => s.type === 'sale').map((s) => s.id))
    const counts = (raw: string | null): ImportCounts => ({ ...emptyCounts(), ...(raw ? (JSON.parse(raw) as Partial<ImportCounts>) : {}) })
    res.render('pages/admin/onec', {
      title: 'Обмен с 1С',
      bodyClass: 'admin-page',
      adminSection: 'onec',
      configured: Boolean(deps.config.onec.user && deps.config.onec.password),
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
  return r
}
