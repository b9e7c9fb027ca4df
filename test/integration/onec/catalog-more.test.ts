import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { expect } from 'chai'
import iconv from 'iconv-lite'
import request from 'supertest'
import { startApp, type TestApp } from '../../support/app.js'
import { tmpRoot } from '../../support/hooks.js'
import { makeZip, ONEC_ENV, OnecClient } from '../../support/onec.js'
import { JPEG_4x3, WEBP_4x3 } from '../../support/images.js'
import { buyer as newBuyer } from '../../support/factories.js'

/*
 * The catalog exchange beyond the basics, driven as 1C drives it: pictures (Картинка), packagings from prices given per
 * packaging, a full offers package hiding the variants it no longer sends, a batch that names one product twice, and a
 * large zip entry unpacked across calls.
 */

const uid = () => randomBytes(4).toString('hex')

function importXml(products: string, full = false): Buffer {
  return iconv.encode(
    `<?xml version="1.0" encoding="windows-1251"?>
<КоммерческаяИнформация ВерсияСхемы="2.05" ДатаФормирования="2026-11-27T06:00:00">
<Каталог СодержитТолькоИзменения="${full ? 'false' : 'true'}"><Ид>cat</Ид><Наименование>Каталог</Наименование><Товары>${products}</Товары></Каталог>
</КоммерческаяИнформация>`,
    'win1251',
  )
}

function offersXml(offers: string, full = true): Buffer {
  return Buffer.from(
    `\ufeff<?xml version="1.0" encoding="UTF-8"?>
<КоммерческаяИнформация xmlns="urn:1C.ru:commerceml_210" ВерсияСхемы="2.08">
<ПакетПредложений СодержитТолькоИзменения="${full ? 'false' : 'true'}"><Ид>cat#</Ид>
<ТипыЦен><ТипЦены><Ид>pt-more</Ид><Наименование>Опт (доп. тест)</Наименование><Валюта>RUB</Валюта></ТипЦены></ТипыЦен>
<Предложения>${offers}</Предложения></ПакетПредложений></КоммерческаяИнформация>`,
  )
}

const product = (id: string, sku: string, extra = '') =>
  `<Товар><Ид>${id}</Ид><Артикул>${sku}</Артикул><Наименование>Товар ${sku}</Наименование><БазоваяЕдиница Код="796">шт</БазоваяЕдиница>${extra}</Товар>`

