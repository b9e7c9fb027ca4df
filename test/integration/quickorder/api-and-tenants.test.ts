import { expect } from 'chai'
import request from 'supertest'
import { startApp, type TestApp } from '../../support/app.js'
import { buyer, issueApiToken } from '../../support/factories.js'
import { companyLines, fixture, pageRows, quickCatalog, resultForm, type QuickCatalog } from './helpers.js'

describe('quick order: buyer API and tenant scoping', function () {
  this.timeout(60_000)
  let app: TestApp
  let cat: QuickCatalog
  before(async () => {
    app = await startApp()
    cat = await quickCatalog(app)
  })
  after(() => app.close())

  it('POST /api/v1/quick-order/resolve answers every line with status, product, packaging, quantity, corrections and candidates', async () => {
    const b = await buyer(app)
    const token = await issueApiToken(b)
    const res = await request(app.url)
      .post('/api/v1/quick-order/resolve')
      .set('Authorization', `Bearer ${token}`)
      .send({ text: fixture('messy-list.txt').toString('utf8') })
    expect(res.status).to.equal(200)
    const byLine = new Map((res.body.lines as { line: number }[]).map((l) => [l.line, l as Record<string, unknown>]))
    expect(byLine.get(1)).to.deep.include({
      status: 'matched',
      product: { id: cat['GRN-ETH-YIR']!.id, sku: 'GRN-ETH-YIR', name: 'Кофе зелёный арабика Эфиопия Иргачеффе Коке', base_unit: 'кг' },
      packaging: { id: cat['GRN-ETH-YIR']!.packs['мешок 30 кг'], name: 'мешок 30 кг', factor: 30 },
      qty_milli: 90_000,
      qty: 90,
      corrections: ['Объединено со строкой 2: всего 90 кг'],
    })
    expect(byLine.get(2)).to.deep.include({ status: 'merged', merged_into: 1, qty_milli: 0 })
    expect(byLine.get(3)).to.deep.include({ status: 'matched', qty_milli: 24_000 })
    expect(byLine.get(8)!.status).to.equal('ambiguous')
    expect((byLine.get(8)!.candidates as { sku: string }[]).map((c) => c.sku).sort()).to.deep.equal(['RST-BRA-SER-L', 'RST-BRA-SER-M'])
    expect(byLine.get(7)).to.deep.include({ status: 'ambiguous', suggested_id: cat['GRN-ETH-YIR']!.id })
    expect(byLine.get(12)).to.deep.include({ status: 'inactive', reason: 'Товар OLD-ROB-2023 снят с продажи' })
    expect(byLine.get(13)).to.deep.include({ status: 'ignored' })
    expect(res.body.counts).to.deep.equal({ matched: 5, ambiguous: 3, unmatched: 2, inactive: 1, merged: 2, ignored: 2 })
    expect(res.body.truncated).to.equal(false)

    // The response follows the published schema's required fields.
    const doc = (await request(app.url).get('/api/v1/openapi.json')).body
    const required: string[] = doc.components.schemas.QuickOrderLine.required
    for (const l of res.body.lines) expect(Object.keys(l)).to.include.members(required)
    expect(doc.paths['/quick-order/resolve'].post.operationId).to.equal('resolveQuickOrder')
  })

  it('refuses a call without a token or without text', async () => {
    const b = await buyer(app)
    const token = await issueApiToken(b)
    expect((await request(app.url).post('/api/v1/quick-order/resolve').send({ text: 'GRN-ETH-YIR 1' })).status).to.equal(401)
    const empty = await request(app.url).post('/api/v1/quick-order/resolve').set('Authorization', `Bearer ${token}`).send({ lines: [] })
    expect(empty.status).to.equal(422)
    expect(empty.body.error.message).to.contain('text')
  })

  it('adds only to carts of the current company: another company’s cart id is 404 and changes nothing', async () => {
    const a = await buyer(app)
    const b = await buyer(app)
    const own = await b.browser.post('/quick-order', { text: 'TEA-TGY 1' })
    const done = await b.browser.post('/quick-order/add', resultForm(own.text))
    expect(done.status).to.equal(303)
    const cartOfB = Number(done.headers.location!.split('/').pop())
    const linesOfB = await companyLines(app, b.company.id)

    const page = await a.browser.post('/quick-order', { text: 'GRN-ETH-YIR 1' })
    expect(page.text).not.to.contain(`<option value="${cartOfB}"`)
    const forged = await a.browser.post('/quick-order/add', resultForm(page.text, { cart: String(cartOfB) }))
    expect(forged.status).to.equal(404)
    expect(await companyLines(app, b.company.id)).to.deep.equal(linesOfB)
    expect(await companyLines(app, a.company.id)).to.deep.equal([])

    const fine = await a.browser.post('/quick-order/add', resultForm(page.text))
    expect(fine.status).to.equal(303)
    expect(await companyLines(app, a.company.id)).to.deep.equal([['GRN-ETH-YIR', 'мешок 30 кг', 30]])
    expect(await companyLines(app, b.company.id)).to.deep.equal(linesOfB)
  })

  it('prices the lines for the current company only', async () => {
    const a = await buyer(app)
    const special = await app.c.db('price_types').insert({ code: `qo-${Date.now()}`, name: 'Особая', is_default: false })
    const typeId = Number(special[0])
    await app.c.db('prices').insert({ price_type_id: typeId, product_id: cat['TEA-TGY']!.id, kopecks: 111_100, updated_at: Date.now() })
    await app.c.db('company_pricing').insert({ company_id: a.company.id, pinned_price_type_id: typeId, discount_bp: 0, turnover_12m_kopecks: 0, updated_at: Date.now() })
    const b = await buyer(app)
    const pageA = await a.browser.post('/quick-order', { text: 'TEA-TGY 1 кг' })
    const pageB = await b.browser.post('/quick-order', { text: 'TEA-TGY 1 кг' })
    expect(pageRows(pageA.text).get(1)!.html).to.contain('1\u00a0111\u00a0₽/кг')
    expect(pageRows(pageB.text).get(1)!.html).to.contain('3\u00a0400\u00a0₽/кг')
  })
})
