import fs from 'node:fs'
import path from 'node:path'

/*
 * The 1C side of the catalog exchange, for supplier IT (`npm run onec -- push <folder>`): plays what 1C's «Обмен с сайтом»
 * does against any portal URL — checkauth with Basic, the cookie from its answer on every later call, init, every file of
 * the folder uploaded in chunks of the portal's `file_limit`, then `import` called for each CommerceML file until it stops
 * answering `progress`, and `complete`. Useful to try a deployment with 1C's own export files before connecting 1C.
 */

export interface PushOptions {
  /** The exchange URL, e.g. https://b2b.example.ru/1c/exchange. */
  url: string
  user: string
  password: string
  /** A folder as 1C writes it: import*.xml, offers*.xml, prices*.xml, rests*.xml and import_files/… images. */
  folder: string
  log?: (line: string) => void
  /** Stops an import loop after this many calls (a portal that never finishes). */
  maxCalls?: number
  /** Told the duration of every HTTP call (the bench's «longest call»). */
  onCall?: (c: { mode: string; filename: string; ms: number }) => void
}

/** The order 1C sends files in: the classifier and goods first, then offers, prices and stock. */
export function exchangeOrder(names: string[]): string[] {
  const rank = (n: string) => {
    const base = path.posix.basename(n).toLowerCase()
    if (!base.endsWith('.xml')) return 9
    const i = ['import', 'offers', 'prices', 'rests'].findIndex((p) => base.startsWith(p))
    return i < 0 ? 5 : i
  }
  return [...names].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
}

/** Every file below `folder`, as forward-slash paths relative to it. */
function filesOf(folder: string, prefix = ''): string[] {
  const out: string[] = []
  for (const e of fs.readdirSync(path.join(folder, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name
    if (e.isDirectory()) out.push(...filesOf(folder, rel))
    else if (e.isFile()) out.push(rel)
  }
  return out
}

/** The first line of an exchange answer and the rest. */
function answer(text: string): { status: string; message: string } {
  const [status = '', ...rest] = text.replace(/\r/g, '').split('\n')
  return { status: status.trim(), message: rest.join(' ').trim() }
}

/**
 * Pushes a folder through the catalog exchange. Resolves with the files sent and the import calls made; rejects with the
 * portal's own words on `failure` or an unexpected answer.
 */
export async function pushFolder(o: PushOptions): Promise<{ files: string[]; calls: number }> {
  const log = o.log ?? (() => undefined)
  const base = new URL(o.url)
  const at = (params: Record<string, string>) => {
    const u = new URL(base)
    for (const [k, v] of Object.entries({ type: 'catalog', ...params })) u.searchParams.set(k, v)
    return u
  }
  const auth = await fetch(at({ mode: 'checkauth' }), { headers: { authorization: `Basic ${Buffer.from(`${o.user}:${o.password}`).toString('base64')}` } })
  const authText = await auth.text()
  const lines = authText.replace(/\r/g, '').split('\n')
  if (lines[0] !== 'success' || !lines[1] || !lines[2]) throw new Error(`checkauth: ${answer(authText).message || `HTTP ${auth.status}`}`)
  const cookie = `${lines[1]}=${lines[2]}`
  const sessid = lines.find((l) => l.startsWith('sessid='))?.slice('sessid='.length)
  const extra: Record<string, string> = sessid ? { sessid } : {}
  const timed = async <T>(mode: string, filename: string, call: () => Promise<T>): Promise<T> => {
    const t0 = performance.now()
    try {
      return await call()
    } finally {
      o.onCall?.({ mode, filename, ms: Math.round(performance.now() - t0) })
    }
  }
  const get = (params: Record<string, string>) => timed(params.mode ?? '', params.filename ?? '', async () => (await fetch(at({ ...params, ...extra }), { headers: { cookie } })).text())
  log(`checkauth: ok`)

  const init = await get({ mode: 'init', version: '2.10' })
  const limit = Number(/file_limit=(\d+)/.exec(init)?.[1] ?? 0)
  if (!limit) throw new Error(`init: ${answer(init).message || init.slice(0, 200)}`)
  log(`init: ${init.replace(/\n/g, ', ')}`)

  const files = exchangeOrder(filesOf(o.folder))
  // Files are read a chunk at a time, so a gigabyte of offers costs one chunk of memory.
  const chunk = Buffer.alloc(limit)
  for (const rel of files) {
    const fd = fs.openSync(path.join(o.folder, rel), 'r')
    let sent = 0
    try {
      for (;;) {
        const n = fs.readSync(fd, chunk, 0, limit, sent)
        if (n === 0 && sent > 0) break
        const { res, text } = await timed('file', rel, async () => {
          const r = await fetch(at({ mode: 'file', filename: rel, ...extra }), {
            method: 'POST',
            headers: { cookie, 'content-type': 'application/octet-stream' },
            body: chunk.subarray(0, n),
          })
          return { res: r, text: await r.text() }
        })
        if (answer(text).status !== 'success') throw new Error(`file ${rel}: ${answer(text).message || `HTTP ${res.status}`}`)
        sent += n
        if (n < limit) break
      }
    } finally {
      fs.closeSync(fd)
    }
    log(`file ${rel}: ${sent} bytes`)
  }

  let calls = 0
  for (const rel of files.filter((f) => f.toLowerCase().endsWith('.xml'))) {
    for (let n = 1; ; n++) {
      const a = answer(await get({ mode: 'import', filename: rel }))
      calls++
      if (a.status === 'success') {
        log(`import ${rel}: ${a.message || 'success'}`)
        break
      }
      if (a.status !== 'progress') throw new Error(`import ${rel}: ${a.message || a.status}`)
      if (n >= (o.maxCalls ?? 100_000)) throw new Error(`import ${rel}: still in progress after ${n} calls`)
      log(`import ${rel}: ${a.message}`)
    }
  }
  const done = answer(await get({ mode: 'complete' }))
  log(`complete: ${done.status}`)
  return { files, calls }
}
