import { expect } from 'chai'
import request from 'supertest'
import { startApp, type TestApp } from '../support/app.js'
import { buyer } from '../support/factories.js'

describe('smoke', () => {
  let app: TestApp
  before(async () => {
    app = await startApp()
  })
  after(() => app.close())

  it('answers /healthz with the engine', async () => {
    const res = await request(app.url).get('/healthz')
    expect(res.status).to.equal(200)
    expect(res.body.status).to.equal('ok')
    expect(res.body.db).to.equal(process.env.DB === 'mysql' ? 'mysql' : 'sqlite')
  })

  it('logs a buyer in and shows the cabinet home', async () => {
    const { browser, company } = await buyer(app)
    const res = await browser.get('/')
    expect(res.status).to.equal(200)
    expect(res.text).to.contain(company.name.replace(/"/g, '&quot;'))
  })
})
