import { expect } from 'chai'
import request from 'supertest'
import signature from 'cookie-signature'
import { startApp, Browser, manualClock, type TestApp } from '../../support/app.js'
import { buyer, createUser, PASSWORD } from '../../support/factories.js'

function sidOf(res: request.Response, name = 'sid'): string | null {
  const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? [])
  const c = cookies.find((x) => x.startsWith(`${name}=`))
  return c ? c.split(';')[0]!.split('=')[1]! : null
}

describe('sessions, login and passwords', () => {
  let app: TestApp
  const clock = manualClock(new Date())
  before(async () => {
    app = await startApp({ clock, env: { LOGIN_MAX_FAILURES_ACCOUNT: '5', LOGIN_MAX_FAILURES_IP: '1000' } })
  })
  after(() => app.close())

  it('rotates the session id at login (a planted session id is not adopted) and stores the session in the database', async () => {
    const u = await createUser(app)
    // An attacker's valid anonymous session, planted in the victim's browser before login.
    const planted = 'planted-session-id-0123456789abcdef'
    const t = clock.now().getTime()
    await app.c.db('sessions').insert({ sid: planted, data: JSON.stringify({ cookie: { path: '/' } }), created_at: t, seen_at: t, expires_at: t + 600_000 })
    const b = new Browser(app)
    const cookie = `sid=${encodeURIComponent('s:' + signature.sign(planted, app.config.session.secret))}`
    const page = await b.agent.get('/password/forgot').set('Cookie', cookie)
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!
    const csrfCookie = ([] as string[]).concat(page.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).join('; ')
    const res = await b.agent.post('/login').set('Cookie', `${cookie}; ${csrfCookie}`).type('form').send({ _csrf: csrf, email: u.email, password: u.password }).redirects(0)
    expect(res.status).to.equal(303)
    const after = sidOf(res)
    expect(after).to.be.a('string')
    const raw = decodeURIComponent(after!).slice(2).split('.')[0]!
    expect(raw).not.to.equal(planted)
    expect((await app.c.db('sessions').where({ sid: raw }).first()).user_id).to.equal(u.id)
    expect(await app.c.db('sessions').where({ sid: planted }).first()).to.equal(undefined)
  })

  it('stores no session for anonymous page views', async () => {
    const before = await app.c.db('sessions').count({ n: '*' })
    const res = await request(app.url).get('/login')
    expect(sidOf(res)).to.equal(null)
    expect(await app.c.db('sessions').count({ n: '*' })).to.deep.equal(before)
  })

  it('logs out on the server: the old cookie no longer works', async () => {
    const { browser } = await buyer(app)
    const cookie = (await browser.get('/company')).request.cookies
    await browser.post('/logout')
    const res = await request(app.url).get('/company').set('Cookie', cookie).redirects(0)
    expect(res.status).to.equal(303)
    expect(res.headers.location).to.match(/^\/login/)
  })

  it('expires a session after 30 idle minutes and after 12 hours in any case', async () => {
    const { browser } = await buyer(app)
    clock.advance(29 * 60_000)
    expect((await browser.get('/company')).status).to.equal(200)
    clock.advance(31 * 60_000)
    const idle = await browser.get('/company')
    expect(idle.status).to.equal(303)
    expect(idle.headers.location).to.match(/^\/login\?expired=1/)
    expect((await browser.get(idle.headers.location!)).text).to.contain('Сеанс завершён')

    const active = await buyer(app)
    for (let i = 0; i < 25; i++) {
      clock.advance(29 * 60_000)
      const r = await active.browser.get('/company')
      if (i < 24) expect(r.status, `request ${i}`).to.equal(200)
      else {
        expect(r.status).to.equal(303)
        expect(r.headers.location).to.contain('expired=1')
      }
    }
  })

  it('refuses wrong passwords with one message and throttles the account', async () => {
    const u = await createUser(app)
    const b = new Browser(app)
    const wrong = await b.post('/login', { email: u.email, password: 'nope-nope-nope' })
    expect(wrong.status).to.equal(401)
    expect(wrong.text).to.contain('Неверный email или пароль')
    expect(wrong.text).to.contain(`value="${u.email}"`)
    for (let i = 0; i < 4; i++) await b.post('/login', { email: u.email, password: 'nope-nope-nope' })
    const throttled = await b.post('/login', { email: u.email, password: PASSWORD })
    expect(throttled.status).to.equal(429)
    expect(throttled.text).to.contain('Слишком много неудачных попыток')
    // Another account from the same IP is not affected.
    const other = await createUser(app)
    expect((await new Browser(app).post('/login', { email: other.email, password: PASSWORD })).status).to.equal(303)
    // The window passes.
    clock.advance(61 * 60_000)
    expect((await new Browser(app).post('/login', { email: u.email, password: PASSWORD })).status).to.equal(303)
  })

  it('resets a password by a single-use link that expires, and ends all sessions', async () => {
    const u = await createUser(app)
    const old = new Browser(app)
    await old.login(u.email, u.password)
    const b = new Browser(app)
    const res = await b.post('/password/forgot', { email: u.email })
    expect(res.status).to.equal(200)
    expect(res.text).to.contain('ушло письмо')
    await app.c.dispatcher.drainOnce()
    const letter = await app.c.db('sandbox_mail').where({ to_addr: u.email }).orderBy('id', 'desc').first()
    const token = /\/password\/reset\/([\w-]+)/.exec(letter.body)![1]!
    expect((await b.get(`/password/reset/${token}`)).status).to.equal(200)
    const weak = await b.post(`/password/reset/${token}`, { password: 'short', password2: 'short' })
    expect(weak.status).to.equal(422)
    const ok = await b.post(`/password/reset/${token}`, { password: 'brand-new-password', password2: 'brand-new-password' })
    expect(ok.status).to.equal(303)
    expect((await old.get('/company')).status).to.equal(303)
    await new Browser(app).login(u.email, 'brand-new-password')
    const reuse = await b.post(`/password/reset/${token}`, { password: 'another-password-1', password2: 'another-password-1' })
    expect(reuse.status).to.equal(422)
    expect(reuse.text).to.contain('устарела или уже использована')

    await new Browser(app).post('/password/forgot', { email: u.email })
    await app.c.dispatcher.drainOnce()
    const letter2 = await app.c.db('sandbox_mail').where({ to_addr: u.email }).orderBy('id', 'desc').first()
    const token2 = /\/password\/reset\/([\w-]+)/.exec(letter2.body)![1]!
    clock.advance(61 * 60_000)
    expect((await b.get(`/password/reset/${token2}`)).status).to.equal(410)
  })

  it('answers the same for an unknown email and sends nothing', async () => {
    const before = await app.c.db('outbox').count({ n: '*' })
    const res = await new Browser(app).post('/password/forgot', { email: 'nobody@nowhere.test' })
    expect(res.text).to.contain('ушло письмо')
    expect(await app.c.db('outbox').count({ n: '*' })).to.deep.equal(before)
  })

  it('lists own sessions and ends the others', async () => {
    const u = await createUser(app)
    const a = new Browser(app)
    const b = new Browser(app)
    await a.login(u.email, u.password)
    await b.login(u.email, u.password)
    const page = await a.get('/account')
    expect(page.text).to.contain('этот сеанс')
    expect((page.text.match(/этот сеанс/g) ?? []).length).to.equal(1)
    expect((page.text.match(/>Завершить<\/button>/g) ?? []).length).to.equal(1)
    await a.post('/account/sessions/end-others')
    expect((await b.get('/company')).status).to.equal(303)
    expect((await a.get('/account')).status).to.equal(200)
  })

  it('changes the password after checking the current one', async () => {
    const u = await createUser(app)
    const a = new Browser(app)
    await a.login(u.email, u.password)
    const bad = await a.post('/account/password', { current: 'wrong-wrong', password: 'next-password-1', password2: 'next-password-1' })
    expect(bad.status).to.equal(422)
    expect(bad.text).to.contain('Текущий пароль введён неверно')
    const ok = await a.post('/account/password', { current: u.password, password: 'next-password-1', password2: 'next-password-1' })
    expect(ok.status).to.equal(303)
    await new Browser(app).login(u.email, 'next-password-1')
  })
})

