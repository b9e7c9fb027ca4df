import { expect } from 'chai'
import { startApp, type TestApp } from '../../support/app.js'
import { staff } from '../../support/factories.js'
import { orderWithDelivery } from './helpers.js'

const decode = (html: string) => html.replace(/&#x3D;/g, '=').replace(/&amp;/g, '&')

describe('/admin/catalog/packagings: shipping sizes of packagings, used by the CDEK draft (real HTTP, real DB)', () => {
  let app: TestApp
  let manager: Awaited<ReturnType<typeof staff>>
  before(async () => {
    app = await startApp()
    manager = await staff(app)
  })
  after(() => app.close())

  it('finds a product by article, keeps typed values with Russian messages on error, saves, and the draft uses the sizes', async () => {
    const { order, b } = await orderWithDelivery(app)
    const lines = await app.c.db('order_lines').where({ order_id: order.id }).orderBy('id')
    const loose = lines[1]
    const pack = await app.c.db('packagings').where({ id: loose.packaging_id }).first()

    // The draft puts the loose coffee into a standard box and links to the page where its packaging gets sizes.
    let draft = decode((await manager.browser.get(`/admin/delivery/new?order=${order.number}`)).text)
    expect(draft).to.contain('data-no-sizes').and.contain(`href="/admin/catalog/packagings?sku=${encodeURIComponent(loose.sku)}"`)
    expect(draft).to.contain('name="weight_2" value="5000"').and.contain('name="length_2" value="40"')

    const unknown = await manager.browser.get('/admin/catalog/packagings?sku=NO-SUCH-SKU-42')
    expect(unknown.status).to.equal(404)
    expect(unknown.text).to.contain('Товар с артикулом «NO-SUCH-SKU-42» не найден').and.contain('value="NO-SUCH-SKU-42"')

    // Any spelling of the article finds it (case, spaces).
    const page = await manager.browser.get(`/admin/catalog/packagings?sku=${encodeURIComponent(` ${loose.sku.toLowerCase()} `)}`)
    expect(page.status).to.equal(200)
    expect(page.text).to.contain(`data-packaging-id="${pack.id}"`).and.contain('стандартная коробка')

    const bad = await manager.browser.post(`/admin/catalog/packagings/${loose.product_id}`, {
      sku: loose.sku, [`weight_${pack.id}`]: '1,5 кг', [`length_${pack.id}`]: '20', [`width_${pack.id}`]: '', [`height_${pack.id}`]: '2000',
    })
    expect(bad.status).to.equal(422)
    expect(bad.text).to.contain('Вес — целое число граммов от 1 до 1 000 000')
    expect(bad.text).to.contain('Укажите все три размера (длина, ширина, высота) или оставьте их пустыми')
    expect(bad.text).to.contain('Размер — целое число сантиметров от 1 до 1500')
    expect(bad.text).to.contain('value="1,5 кг"').and.contain('value="2000"')
    expect(await app.c.db('packagings').where({ id: pack.id }).first()).to.include({ weight_g: null, length_cm: null })

    const ok = await manager.browser.post(`/admin/catalog/packagings/${loose.product_id}`, {
      sku: loose.sku, [`weight_${pack.id}`]: '1 020', [`length_${pack.id}`]: '20', [`width_${pack.id}`]: '15', [`height_${pack.id}`]: '10',
    })
    expect(ok.status).to.equal(303)
    expect(ok.headers.location).to.equal(`/admin/catalog/packagings?sku=${encodeURIComponent(loose.sku)}`)
    expect(await app.c.db('packagings').where({ id: pack.id }).first()).to.include({ weight_g: 1020, length_cm: 20, width_cm: 15, height_cm: 10 })
    const audit = await app.c.db('audit_log').where({ action: 'packaging.sizes', actor_user_id: manager.user.id }).first()
    expect(audit).to.not.equal(undefined)
    const after = await manager.browser.get(ok.headers.location)
    expect(after.text).to.contain('Размеры упаковки сохранены').and.contain('для СДЭК готово').and.contain('value="1020"')

    // The draft now makes one place per packaging of coffee (5 × 1 кг) with the typed sizes, and no link.
    draft = decode((await manager.browser.get(`/admin/delivery/new?order=${order.number}`)).text)
    expect(draft).to.not.contain('data-no-sizes')
    for (const i of [2, 3, 4, 5, 6]) expect(draft).to.contain(`name="weight_${i}" value="1020"`).and.contain(`name="length_${i}" value="20"`).and.contain(`name="height_${i}" value="10"`)
    const created = await app.c.delivery.createRequest({ orderId: order.id, shipmentId: null, actor: { kind: 'staff', userId: manager.user.id } })
    expect(created.ok).to.equal(true)
    expect(created.ok && created.request.packages.filter((p) => p.weightG === 1020)).to.have.length(5)

    // Emptying the fields clears the sizes (back to the standard box).
    await manager.browser.post(`/admin/catalog/packagings/${loose.product_id}`, { sku: loose.sku, [`weight_${pack.id}`]: '', [`length_${pack.id}`]: '', [`width_${pack.id}`]: '', [`height_${pack.id}`]: '' })
    expect(await app.c.db('packagings').where({ id: pack.id }).first()).to.include({ weight_g: null, length_cm: null, width_cm: null, height_cm: null })

    // Staff only.
    expect((await b.browser.get(`/admin/catalog/packagings?sku=${loose.sku}`)).status).to.equal(404)
    expect((await b.browser.post(`/admin/catalog/packagings/${loose.product_id}`, { sku: loose.sku, [`weight_${pack.id}`]: '5' })).status).to.equal(404)
  })
})
