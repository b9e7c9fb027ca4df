import fs from 'node:fs'
import path from 'node:path'
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Readable } from 'node:stream'
import yauzl from 'yauzl'
import type { Db } from '../../db/knex.js'
import type { Clock } from '../../shared/clock.js'
import type { Config } from '../../config.js'
import type { Logger } from '../../logger.js'
import { CommerceMlReader } from './reader.js'
import type { FilesService } from '../../files/service.js'
import { applyItem, applyItems, hideUnsentProducts, newContext, type ImportContext } from './import.js'
import { catalogFileKind, parseBasic, safeExchangeName } from './rules.js'
import * as store from './store.js'
import { emptyCounts, type ImportCounts, type ImportItem, type OnecSale } from './types.js'

/*
 * The exchange use cases behind `/1c/exchange`. Every answer is plain ASCII lines (`success` | `progress` | `failure`, then a
 * message), as 1C expects. State lives in the database per exchange session (the checkauth cookie), files in a folder per
 * session; the live parser of a running import is kept in memory between calls for speed, and after a restart the file is
 * re-parsed from the start, skipping the items the database says were committed.
 */

export const EXCHANGE_COOKIE = 'b2b_1c_exchange'

export interface Answer {
  status: number
  lines: string[]
  headers?: Record<string, string>
  body?: Buffer
  contentType?: string
}

interface LiveJob {
  reader: CommerceMlReader
  ctx: ImportContext
  usedAt: number
}

/** A live parser nobody has called for this long is closed (1C gave up); a later call re-parses from the committed position. */
const LIVE_IDLE_MS = 10 * 60_000

const ok = (...lines: string[]): Answer => ({ status: 200, lines: ['success', ...lines] })
const progress = (msg: string): Answer => ({ status: 200, lines: ['progress', msg] })
const failure = (msg: string, status = 200): Answer => ({ status, lines: ['failure', msg] })

const sha256 = (s: string) => createHash('sha256').update(s).digest()
const hashHex = (s: string) => createHash('sha256').update(s).digest('hex')

/** Compares two secrets in constant time (both hashed first, so lengths never leak). */
export function secretEquals(a: string, b: string): boolean {
  return timingSafeEqual(sha256(a), sha256(b))
}

const summary = (c: ImportCounts) =>
  `products created ${c.productsCreated}, updated ${c.productsUpdated}, hidden ${c.productsHidden}; prices ${c.prices}; stock rows ${c.stockRows}; packagings ${c.packagings}; pictures ${c.images}; company terms ${c.terms}; errors ${c.errors}`