describe('per-IP login brake', () => {
  let app: TestApp
  before(async () => {
    app = await startApp({ env: { LOGIN_IP_RATE_PER_MINUTE: '3' } })
  })
  after(() => app.close())

  it('answers 429 after the per-minute number of login attempts from one IP', async () => {
    const b = new Browser(app)
    for (let i = 0; i < 3; i++) expect((await b.post('/login', { email: 'x@test.local', password: 'wrong-wrong' })).status).to.equal(401)
    const res = await b.post('/login', { email: 'x@test.local', password: 'wrong-wrong' })
    expect(res.status).to.equal(429)
    expect(res.text).to.contain('Слишком много попыток с вашего адреса')
  })
})

describe('secure cookies in production-like settings', () => {
  let app: TestApp
  before(async () => {
    app = await startApp({ env: { COOKIE_SECURE: '1' } })
  })
  after(() => app.close())

  it('names the cookie __Host-sid with Secure, HttpOnly, SameSite=Lax and Path=/', async () => {
    // Behind the TLS-terminating proxy on loopback (trust proxy), as in production.
    const u = await createUser(app)
    const page = await request(app.url).get('/login').set('X-Forwarded-Proto', 'https')
    const csrfCookie = ([] as string[]).concat(page.headers['set-cookie'] ?? []).find((c) => c.startsWith('__Host-csrf='))!
    expect(csrfCookie).to.match(/; Secure/i)
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!
    const res = await request(app.url)
      .post('/login')
      .set('X-Forwarded-Proto', 'https')
      .set('Cookie', csrfCookie.split(';')[0]!)
      .type('form')
      .send({ _csrf: csrf, email: u.email, password: u.password })
      .redirects(0)
    expect(res.status).to.equal(303)
    const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? [])
    const sid = cookies.find((c) => c.startsWith('__Host-sid='))!
    expect(sid).to.be.a('string')
    expect(sid).to.match(/; Secure/i)
    expect(sid).to.match(/; HttpOnly/i)
    expect(sid).to.match(/; SameSite=Lax/i)
    expect(sid).to.match(/; Path=\//)
    expect(sid).not.to.match(/Domain=/i)
    expect(res.headers['strict-transport-security']).to.match(/max-age=/)
  })
})
