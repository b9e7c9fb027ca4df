import { expect } from 'chai'
import { catalogFileKind, discountBp, isDeleted, parseBasic, priceKopecksPerBaseUnit, prologEncoding, quantityMilli, safeExchangeName, splitOfferId, vatCode } from '../../server/integrations/onec/rules.js'
import type { XNode } from '../../server/integrations/onec/types.js'

const node = (name: string, attrs: Record<string, string> = {}, children: XNode[] = [], text = ''): XNode => ({ name, attrs, children, text })

describe('1C exchange rules', () => {
  it('reduces file names to safe names inside the folder', () => {
    expect(safeExchangeName('import.xml')).to.equal('import.xml')
    expect(safeExchangeName('offers0_1.xml')).to.equal('offers0_1.xml')
    expect(safeExchangeName('import_files/6f/6f1e.jpg')).to.equal('import_files/6f/6f1e.jpg')
    expect(safeExchangeName('import_files\\6f\\6f1e.jpg')).to.equal('import_files/6f/6f1e.jpg')
    for (const bad of ['../import.xml', 'a/../../b.xml', 'C:\\v8_1.xml', '/tmp/import.xml', '\\\\srv\\x.xml', 'x.php', '', 'other/dir/x.xml', 'import.xml\0']) expect(safeExchangeName(bad), bad).to.equal(null)
  })

  it('knows the catalog file kinds', () => {
    expect(['import.xml', 'offers.xml', 'prices_2.xml', 'rests_1.xml', 'a.zip', 'import_files/a.jpg', 'x.xml'].map(catalogFileKind)).to.deep.equal(['import', 'offers', 'prices', 'rests', 'zip', 'image', null])
  })

  it('turns a price per unit with a coefficient into kopecks per base unit', () => {
    expect(priceKopecksPerBaseUnit('12,50', '1')).to.equal(1250)
    expect(priceKopecksPerBaseUnit('1 100,00', '100')).to.equal(1100)
    expect(priceKopecksPerBaseUnit('100', '3')).to.equal(3333)
    expect(priceKopecksPerBaseUnit('0.005', '')).to.equal(1)
    expect(priceKopecksPerBaseUnit('50', '0,5')).to.equal(10000)
    expect(priceKopecksPerBaseUnit('abc', '1')).to.equal(null)
    expect(priceKopecksPerBaseUnit('10', '0')).to.equal(null)
  })

  it('reads quantities with comma decimals and empty values', () => {
    expect(quantityMilli('12,5')).to.equal(12500)
    expect(quantityMilli('')).to.equal(0)
    expect(quantityMilli('-3')).to.equal(0)
    expect(quantityMilli(undefined)).to.equal(null)
  })

  it('reads VAT rates as data', () => {
    expect(['22', '10', '20%', '0', 'Без НДС', '', 'x'].map(vatCode)).to.deep.equal(['22', '10', '20', '0', 'none', null, null])
  })

  it('reads personal discounts in basis points', () => {
    expect(['5', '2,5 %', '0', '', '150', 'x'].map(discountBp)).to.deep.equal([500, 250, 0, null, null, null])
  })

  it('splits product#characteristic Ид', () => {
    expect(splitOfferId('a#b')).to.deep.equal({ product: 'a', variant: 'b' })
    expect(splitOfferId('a#')).to.deep.equal({ product: 'a', variant: null })
    expect(splitOfferId('a')).to.deep.equal({ product: 'a', variant: null })
  })

  it('sees the three deletion markers', () => {
    expect(isDeleted(node('Товар', { Статус: 'Удален' }))).to.equal(true)
    expect(isDeleted(node('Товар', {}, [node('Статус', {}, [], 'Удален')]))).to.equal(true)
    expect(isDeleted(node('Товар', {}, [node('ПометкаУдаления', {}, [], 'Да')]))).to.equal(true)
    expect(isDeleted(node('Товар', {}, [node('ПометкаУдаления', {}, [], 'false')]))).to.equal(false)
    expect(isDeleted(node('Товар'))).to.equal(false)
  })

  it('reads the encoding from the prolog and Basic credentials', () => {
    expect(prologEncoding(Buffer.from('<?xml version="1.0" encoding="windows-1251"?><a/>'))).to.equal('windows-1251')
    expect(prologEncoding(Buffer.from('\ufeff<?xml version="1.0"?><a/>'))).to.equal('utf-8')
    expect(parseBasic(`Basic ${Buffer.from('u:p:q').toString('base64')}`)).to.deep.equal({ user: 'u', password: 'p:q' })
    expect(parseBasic('Bearer x')).to.equal(null)
  })
})

