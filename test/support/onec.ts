import zlib from 'node:zlib'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import request from 'supertest'
import iconv from 'iconv-lite'
import type { TestApp } from './app.js'

/*
 * Plays the 1C side of the CommerceML exchange against the test app exactly as 1C does: checkauth with Basic, then the
 * cookie from its answer on every call, init, chunked file uploads, and import loops until `success` or `failure`.
 */

export const ONEC_ENV = { ONEC_USER: 'exchange', ONEC_PASSWORD: 'secret-1c-password' }
export const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'onec')

export function fixture(name: string): Buffer {
  return fs.readFileSync(path.join(FIXTURES, name))
}

export class OnecClient {
  cookie = ''
  constructor(readonly app: TestApp, readonly type: 'catalog' | 'sale' = 'catalog') {}

  url(mode: string, extra = ''): string {
    return `/1c/exchange?type=${this.type}&mode=${mode}${extra}`
  }

  async checkauth(user = ONEC_ENV.ONEC_USER, password = ONEC_ENV.ONEC_PASSWORD) {
    const res = await request(this.app.url).get(this.url('checkauth')).auth(user, password)
    const lines = res.text.split('\n')
    if (lines[0] === 'success') this.cookie = `${lines[1]}=${lines[2]}`
    return res
  }

  get(mode: string, extra = '') {
    return request(this.app.url).get(this.url(mode, extra)).set('Cookie', this.cookie)
  }

  async init(): Promise<{ zip: boolean; fileLimit: number }> {
    const res = await this.get('init')
    const zip = /zip=yes/.test(res.text)
    const m = /file_limit=(\d+)/.exec(res.text)
    if (!m) throw new Error(`init failed: ${res.text}`)
    return { zip, fileLimit: Number(m[1]) }
  }

  /** Sends a file in chunks of at most `chunk` bytes with the same filename, as 1C does above file_limit. */
  async upload(filename: string, body: Buffer, chunk = body.length || 1) {
    let last
    for (let i = 0; i < Math.max(1, body.length); i += chunk) {
      last = await request(this.app.url)
        .post(this.url('file', `&filename=${encodeURIComponent(filename)}`))
        .set('Cookie', this.cookie)
        .set('Content-Type', 'application/octet-stream')
        .send(body.subarray(i, i + chunk))
      if (last.text !== 'success') return last
    }
    return last!
  }

  /** An answer as 1C reads it: the bytes decoded by the charset the portal declares (windows-1251 for the Russian reports). */
  async text(mode: string, extra = ''): Promise<string> {
    const res = await this.get(mode, extra).buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = []
      r.on('data', (c: Buffer) => chunks.push(c))
      r.on('end', () => cb(null, Buffer.concat(chunks)))
    })
    const charset = /charset=([\w-]+)/i.exec(String(res.headers['content-type'] ?? ''))?.[1] ?? 'utf-8'
    return iconv.decode(res.body as Buffer, charset)
  }

  /** Calls mode=import until it stops answering progress; returns the last answer and how many calls it took. */
  async importLoop(filename: string, maxCalls = 10_000): Promise<{ text: string; calls: number; progress: number }> {
    let calls = 0
    let progress = 0
    for (;;) {
      const res = { text: await this.text('import', `&filename=${encodeURIComponent(filename)}`) }
      calls++
      if (!res.text.startsWith('progress')) return { text: res.text, calls, progress }
      progress++
      if (calls >= maxCalls) return { text: res.text, calls, progress }
    }
  }

  /** mode=query as 1C reads it: the raw bytes of the documents file (1C decodes them by the prolog). */
  async query(): Promise<{ status: number; contentType: string; body: Buffer }> {
    const res = await this.get('query')
      .buffer(true)
      .parse((r, cb) => {
        const chunks: Buffer[] = []
        r.on('data', (c: Buffer) => chunks.push(c))
        r.on('end', () => cb(null, Buffer.concat(chunks)))
      })
    return { status: res.status, contentType: String(res.headers['content-type'] ?? ''), body: res.body as Buffer }
  }

  /** mode=success: 1C confirms the last query. */
  async success(): Promise<string> {
    return (await this.get('success')).text
  }

  /** What 1C sends back after query/success: the documents file (in chunks when `chunk` is set), then import until done. */
  async sendDocuments(filename: string, body: Buffer, chunk?: number): Promise<string> {
    const up = await this.upload(filename, body, chunk)
    if (up.text !== 'success') return up.text
    return (await this.importLoop(filename)).text
  }

  /** checkauth → init → file → import loop for each file, then optionally complete. */
  async push(files: { name: string; body: Buffer }[], o: { chunk?: number } = {}) {
    const auth = await this.checkauth()
    if (!auth.text.startsWith('success')) throw new Error(`checkauth: ${auth.text}`)
    await this.init()
    for (const f of files) {
      const up = await this.upload(f.name, f.body, o.chunk)
      if (up.text !== 'success') throw new Error(`file ${f.name}: ${up.text}`)
    }
    const results = []
    for (const f of files) results.push(await this.importLoop(f.name))
    return results
  }
}