describe('1C exchange: pictures, packagings, full offers, zip in the background', () => {
  let app: TestApp
  before(async () => {
    app = await startApp({ env: { ...ONEC_ENV, ONEC_DIR: path.join(tmpRoot, 'onec-more'), ONEC_ZIP: 'no' } })
  })
  after(() => app.close())

  const productRow = (ext: string) => app.c.db('products').where({ external_id: ext }).first()
  const imagesOf = async (ext: string) =>
    app.c.db('product_images').join('products', 'products.id', 'product_images.product_id').join('files', 'files.id', 'product_images.file_id').where('products.external_id', ext).orderBy('product_images.sort').select('product_images.id', 'product_images.source', 'files.mime', 'files.purpose', 'files.id as file_id')

  it('links pictures in 1C order, serves them to buyers, keeps them on replay and unlinks the ones 1C drops', async () => {
    const id = `img-${uid()}`
    const sku = `IMG-${uid()}`
    const pics = `<Картинка>import_files/ab/${id}_1.jpg</Картинка><Картинка>import_files/ab/${id}_2.webp</Картинка>`
    const onec = new OnecClient(app)
    const files = [
      { name: `import_files/ab/${id}_1.jpg`, body: JPEG_4x3 },
      { name: `import_files/ab/${id}_2.webp`, body: WEBP_4x3 },
      { name: 'import.xml', body: importXml(product(id, sku, pics)) },
    ]
    const [, , imported] = await onec.push(files)
    expect(imported!.text).to.match(/^success\n.*pictures 2/)
    const linked = await imagesOf(id)
    expect(linked.map((r) => [r.source, r.mime, r.purpose])).to.deep.equal([
      [`import_files/ab/${id}_1.jpg`, 'image/jpeg', 'product_image'],
      [`import_files/ab/${id}_2.webp`, 'image/webp', 'product_image'],
    ])

    // A buyer sees them on the product card, served with their detected type and nosniff.
    const { browser: buyer } = await newBuyer(app, { status: 'verified' })
    const card = await buyer.get(`/catalog/p/${sku}`)
    expect(card.status).to.equal(200)
    expect(card.text).to.contain(`src="/catalog/images/${linked[0]!.id}"`).and.to.contain(`src="/catalog/images/${linked[1]!.id}"`)
    const img = await buyer.get(`/catalog/images/${linked[0]!.id}`)
    expect(img.status).to.equal(200)
    expect(img.headers['content-type']).to.equal('image/jpeg')
    expect(img.headers['x-content-type-options']).to.equal('nosniff')
    expect((await request(app.url).get(`/catalog/images/${linked[0]!.id}`)).status, 'anonymous visitors are sent to log in').to.be.oneOf([302, 303, 401, 404])

    // Replaying the same package stores nothing new.
    const filesBefore = await app.c.db('files').where({ purpose: 'product_image' }).count({ n: '*' }).first()
    await new OnecClient(app).push(files)
    expect(await app.c.db('files').where({ purpose: 'product_image' }).count({ n: '*' }).first()).to.deep.equal(filesBefore)
    expect((await imagesOf(id)).map((r) => r.id)).to.deep.equal(linked.map((r) => r.id))

    // Sent without any picture (1C set not to export them): the pictures stay.
    await new OnecClient(app).push([{ name: 'import.xml', body: importXml(product(id, sku)) }])
    expect(await imagesOf(id)).to.have.length(2)

    // 1C now names only the second picture, first: the first is unlinked and its file removed.
    await new OnecClient(app).push([{ name: 'import.xml', body: importXml(product(id, sku, `<Картинка>import_files/ab/${id}_2.webp</Картинка>`)) }])
    const after = await imagesOf(id)
    expect(after.map((r) => r.source)).to.deep.equal([`import_files/ab/${id}_2.webp`])
    expect(await app.c.db('files').where({ id: linked[0]!.file_id }).first()).to.equal(undefined)
    expect((await buyer.get(`/catalog/images/${linked[0]!.id}`)).status).to.equal(404)
  })

  it('reports a picture that was never uploaded or is not an image, and still imports the product', async () => {
    const id = `imgbad-${uid()}`
    const onec = new OnecClient(app)
    const [, imported] = await onec.push([
      { name: `import_files/cd/${id}.jpg`, body: Buffer.from('<html>not a picture</html>') },
      { name: 'import.xml', body: importXml(product(id, `BAD-${uid()}`, `<Картинка>import_files/cd/${id}.jpg</Картинка><Картинка>import_files/cd/${id}_missing.jpg</Картинка>`)) },
    ])
    expect(imported!.text).to.match(/^success\n/)
    expect(Boolean((await productRow(id)).is_active)).to.equal(true)
    expect(await imagesOf(id)).to.deep.equal([])
    const session = await app.c.db('onec_sessions').orderBy('id', 'desc').first()
    const errors = await app.c.db('onec_errors').where({ session_id: session.id }).orderBy('id').select('element', 'message')
    expect(errors.map((e) => e.element)).to.deep.equal([`<Картинка> import_files/cd/${id}.jpg`, `<Картинка> import_files/cd/${id}_missing.jpg`])
    expect(errors[1]!.message).to.equal('картинка указана в товаре, но файл не передан')
  })

  it('makes a packaging from a price given per packaging, keeps it on replay and follows a changed coefficient', async () => {
    const id = `pack-${uid()}`
    await new OnecClient(app).push([{ name: 'import.xml', body: importXml(product(id, `PCK-${uid()}`)) }])
    const offer = (coef: string, unit = 'упак') =>
      `<Предложение><Ид>${id}</Ид><Цены><Цена><ИдТипаЦены>pt-more</ИдТипаЦены><ЦенаЗаЕдиницу>1 200,00</ЦенаЗаЕдиницу><Валюта>RUB</Валюта><Единица>${unit}</Единица><Коэффициент>${coef}</Коэффициент></Цена></Цены></Предложение>`
    const [first] = await new OnecClient(app).push([{ name: 'offers.xml', body: offersXml(offer('12'), false) }])
    expect(first!.text).to.match(/packagings 1/)
    const p = await productRow(id)
    const packs = async () => (await app.c.db('packagings').where({ product_id: p.id }).orderBy('sort').select('name', 'factor_milli', 'is_default')).map((r) => [r.name, Number(r.factor_milli), Boolean(r.is_default)])
    expect(await packs()).to.deep.equal([['шт', 1000, true], ['упак (12 шт)', 12000, false]])
    const type = await app.c.db('price_types').where({ external_id: 'pt-more' }).first()
    expect(Number((await app.c.db('prices').where({ product_id: p.id, price_type_id: type.id }).first()).kopecks), 'the price is per base unit').to.equal(10_000)

    const [again] = await new OnecClient(app).push([{ name: 'offers.xml', body: offersXml(offer('12'), false) }])
    expect(again!.text).to.match(/prices 0; stock rows 0; packagings 0;/)
    // An ОКЕИ code instead of a name, and a new coefficient: the same packaging, renamed and refactored.
    await new OnecClient(app).push([{ name: 'offers.xml', body: offersXml(offer('10', '778'), false) }])
    expect(await packs()).to.deep.equal([['шт', 1000, true], ['упак (10 шт)', 10000, false]])
    expect(Number((await app.c.db('prices').where({ product_id: p.id, price_type_id: type.id }).first()).kopecks)).to.equal(12_000)
  })

  it('a full offers package hides the variants it no longer sends; a partial one hides nothing', async () => {
    const id = `var-${uid()}`
    await new OnecClient(app).push([{ name: 'import.xml', body: importXml(product(id, `VAR-${uid()}`)) }])
    const variant = (v: string) =>
      `<Предложение><Ид>${id}#${v}</Ид><Наименование>Вариант ${v}</Наименование><Цены><Цена><ИдТипаЦены>pt-more</ИдТипаЦены><ЦенаЗаЕдиницу>10</ЦенаЗаЕдиницу><Коэффициент>1</Коэффициент></Цена></Цены><Количество>5</Количество></Предложение>`
    await new OnecClient(app).push([{ name: 'offers.xml', body: offersXml(variant('a') + variant('b')) }])
    const active = async (v: string) => Boolean((await productRow(`${id}#${v}`)).is_active)
    expect([await active('a'), await active('b')]).to.deep.equal([true, true])
    expect(Boolean((await productRow(id)).is_active), 'the parent of variants is hidden').to.equal(false)

    await new OnecClient(app).push([{ name: 'offers.xml', body: offersXml(variant('a'), false) }])
    expect([await active('a'), await active('b')]).to.deep.equal([true, true])

    const [full] = await new OnecClient(app).push([{ name: 'offers.xml', body: offersXml(variant('a')) }])
    expect(full!.text).to.match(/hidden [1-9]/)
    expect([await active('a'), await active('b')]).to.deep.equal([true, false])
    // 1C sends it again: it comes back.
    await new OnecClient(app).push([{ name: 'offers.xml', body: offersXml(variant('a') + variant('b')) }])
    expect([await active('a'), await active('b')]).to.deep.equal([true, true])
  })

  it('applies a batch that names one product twice in order, and an article taken twice in one batch once', async () => {
    const id = `dup-${uid()}`
    const other = `dup2-${uid()}`
    const sku = `DUP-${uid()}`
    const xml = importXml(
      product(id, sku, '<ЗначенияРеквизитов><ЗначениеРеквизита><Наименование>Вес</Наименование><Значение>1</Значение></ЗначениеРеквизита></ЗначенияРеквизитов>') +
        product(other, sku) +
        `<Товар><Ид>${id}</Ид><Артикул>${sku}</Артикул><Наименование>Товар переименован</Наименование><БазоваяЕдиница>кг</БазоваяЕдиница></Товар>`,
    )
    const [r] = await new OnecClient(app).push([{ name: 'import.xml', body: xml }])
    expect(r!.text).to.match(/^success\n.*products created 1, updated 1/)
    expect(await productRow(id)).to.include({ name: 'Товар переименован', base_unit: 'кг' })
    expect(await productRow(other)).to.equal(undefined)
    const session = await app.c.db('onec_sessions').orderBy('id', 'desc').first()
    const errors = await app.c.db('onec_errors').where({ session_id: session.id }).select('message')
    expect(errors.map((e) => e.message)).to.deep.equal([`артикул ${sku} уже у другого товара 1С (Ид ${id})`])
  })

  it('unpacks a large zip entry in the background and answers progress meanwhile', async () => {
    const zipped = await startApp({ env: { ...ONEC_ENV, ONEC_DIR: path.join(tmpRoot, 'onec-zip-bg'), ONEC_ZIP: 'yes', ONEC_STEP_SECONDS: '0.02' } })
    try {
      const id = `zip-${uid()}`
      // 16 MB of barely compressible comment around one product: too big to unpack within one 14 ms step on any machine.
      const filler = `<!-- ${randomBytes(12 * 1024 * 1024).toString('base64')} -->`
      const whole = importXml(product(id, `ZIP-${uid()}`))
      const prolog = whole.indexOf(0x0a) + 1
      const xml = Buffer.concat([whole.subarray(0, prolog), Buffer.from(filler), whole.subarray(prolog)])
      const onec = new OnecClient(zipped)
      await onec.checkauth()
      expect((await onec.init()).zip).to.equal(true)
      expect((await onec.upload('exchange.zip', makeZip([{ name: 'import.xml', data: xml }]))).text).to.equal('success')
      const answers: string[] = []
      let last = ''
      for (let i = 0; i < 5000 && !/^(success|failure)/.test(last); i++) {
        last = await onec.text('import', '&filename=import.xml')
        answers.push(last.split('\n')[1] ?? '')
      }
      expect(last).to.match(/^success\n/)
      expect(answers.some((a) => a.startsWith('unpacking the archive')), answers.slice(0, 3).join(' | ')).to.equal(true)
      expect(await zipped.c.db('products').where({ external_id: id }).first()).to.not.equal(undefined)
    } finally {
      await zipped.close()
    }
  })
})
