/**
 * Streaming reader of the documents file 1C sends back in the order exchange (statuses, payments, shipments). It keeps
 * constant memory whatever the file's size: sax's plain parser inside a `Writable`, the encoding taken from the BOM or the
 * XML prolog (windows-1251 or UTF-8), element names compared without their namespace prefix (2.03–2.10 files differ), and
 * both forms of a document's fields (elements, or the attributes of `<Документ Ид=… Номер=…>` in old schemas). DTDs and
 * entities are never resolved: sax does not fetch anything.
 */

import { createReadStream } from 'node:fs'
import { Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import iconv from 'iconv-lite'
import sax from 'sax'
import type { SaleDocument } from './sale-types.js'

/** The encoding a file declares: BOM first, then the prolog's `encoding=`, UTF-8 when neither says. */
export function detectEncoding(head: Buffer): string {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf8'
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf16le'
  const prolog = /^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9_.:-]+)["']/.exec(head.subarray(0, 200).toString('latin1'))
  const name = prolog?.[1]?.toLowerCase() ?? 'utf-8'
  if (!iconv.encodingExists(name)) throw new Error(`Неизвестная кодировка файла: ${name}`)
  return name
}

const local = (name: string) => name.slice(name.indexOf(':') + 1)

const FIELDS: Record<string, keyof Omit<SaleDocument, 'requisites'>> = {
  Ид: 'id',
  Номер: 'number',
  Дата: 'date',
  Номер1С: 'number1c',
  Дата1С: 'date1c',
  ХозОперация: 'operation',
  ПометкаУдаления: 'deleted',
  Сумма: 'sum',
}

function emptyDocument(): SaleDocument {
  return { id: '', number: '', date: '', number1c: '', date1c: '', operation: '', deleted: '', sum: '', requisites: {} }
}

/**
 * A push parser: feed it text, get every complete `Документ` through `onDocument` (synchronously, in file order). Documents
 * nested in a `Контейнер` (CommerceML 3) are read the same way.
 */
export function createSaleParser(onDocument: (doc: SaleDocument) => void) {
  const parser = sax.parser(true, { trim: false, normalize: false, xmlns: false, position: false })
  const stack: string[] = []
  let doc: SaleDocument | null = null
  let docDepth = -1
  let text = ''
  let reqName = ''
  let reqValue = ''
  parser.onopentag = (node) => {
    const name = local(node.name)
    stack.push(name)
    text = ''
    if (name === 'Документ' && !doc) {
      doc = emptyDocument()
      docDepth = stack.length
      for (const [k, v] of Object.entries(node.attributes as Record<string, string>)) {
        const field = FIELDS[local(k)]
        if (field) doc[field] = String(v).trim()
      }
    } else if (doc && name === 'ЗначениеРеквизита' && stack.length === docDepth + 2 && stack[docDepth] === 'ЗначенияРеквизитов') {
      reqName = ''
      reqValue = ''
    }
  }
  parser.ontext = (t) => {
    text += t
  }
  parser.oncdata = (t) => {
    text += t
  }
  parser.onclosetag = () => {
    const name = stack.pop()!
    if (!doc) return
    const depth = stack.length // depth of the parent of the closed element
    if (name === 'Документ' && depth === docDepth - 1) {
      const done = doc
      doc = null
      docDepth = -1
      onDocument(done)
    } else if (depth === docDepth && FIELDS[name]) {
      doc[FIELDS[name]] = text.trim()
    } else if (depth === docDepth + 2 && stack[docDepth] === 'ЗначенияРеквизитов' && stack[docDepth + 1] === 'ЗначениеРеквизита') {
      if (name === 'Наименование') reqName = text.trim()
      if (name === 'Значение') reqValue = text.trim()
    } else if (depth === docDepth + 1 && name === 'ЗначениеРеквизита' && stack[docDepth] === 'ЗначенияРеквизитов' && reqName) {
      doc.requisites[reqName] = reqValue
    }
    text = ''
  }
  parser.onerror = (err) => {
    throw new Error(`Файл не читается как XML: ${err.message.split('\n')[0]}`)
  }
  return {
    write(chunk: string) {
      parser.write(chunk)
    },
    close() {
      parser.close()
      if (stack.length) throw new Error('Файл оборван: XML не закрыт')
    },
  }
}

/** Every document of a file already in memory (tests, small files). */
export function parseSaleBuffer(buf: Buffer): SaleDocument[] {
  const docs: SaleDocument[] = []
  const p = createSaleParser((d) => docs.push(d))
  p.write(iconv.decode(buf, detectEncoding(buf)))
  p.close()
  return docs
}

class Stop extends Error {}

/**
 * Streams a file through the parser and hands each document to `handle` in order, awaiting it before reading on. `handle`
 * returns false to stop reading (the step's time is up) before handling that document: the file is closed, `stopped` is
 * true and `documents` counts the documents handled.
 */
export async function streamSaleFile(path: string, handle: (doc: SaleDocument, index: number) => Promise<boolean>): Promise<{ documents: number; stopped: boolean }> {
  let decoder: ReturnType<typeof iconv.getDecoder> | null = null
  const queue: SaleDocument[] = []
  const parser = createSaleParser((d) => queue.push(d))
  let index = 0
  let stopped = false
  const drain = async () => {
    while (queue.length) {
      const d = queue.shift()!
      if (!(await handle(d, index))) {
        stopped = true
        throw new Stop()
      }
      index++
    }
  }
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      try {
        if (!decoder) decoder = iconv.getDecoder(detectEncoding(chunk))
        parser.write(decoder.write(chunk))
      } catch (err) {
        cb(err as Error)
        return
      }
      drain().then(() => cb(), cb)
    },
    final(cb) {
      try {
        if (decoder) {
          const rest = decoder.end()
          if (rest) parser.write(rest)
        }
        parser.close()
      } catch (err) {
        cb(err as Error)
        return
      }
      drain().then(() => cb(), cb)
    },
  })
  try {
    await pipeline(createReadStream(path, { highWaterMark: 64 * 1024 }), sink)
  } catch (err) {
    if (!(err instanceof Stop)) throw err
  }
  return { documents: index, stopped }
}
