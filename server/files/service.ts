import fs from 'node:fs/promises'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import type { Request, Response } from 'express'
import { fileTypeFromBuffer } from 'file-type'
import type { Db } from '../db/knex.js'
import type { Clock } from '../shared/clock.js'
import type { Config } from '../config.js'
import { NotFound } from '../shared/errors.js'
import { randomToken, sha256 } from '../shared/tokens.js'
import {
  INLINE_MIMES,
  acceptedKind,
  contentDisposition,
  displayName,
  imageDimensions,
  pixelsRefusal,
  quotaRefusal,
  servedMime,
  sizeRefusal,
  typeRefusal,
  type FileKind,
  type FilePurpose,
} from './rules.js'
import * as store from './store.js'
import type { FileRow } from './store.js'

export type { FileRow } from './store.js'
export type { FilePurpose } from './rules.js'

export type FilesService = ReturnType<typeof createFilesService>

/** The part of a multer file the service needs (memory storage). */
export interface Upload {
  buffer: Buffer
  originalname: string
  size: number
}

/** An expected refusal is a value with a Russian message for the form, never an exception. */
export type FileOutcome<T> = { ok: true } & T | { ok: false; message: string }

/** Who owns a new file and why it is kept. Supplier files have no company and count against no quota. */
export interface SaveOptions {
  purpose: FilePurpose
  companyId: number | null
  userId: number | null
}

/**
 * The files of one database transaction. Files written by `save` are deleted from disk if the transaction rolls back;
 * files whose rows `remove` deleted are unlinked only after it commits, so a failed change never loses a file that the
 * database still points to.
 */
export interface FileTransaction {
  trx: Db
  save(upload: Upload, o: SaveOptions): Promise<FileOutcome<{ file: FileRow }>>
  remove(fileId: number): Promise<void>
}

const STORAGE_NAME = /^[A-Za-z0-9_-]{20,64}$/

/**
 * The one place that stores uploaded files (ASVS V12): the type is detected from the content with `file-type` and checked
 * against the purpose, size and the company's quota are enforced, bytes go outside the web root under a random name with
 * their SHA-256, and the person's file name is kept only (sanitised) for display and Content-Disposition.
 */