/** A zip archive (deflated entries) built in memory, enough for the exchange tests. */
export function makeZip(entries: { name: string; data: Buffer; store?: boolean }[]): Buffer {
  const locals: Buffer[] = []
  const centrals: Buffer[] = []
  let offset = 0
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8')
    const data = e.store ? e.data : zlib.deflateRawSync(e.data, { level: 9 })
    const crc = zlib.crc32(e.data)
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4)
    local.writeUInt16LE(0x0800, 6)
    local.writeUInt16LE(e.store ? 0 : 8, 8)
    local.writeUInt32LE(crc, 14)
    local.writeUInt32LE(data.length, 18)
    local.writeUInt32LE(e.data.length, 22)
    local.writeUInt16LE(name.length, 26)
    const central = Buffer.alloc(46)
    central.writeUInt32LE(0x02014b50, 0)
    central.writeUInt16LE(20, 4)
    central.writeUInt16LE(20, 6)
    central.writeUInt16LE(0x0800, 8)
    central.writeUInt16LE(e.store ? 0 : 8, 10)
    central.writeUInt32LE(crc, 16)
    central.writeUInt32LE(data.length, 20)
    central.writeUInt32LE(e.data.length, 24)
    central.writeUInt16LE(name.length, 28)
    central.writeUInt32LE(offset, 42)
    locals.push(local, name, data)
    centrals.push(central, name)
    offset += 30 + name.length + data.length
  }
  const cd = Buffer.concat(centrals)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(entries.length, 8)
  end.writeUInt16LE(entries.length, 10)
  end.writeUInt32LE(cd.length, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([...locals, cd, end])
}

/** The catalog state the fixtures touch, without timestamps and bookkeeping, for replay comparisons. */
export async function catalogSnapshot(app: TestApp, externalPrefix = '6f1e0a52-'): Promise<unknown> {
  const db = app.c.db
  const products = await db('products').where('external_id', 'like', `${externalPrefix}%`).orderBy('external_id').select('id', 'sku', 'sku_norm', 'name', 'category_id', 'base_unit', 'vat_rate', 'weight_grams', 'is_active', 'external_id')
  const ids = products.map((p) => p.id)
  const norm = (rows: Record<string, unknown>[]) => rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' || (typeof v === 'string' && /^\d+$/.test(v)) ? Number(v) : typeof v === 'boolean' ? Number(v) : v])))
  return {
    products: norm(products),
    prices: norm(await db('prices').whereIn('product_id', ids).orderBy(['product_id', 'price_type_id']).select('product_id', 'price_type_id', 'kopecks')),
    stock: norm(await db('stock').whereIn('product_id', ids).orderBy(['product_id', 'warehouse_id']).select('product_id', 'warehouse_id', 'on_hand_milli', 'reserved_milli')),
    attrs: norm(await db('product_attributes').whereIn('product_id', ids).orderBy(['product_id', 'attribute_id']).select('product_id', 'attribute_id', 'option_id', 'num_milli', 'text_value')),
    packagings: norm(await db('packagings').whereIn('product_id', ids).orderBy('id').select('id', 'product_id', 'name', 'factor_milli', 'is_default')),
    categories: norm(await db('categories').whereNotNull('external_id').orderBy('external_id').select('id', 'name', 'parent_id', 'path', 'depth', 'is_active', 'external_id')),
    priceTypes: norm(await db('price_types').whereNotNull('external_id').orderBy('external_id').select('id', 'code', 'name', 'external_id')),
    warehouses: norm(await db('warehouses').whereNotNull('external_id').orderBy('external_id').select('id', 'name', 'external_id')),
  }
}
