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

const NO_ATTRS: Record<string, string> = Object.freeze({}) as Record<string, string>

const ALIAS = /<(\/?)(_\.\d+)/g
const MAX_ALIASES = 2000

/**
 * Short ASCII stand-ins for element names. sax walks every character of a name through a Unicode regular expression, and
 * CommerceML's names are long and Cyrillic («ЦенаЗаЕдиницу»), so most of its time went on them: each distinct name is
 * replaced by `_.N` before sax sees the text and mapped back when the element opens. Only names change (never text or
 * attributes: neither may contain a raw `<`); CDATA, the one place a raw `<` may occur, is mapped back in full.
 */
class NameAliases {
  private readonly toAlias = new Map<string, string>()
  readonly names: string[] = []
  /** The text after the last `<` whose name may continue in the next chunk. */
  private carry = ''

  /**
   * Replaces the names of a chunk; holds back a trailing `<name` that the next chunk may continue. A plain scan from `<` to
   * `<` (a regular expression with a replacer function cost twice as much).
   */
  shorten(text: string, final: boolean): string {
    let t = this.carry + text
    this.carry = ''
    if (!final) {
      const lt = t.lastIndexOf('<')
      if (lt >= 0 && t.indexOf('>', lt) < 0 && t.length - lt < 4096) {
        this.carry = t.slice(lt)
        t = t.slice(0, lt)
      }
    }
    const parts: string[] = []
    let from = 0
    let lt = t.indexOf('<')
    while (lt >= 0) {
      let start = lt + 1
      let c = t.charCodeAt(start)
      if (c === 47) c = t.charCodeAt(++start) // '/'
      // Not a name: `<!…`, `<?…`, or the end of the text.
      if (c === 33 || c === 63 || Number.isNaN(c)) {
        lt = t.indexOf('<', start)
        continue
      }
      let end = start
      while (end < t.length) {
        c = t.charCodeAt(end)
        if (c === 62 || c === 47 || c === 32 || c === 9 || c === 10 || c === 13) break // > / space tab LF CR
        end++
      }
      const name = t.slice(start, end)
      let alias = this.toAlias.get(name)
      if (alias === undefined && this.names.length < MAX_ALIASES && name.length >= 3) {
        alias = `_.${this.names.length}`
        this.toAlias.set(name, alias)
        this.names.push(name)
      }
      if (alias !== undefined) {
        parts.push(t.slice(from, start), alias)
        from = end
      }
      lt = t.indexOf('<', end)
    }
    if (from === 0) return t
    parts.push(t.slice(from))
    return parts.join('')
  }

  /** The element's real name. */
  real(name: string): string {
    if (name.charCodeAt(0) === 95 && name.charCodeAt(1) === 46) {
      const n = this.names[Number(name.slice(2))]
      if (n !== undefined) return n
    }
    return name
  }

  /** CDATA with every alias put back. */
  restore(text: string): string {
    return text.indexOf('<') < 0 ? text : text.replace(ALIAS, (whole, slash: string, a: string) => `<${slash}${this.real(a)}`)
  }
}

interface Decoder {
  write(b: Buffer): string
  end(): string | undefined
}

/** The decoder for a file, chosen by the encoding its XML prolog declares (UTF-8 when it declares none). */
export async function decoderFor(file: string): Promise<Decoder> {
  const fd = await fs.promises.open(file, 'r')
  const head = Buffer.alloc(200)
  try {
    await fd.read(head, 0, 200, 0)
  } finally {
    await fd.close()
  }
  const enc = prologEncoding(head)
  if (/^utf-?8$/i.test(enc)) {
    // Node's own UTF-8 decoder is about twice as fast as iconv-lite's; like it, it drops a BOM.
    const td = new TextDecoder('utf-8')
    return { write: (b) => td.decode(b, { stream: true }), end: () => td.decode() }
  }
  if (!iconv.encodingExists(enc)) throw new Error(`unknown encoding ${enc}`)
  return iconv.getDecoder(enc) as unknown as Decoder
}