describe('1C CommerceML reader', () => {
  it('reads full/partial in both forms: only an explicit false is a full package', async () => {
    const fs = await import('node:fs')
    const os = await import('node:os')
    const path = await import('node:path')
    const { CommerceMlReader } = await import('../../server/integrations/onec/reader.js')
    const flags = async (xml: string) => {
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cml-')), 'import.xml')
      fs.writeFileSync(file, xml)
      const r = new CommerceMlReader(file)
      const out: boolean[] = []
      for (let i = await r.next(); i; i = await r.next()) if (i.kind === 'package') out.push(i.onlyChanges)
      return out
    }
    const doc = (inner: string, attr = '') => `<?xml version="1.0"?><КоммерческаяИнформация><Каталог${attr}>${inner}<Товары/></Каталог></КоммерческаяИнформация>`
    expect(await flags(doc('', ' СодержитТолькоИзменения="false"'))).to.deep.equal([false])
    expect(await flags(doc('', ' СодержитТолькоИзменения="true"'))).to.deep.equal([true])
    expect(await flags(doc(''))).to.deep.equal([true])
    expect(await flags(doc('<СодержитТолькоИзменения>false</СодержитТолькоИзменения>'))).to.deep.equal([true, false])
  })

  it('reads names, text, CDATA and namespaces exactly, whichever 64 KB chunk boundary a name falls on, and names the element in errors', async () => {
    const fs = await import('node:fs')
    const os = await import('node:os')
    const path = await import('node:path')
    const { CommerceMlReader } = await import('../../server/integrations/onec/reader.js')
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cml-'))
    const all = async (xml: string, name = 'import.xml') => {
      const file = path.join(dir, name)
      fs.writeFileSync(file, xml)
      const r = new CommerceMlReader(file)
      const out: { kind: string; node?: { children: { name: string; text: string }[] } }[] = []
      try {
        for (let i = await r.next(); i; i = await r.next()) out.push(i as never)
        return { items: out, version: r.schemaVersion }
      } finally {
        r.close()
      }
    }
    // Products whose long Cyrillic names straddle chunk boundaries at every offset: 3000 of ~150 bytes cover several 64 KB edges.
    const products = Array.from({ length: 3000 }, (_, i) =>
      `<cml:Товар><cml:Ид>p${i}</cml:Ид><cml:Наименование>Товар «${i}» &amp; ко</cml:Наименование><cml:Описание><![CDATA[<Товар> <_.1> </Ид> ${i}]]></cml:Описание></cml:Товар>`,
    ).join('\n')
    const r = await all(`<?xml version="1.0" encoding="UTF-8"?><cml:КоммерческаяИнформация xmlns:cml="urn:1C.ru:commerceml_210" ВерсияСхемы="2.10"><cml:Каталог><cml:Товары>${products}</cml:Товары></cml:Каталог></cml:КоммерческаяИнформация>`)
    expect(r.version).to.equal('2.10')
    const got = r.items.filter((i) => i.kind === 'product').map((i) => i.node!.children.map((c) => [c.name, c.text]))
    expect(got).to.have.length(3000)
    got.forEach((fields, i) =>
      expect(fields).to.deep.equal([
        ['Ид', `p${i}`],
        ['Наименование', `Товар «${i}» & ко`],
        ['Описание', `<Товар> <_.1> </Ид> ${i}`],
      ]),
    )
    // A mismatched tag is an error that names the real element, not its stand-in.
    let err: Error | null = null
    await all('<?xml version="1.0"?><КоммерческаяИнформация><ПакетПредложений><Предложения><Предложение><Ид>x</Ид></Предложения>', 'offers.xml').catch((e: Error) => (err = e))
    expect(err).to.be.an('error')
    expect(String(err!.message)).to.match(/XML error/).and.not.match(/_\.\d/)
  })
})
