import { expect } from 'chai'
import { Browser, startApp, type TestApp } from '../../support/app.js'
import { buyer, createCompany, createUser } from '../../support/factories.js'
import { insertId } from '../../../server/db/dialect.js'

describe('admin: access', () => {
  let app: TestApp
  let companyId: number
  let outboxId: number
  before(async () => {
    app = await startApp()
    const owner = await createUser(app)
    companyId = (await createCompany(app, owner.id)).id
    const t = Date.now()
    outboxId = await insertId(app.c.db, 'outbox', {
      topic: 'mail', idempotency_key: `access-${t}-${Math.random()}`, payload: '{}', status: 'dead', attempts: 8, next_attempt_at: t, created_at: t, updated_at: t,
    })
  })
  after(() => app.close())

  const gets = () => ['/admin', '/admin?q=%D0%BE%D0%BE%D0%BE', `/admin/companies/${companyId}`, '/admin/outbox', '/admin/staff']
  const posts = () => [
    `/admin/companies/${companyId}/verify`,
    `/admin/companies/${companyId}/block`,
    `/admin/companies/${companyId}/unblock`,
    `/admin/companies/${companyId}/requisites`,
    `/admin/outbox/${outboxId}/retry`,
    '/admin/staff',
  ]

  it('sends anonymous visitors to the login page from every admin page and action', async () => {
    const browser = new Browser(app)
    for (const path of gets()) {
      const res = await browser.get(path)
      expect(res.status, path).to.equal(303)
      expect(res.headers.location, path).to.match(/^\/login\?next=/)
    }
    for (const path of posts()) {
      const res = await browser.post(path, { reason: 'x', kpp: '770201001', name_short: 'x', full_name: 'x', email: 'x@y.ru' })
      expect(res.status, path).to.equal(303)
      expect(res.headers.location, path).to.match(/^\/login/)
    }
  })

  it('answers 404 to a logged-in buyer of every role on every admin page and action, and changes nothing', async () => {
    for (const role of ['owner', 'buyer', 'accountant', 'viewer'] as const) {
      const { browser } = await buyer(app, { role, status: 'verified' })
      for (const path of gets()) {
        const res = await browser.get(path)
        expect(res.status, `${role} ${path}`).to.equal(404)
        expect(res.text).to.contain('Страница не найдена')
        expect(res.text).not.to.contain('admin-nav')
      }
      for (const path of posts()) {
        const res = await browser.post(path, { reason: 'Долг', kpp: '770201001', name_short: 'Взлом', full_name: 'Взлом Взломович', email: `hack-${role}@test.local`, phone: '+79160000000', password: 'hack-hack-hack' })
        expect(res.status, `${role} POST ${path}`).to.equal(404)
      }
    }
    const c = await app.c.db('companies').where({ id: companyId }).first()
    expect(c.status).to.equal('unverified')
    expect(c.kpp).to.equal('770101001')
    expect(await app.c.db('audit_log').where({ company_id: companyId })).to.have.length(0)
    expect((await app.c.db('outbox').where({ id: outboxId }).first()).status).to.equal('dead')
    expect(await app.c.db('users').whereIn('email', ['owner', 'buyer', 'accountant', 'viewer'].map((r) => `hack-${r}@test.local`))).to.have.length(0)
  })

  it('lets staff in and shows the admin navigation; the header links to it', async () => {
    const user = await createUser(app, { staff: true })
    const browser = new Browser(app)
    await browser.login(user.email, user.password)
    for (const path of gets()) {
      const res = await browser.get(path)
      expect(res.status, path).to.equal(200)
      expect(res.text).to.contain('href="/admin/supplier-documents"')
      expect(res.text).to.contain('href="/admin/outbox"')
      expect(res.text).to.contain('href="/admin/staff"')
    }
  })

  it('answers 404 to staff for an unknown company and malformed ids', async () => {
    const user = await createUser(app, { staff: true })
    const browser = new Browser(app)
    await browser.login(user.email, user.password)
    expect((await browser.get('/admin/companies/999999999')).status).to.equal(404)
    expect((await browser.get('/admin/companies/abc')).status).to.equal(404)
    expect((await browser.post('/admin/companies/999999999/verify')).status).to.equal(404)
    expect((await browser.post('/admin/companies/999999999/block', { reason: 'Долг' })).status).to.equal(404)
    expect((await browser.post('/admin/companies/999999999/requisites', { name_short: 'x' })).status).to.equal(404)
  })
})
