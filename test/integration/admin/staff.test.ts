import { staff } from '../../support/factories.js'
import { expect } from 'chai'
import { Browser, startApp, type TestApp } from '../../support/app.js'

describe('admin: supplier staff', () => {
  let app: TestApp
  let manager: Awaited<ReturnType<typeof staff>>
  before(async () => {
    app = await startApp()
    manager = await staff(app)
  })
  after(() => app.close())

  const email = () => `staff-${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}@supplier.local`

  it('lists staff accounts and not buyers', async () => {
    const res = await manager.browser.get('/admin/staff')
    expect(res.status).to.equal(200)
    expect(res.text).to.contain(manager.user.email)
    expect(res.text).to.contain('(вы)')
    const buyers = await app.c.db('users').where({ is_staff: false }).select('email')
    for (const b of buyers) expect(res.text).not.to.contain(b.email)
  })

  it('creates a staff account that can log in and open the admin area', async () => {
    const login = email()
    const res = await manager.browser.post('/admin/staff', { full_name: 'Новикова Вера Андреевна', email: login.toUpperCase(), phone: '8 (916) 111-22-33', password: 'temporary-pass-1' })
    expect(res.status).to.equal(303)
    expect(res.headers.location).to.equal('/admin/staff')
    const user = await app.c.db('users').where({ email: login }).first()
    expect(user).to.include({ full_name: 'Новикова Вера Андреевна', phone: '+79161112233' })
    expect(!!user.is_staff).to.equal(true)
    const audit = await app.c.db('audit_log').where({ action: 'staff.created' }).orderBy('id', 'desc').first()
    expect(JSON.parse(audit.details)).to.deep.equal({ userId: user.id, email: login })
    expect(Number(audit.actor_user_id)).to.equal(manager.user.id)
    const page = await manager.browser.get('/admin/staff')
    expect(page.text).to.contain('Сотрудник Новикова Вера Андреевна добавлен').and.contain(login)

    const colleague = new Browser(app)
    await colleague.login(login, 'temporary-pass-1')
    expect((await colleague.get('/admin')).status).to.equal(200)
  })

  it('shows Russian messages next to the fields, keeps what was typed but not the password', async () => {
    const res = await manager.browser.post('/admin/staff', { full_name: '', email: 'not-an-email', phone: '123', password: 'short' })
    expect(res.status).to.equal(422)
    expect(res.text).to.contain('Укажите фамилию, имя и отчество')
    expect(res.text).to.contain('Проверьте email')
    expect(res.text).to.contain('Проверьте телефон')
    expect(res.text).to.contain('Пароль должен быть не короче 10 символов')
    expect(res.text).to.contain('value="not-an-email"')
    expect(res.text).not.to.contain('value="short"')
  })

  it('refuses an email that is already registered', async () => {
    const res = await manager.browser.post('/admin/staff', { full_name: 'Дубль Дублевич', email: manager.user.email, phone: '+79160000001', password: 'temporary-pass-2' })
    expect(res.status).to.equal(422)
    expect(res.text).to.contain('Этот email уже зарегистрирован')
    expect(await app.c.db('users').where({ full_name: 'Дубль Дублевич' })).to.have.length(0)
  })

  it('refuses to create staff without a CSRF token', async () => {
    const login = email()
    const res = await manager.browser.post('/admin/staff', { full_name: 'Без Токена', email: login, phone: '+79160000002', password: 'temporary-pass-3', _csrf: null })
    expect(res.status).to.equal(403)
    expect(await app.c.db('users').where({ email: login })).to.have.length(0)
  })
})