export function createOnecService(deps: { db: Db; clock: Clock; config: Config; logger: Logger; sale: OnecSale; files: FilesService }) {
  const { db, clock, config, logger, sale, files } = deps
  const cfg = config.onec
  const live = new Map<string, LiveJob>()
  const now = () => clock.now().getTime()
  const folder = (sessionId: number) => path.join(cfg.dir, String(sessionId))

  function evictIdle(): void {
    const limit = Date.now() - LIVE_IDLE_MS
    for (const [k, job] of live) {
      if (job.usedAt < limit) {
        job.reader.close()
        live.delete(k)
      }
    }
  }

  function dropLive(sessionId: number): void {
    cancelUnzip(sessionId)
    for (const [k, job] of live) {
      if (k.startsWith(`${sessionId}:`)) {
        job.reader.close()
        live.delete(k)
      }
    }
  }

  /** mode=checkauth: Basic credentials → a new exchange session and its cookie; failed attempts throttled per IP. */
  async function checkauth(type: string, authorization: string | undefined, ip: string): Promise<Answer> {
    const t = now()
    if ((await store.failuresFromIp(db, ip, t - config.login.windowMs, t)) >= cfg.maxFailuresIp) {
      return failure('too many failed logins from this address, try later', 429)
    }
    const cred = parseBasic(authorization)
    const good = !!cfg.user && !!cfg.password && !!cred && secretEquals(cred.user, cfg.user) && secretEquals(cred.password, cfg.password)
    if (!good) {
      await store.recordFailure(db, ip, t)
      logger.warn({ ip }, '1C exchange: bad credentials')
      return { ...failure('bad credentials', 401), headers: { 'WWW-Authenticate': 'Basic realm="1C exchange", charset="UTF-8"' } }
    }
    const cookie = randomBytes(24).toString('hex')
    await store.insertSession(db, { cookieHash: hashHex(cookie), type, ip, now: t, expiresAt: t + cfg.sessionMs })
    return ok(EXCHANGE_COOKIE, cookie, `sessid=${randomBytes(12).toString('hex')}`, `timestamp=${Math.floor(t / 1000)}`)
  }

  /** The session a later request's cookie names (undefined: not logged in or expired). */
  async function sessionOf(cookie: string | undefined): Promise<store.SessionRow | undefined> {
    if (!cookie || !/^[0-9a-f]{48}$/.test(cookie)) return undefined
    return store.sessionByCookie(db, hashHex(cookie), now())
  }

  /** mode=init: a clean folder and file list, then the zip and size answer. */
  async function init(s: store.SessionRow): Promise<Answer> {
    dropLive(s.id)
    await fs.promises.rm(folder(s.id), { recursive: true, force: true })
    await fs.promises.mkdir(folder(s.id), { recursive: true })
    await store.clearFiles(db, s.id)
    await store.updateSession(db, s.id, { initialised: true, zip: cfg.zip, unzipped: false, bytes_received: 0, status: 'open', counts: JSON.stringify(emptyCounts()), updated_at: now() })
    return { status: 200, lines: [`zip=${cfg.zip ? 'yes' : 'no'}`, `file_limit=${cfg.fileLimit}`] }
  }

  /** mode=file: appends one chunk to the named file inside the session folder, within the size caps. */
  async function file(s: store.SessionRow, type: string, filename: string, body: Readable, declaredLength: number | null): Promise<Answer> {
    const name = safeExchangeName(filename)
    if (!name) return failure('file name refused', 400)
    if (type === 'catalog' && !catalogFileKind(name)) return failure('not a CommerceML catalog file name', 400)
    if (type === 'sale' && !/\.(xml|zip)$/i.test(name)) return failure('not a CommerceML file name', 400)
    if (!s.initialised) await init(s)
    const target = path.join(folder(s.id), name)
    if (!target.startsWith(folder(s.id) + path.sep)) return failure('file name refused', 400)
    await fs.promises.mkdir(path.dirname(target), { recursive: true })
    const before = await fs.promises.stat(target).then((st) => st.size, () => 0)
    const room = Math.min(cfg.maxUploadBytes - before, cfg.maxUploadBytes - s.bytes_received)
    if (declaredLength != null && declaredLength > room) return failure('file too large', 413)
    let written = 0
    let tooBig = false
    const out = fs.createWriteStream(target, { flags: 'a' })
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        written += chunk.length
        if (written > room) {
          tooBig = true
          break
        }
        if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()))
      }
    } finally {
      await new Promise<void>((r) => out.end(() => r()))
    }
    if (tooBig) {
      await fs.promises.truncate(target, before)
      body.resume()
      return failure('file too large', 413)
    }
    await store.addChunk(db, s.id, name, written)
    return ok()
  }

  /**
   * Unpacking runs in the background, one job per session, so that no call waits for a large entry longer than its step
   * budget: each import call waits for the job up to the budget and answers `progress` while it runs. A job lost with its
   * process is started again by the next call and skips the entries already complete on disk.
   */
  const unzipJobs = new Map<number, { done: boolean; error: Error | null; bytes: number; total: number; promise: Promise<void>; cancelled: boolean }>()

  function startUnzip(s: store.SessionRow) {
    const dir = folder(s.id)
    const job = { done: false, error: null as Error | null, bytes: 0, total: 0, cancelled: false, promise: Promise.resolve() }
    job.promise = (async () => {
      const zips = (await fs.promises.readdir(dir)).filter((n) => n.toLowerCase().endsWith('.zip'))
      for (const z of zips) {
        if (job.cancelled) return
        await unzipOne(path.join(dir, z), dir, job)
      }
      if (!job.cancelled) await store.updateSession(db, s.id, { unzipped: true })
    })().then(
      () => {
        job.done = true
      },
      (err: Error) => {
        job.error = err
        job.done = true
      },
    )
    unzipJobs.set(s.id, job)
    return job
  }

  /** Waits for the session's unpacking up to the deadline; true when everything is unpacked. Throws what unpacking failed with. */
  async function unzipStep(s: store.SessionRow, deadline: number): Promise<{ finished: boolean; bytes: number; total: number }> {
    const job = unzipJobs.get(s.id) ?? startUnzip(s)
    const wait = Math.max(0, deadline - Date.now())
    let timer: NodeJS.Timeout | undefined
    await Promise.race([job.promise, new Promise<void>((r) => (timer = setTimeout(r, wait)))])
    clearTimeout(timer)
    if (!job.done) return { finished: false, bytes: job.bytes, total: job.total }
    unzipJobs.delete(s.id)
    if (job.error) throw job.error
    return { finished: true, bytes: job.bytes, total: job.total }
  }

  function cancelUnzip(sessionId: number): void {
    const job = unzipJobs.get(sessionId)
    if (job) job.cancelled = true
    unzipJobs.delete(sessionId)
  }

  function unzipOne(zipPath: string, dir: string, job: { bytes: number; total: number; cancelled: boolean }): Promise<void> {
    return new Promise((resolve, reject) => {
      yauzl.open(zipPath, { lazyEntries: true, autoClose: true, validateEntrySizes: true, strictFileNames: false, decodeStrings: true }, (err, zip) => {
        if (err || !zip) return reject(new Error(`bad zip: ${err?.message ?? 'unreadable'}`))
        let total = 0
        let count = 0
        const fail = (msg: string) => {
          zip.close()
          reject(new Error(msg))
        }
        zip.on('error', (e: Error) => reject(new Error(`bad zip: ${e.message}`)))
        zip.on('end', () => resolve())
        zip.on('entry', (entry: yauzl.Entry) => {
          count++
          if (count > cfg.zipMaxEntries) return fail('zip has too many entries')
          if (/\/$/.test(entry.fileName)) return zip.readEntry()
          const name = safeExchangeName(entry.fileName)
          const target = name ? path.join(dir, name) : ''
          if (!name || !target.startsWith(dir + path.sep)) return fail(`zip entry refused: ${entry.fileName.replace(/[^\x20-\x7e]/g, '?').slice(0, 100)}`)
          total += entry.uncompressedSize
          if (total > cfg.maxUploadBytes) return fail('zip unpacks to more than the size limit')
          if (entry.uncompressedSize > 1024 * 1024 && entry.uncompressedSize > entry.compressedSize * cfg.zipMaxRatio) return fail('zip compression ratio too high (zip bomb?)')
          if (job.cancelled) {
            zip.close()
            return resolve()
          }
          job.total = total
          fs.promises.stat(target).then(
            (st) => {
              if (st.size !== entry.uncompressedSize) return extract()
              job.bytes += st.size
              zip.readEntry()
            },
            () => extract(),
          )
          function extract() {
            fs.promises.mkdir(path.dirname(target), { recursive: true }).then(() => {
              zip.openReadStream(entry, (e2, rs) => {
                if (e2 || !rs) return fail(`bad zip entry: ${e2?.message ?? ''}`)
                const out = fs.createWriteStream(target)
                rs.on('error', (e3) => fail(`bad zip entry: ${e3.message}`))
                rs.on('data', (c: Buffer) => (job.bytes += c.length))
                out.on('error', (e3) => fail(e3.message))
                out.on('finish', () => zip.readEntry())
                rs.pipe(out)
              })
            }, (e4: Error) => fail(e4.message))
          }
        })
        zip.readEntry()
      })
    })
  }

  /** mode=import for the catalog: unzip first if needed, then apply the file in budgeted batches. */
  async function importCatalog(s: store.SessionRow, filename: string): Promise<Answer> {
    const started = Date.now()
    const deadline = started + cfg.stepMs * 0.7
    await store.updateSession(db, s.id, { steps: s.steps + 1, status: 'running', updated_at: now() })
    if (s.zip && !s.unzipped) {
      try {
        const u = await unzipStep(s, deadline)
        if (!u.finished) return progress(`unpacking the archive: ${Math.round(u.bytes / 1e6)} of ${Math.round(u.total / 1e6)} MB so far`)
      } catch (err) {
        await store.insertError(db, { sessionId: s.id, file: 'zip', element: '', message: (err as Error).message, now: now() })
        await store.updateSession(db, s.id, { status: 'failed' })
        return failure((err as Error).message)
      }
    }
    const name = safeExchangeName(filename)
    if (!name) return failure('file name refused', 400)
    const kind = catalogFileKind(name)
    const full = path.join(folder(s.id), name)
    if (!kind || kind === 'zip' || kind === 'image') return ok(`${name} skipped`)
    if (!fs.existsSync(full)) return failure(`file ${asciiName(name)} was not uploaded`)
    const row = await store.fileRow(db, s.id, name)
    if (row.status === 'done') return ok(`${asciiName(name)} imported`)
    const key = `${s.id}:${name}`
    let job = live.get(key)
    try {
      if (!job) {
        job = { usedAt: Date.now(), reader: new CommerceMlReader(full), ctx: newContext({ sessionId: s.id, file: name, dir: folder(s.id), files: null, now: now(), totalWarehouse: cfg.totalWarehouse, terms: cfg.terms, counts: emptyCounts() }) }
        live.set(key, job)
        if (row.status === 'uploaded') await store.updateFile(db, row.id, { status: 'importing', started_at: now() })
      }
      job.usedAt = Date.now()
      const { reader, ctx } = job
      ctx.now = now()
      // After a restart: re-read the items already committed without applying them (package flags still count).
      while (reader.position < row.applied) {
        const item = await reader.next()
        if (!item) break
        if (item.kind === 'package') await applyItem(db, ctx, item)
        if (Date.now() > deadline) return progress(`${asciiName(name)}: resuming at ${reader.position} of ${row.applied}`)
      }
      let done = false
      while (!done && Date.now() < deadline) {
        ctx.counts = emptyCounts()
        ctx.errors = []
        // Read a batch first (the reader is fast), then apply it set-based in one transaction.
        const items: ImportItem[] = []
        while (items.length < cfg.batchSize) {
          const item = await reader.next()
          if (!item) {
            done = true
            break
          }
          items.push(item)
          if (Date.now() > deadline) break
        }
        // The batch's transaction is the files service's, so pictures stored by the batch vanish with it if it rolls back.
        await files.transaction(async (ft) => {
          const trx = ft.trx
          ctx.files = ft
          await applyItems(trx, ctx, items)
          for (const e of ctx.errors) await store.insertError(trx, { sessionId: s.id, file: name, element: e.element, message: e.message, now: ctx.now })
          ctx.counts.errors += ctx.errors.length
          await store.addCounts(trx, s.id, row.id, ctx.counts)
          await trx('onec_files').where({ id: row.id }).update({ applied: reader.position, steps: row.steps + 1 })
        })
        ctx.files = null
      }
      if (!done) return progress(`${asciiName(name)}: ${reader.position} elements applied`)
      const fullKind = kind === 'import' && ctx.fullCatalog ? 'products' : kind === 'offers' && ctx.fullOffers ? 'variants' : null
      if (fullKind) {
        const hidden = await db.transaction(async (trx) => {
          const n = await hideUnsentProducts(trx, s.id, now(), fullKind)
          await store.addCounts(trx, s.id, row.id, { ...emptyCounts(), productsHidden: n })
          return n
        })
        logger.info({ session: s.id, hidden, which: fullKind }, '1C full package: what it did not send is hidden')
      }
      live.delete(key)
      reader.close()
      const fresh = await store.fileRow(db, s.id, name)
      const counts = { ...emptyCounts(), ...JSON.parse(fresh.counts ?? '{}') } as ImportCounts
      await store.updateFile(db, row.id, { status: 'done', finished_at: now(), message: summary(counts) })
      await store.updateSession(db, s.id, { status: 'open', updated_at: now() })
      return ok(`${asciiName(name)} imported: ${summary(counts)}`)
    } catch (err) {
      live.delete(key)
      job?.reader.close()
      const msg = (err as Error).message
      logger.error({ err, session: s.id, file: name }, '1C import failed')
      await store.insertError(db, { sessionId: s.id, file: name, element: '', message: msg, now: now() })
      await store.updateFile(db, row.id, { status: 'failed', finished_at: now(), message: msg.slice(0, 500) })
      await store.updateSession(db, s.id, { status: 'failed', updated_at: now() })
      return failure(`${asciiName(name)}: ${lineMessage(msg)}`)
    }
  }

  /** mode=deactivate: hides the 1C products this session did not send (only after it imported a catalog). */
  async function deactivate(s: store.SessionRow): Promise<Answer> {
    const imported = await db('onec_files').where({ session_id: s.id, status: 'done' }).first('id')
    if (!imported) return ok('nothing imported in this session, nothing deactivated')
    const n = await db.transaction(async (trx) => {
      const hidden = await hideUnsentProducts(trx, s.id, now(), 'all')
      await store.addCounts(trx, s.id, null, { ...emptyCounts(), productsHidden: hidden })
      return hidden
    })
    return ok(`${n} products deactivated`)
  }

  /** mode=complete: the exchange is over. */
  async function complete(s: store.SessionRow): Promise<Answer> {
    dropLive(s.id)
    await store.updateSession(db, s.id, { status: s.status === 'failed' ? 'failed' : 'done', finished_at: now(), updated_at: now() })
    return ok()
  }

  /** One request after checkauth. */
  async function handle(o: { type: string; mode: string; cookie: string | undefined; filename: string; body: Readable; length: number | null }): Promise<Answer> {
    evictIdle()
    const s = await sessionOf(o.cookie)
    if (!s) return failure('not authorised: call mode=checkauth first', 401)
    if (o.type !== s.type) return failure('exchange type differs from checkauth')
    switch (o.mode) {
      case 'init':
        return init(s)
      case 'file':
        return file(s, o.type, o.filename, o.body, o.length)
      case 'import':
        if (o.type === 'catalog') return importCatalog(s, o.filename)
        return importSale(s, o.filename)
      case 'deactivate':
        return o.type === 'catalog' ? deactivate(s) : failure('unknown mode')
      case 'complete':
        return complete(s)
      case 'query':
        if (o.type !== 'sale') return failure('unknown mode')
        try {
          const q = await sale.query(s.id)
          return { status: 200, lines: [], body: q.body, contentType: q.contentType }
        } catch (err) {
          return failure(lineMessage(err))
        }
      case 'success':
        if (o.type !== 'sale') return failure('unknown mode')
        await sale.success(s.id)
        return ok()
      default:
        return failure('unknown mode')
    }
  }

  async function importSale(s: store.SessionRow, filename: string): Promise<Answer> {
    const name = safeExchangeName(filename)
    if (!name) return failure('file name refused', 400)
    const full = path.join(folder(s.id), name)
    if (!fs.existsSync(full)) return failure(`file ${asciiName(name)} was not uploaded`)
    await store.updateSession(db, s.id, { steps: s.steps + 1, updated_at: now() })
    try {
      const r = await sale.importFile(s.id, full, cfg.stepMs * 0.7)
      return r.done ? ok(lineMessage(r.message)) : progress(lineMessage(r.message))
    } catch (err) {
      return failure(lineMessage(err))
    }
  }

  return { checkauth, handle, dropLive }
}

export type OnecService = ReturnType<typeof createOnecService>

const asciiName = (n: string) => n.replace(/[^\x20-\x7e]/g, '_')
/**
 * A message for 1C's answer: one line, at most 300 characters. Russian stays Russian: the routes send every answer in
 * windows-1251, as 1C expects (and as Bitrix answers); the status words themselves are ASCII.
 */
const lineMessage = (m: unknown) => (m instanceof Error ? m.message : String(m)).replace(/[\r\n\t]+/g, ' ').slice(0, 300)
