import { expect } from 'chai'
import { startApp, Browser, type TestApp } from '../../support/app.js'
import { buyer, createProduct, staff as staffMember } from '../../support/factories.js'

describe('admin: warehouses and how buyers see their stock', () => {
  let app: TestApp
  let staff: Browser
  before(async () => {
    app = await startApp()
    staff = (await staffMember(app)).browser
  })
  after(() => app.close())

  it('is for staff only', async () => {
    const b = await buyer(app)
    expect((await b.browser.get('/admin/warehouses')).status).to.equal(404)
    expect((await new Browser(app).get('/admin/warehouses')).status).to.equal(303)
  })

  it('adds a warehouse, refusing bad input with the values kept', async () => {
    const bad = await staff.post('/admin/warehouses', { name: '', kind: 'moon', show_mode: 'qty', low_packagings: 'три', sort: '1' })
    expect(bad.status).to.equal(422)
    for (const m of ['Укажите название склада', 'Выберите вид склада', 'Целое число упаковок']) expect(bad.text).to.contain(m)
    expect(bad.text).to.contain('value="три"')
    const name = `Склад ${Date.now()}`
    const ok = await staff.post('/admin/warehouses', { name, kind: 'transit', show_mode: 'status', low_packagings: '5', sort: '9' })
    expect(ok.status).to.equal(303)
    const row = await app.c.db('warehouses').where({ name }).first()
    expect(row).to.include({ kind: 'transit', show_mode: 'status', low_packagings: 5, sort: 9 })
    const audit = await app.c.db('audit_log').where({ action: 'warehouse.created' }).orderBy('id', 'desc').first()
    expect(JSON.parse(audit.details).name).to.equal(name)
  })

  it('switches a warehouse from a status to the quantity, and the catalog follows', async () => {
    const name = `Склад статусов ${Date.now()}`
    await staff.post('/admin/warehouses', { name, kind: 'main', show_mode: 'status', low_packagings: '3', sort: '0' })
    const w = await app.c.db('warehouses').where({ name }).first()
    const p = await createProduct(app, { sku: `WH-${Date.now()}`, unit: 'кг', factor: 10 })
    await app.c.db('stock').insert({ warehouse_id: w.id, product_id: p.id, on_hand_milli: 250_000, reserved_milli: 20_000, updated_at: Date.now() })
    const b = await buyer(app)
    const before = await b.browser.get(`/catalog?q=${encodeURIComponent(p.sku)}`)
    expect(before.text).to.contain('много')
    expect(before.text).not.to.contain('230 кг')
    const res = await staff.post(`/admin/warehouses/${w.id}`, { name, kind: 'main', show_mode: 'qty', low_packagings: '3', sort: '0', is_active: '1' })
    expect(res.status).to.equal(303)
    const after = await b.browser.get(`/catalog?q=${encodeURIComponent(p.sku)}`)
    expect(after.text).to.contain('230 кг')
  })

  it('answers 404 for an unknown warehouse and keeps typed values on error', async () => {
    expect((await staff.post('/admin/warehouses/999999', { name: 'x', kind: 'main', show_mode: 'qty', low_packagings: '1', sort: '1' })).status).to.equal(404)
    const w = await app.c.db('warehouses').first()
    const bad = await staff.post(`/admin/warehouses/${w.id}`, { name: 'Новое имя', kind: 'main', show_mode: 'bogus', low_packagings: '1', sort: '1' })
    expect(bad.status).to.equal(422)
    expect(bad.text).to.contain('value="Новое имя"')
    expect(bad.text).to.contain('Выберите, что видят покупатели')
  })
})