export function createFilesService(deps: { db: Db; clock: Clock; config: Config }) {
  const { db, clock, config } = deps
  const { dir, maxBytes, companyQuotaBytes } = config.uploads

  /** The disk path of a stored file; names that could not have come from `randomToken` never reach the file system. */
  function diskPath(storageName: string): string {
    if (!STORAGE_NAME.test(storageName)) throw new NotFound('Файл не найден')
    return path.join(dir, storageName.slice(0, 2), storageName)
  }

  async function unlinkQuietly(storageName: string): Promise<void> {
    // A file that is already gone is the goal; other failures leave an orphan on disk, which is harmless (nothing points
    // to it) and must not turn a committed change into an error page.
    await fs.rm(diskPath(storageName), { force: true }).catch(() => undefined)
  }

  /** Checks size and content against the purpose; returns the accepted kind and the safe display name. */
  async function inspect(upload: Upload | undefined, purpose: FilePurpose): Promise<FileOutcome<{ kind: FileKind; name: string }>> {
    if (!upload) return { ok: false, message: 'Выберите файл' }
    const tooBig = sizeRefusal(upload.buffer.length, maxBytes)
    if (tooBig) return { ok: false, message: tooBig }
    const detected = await fileTypeFromBuffer(upload.buffer)
    const kind = acceptedKind(purpose, detected?.mime)
    if (!kind) return { ok: false, message: typeRefusal(purpose) }
    const pixels = pixelsRefusal(imageDimensions(upload.buffer, kind.mime), kind.mime)
    if (pixels) return { ok: false, message: pixels }
    return { ok: true, kind, name: displayName(upload.originalname, kind) }
  }

  async function save(trx: Db, written: string[], upload: Upload, o: SaveOptions): Promise<FileOutcome<{ file: FileRow }>> {
    const checked = await inspect(upload, o.purpose)
    if (!checked.ok) return checked
    const size = upload.buffer.length
    if (o.companyId !== null) {
      await store.lockCompany(trx, o.companyId)
      const over = quotaRefusal(await store.companyBytes(trx, o.companyId), size, companyQuotaBytes)
      if (over) return { ok: false, message: over }
    }
    const storageName = randomToken(32)
    const target = diskPath(storageName)
    await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o700 })
    // `wx` refuses to overwrite, so even an impossible name collision cannot replace another company's file.
    await fs.writeFile(target, upload.buffer, { flag: 'wx', mode: 0o600 })
    written.push(storageName)
    const row: store.FileWrite = {
      company_id: o.companyId,
      purpose: o.purpose,
      storage_name: storageName,
      original_name: checked.name,
      mime: checked.kind.mime,
      size,
      sha256: sha256(upload.buffer),
      uploaded_by: o.userId,
      created_at: clock.now().getTime(),
    }
    const id = await store.insertFile(trx, row)
    return { ok: true, file: { id, ...row } }
  }

  return {
    inspect,

    /**
     * Runs `work` in one database transaction together with the file changes it makes through the `FileTransaction`
     * (see there for when disk files appear and disappear).
     */
    async transaction<T>(work: (ft: FileTransaction) => Promise<T>): Promise<T> {
      const written: string[] = []
      const removed: string[] = []
      let result: T
      try {
        result = await db.transaction((trx) =>
          work({
            trx,
            save: (upload, o) => save(trx, written, upload, o),
            async remove(fileId) {
              const row = await store.deleteFile(trx, fileId)
              if (row) removed.push(row.storage_name)
            },
          }),
        )
      } catch (e) {
        await Promise.all(written.map(unlinkQuietly))
        throw e
      }
      await Promise.all(removed.map(unlinkQuietly))
      return result
    },

    /** A stored file by id (callers check ownership through their own tables before sending it). */
    find: (id: number) => store.findFile(db, id),

    /** How much of its quota a company uses, for the forms' hints. */
    async usage(companyId: number): Promise<{ used: number; quota: number; maxBytes: number }> {
      return { used: await store.companyBytes(db, companyId), quota: companyQuotaBytes, maxBytes }
    },

    /**
     * Sends a stored file. The Content-Type is the one detected at upload, `nosniff` stops browsers from guessing another,
     * and a `default-src 'none'; sandbox` policy makes even a mislabelled file inert. Only images may be shown inline; every
     * other kind is always an attachment. The ETag is the content hash, so thumbnails revalidate cheaply.
     */
    async send(req: Request, res: Response, file: FileRow, mode: 'attachment' | 'inline' = 'attachment'): Promise<void> {
      const disposition = mode === 'inline' && INLINE_MIMES.has(file.mime) ? 'inline' : 'attachment'
      let handle: fs.FileHandle
      try {
        handle = await fs.open(diskPath(file.storage_name), 'r')
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFound('Файл не найден')
        throw e
      }
      let size: number
      try {
        // The length comes from the disk, not the row, so a mismatch can never desynchronise the HTTP response.
        size = (await handle.stat()).size
      } catch (e) {
        await handle.close()
        throw e
      }
      const etag = `"${file.sha256}"`
      res.set({
        'Content-Type': servedMime(file.mime),
        'Content-Disposition': contentDisposition(disposition, file.original_name),
        'X-Content-Type-Options': 'nosniff',
        'Content-Security-Policy': "default-src 'none'; sandbox",
        'Cache-Control': 'private, no-cache',
        ETag: etag,
      })
      if (req.headers['if-none-match'] === etag) {
        await handle.close()
        res.status(304).end()
        return
      }
      res.set('Content-Length', String(size))
      // The stream closes the handle when it ends or fails.
      await pipeline(handle.createReadStream(), res)
    },
  }
}
