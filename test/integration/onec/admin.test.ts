import path from 'node:path'
import { expect } from 'chai'
import { startApp, Browser, type TestApp } from '../../support/app.js'
import { tmpRoot } from '../../support/hooks.js'
import { buyer, staff } from '../../support/factories.js'
import { fixture, ONEC_ENV, OnecClient } from '../../support/onec.js'

describe('1C exchange: /admin/onec', () => {
  let app: TestApp
  before(async () => {
    app = await startApp({ env: { ...ONEC_ENV, ONEC_DIR: path.join(tmpRoot, 'onec-admin'), ONEC_ZIP: 'no' } })
  })
  after(() => app.close())

  it('shows each exchange session with files, counts, steps and errors, to staff only', async () => {
    const onec = new OnecClient(app)
    await onec.push([{ name: 'import.xml', body: fixture('import.xml') }, { name: 'offers.xml', body: fixture('offers.xml') }])
    const broken = new OnecClient(app)
    await broken.push([{ name: 'offers_bad.xml', body: Buffer.from('<?xml version="1.0"?><КоммерческаяИнформация><ПакетПредложений><Предложения><Предложение><Ид>no-such-product</Ид><Наименование>Призрак</Наименование></Предложение></Предложения></ПакетПредложений></КоммерческаяИнформация>') }])
    const s = await staff(app)
    const page = await s.browser.get('/admin/onec')
    expect(page.status).to.equal(200)
    expect(page.text).to.contain('Обмен с 1С').and.contain('import.xml').and.contain('offers.xml').and.contain('offers_bad.xml')
    expect(page.text).to.contain('предложение для товара, которого нет в каталоге').and.contain('no-such-product')
    const b = await buyer(app)
    expect((await b.browser.get('/admin/onec')).status).to.equal(404)
    expect((await new Browser(app).get('/admin/onec')).status).to.equal(303)
  })
})
