import { expect } from 'chai'
import { startApp, Browser, type TestApp } from '../../support/app.js'
import { buyer, createCompany, createUser, randomInn } from '../../support/factories.js'

describe('several companies per person, members and invitations', () => {
  let app: TestApp
  before(async () => {
    app = await startApp()
  })
  after(() => app.close())

  it('adds another company by manual entry and makes it current', async () => {
    const { browser, user } = await buyer(app)
    const inn = randomInn('ip')
    const res = await browser.post('/companies/new', {
      inn, name_short: 'ИП Сидоров С. С.', legal_address: 'г Тула', ogrn: '', action: 'save',
    })
    expect(res.status).to.equal(303)
    const c = await app.c.db('companies').where({ inn }).first()
    expect(c.kind).to.equal('ip')
    const m = await app.c.db('company_members').where({ company_id: c.id, user_id: user.id }).first()
    expect(m.role).to.equal('owner')
    const card = await browser.get('/company')
    expect(card.text).to.contain('ИП Сидоров С. С.')
  })

  it('switches the current company from the header and returns to the same page', async () => {
    const { browser, user, company } = await buyer(app)
    const second = await createCompany(app, user.id, { role: 'buyer', name: 'ООО "ВТОРАЯ"' })
    const before = await browser.get('/company')
    expect(before.text).to.contain(company.name.replace(/"/g, '&quot;'))
    const res = await browser.post('/companies/switch', { company_id: String(second.id), return_to: '/company/members' })
    expect(res.status).to.equal(303)
    expect(res.headers.location).to.equal('/company/members')
    const after = await browser.get('/company')
    expect(after.text).to.contain('ООО &quot;ВТОРАЯ&quot;')
    expect(after.text).to.contain('Закупщик')
  })

  it('ignores a switch to a company the person is not a member of, and never redirects off-site', async () => {
    const { browser, company } = await buyer(app)
    const other = await buyer(app)
    const res = await browser.post('/companies/switch', { company_id: String(other.company.id), return_to: '//evil.example/x' })
    expect(res.headers.location).to.equal('/')
    const page = await browser.get('/company')
    expect(page.text).to.contain(company.name.replace(/"/g, '&quot;'))
    expect(page.text).not.to.contain(other.company.name.replace(/"/g, '&quot;'))
  })

  it('edits contacts and EDO of the current company, keeping values on error', async () => {
    const { browser, company } = await buyer(app)
    const bad = await browser.post('/company', { postal_address: 'а/я 1', docs_email: 'nope', edo_enabled: '1', edo_operator: 'diadoc', edo_participant_id: '2BM-1' })
    expect(bad.status).to.equal(422)
    expect(bad.text).to.contain('Проверьте email')
    expect(bad.text).to.contain('value="а/я 1"')
    const ok = await browser.post('/company', { postal_address: 'а/я 1', docs_email: 'docs@firm.ru', edo_enabled: '1', edo_operator: 'diadoc', edo_participant_id: '2BM-1234' })
    expect(ok.status).to.equal(303)
    const row = await app.c.db('companies').where({ id: company.id }).first()
    expect(row).to.include({ postal_address: 'а/я 1', docs_email: 'docs@firm.ru', edo_operator: 'diadoc', edo_participant_id: '2BM-1234' })
    const off = await browser.post('/company', { postal_address: 'а/я 1', docs_email: 'docs@firm.ru' })
    expect(off.status).to.equal(303)
    const row2 = await app.c.db('companies').where({ id: company.id }).first()
    expect(!!row2.edo_enabled).to.equal(false)
    expect(row2.edo_operator).to.equal(null)
  })

  it('lets only the owner edit the company', async () => {
    const { browser, company } = await buyer(app, { role: 'buyer' })
    const res = await browser.post('/company', { postal_address: 'взлом' })
    expect(res.status).to.equal(403)
    expect((await app.c.db('companies').where({ id: company.id }).first()).postal_address).to.equal('')
  })

  it('invites a colleague by email; the link adds them with the role after registration', async () => {
    const owner = await buyer(app)
    const email = `colleague${Date.now()}@test.local`
    const res = await owner.browser.post('/company/members/invite', { email, role: 'accountant' })
    expect(res.status).to.equal(303)
    const row = await app.c.db('outbox').where({ topic: 'mail.send' }).orderBy('id', 'desc').first()
    expect(JSON.parse(row.payload).to).to.equal(email)
    await app.c.dispatcher.drainOnce()
    const letter = await app.c.db('sandbox_mail').where({ to_addr: email }).first()
    expect(letter.subject).to.contain('Приглашение')
    const link = /\/invitations\/([\w-]+)/.exec(letter.body)![1]!
    const guest = new Browser(app)
    const page = await guest.get(`/invitations/${link}`)
    expect(page.text).to.contain('Бухгалтер')
    const reg = await guest.post('/register', {
      invite: link, full_name: 'Бухова Анна', email, phone: '+79160000001', password: 'correct-horse-battery', password2: 'correct-horse-battery', action: 'register',
    })
    expect(reg.status).to.equal(303)
    const user = await app.c.db('users').where({ email }).first()
    const m = await app.c.db('company_members').where({ company_id: owner.company.id, user_id: user.id }).first()
    expect(m.role).to.equal('accountant')
    // The link works once.
    const again = await new Browser(app).get(`/invitations/${link}`)
    expect(again.status).to.equal(404)
  })

  it('lets an existing person accept an invitation after logging in', async () => {
    const owner = await buyer(app)
    const other = await buyer(app)
    const otherEmail = (await app.c.db('users').where({ id: other.user.id }).first()).email
    await owner.browser.post('/company/members/invite', { email: otherEmail, role: 'viewer' })
    await app.c.dispatcher.drainOnce()
    const letter = await app.c.db('sandbox_mail').where({ to_addr: otherEmail }).orderBy('id', 'desc').first()
    const token = /\/invitations\/([\w-]+)/.exec(letter.body)![1]!
    const res = await other.browser.post(`/invitations/${token}/accept`)
    expect(res.status).to.equal(303)
    const m = await app.c.db('company_members').where({ company_id: owner.company.id, user_id: other.user.id }).first()
    expect(m.role).to.equal('viewer')
  })

  it('changes roles and removes members, but never the last owner', async () => {
    const owner = await buyer(app)
    const colleague = await createUser(app)
    await app.c.db('company_members').insert({ company_id: owner.company.id, user_id: colleague.id, role: 'buyer', created_at: Date.now() })
    const members = await app.c.db('company_members').where({ company_id: owner.company.id }).orderBy('id')
    const [ownerRow, colleagueRow] = members
    expect((await owner.browser.post(`/company/members/${colleagueRow.id}/role`, { role: 'accountant' })).status).to.equal(303)
    expect((await app.c.db('company_members').where({ id: colleagueRow.id }).first()).role).to.equal('accountant')
    await owner.browser.post(`/company/members/${ownerRow.id}/role`, { role: 'viewer' })
    expect((await app.c.db('company_members').where({ id: ownerRow.id }).first()).role).to.equal('owner')
    const page = await owner.browser.get('/company/members')
    expect(page.text).to.contain('хотя бы один владелец')
    await owner.browser.post(`/company/members/${colleagueRow.id}/remove`)
    expect(await app.c.db('company_members').where({ id: colleagueRow.id }).first()).to.equal(undefined)
    const audit = await app.c.db('audit_log').where({ company_id: owner.company.id }).pluck('action')
    expect(audit).to.include.members(['member.role', 'member.removed'])
  })

  it('forbids non-owners to invite or change members', async () => {
    const b = await buyer(app, { role: 'buyer' })
    const res = await b.browser.post('/company/members/invite', { email: 'x@test.local', role: 'owner' })
    expect(res.status).to.equal(403)
    expect(await app.c.db('invitations').where({ company_id: b.company.id }).first()).to.equal(undefined)
  })

  it('sends a person without a company to add one', async () => {
    const u = await createUser(app)
    const b = new Browser(app)
    await b.login(u.email, u.password)
    const res = await b.get('/company')
    expect(res.status).to.equal(303)
    expect(res.headers.location).to.equal('/companies/new')
  })
})
