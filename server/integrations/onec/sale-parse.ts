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

const FIELDS: Record<string, keyof Omit<SaleDocument, 'requisites' | 'parties' | 'items' | 'children'>> = {
  Ид: 'id',
  Номер: 'number',
  Дата: 'date',
  Номер1С: 'number1c',
  Дата1С: 'date1c',
  ХозОперация: 'operation',
  ПометкаУдаления: 'deleted',
  Сумма: 'sum',
}

/** An element of one document as read: local name, attributes, own text and children in order. */
interface Node {
  name: string
  attrs: Record<string, string>
  text: string
  children: Node[]
}

/** Elements one document may hold before it is refused (a runaway file keeps bounded memory). */
const MAX_NODES = 500_000

const childText = (n: Node, name: string) => n.children.find((c) => c.name === name)?.text.trim() ?? ''
const kids = (n: Node, list: string, item: string) => n.children.filter((c) => c.name === list).flatMap((l) => l.children.filter((c) => c.name === item))

/** A `Документ` (or `ПодчиненныйДокумент`) element → the document the exchange acts on. */
function toDocument(n: Node): SaleDocument {
  const doc: SaleDocument = { id: '', number: '', date: '', number1c: '', date1c: '', operation: '', deleted: '', sum: '', requisites: {}, parties: [], items: [], children: [] }
  for (const [k, v] of Object.entries(n.attrs)) {
    const field = FIELDS[local(k)]
    if (field) doc[field] = String(v).trim()
  }
  for (const c of n.children) {
    const field = FIELDS[c.name]
    if (field && !c.children.length) doc[field] = c.text.trim()
  }
  for (const r of kids(n, 'ЗначенияРеквизитов', 'ЗначениеРеквизита')) {
    const name = childText(r, 'Наименование')
    if (name) doc.requisites[name] = childText(r, 'Значение')
  }
  for (const p of kids(n, 'Контрагенты', 'Контрагент')) {
    doc.parties.push({ id: childText(p, 'Ид'), name: childText(p, 'Наименование') || childText(p, 'ОфициальноеНаименование'), inn: childText(p, 'ИНН'), kpp: childText(p, 'КПП'), role: childText(p, 'Роль') })
  }
  for (const t of kids(n, 'Товары', 'Товар')) {
    doc.items.push({ id: childText(t, 'Ид'), sku: childText(t, 'Артикул'), name: childText(t, 'Наименование'), qty: childText(t, 'Количество') })
  }
  for (const d of [...kids(n, 'ПодчиненныеДокументы', 'ПодчиненныйДокумент'), ...kids(n, 'ПодчиненныеДокументы', 'Документ')]) doc.children.push(toDocument(d))
  return doc
}

/**
 * A push parser: feed it text, get every complete top-level `Документ` through `onDocument` (synchronously, in file order),
 * with its requisites, counterparties, lines and subordinate documents (1C's payments and shipments of the order).
 * Documents nested in a `Контейнер` (CommerceML 3) are read the same way. One document is held in memory at a time.
 */
export function createSaleParser(onDocument: (doc: SaleDocument) => void) {
  const parser = sax.parser(true, { trim: false, normalize: false, xmlns: false, position: false })
  let depth = 0
  const open: Node[] = []
  let nodes = 0
  parser.onopentag = (tag) => {
    depth++
    const name = local(tag.name)
    if (!open.length && name !== 'Документ') return
    if (++nodes > MAX_NODES) throw new Error(`Документ больше ${MAX_NODES} элементов: файл не принят`)
    const node: Node = { name, attrs: tag.attributes as Record<string, string>, text: '', children: [] }
    open.at(-1)?.children.push(node)
    open.push(node)
  }
  parser.ontext = (t) => {
    const n = open.at(-1)
    if (n) n.text += t
  }
  parser.oncdata = (t) => {
    const n = open.at(-1)
    if (n) n.text += t
  }
  parser.onclosetag = () => {
    depth--
    if (!open.length) return
    const n = open.pop()!
    // Only leaves keep their text: a container's whitespace is dropped as soon as it closes.
    if (n.children.length) n.text = ''
    if (!open.length) {
      nodes = 0
      onDocument(toDocument(n))
    }
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
      if (depth) throw new Error('Файл оборван: XML не закрыт')
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
