import type { Db } from '../db/knex.js'
import type { Clock } from '../shared/clock.js'
import type { FilesService, FileRow, FileTransaction, Upload } from '../files/service.js'
import { Forbidden, NotFound, Validation } from '../shared/errors.js'
import { can } from '../companies/rules.js'
import { audit } from '../companies/store.js'
import type { MemberCompany } from '../companies/types.js'
import { normalizePoint, pointErrors } from './rules.js'
import * as store from './store.js'
import type { PointInput, PointRow } from './types.js'

export type PointsService = ReturnType<typeof createPointsService>

/** The photo part of a point form: the file multer kept, or the reason it refused one. */
export interface PhotoInput {
  upload?: Upload
  /** Multer's refusal (too big, several files), shown next to the photo field. */
  error?: string
  /** The person ticked «Удалить фото». */
  remove?: boolean
}

/**
 * Delivery points of a company. Every read and write is scoped by the company of the session; changes need the
 * `points.manage` permission. A company with any points has exactly one default: the first point becomes it, and deleting
 * the default passes it to the oldest remaining point.
 */
export function createPointsService(deps: { db: Db; clock: Clock; files: FilesService }) {
  const { db, clock, files } = deps
  const now = () => clock.now().getTime()

  function requireManage(member: MemberCompany): void {
    if (!can(member.role, 'points.manage')) throw new Forbidden('Точки доставки меняют владелец компании и закупщики')
  }

  /**
   * Validates the fields and the photo together, so the form shows every problem at once and keeps what was typed. The
   * photo's content is checked here too; the quota, which needs the transaction, is checked when it is saved.
   */
  async function validate(input: PointInput, photo: PhotoInput): Promise<PointInput> {
    const errors = pointErrors(input)
    if (photo.error) errors.photo = photo.error
    else if (photo.upload) {
      const checked = await files.inspect(photo.upload, 'point_photo')
      if (!checked.ok) errors.photo = checked.message
    }
    if (Object.keys(errors).length) throw new Validation('point form', errors)
    return normalizePoint(input)
  }

  async function savePhoto(ft: FileTransaction, member: MemberCompany, userId: number, upload: Upload): Promise<number> {
    const saved = await ft.save(upload, { purpose: 'point_photo', companyId: member.id, userId })
    if (!saved.ok) throw new Validation('point photo', { photo: saved.message })
    return saved.file.id
  }

  return {
    /** The company's points, the default first; the checkout offers these. */
    listForCompany: (companyId: number): Promise<PointRow[]> => store.listPoints(db, companyId),

    /** One point of the company, or undefined when it does not exist or belongs to another company. */
    findForCompany: (companyId: number, id: number): Promise<PointRow | undefined> => store.findPoint(db, companyId, id),

    /** One point of the company, or 404. */
    async get(companyId: number, id: number): Promise<PointRow> {
      const point = await store.findPoint(db, companyId, id)
      if (!point) throw new NotFound('Точка доставки не найдена')
      return point
    },

    /** Adds a point with an optional photo; the company's first point becomes its default. Throws `Validation` with field errors. */
    async create(member: MemberCompany, userId: number, input: PointInput, photo: PhotoInput = {}): Promise<number> {
      requireManage(member)
      const clean = await validate(input, photo)
      return files.transaction(async (ft) => {
        await store.lockCompany(ft.trx, member.id)
        const photoFileId = photo.upload ? await savePhoto(ft, member, userId, photo.upload) : null
        const isDefault = (await store.countPoints(ft.trx, member.id)) === 0
        const id = await store.insertPoint(ft.trx, member.id, clean, { isDefault, photoFileId, now: now() })
        await audit(ft.trx, { actor: userId, companyId: member.id, action: 'point.created', details: { id, name: clean.name }, now: now() })
        return id
      })
    },

    /** Edits a point; a new photo replaces the old one, whose file is deleted once the change is committed. */
    async update(member: MemberCompany, userId: number, id: number, input: PointInput, photo: PhotoInput = {}): Promise<void> {
      requireManage(member)
      const current = await store.findPoint(db, member.id, id)
      if (!current) throw new NotFound('Точка доставки не найдена')
      const clean = await validate(input, photo)
      await files.transaction(async (ft) => {
        await store.lockCompany(ft.trx, member.id)
        const point = await store.findPoint(ft.trx, member.id, id)
        if (!point) throw new NotFound('Точка доставки не найдена')
        const patch: Partial<PointInput> & { photo_file_id?: number | null } = { ...clean }
        if (photo.upload || photo.remove) {
          // The old photo goes first, so a replacement is measured against the quota without it.
          if (point.photo_file_id) await ft.remove(point.photo_file_id)
          patch.photo_file_id = photo.upload ? await savePhoto(ft, member, userId, photo.upload) : null
        }
        await store.updatePoint(ft.trx, member.id, id, patch, now())
        await audit(ft.trx, { actor: userId, companyId: member.id, action: 'point.updated', details: { id }, now: now() })
      })
    },

    /** Deletes a point and its photo; when it was the default, the oldest remaining point becomes the default. */
    async remove(member: MemberCompany, userId: number, id: number): Promise<PointRow> {
      requireManage(member)
      return files.transaction(async (ft) => {
        await store.lockCompany(ft.trx, member.id)
        const point = await store.findPoint(ft.trx, member.id, id)
        if (!point) throw new NotFound('Точка доставки не найдена')
        await store.deletePoint(ft.trx, member.id, id)
        if (point.photo_file_id) await ft.remove(point.photo_file_id)
        if (point.is_default) {
          const heir = await store.oldestPoint(ft.trx, member.id)
          if (heir) await store.makeDefault(ft.trx, member.id, heir.id, now())
        }
        await audit(ft.trx, { actor: userId, companyId: member.id, action: 'point.deleted', details: { id, name: point.name }, now: now() })
        return point
      })
    },

    /** Makes the point the company's default delivery point. */
    async setDefault(member: MemberCompany, userId: number, id: number): Promise<PointRow> {
      requireManage(member)
      return db.transaction(async (trx) => {
        await store.lockCompany(trx, member.id)
        const point = await store.findPoint(trx, member.id, id)
        if (!point) throw new NotFound('Точка доставки не найдена')
        await store.makeDefault(trx, member.id, id, now())
        await audit(trx, { actor: userId, companyId: member.id, action: 'point.default', details: { id }, now: now() })
        return point
      })
    },

    /** The stored photo of a point of the company, or 404 when there is none. */
    async photo(companyId: number, id: number): Promise<FileRow> {
      const point = await store.findPoint(db, companyId, id)
      const file = point?.photo_file_id ? await files.find(point.photo_file_id) : undefined
      // The file's own company is checked as well, so a wrong link in the table could still never leak another company's file.
      if (!file || file.company_id !== companyId || file.purpose !== 'point_photo') throw new NotFound('Фото не найдено')
      return file
    },
  }
}
