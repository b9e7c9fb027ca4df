import fs from 'node:fs'
import path from 'node:path'
import { expect } from 'chai'
import request from 'supertest'
import { startApp, manualClock, type TestApp } from '../../support/app.js'
import { tmpRoot } from '../../support/hooks.js'
import { catalogSnapshot, fixture, makeZip, ONEC_ENV, OnecClient } from '../../support/onec.js'
import { createCompany, createUser } from '../../support/factories.js'

/*
 * The catalog exchange driven exactly as 1C drives it: checkauth (Basic) → cookie → init → file chunks → import loops,
 * on whichever engine the suite runs.
 */

const P1 = '6f1e0a52-1111-11ee-8c4d-000c29a1b001'
const P2 = '6f1e0a52-1111-11ee-8c4d-000c29a1b002'
const P3 = '6f1e0a52-1111-11ee-8c4d-000c29a1b003'
const P3V = `${P3}#c0ffee00-2222-11ee-8c4d-000c29a1c001`
const P4 = '6f1e0a52-1111-11ee-8c4d-000c29a1b004'

function env(extra: Record<string, string> = {}) {
  return { ...ONEC_ENV, ONEC_DIR: path.join(tmpRoot, 'onec'), ...extra }
}

async function product(app: TestApp, ext: string) {
  return app.c.db('products').where({ external_id: ext }).first()
}

