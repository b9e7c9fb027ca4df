import { Router, type NextFunction, type Request, type Response } from 'express'
import type { AppDeps } from '../app.js'
import type { UploadGuard } from '../http/uploads.js'
import { flash, requireCompany } from '../http/auth.js'
import { checkbox, field } from '../http/forms.js'
import { idParam, memberOf, userOf } from '../http/context.js'
import { Forbidden, Validation } from '../shared/errors.js'
import { can } from '../companies/rules.js'
import { acceptAttribute, kindsText, sizeText } from '../files/rules.js'
import { POINT_LIMITS } from './rules.js'
import { pointForm, pointJson, presentPoint } from './present.js'
import type { PhotoInput } from './service.js'
import type { PointInput, PointRow } from './types.js'

/** Reads the point form; values are cut only far beyond the limits, so an overlong one is reported, not silently shortened. */
function pointInput(req: Request): PointInput {
  const input = {} as PointInput
  for (const [k, max] of Object.entries(POINT_LIMITS) as [keyof PointInput, number][]) input[k] = field(req, k, max * 2)
  return input
}

function photoInput(req: Request): PhotoInput {
  return { upload: req.file, error: req.uploadError, remove: checkbox(req, 'remove_photo') }
}

/** Stops people who may only look before multer reads a multi-megabyte body on their behalf. */
function requireManage(req: Request, _res: Response, next: NextFunction) {
  if (!can(memberOf(req).role, 'points.manage')) return next(new Forbidden('Точки доставки меняют владелец компании и закупщики'))
  next()
}

/** Delivery points of the current company under /company/points: list, add, edit, delete, default, photo and JSON. */
export function pointsRoutes(deps: AppDeps & { upload: UploadGuard }): Router {
  const { points, files, config, upload } = deps
  const r = Router()
  const photoHint = `${kindsText('point_photo')}, до ${sizeText(config.uploads.maxBytes)}`

  const formView = (o: { point?: PointRow; form: Partial<PointInput> & { remove_photo?: boolean }; errors?: Record<string, string>; hadPhoto?: boolean }) => ({
    title: o.point ? `Точка «${o.point.name}»` : 'Новая точка доставки',
    point: o.point ? presentPoint(o.point) : null,
    action: o.point ? `/company/points/${o.point.id}` : '/company/points',
    form: o.form,
    errors: o.errors ?? {},
    limits: POINT_LIMITS,
    accept: acceptAttribute('point_photo'),
    photoHint,
    // A file input cannot be refilled by the server: when other fields failed, the person is told to pick the photo again.
    reselectPhoto: !!o.hadPhoto && !o.errors?.photo,
  })

  r.get('/company/points', requireCompany, async (req, res) => {
    const member = memberOf(req)
    const list = await points.listForCompany(member.id)
    res.render('pages/points/list', { title: 'Точки доставки', points: list.map(presentPoint), canManage: can(member.role, 'points.manage') })
  })

  r.get('/company/points/new', requireCompany, requireManage, (_req, res) => {
    res.render('pages/points/form', formView({ form: {} }))
  })

  r.post('/company/points', requireCompany, requireManage, ...upload('photo'), async (req, res) => {
    const input = pointInput(req)
    const photo = photoInput(req)
    try {
      await points.create(memberOf(req), userOf(req).id, input, photo)
      flash(req, 'ok', `Точка «${input.name}» добавлена`)
      res.redirect(303, '/company/points')
    } catch (e) {
      if (!(e instanceof Validation)) throw e
      res.status(422).render('pages/points/form', formView({ form: { ...input, remove_photo: photo.remove }, errors: e.fields, hadPhoto: !!photo.upload }))
    }
  })

  // Declared before the other `:id` routes: the checkout reads the address and the contact from here.
  r.get('/company/points/:id.json', requireCompany, async (req, res) => {
    const point = await points.get(memberOf(req).id, idParam(req))
    res.set('Cache-Control', 'private, no-store').json(pointJson(point))
  })

  r.get('/company/points/:id/edit', requireCompany, requireManage, async (req, res) => {
    const point = await points.get(memberOf(req).id, idParam(req))
    res.render('pages/points/form', formView({ point, form: pointForm(point) }))
  })

  r.post('/company/points/:id', requireCompany, requireManage, ...upload('photo'), async (req, res) => {
    const member = memberOf(req)
    const id = idParam(req)
    const input = pointInput(req)
    const photo = photoInput(req)
    try {
      await points.update(member, userOf(req).id, id, input, photo)
      flash(req, 'ok', `Точка «${input.name}» сохранена`)
      res.redirect(303, '/company/points')
    } catch (e) {
      if (!(e instanceof Validation)) throw e
      const point = await points.get(member.id, id)
      res.status(422).render('pages/points/form', formView({ point, form: { ...input, remove_photo: photo.remove }, errors: e.fields, hadPhoto: !!photo.upload }))
    }
  })

  r.post('/company/points/:id/delete', requireCompany, requireManage, async (req, res) => {
    const point = await points.remove(memberOf(req), userOf(req).id, idParam(req))
    flash(req, 'ok', `Точка «${point.name}» удалена`)
    res.redirect(303, '/company/points')
  })

  r.post('/company/points/:id/default', requireCompany, requireManage, async (req, res) => {
    const point = await points.setDefault(memberOf(req), userOf(req).id, idParam(req))
    flash(req, 'ok', `Основная точка доставки: «${point.name}»`)
    res.redirect(303, '/company/points')
  })

  r.get('/company/points/:id/photo', requireCompany, async (req, res) => {
    const file = await points.photo(memberOf(req).id, idParam(req))
    await files.send(req, res, file, 'inline')
  })

  return r
}