/** The sax side of the reader: text in, items out (in `items`, which the caller empties). */
export class ItemParser {
  readonly items: ImportItem[] = []
  /** The root element's `ВерсияСхемы`. */
  schemaVersion = ''
  error: Error | null = null
  private readonly stack: string[] = []
  private capture: XNode[] = []
  private captureKind: ImportItem['kind'] | null = null
  private flagText: string | null = null
  private readonly parser: sax.SAXParser
  private readonly aliases = new NameAliases()

  constructor() {
    const aliases = this.aliases
    this.parser = sax.parser(true, { trim: false, normalize: false, position: false })
    const p = this.parser
    p.ondoctype = () => {
      this.error ??= new Error('DOCTYPE is not allowed in CommerceML files')
    }
    p.onerror = (e) => {
      this.error ??= new Error(`XML error: ${(e.message.split('\n')[0] ?? '').replace(/_\.\d+/g, (a) => aliases.real(a))}`)
    }
    p.onopentag = (tag) => {
      const name = local(aliases.real(tag.name))
      let attrs = NO_ATTRS
      for (const k in tag.attributes) {
        if (k.startsWith('xmlns')) continue
        if (attrs === NO_ATTRS) attrs = {}
        attrs[local(k)] = (tag.attributes as Record<string, string>)[k]!
      }
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
        this.items.push({ kind: 'package', container: name === 'Каталог' ? 'catalog' : 'offers', onlyChanges: name === 'ИзмененияПакетаПредложений' || only === undefined || !/^(false|нет)$/i.test(only) })
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
    const ontext = p.ontext
    p.oncdata = (t) => ontext(aliases.restore(t))
    p.onclosetag = () => {
      const name = this.stack.pop()
      if (this.captureKind) {
        const node = this.capture.pop()!
        if (this.capture.length === 0) {
          this.items.push({ kind: this.captureKind, node } as ImportItem)
          this.captureKind = null
        }
        return
      }
      if (name === 'СодержитТолькоИзменения' && this.flagText !== null) {
        const container = this.stack[this.stack.length - 1] === 'Каталог' ? 'catalog' : 'offers'
        this.items.push({ kind: 'package', container, onlyChanges: !/^(false|нет)$/i.test(this.flagText.trim()) })
        this.flagText = null
      }
    }
  }

  write(text: string): void {
    const t = this.aliases.shorten(text, false)
    if (t) this.parser.write(t)
  }

  end(): void {
    const t = this.aliases.shorten('', true)
    if (t) this.parser.write(t)
    this.parser.close()
  }
}

export class CommerceMlReader {
  private queue: ImportItem[] = []
  private head = 0
  private ended = false
  private error: Error | null = null
  private parser: ItemParser | null = null
  private iterator: AsyncIterator<Buffer> | null = null
  private decoder: Decoder | null = null
  /** Items handed out so far (the position a restart skips to). */
  position = 0
  /** The root element's `ВерсияСхемы`. */
  schemaVersion = ''

  constructor(readonly file: string) {}

  /** Reads one more chunk into the parser. */
  private async fill(): Promise<void> {
    if (!this.parser) {
      this.decoder = await decoderFor(this.file)
      this.parser = new ItemParser()
      this.iterator = fs.createReadStream(this.file, { highWaterMark: 64 * 1024 })[Symbol.asyncIterator]()
    }
    const r = await this.iterator!.next()
    const p = this.parser
    if (r.done) {
      p.write(this.decoder!.end() ?? '')
      p.end()
      this.ended = true
    } else {
      p.write(this.decoder!.write(r.value))
    }
    if (p.items.length) {
      this.queue.push(...p.items)
      p.items.length = 0
    }
    this.schemaVersion = p.schemaVersion
    if (p.error) this.error ??= p.error
  }

  /** The next item, or null at the end of the document. Throws on malformed XML or a DTD. */
  async next(): Promise<ImportItem | null> {
    while (this.head >= this.queue.length && !this.ended && !this.error) await this.fill()
    if (this.error) throw this.error
    if (this.head >= this.queue.length) return null
    const item = this.queue[this.head++]!
    if (this.head === this.queue.length) {
      this.queue = []
      this.head = 0
    }
    this.position++
    return item
  }

  /** Stops reading and releases the file. */
  close(): void {
    void this.iterator?.return?.()
  }
}