describe('1C exchange: catalog import over the real protocol', () => {
  let app: TestApp
  before(async () => {
    app = await startApp({ env: env({ ONEC_ZIP: 'no' }) })
  })
  after(() => app.close())

  it('imports import.xml and offers.xml: groups, properties, products, variants, price types, prices, stock', async () => {
    const onec = new OnecClient(app)
    const results = await onec.push([
      { name: 'import.xml', body: fixture('import.xml') },
      { name: 'offers.xml', body: fixture('offers.xml') },
    ], { chunk: 1000 })
    for (const r of results) expect(r.text, r.text).to.match(/^success\n/)
    const db = app.c.db

    const bolts = await db('categories').where({ external_id: 'grp-bolts' }).first()
    const fasteners = await db('categories').where({ external_id: 'grp-fasteners' }).first()
    const flange = await db('categories').where({ external_id: 'grp-nuts-flange' }).first()
    expect(bolts.parent_id).to.equal(fasteners.id)
    expect(bolts.path).to.equal(`/${fasteners.id}/${bolts.id}/`)
    expect(Number(flange.depth)).to.equal(2)

    const bolt = await product(app, P1)
    expect(bolt).to.include({ sku: 'BLT-M8-40', sku_norm: 'BLTM840', name: 'Болт М8х40 оцинкованный', base_unit: 'шт', vat_rate: '22' })
    expect(Number(bolt.weight_grams)).to.equal(28)
    expect(Number(bolt.category_id)).to.equal(bolts.id)
    expect((await product(app, P2)).vat_rate).to.equal('10')
    expect((await product(app, P3)).vat_rate).to.equal('none')
    expect(await product(app, P4), 'a product marked deleted is never created').to.equal(undefined)

    const attrs = await db('product_attributes').join('attributes', 'attributes.id', 'product_attributes.attribute_id').leftJoin('attribute_options', 'attribute_options.id', 'product_attributes.option_id').where({ product_id: bolt.id }).select('attributes.external_id as a', 'attribute_options.value as v', 'num_milli', 'text_value')
    const byAttr = Object.fromEntries(attrs.map((r) => [r.a, r.v ?? (r.num_milli != null ? Number(r.num_milli) : r.text_value)]))
    expect(byAttr).to.deep.equal({ 'prop-size': 'M8', 'prop-length': 40000, 'prop-origin': 'Россия' })

    const wholesale = await db('price_types').where({ external_id: 'pt-wholesale' }).first()
    const large = await db('price_types').where({ external_id: 'pt-large' }).first()
    expect(wholesale.name).to.equal('Оптовая')
    const price = async (pid: number, tid: number) => Number((await db('prices').where({ product_id: pid, price_type_id: tid }).first())?.kopecks)
    expect(await price(bolt.id, wholesale.id)).to.equal(1250)
    // 1 100,00 per pack of 100 → 11,00 per piece.
    expect(await price(bolt.id, large.id)).to.equal(1100)
    expect(await price((await product(app, P2)).id, wholesale.id)).to.equal(420)

    const msk = await db('warehouses').where({ external_id: 'wh-msk' }).first()
    const spb = await db('warehouses').where({ external_id: 'wh-spb' }).first()
    expect(spb.name).to.equal('Склад Санкт-Петербург')
    const stock = async (pid: number, wid: number) => Number((await db('stock').where({ product_id: pid, warehouse_id: wid }).first())?.on_hand_milli)
    expect(await stock(bolt.id, msk.id)).to.equal(1_000_000)
    expect(await stock(bolt.id, spb.id)).to.equal(500_000)
    expect(await stock((await product(app, P2)).id, spb.id), 'an empty КоличествоНаСкладе is zero').to.equal(0)

    // The characteristic is a product of its own, with the exact offer Ид; the parent without a price is hidden.
    const variant = await product(app, P3V)
    expect(variant).to.include({ name: 'Чай чёрный Ассам, 1 кг (жестяная банка)', base_unit: 'кг', vat_rate: 'none' })
    expect(Boolean(variant.is_active)).to.equal(true)
    expect(Boolean((await product(app, P3)).is_active)).to.equal(false)
    expect(await price(variant.id, wholesale.id)).to.equal(189_000)
    const total = await db('warehouses').where({ external_id: '__1c_total__' }).first()
    expect(await stock(variant.id, total.id)).to.equal(12_500)
    const pack = await db('packagings').where({ product_id: variant.id }).first()
    expect(Number(pack.factor_milli)).to.equal(1000)

    const session = await db('onec_sessions').orderBy('id', 'desc').first()
    // Other files of the suite may have imported the same fixtures already: the counts exist, their size depends on order.
    expect(JSON.parse(session.counts)).to.have.keys('categories', 'attributes', 'productsCreated', 'productsUpdated', 'productsHidden', 'priceTypes', 'warehouses', 'prices', 'stockRows', 'packagings', 'images', 'terms', 'errors')
    const files = await db('onec_files').where({ session_id: session.id }).orderBy('id')
    expect(files.map((f) => [f.name, f.status, Number(f.chunks) > 1])).to.deep.equal([['import.xml', 'done', true], ['offers.xml', 'done', true]])
  })

  it('replaying the same package leaves an identical catalog and counts nothing as changed', async () => {
    const before = await catalogSnapshot(app)
    const onec = new OnecClient(app)
    const results = await onec.push([
      { name: 'import.xml', body: fixture('import.xml') },
      { name: 'offers.xml', body: fixture('offers.xml') },
    ])
    expect(results[1]!.text).to.match(/^success\n/)
    expect(await catalogSnapshot(app)).to.deep.equal(before)
    const session = await app.c.db('onec_sessions').orderBy('id', 'desc').first()
    const counts = JSON.parse(session.counts)
    expect(counts.productsCreated).to.equal(0)
    expect(counts.prices).to.equal(0)
    expect(counts.stockRows).to.equal(0)
  })

  it('reads a windows-1251 2.03 partial package without namespace: renames, <Статус>Удален</Статус>, hides nothing else', async () => {
    const onec = new OnecClient(app)
    const [r] = await onec.push([{ name: 'import_203_1251.xml', body: fixture('import_203_1251.xml') }])
    expect(r!.text).to.match(/^success\n/)
    expect((await product(app, P2)).name).to.equal('Гайка М10 с фланцем, цинк')
    expect(Boolean((await product(app, P1)).is_active)).to.equal(false)
    expect(Boolean((await product(app, P3V)).is_active), 'a partial package hides nothing it did not mention').to.equal(true)
  })

  it('applies prices*.xml (2.10 namespace) and rests*.xml (Остатки shapes, ПометкаУдаления)', async () => {
    const onec = new OnecClient(app)
    const results = await onec.push([
      { name: 'prices_1.xml', body: fixture('prices.xml') },
      { name: 'rests_1.xml', body: fixture('rests.xml') },
    ])
    for (const r of results) expect(r.text).to.match(/^success\n/)
    const db = app.c.db
    const nut = await product(app, P2)
    const wholesale = await db('price_types').where({ external_id: 'pt-wholesale' }).first()
    expect(Number((await db('prices').where({ product_id: nut.id, price_type_id: wholesale.id }).first()).kopecks)).to.equal(435)
    const spb = await db('warehouses').where({ external_id: 'wh-spb' }).first()
    expect(Number((await db('stock').where({ product_id: nut.id, warehouse_id: spb.id }).first()).on_hand_milli)).to.equal(40_500)
    const total = await db('warehouses').where({ external_id: '__1c_total__' }).first()
    expect(Number((await db('stock').where({ product_id: (await product(app, P3V)).id, warehouse_id: total.id }).first()).on_hand_milli)).to.equal(7000)
  })

  it('a full package hides the 1C products it did not send; deactivate hides what the session did not send', async () => {
    const db = app.c.db
    const [extra] = await db('products').insert({ sku: 'GONE-1', sku_norm: 'GONE1', name: 'Товар, которого больше нет в 1С', name_search: 'товар', external_id: '6f1e0a52-gone-0001', created_at: 1, updated_at: 1 })
    const manual = await db('products').insert({ sku: 'MANUAL-1C-TEST', sku_norm: 'MANUAL1CTEST', name: 'Товар портала', name_search: 'товар', created_at: 1, updated_at: 1 })
    const onec = new OnecClient(app)
    await onec.push([{ name: 'import.xml', body: fixture('import.xml') }])
    expect(Boolean((await db('products').where({ id: extra }).first()).is_active)).to.equal(false)
    expect(Boolean((await db('products').where({ id: manual[0] }).first()).is_active), 'products made in the portal stay').to.equal(true)
    expect(Boolean((await product(app, P1)).is_active)).to.equal(true)

    // The variant was not in import.xml: only deactivate (after offers) decides about it.
    const res = await onec.get('deactivate', `&timestamp=${Math.floor(Date.now() / 1000)}`)
    expect(res.text).to.match(/^success\n/)
    expect(Boolean((await product(app, P3V)).is_active)).to.equal(false)
    expect((await onec.get('complete')).text).to.equal('success')
    await onec.push([{ name: 'offers.xml', body: fixture('offers.xml') }])
    expect(Boolean((await product(app, P3V)).is_active)).to.equal(true)
  })

  it('follows counterparty terms from 1C: price type and personal discount by INN/KPP (requisite names configurable)', async () => {
    const user = await createUser(app)
    const company = await createCompany(app, user.id)
    const other = await createCompany(app, user.id)
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<КоммерческаяИнформация xmlns="urn:1C.ru:commerceml_210" ВерсияСхемы="2.08">
 <Контрагенты>
  <Контрагент><Ид>cp-1</Ид><Наименование>${company.name}</Наименование><ИНН>${company.inn}</ИНН><КПП>${company.kpp}</КПП>
   <ЗначенияРеквизитов>
    <ЗначениеРеквизита><Наименование>ТипЦен</Наименование><Значение>pt-large</Значение></ЗначениеРеквизита>
    <ЗначениеРеквизита><Наименование>Скидка</Наименование><Значение>2,5</Значение></ЗначениеРеквизита>
   </ЗначенияРеквизитов></Контрагент>
  <Контрагент><Ид>cp-2</Ид><Наименование>Второй</Наименование><ИНН>${other.inn}</ИНН>
   <ЗначенияРеквизитов><ЗначениеРеквизита><Наименование>ТипЦен</Наименование><Значение>Оптовая</Значение></ЗначениеРеквизита></ЗначенияРеквизитов></Контрагент>
  <Контрагент><Ид>cp-3</Ид><Наименование>Не клиент портала</Наименование><ИНН>7707083893</ИНН>
   <ЗначенияРеквизитов><ЗначениеРеквизита><Наименование>Скидка</Наименование><Значение>10</Значение></ЗначениеРеквизита></ЗначенияРеквизитов></Контрагент>
 </Контрагенты>
</КоммерческаяИнформация>`
    const onec = new OnecClient(app)
    const [r] = await onec.push([{ name: 'contragents.xml', body: Buffer.from(xml) }])
    expect(r!.text).to.match(/^success\n.*company terms 2/)
    const db = app.c.db
    const large = await db('price_types').where({ external_id: 'pt-large' }).first()
    const wholesale = await db('price_types').where({ external_id: 'pt-wholesale' }).first()
    const t1 = await db('company_pricing').where({ company_id: company.id }).first()
    expect([Number(t1.pinned_price_type_id), Number(t1.discount_bp)]).to.deep.equal([large.id, 250])
    const t2 = await db('company_pricing').where({ company_id: other.id }).first()
    expect([Number(t2.pinned_price_type_id), Number(t2.discount_bp)]).to.deep.equal([wholesale.id, 0])
    const [again] = await new OnecClient(app).push([{ name: 'contragents.xml', body: Buffer.from(xml) }])
    expect(again!.text).to.match(/company terms 0/)
  })

  it('answers progress step by step and never exceeds the step budget', async () => {
    const small = await startApp({ env: env({ ONEC_ZIP: 'no', ONEC_BATCH_SIZE: '1', ONEC_STEP_SECONDS: '0.001' }) })
    try {
      const onec = new OnecClient(small)
      const results = await onec.push([{ name: 'import.xml', body: fixture('import.xml') }, { name: 'offers.xml', body: fixture('offers.xml') }])
      expect(results[0]!.text).to.match(/^success\n/)
      expect(results[0]!.progress).to.be.greaterThan(3)
      expect(results[1]!.progress).to.be.greaterThan(2)
    } finally {
      await small.close()
    }
  })

  it('a process killed mid-import resumes on the next call and ends in the same state', async () => {
    const reference = await catalogSnapshot(app)
    const env1 = env({ ONEC_ZIP: 'no', ONEC_BATCH_SIZE: '1', ONEC_STEP_SECONDS: '0.001' })
    const first = await startApp({ env: env1 })
    const onec = new OnecClient(first)
    await onec.checkauth()
    await onec.init()
    await onec.upload('import.xml', fixture('import.xml'))
    await onec.upload('offers.xml', fixture('offers.xml'))
    expect((await onec.importLoop('import.xml')).text).to.match(/^success/)
    const partial = await onec.get('import', '&filename=offers.xml')
    expect(partial.text).to.match(/^progress/)
    await first.close()
    // A new process: the live parser is gone, the committed position is in the database.
    const second = await startApp({ env: env1 })
    try {
      const again = new OnecClient(second)
      again.cookie = onec.cookie
      const r = await again.importLoop('offers.xml')
      expect(r.text).to.match(/^success/)
      expect(await catalogSnapshot(second)).to.deep.equal(reference)
    } finally {
      await second.close()
    }
  })

  it('accepts a zip (zip=yes) and unpacks it during the first import calls', async () => {
    const zipped = await startApp({ env: env({ ONEC_ZIP: 'yes' }) })
    try {
      const onec = new OnecClient(zipped)
      await onec.checkauth()
      expect((await onec.init()).zip).to.equal(true)
      const zip = makeZip([
        { name: 'import.xml', data: fixture('import.xml') },
        { name: 'offers.xml', data: fixture('offers.xml') },
        { name: 'import_files/6f/6f1e0a52.jpg', data: Buffer.from([0xff, 0xd8, 0xff, 0xe0]), store: true },
      ])
      expect((await onec.upload('exchange.zip', zip, 700)).text).to.equal('success')
      expect((await onec.importLoop('import.xml')).text).to.match(/^success/)
      expect((await onec.importLoop('offers.xml')).text).to.match(/^success/)
      const session = await zipped.c.db('onec_sessions').orderBy('id', 'desc').first()
      expect(fs.existsSync(path.join(tmpRoot, 'onec', String(session.id), 'import_files', '6f', '6f1e0a52.jpg'))).to.equal(true)
    } finally {
      await zipped.close()
    }
  })

  it('answers failure with a readable reason for a file that was not uploaded', async () => {
    const onec = new OnecClient(app)
    await onec.checkauth()
    await onec.init()
    const r = await onec.get('import', '&filename=offers.xml')
    expect(r.text).to.equal('failure\nfile offers.xml was not uploaded')
    expect(r.text).to.match(/^[\x20-\x7e\n]*$/)
  })

  it('ignores a stale or unknown cookie', async () => {
    const res = await request(app.url).get('/1c/exchange?type=catalog&mode=init').set('Cookie', 'b2b_1c_exchange=' + 'a'.repeat(48))
    expect(res.status).to.equal(401)
    expect(res.text).to.match(/^failure\n/)
  })

  it('works with the clock of another time zone (session expiry uses the app clock)', async () => {
    const clock = manualClock(new Date())
    const other = await startApp({ env: env({ ONEC_ZIP: 'no', ONEC_SESSION_HOURS: '1' }), clock })
    try {
      const onec = new OnecClient(other)
      await onec.checkauth()
      expect((await onec.get('init')).text).to.match(/^zip=no\nfile_limit=\d+$/)
      clock.advance(2 * 3_600_000)
      expect((await onec.get('init')).status).to.equal(401)
    } finally {
      await other.close()
    }
  })
})
