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
})
