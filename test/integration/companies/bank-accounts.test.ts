import { expect } from 'chai'
import { startApp, type TestApp } from '../../support/app.js'
import { auditOf, buyer, staff } from '../../support/factories.js'
import { inputValue } from '../../support/html.js'

/** Real public pairs (see test/unit/company-bank.test.ts). */
const SBER = { bik: '044525225', account: '40703810238000002575', corr_account: '30101810400000000225', bank_name: 'ПАО Сбербанк', bank_city: 'Москва' }
const RAIF = { bik: '044525700', account: '40702810800001400002', corr_account: '30101810200000000700', bank_name: 'АО «Райффайзенбанк»', bank_city: 'Москва' }

describe('bank accounts of the buyer company (банковские реквизиты)', () => {
  let app: TestApp
  before(async () => {
    app = await startApp()
  })
  after(() => app.close())

  const accountsOf = (companyId: number) => app.c.db('company_bank_accounts').where({ company_id: companyId }).orderBy('id')
  const changedRows = (companyId: number) =>
    app.c.db('outbox').where({ topic: 'company.changed' }).then((rows: { payload: string }[]) => rows.filter((r) => JSON.parse(r.payload).company_id === companyId))

  it('adds accounts (the first is main), keeps typed values and shows the key error next to the field', async () => {
    const { browser, company } = await buyer(app)
    const page = await browser.get('/company')
    expect(page.text).to.contain('Банковские реквизиты')
    expect(page.text).to.contain('Банковских счетов пока нет')

    const bad = await browser.post('/company/bank-accounts', { ...SBER, account: '4070 3810 2380 0000 2576' })
    expect(bad.status).to.equal(422)
    expect(bad.text).to.contain('Расчётный счёт не сходится с БИК — проверьте цифры')
    expect(inputValue(bad.text, 'account')).to.equal('4070 3810 2380 0000 2576')
    expect(inputValue(bad.text, 'bank_name')).to.equal('ПАО Сбербанк')
    expect(await accountsOf(company.id)).to.have.length(0)

    const ok = await browser.post('/company/bank-accounts', { ...SBER, account: '4070 3810 2380 0000 2575' })
    expect(ok.status).to.equal(303)
    expect(ok.headers.location).to.equal('/company#bank')
    const second = await browser.post('/company/bank-accounts', RAIF)
    expect(second.status).to.equal(303)
    const rows = await accountsOf(company.id)
    expect(rows.map((r: { account: string; is_main: unknown }) => [r.account, !!r.is_main])).to.deep.equal([
      [SBER.account, true],
      [RAIF.account, false],
    ])
    const card = await browser.get('/company')
    expect(card.text).to.contain('4070 3810 2380 0000 2575')
    expect(card.text).to.contain('АО «Райффайзенбанк»')

    const dup = await browser.post('/company/bank-accounts', SBER)
    expect(dup.status).to.equal(422)
    expect(dup.text).to.contain('Этот расчётный счёт уже есть')
    // An unverified company is not in the CRM yet: nothing to tell it.
    expect(await changedRows(company.id)).to.have.length(0)
    expect((await auditOf(app, company.id)).map((a: { action: string }) => a.action)).to.include('bank_account.added')
  })

  it('edits, makes main and removes; the main passes on; a verified company enqueues company.changed in the same commit', async () => {
    const { browser, company } = await buyer(app, { status: 'verified' })
    await browser.post('/company/bank-accounts', SBER)
    expect(await changedRows(company.id)).to.have.length(1)
    await browser.post('/company/bank-accounts', RAIF)
    // A second, not main, account changes nothing the CRM has.
    expect(await changedRows(company.id)).to.have.length(1)
    const [sber, raif] = await accountsOf(company.id)

    const form = await browser.get(`/company/bank-accounts/${sber.id}/edit`)
    expect(form.status).to.equal(200)
    expect(inputValue(form.text, 'account')).to.equal(SBER.account)
    const badEdit = await browser.post(`/company/bank-accounts/${sber.id}`, { ...SBER, corr_account: '30101810400000000226', bank_city: 'г. Москва' })
    expect(badEdit.status).to.equal(422)
    expect(badEdit.text).to.contain('Корреспондентский счёт не сходится с БИК — проверьте цифры')
    expect(inputValue(badEdit.text, 'bank_city')).to.equal('г. Москва')
    expect(badEdit.text).to.contain(`action="/company/bank-accounts/${sber.id}"`)
    const edit = await browser.post(`/company/bank-accounts/${sber.id}`, { ...SBER, bank_city: 'г. Москва' })
    expect(edit.status).to.equal(303)
    expect((await app.c.db('company_bank_accounts').where({ id: sber.id }).first()).bank_city).to.equal('г. Москва')
    expect(await changedRows(company.id)).to.have.length(2)

    expect((await browser.post(`/company/bank-accounts/${raif.id}/main`)).status).to.equal(303)
    let rows = await accountsOf(company.id)
    expect(rows.map((r: { is_main: unknown }) => !!r.is_main)).to.deep.equal([false, true])
    const changed = await changedRows(company.id)
    expect(changed).to.have.length(3)
    expect(JSON.parse(changed[2].payload).changed).to.deep.equal(['bank_accounts'])

    expect((await browser.post(`/company/bank-accounts/${raif.id}/delete`)).status).to.equal(303)
    rows = await accountsOf(company.id)
    expect(rows).to.have.length(1)
    expect(!!rows[0].is_main).to.equal(true)
    expect(await changedRows(company.id)).to.have.length(4)
  })

  it('lets the accountant change accounts; the buyer and the viewer only see them (403 on every change)', async () => {
    const acc = await buyer(app, { role: 'accountant' })
    expect((await acc.browser.post('/company/bank-accounts', SBER)).status).to.equal(303)
    const id = (await accountsOf(acc.company.id))[0].id
    for (const role of ['buyer', 'viewer'] as const) {
      const b = await buyer(app, { role })
      await app.c.db('company_members').insert({ company_id: acc.company.id, user_id: b.user.id, role, created_at: Date.now() })
      await b.browser.post('/companies/switch', { company_id: String(acc.company.id) })
      const page = await b.browser.get('/company')
      expect(page.text).to.contain('4070 3810 2380 0000 2575')
      expect(page.text).not.to.contain('action="/company/bank-accounts"')
      expect(page.text).to.contain('Изменить счета могут владелец компании и бухгалтер')
      expect((await b.browser.post('/company/bank-accounts', RAIF)).status, role).to.equal(403)
      expect((await b.browser.get(`/company/bank-accounts/${id}/edit`)).status, role).to.equal(403)
      expect((await b.browser.post(`/company/bank-accounts/${id}`, RAIF)).status, role).to.equal(403)
      expect((await b.browser.post(`/company/bank-accounts/${id}/main`)).status, role).to.equal(403)
      expect((await b.browser.post(`/company/bank-accounts/${id}/delete`)).status, role).to.equal(403)
    }
    expect(await accountsOf(acc.company.id)).to.have.length(1)
  })

  it('shows the accounts to staff on the admin company card', async () => {
    const { browser, company } = await buyer(app)
    await browser.post('/company/bank-accounts', SBER)
    await browser.post('/company/bank-accounts', RAIF)
    const s = await staff(app)
    const card = await s.browser.get(`/admin/companies/${company.id}`)
    expect(card.status).to.equal(200)
    expect(card.text).to.contain('Банковские реквизиты')
    expect(card.text).to.contain('4070 3810 2380 0000 2575')
    expect(card.text).to.contain('3010 1810 4000 0000 0225')
    expect(card.text).to.contain('АО «Райффайзенбанк»')
  })
})
