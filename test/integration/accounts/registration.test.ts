import { expect } from 'chai'
import { startApp, Browser, type TestApp } from '../../support/app.js'
import { randomInn } from '../../support/factories.js'

let n = 0
function person(o: Record<string, string> = {}) {
  n++
  return {
    full_name: 'Иванов Иван Иванович',
    email: `reg${Date.now()}${n}@test.local`,
    phone: '+7 916 123-45-67',
    password: 'correct-horse-battery',
    password2: 'correct-horse-battery',
    ...o,
  }
}

/** Removes the sandbox companies created by a test, so each test can register them again on a shared database. */
async function forget(app: TestApp, inn: string) {
  await app.c.db('companies').where({ inn }).delete()
}

describe('registration by INN with the DaData sandbox', () => {
  let app: TestApp
  before(async () => {
    app = await startApp()
  })
  after(() => app.close())
  beforeEach(async () => {
    for (const inn of ['7705123452', '7812345675', '773006366201']) await forget(app, inn)
  })

  it('fills an ООО from DaData (head office of a company with branches) and logs the person in', async () => {
    const b = new Browser(app)
    const p = person()
    const res = await b.post('/register', { ...p, inn: '7705123452', kpp: '', name_short: '', legal_address: '', action: 'register' })
    expect(res.status).to.equal(303)
    const user = await app.c.db('users').where({ email: p.email }).first()
    expect(user.full_name).to.equal('Иванов Иван Иванович')
    expect(user.phone).to.equal('+79161234567')
    const company = await app.c.db('companies').where({ inn: '7705123452' }).first()
    expect(company).to.include({ kind: 'legal', kpp: '770501001', ogrn: '1157746123457', status: 'unverified', legal_form: 'ООО' })
    expect(company.name_short).to.equal('ООО "КОФЕЙНАЯ ГАВАНЬ"')
    expect(company.director_name).to.equal('Соколов Андрей Викторович')
    expect(!!company.requisites_checked).to.equal(true)
    expect(company.docs_email).to.equal(p.email)
    const member = await app.c.db('company_members').where({ company_id: company.id, user_id: user.id }).first()
    expect(member.role).to.equal('owner')
    const home = await b.get('/')
    expect(home.status).to.equal(200)
    expect(home.text).to.contain('Регистрация завершена')
    expect(home.text).to.contain('ожидает проверки менеджером')
  })

  it('shows the filled card and the branch choice on lookup, keeping everything typed', async () => {
    const b = new Browser(app)
    const p = person()
    const res = await b.post('/register', { ...p, inn: '7705123452', docs_phone: '+74951112233', action: 'lookup' })
    expect(res.status).to.equal(200)
    expect(res.text).to.contain('Реквизиты найдены')
    expect(res.text).to.contain('ООО &quot;КОФЕЙНАЯ ГАВАНЬ&quot;')
    expect(res.text).to.contain('781045001 — филиал')
    expect(res.text).to.contain(`value="${p.email}"`)
    expect(res.text).to.contain('value="+74951112233"')
    expect(res.text).to.contain('value="correct-horse-battery"')
  })

  it('registers a branch when the person picks its KPP', async () => {
    const b = new Browser(app)
    const res = await b.post('/register', { ...person(), inn: '7705123452', kpp: '781045001', action: 'register' })
    expect(res.status).to.equal(303)
    const company = await app.c.db('companies').where({ inn: '7705123452' }).first()
    expect(company.kpp).to.equal('781045001')
    expect(company.legal_address).to.contain('Санкт-Петербург')
  })

  it('fills an ИП without KPP', async () => {
    const b = new Browser(app)
    const res = await b.post('/register', { ...person(), inn: '773006366201', action: 'register' })
    expect(res.status).to.equal(303)
    const company = await app.c.db('companies').where({ inn: '773006366201' }).first()
    expect(company).to.include({ kind: 'ip', kpp: null, ogrn: '321774600012342', inn_kpp_key: '773006366201/' })
  })

  it('refuses a liquidated company with a clear message and keeps the form', async () => {
    const b = new Browser(app)
    const p = person()
    const res = await b.post('/register', { ...p, inn: '5001987653', action: 'register' })
    expect(res.status).to.equal(422)
    expect(res.text).to.match(/ликвидирована по данным ФНС/)
    expect(res.text).to.contain(`value="${p.email}"`)
    expect(await app.c.db('users').where({ email: p.email }).first()).to.equal(undefined)
  })

  it('refuses a company being liquidated', async () => {
    const res = await new Browser(app).post('/register', { ...person(), inn: '7720012348', action: 'register' })
    expect(res.status).to.equal(422)
    expect(res.text).to.contain('в процессе ликвидации')
  })

  it('rejects a wrong checksum before any lookup, with the message next to the INN', async () => {
    const p = person()
    const res = await new Browser(app).post('/register', { ...p, inn: '7705123453', action: 'register' })
    expect(res.status).to.equal(422)
    expect(res.text).to.match(/Неверный ИНН: не сходится контрольная цифра/)
    expect(res.text).to.contain('value="7705123453"')
  })

  it('lets an unknown INN register by manual entry, marked «реквизиты не проверены»', async () => {
    const inn = randomInn('legal')
    const p = person()
    const first = await new Browser(app).post('/register', { ...p, inn, action: 'register' })
    expect(first.status).to.equal(422)
    expect(first.text).to.contain('не найдена в ЕГРЮЛ/ЕГРИП')
    expect(first.text).to.contain('Укажите название')
    const b = new Browser(app)
    const res = await b.post('/register', {
      ...p, inn, kpp: '770101001', name_short: 'ООО «Новая»', legal_address: 'г Москва, ул Новая, д 1', ogrn: '', action: 'register',
    })
    expect(res.status).to.equal(303)
    const company = await app.c.db('companies').where({ inn }).first()
    expect(!!company.requisites_checked).to.equal(false)
    expect(company.requisites_note).to.contain('Не найдена')
    const card = await b.get('/company')
    expect(card.text).to.contain('реквизиты не проверены')
  })

  it('refuses a duplicate INN+KPP and tells whom to ask', async () => {
    const b1 = new Browser(app)
    expect((await b1.post('/register', { ...person(), inn: '7812345675', action: 'register' })).status).to.equal(303)
    const p = person()
    const res = await new Browser(app).post('/register', { ...p, inn: '7812345675', action: 'register' })
    expect(res.status).to.equal(422)
    expect(res.text).to.contain('уже зарегистрирована в кабинете')
    expect(await app.c.db('users').where({ email: p.email }).first()).to.equal(undefined)
  })

  it('registers a private person without any company fields', async () => {
    const b = new Browser(app)
    const p = person({ full_name: 'Петров Пётр Петрович' })
    const res = await b.post('/register', { ...p, is_person: '1', inn: '', action: 'register' })
    expect(res.status).to.equal(303)
    const user = await app.c.db('users').where({ email: p.email }).first()
    const company = await app.c.db('companies as c').join('company_members as m', 'm.company_id', 'c.id').where({ 'm.user_id': user.id }).first('c.*')
    expect(company).to.include({ kind: 'person', inn: null, inn_kpp_key: null, name_short: 'Петров Пётр Петрович' })
  })

  it('shows every person error at once with the values kept', async () => {
    const res = await new Browser(app).post('/register', {
      full_name: '', email: 'bad@', phone: '12', password: 'short', password2: 'short', inn: '123', action: 'register',
    })
    expect(res.status).to.equal(422)
    for (const msg of ['Укажите фамилию', 'Проверьте email', 'Проверьте телефон', 'не короче 10', 'ИНН состоит из 10 цифр']) {
      expect(res.text).to.contain(msg)
    }
    expect(res.text).to.contain('value="bad@"')
  })

  it('refuses an email that is already registered', async () => {
    const p = person()
    expect((await new Browser(app).post('/register', { ...p, is_person: '1', action: 'register' })).status).to.equal(303)
    const res = await new Browser(app).post('/register', { ...p, is_person: '1', action: 'register' })
    expect(res.status).to.equal(422)
    expect(res.text).to.contain('уже зарегистрирован')
  })

  it('stores EDO settings and the postal address, and refuses EDO without an operator', async () => {
    const p = person()
    const bad = await new Browser(app).post('/register', { ...p, inn: '7812345675', edo_enabled: '1', edo_operator: '', edo_participant_id: '', action: 'register' })
    expect(bad.status).to.equal(422)
    expect(bad.text).to.contain('Выберите оператора ЭДО')
    const ok = await new Browser(app).post('/register', {
      ...p, inn: '7812345675', edo_enabled: '1', edo_operator: 'sbis', edo_participant_id: '2BE-7812345675-781201001',
      postal_address: '190000, СПб, а/я 5', docs_email: 'Buh@Tea.ru', docs_phone: '8 812 555 44 33', action: 'register',
    })
    expect(ok.status).to.equal(303)
    const c = await app.c.db('companies').where({ inn: '7812345675' }).first()
    expect(c).to.include({ edo_operator: 'sbis', edo_participant_id: '2BE-7812345675-781201001', postal_address: '190000, СПб, а/я 5', docs_email: 'buh@tea.ru', docs_phone: '+78125554433' })
    expect(!!c.edo_enabled).to.equal(true)
  })

  it('answers the JSON lookup the page script uses', async () => {
    const b = new Browser(app)
    const res = await b.get('/lookup/party?inn=7705123452').set('Accept', 'application/json')
    expect(res.status).to.equal(200)
    expect(res.body).to.include({ status: 'found', ok: true })
    expect(res.body.party.name_short).to.equal('ООО "КОФЕЙНАЯ ГАВАНЬ"')
    expect(res.body.branches).to.have.length(3)
    const bad = await b.get('/lookup/party?inn=123')
    expect(bad.body).to.include({ status: 'invalid', field: 'inn' })
  })
})
