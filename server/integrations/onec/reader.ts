import fs from 'node:fs'
import sax from 'sax'
import iconv from 'iconv-lite'
import { prologEncoding } from './rules.js'
import type { ImportItem, XNode } from './types.js'

/*
 * A pull reader over one CommerceML file: it streams the bytes through iconv-lite (encoding from the prolog) into a strict
 * sax parser, namespace-agnostically (prefixes and xmlns dropped), and hands out the elements the import applies
 * (groups, properties, products, price types, warehouses, offers, counterparties) one at a time, each as a small tree.
 * Reading stops between calls, so a reader kept in memory continues where the previous step ended.
 * DTDs are refused outright: sax never resolves external entities, and a document with an internal subset is refused so a
 * billion-laughs file costs nothing.
 */

const CAPTURE: Record<string, ImportItem['kind']> = {
  'Группы/Группа': 'group',
  'Свойства/Свойство': 'property',
  'Свойства/СвойствоНоменклатуры': 'property',
  'Товары/Товар': 'product',
  'ТипыЦен/ТипЦены': 'priceType',
  'Склады/Склад': 'warehouse',
  'Предложения/Предложение': 'offer',
  'Контрагенты/Контрагент': 'counterparty',
}

const local = (name: string) => {
  const i = name.indexOf(':')
  return i < 0 ? name : name.slice(i + 1)
}

export class CommerceMlReader {
  private readonly queue: ImportItem[] = []
  private readonly stack: string[] = []
  private capture: XNode[] = []
  private captureKind: ImportItem['kind'] | null = null
  private parser: sax.SAXParser
  private iterator: AsyncIterator<Buffer> | null = null
  private decoder: { write(b: Buffer): string; end(): string | undefined } | null = null
  private ended = false
  private flagText: string | null = null
  private error: Error | null = null
  /** Items handed out so far (the position a restart skips to). */
  position = 0
  /** The root element's `ВерсияСхемы`. */
  schemaVersion = ''

  constructor(readonly file: string) {
    this.parser = sax.parser(true, { trim: false, normalize: false, position: false })
    const p = this.parser
    p.ondoctype = () => {
      this.error ??= new Error('DOCTYPE is not allowed in CommerceML files')
    }
    p.onerror = (e) => {
      this.error ??= new Error(`XML error: ${e.message.split('\n')[0]}`)
    }
    p.onopentag = (tag) => {
      const name = local(tag.name)
      const attrs: Record<string, string> = {}
      for (const [k, v] of Object.entries(tag.attributes as Record<string, string>)) if (!k.startsWith('xmlns')) attrs[local(k)] = v
      if (this.stack.length === 0) this.schemaVersion = attrs['ВерсияСхемы'] ?? ''
      const parent = this.stack[this.stack.length - 1]
      this.stack.push(name)
      if (this.captureKind) {
        const node: XNode = { name, attrs, text: '', children: [] }
        this.capture[this.capture.length - 1]!.children.push(node)
        this.capture.push(node)
        return
      }
      if ((name === 'Каталог' || name === 'ПакетПредложений' || name === 'ИзмененияПакетаПредложений') && this.stack.length === 2) {
        // Only an explicit СодержитТолькоИзменения="false" makes a full package (one that hides what it does not send);
        // without the attribute (or its older element form, read below) the package counts as changes only.
        const only = attrs['СодержитТолькоИзменения']
        this.queue.push({ kind: 'package', container: name === 'Каталог' ? 'catalog' : 'offers', onlyChanges: name === 'ИзмененияПакетаПредложений' || only === undefined || !/^(false|нет)$/i.test(only) })
        return
      }
      // The older element form: <Каталог><СодержитТолькоИзменения>false</СодержитТолькоИзменения>…
      if (name === 'СодержитТолькоИзменения' && this.stack.length === 3) {
        this.flagText = ''
        return
      }
      const kind = parent ? CAPTURE[`${parent}/${name}`] : undefined
      // Groups nest (Группа/Группы/Группа): only the outermost one is an item, carrying its subtree.
      if (kind && !(kind === 'group' && this.stack.includes('Товар'))) {
        this.captureKind = kind
        this.capture = [{ name, attrs, text: '', children: [] }]
      }
    }
    p.ontext = (t) => {
      if (this.flagText !== null) this.flagText += t
      if (this.captureKind) this.capture[this.capture.length - 1]!.text += t
    }
    p.oncdata = p.ontext
    p.onclosetag = () => {
      const name = this.stack.pop()
      if (this.captureKind) {
        const node = this.capture.pop()!
        if (this.capture.length === 0) {
          this.queue.push({ kind: this.captureKind, node } as ImportItem)
          this.captureKind = null
        }
        return
      }
      if (name === 'СодержитТолькоИзменения' && this.flagText !== null) {
        const container = this.stack[this.stack.length - 1] === 'Каталог' ? 'catalog' : 'offers'
        this.queue.push({ kind: 'package', container, onlyChanges: !/^(false|нет)$/i.test(this.flagText.trim()) })
        this.flagText = null
      }
    }
  }

  private async fill(): Promise<void> {
    if (!this.iterator) {
      const fd = await fs.promises.open(this.file, 'r')
      const head = Buffer.alloc(200)
      await fd.read(head, 0, 200, 0)
      await fd.close()
      const enc = prologEncoding(head)
      if (!iconv.encodingExists(enc)) throw new Error(`unknown encoding ${enc}`)
      this.decoder = iconv.getDecoder(enc) as unknown as { write(b: Buffer): string; end(): string | undefined }
      this.iterator = fs.createReadStream(this.file, { highWaterMark: 64 * 1024 })[Symbol.asyncIterator]()
    }
    const r = await this.iterator.next()
    if (r.done) {
      const tail = this.decoder!.end()
      if (tail) this.parser.write(tail)
      this.parser.close()
      this.ended = true
    } else {
      this.parser.write(this.decoder!.write(r.value))
    }
    if (this.error) throw this.error
  }

  /** The next item, or null at the end of the document. Throws on malformed XML or a DTD. */
  async next(): Promise<ImportItem | null> {
    while (this.queue.length === 0 && !this.ended) await this.fill()
    if (this.error) throw this.error
    const item = this.queue.shift() ?? null
    if (item) this.position++
    return item
  }

  /** Stops reading and releases the file. */
  close(): void {
    void this.iterator?.return?.()
  }
}
