import { expect } from 'chai'
import nock from 'nock'
import { startApp, Browser, type TestApp } from '../../support/app.js'
import { randomInn } from '../../support/factories.js'

const HOST = 'https://suggestions.dadata.ru'
const PATH = '/suggestions/api/4_1/rs/findById/party'

/** The success body of reference/dadata.md §2.2, for a given INN. */
function found(inn: string) {
  return {
    suggestions: [
      {
        value: 'ООО "ЧАЙНЫЙ ДОМ"',
        unrestricted_value: 'ООО "ЧАЙНЫЙ ДОМ"',
        data: {
          inn, kpp: '773601001', ogrn: '1027700132195', type: 'LEGAL', branch_type: 'MAIN',
          name: { full_with_opf: 'ОБЩЕСТВО С ОГРАНИЧЕННОЙ ОТВЕТСТВЕННОСТЬЮ "ЧАЙНЫЙ ДОМ"', short_with_opf: 'ООО "ЧАЙНЫЙ ДОМ"' },
          opf: { code: '12300', short: 'ООО' },
          management: { name: 'Иванов Иван Иванович', post: 'ГЕНЕРАЛЬНЫЙ ДИРЕКТОР' },
          state: { status: 'ACTIVE', liquidation_date: null },
          address: { value: 'г Москва, ул Вавилова, д 19', unrestricted_value: '117312, г Москва, ул Вавилова, д 19' },
        },
      },
    ],
  }
}

function person() {
  return {
    full_name: 'Сидоров Семён Семёнович',
    email: `dd${Date.now()}${Math.random().toString(36).slice(2, 7)}@test.local`,
    phone: '+79161112233',
    password: 'correct-horse-battery',
    password2: 'correct-horse-battery',
  }
}

const manual = { kpp: '773601001', name_short: 'ООО «Ручной ввод»', legal_address: 'г Москва, ул Ручная, д 1' }

describe('DaData contract (nock, reference/dadata.md)', () => {
  let app: TestApp
  before(async () => {
    app = await startApp({ env: { DADATA_TOKEN: 'test-token', DADATA_RETRIES: '2' } })
  })
  after(() => app.close())

  it('sends POST findById/party with the token and fills the company', async () => {
    const inn = randomInn()
    const scope = nock(HOST)
      .matchHeader('authorization', 'Token test-token')
      .matchHeader('content-type', /application\/json/)
      .post(PATH, (body) => body.query === inn)
      .reply(200, found(inn))
    const res = await new Browser(app).post('/register', { ...person(), inn, action: 'register' })
    expect(res.status).to.equal(303)
    scope.done()
    const c = await app.c.db('companies').where({ inn }).first()
    expect(c).to.include({ name_short: 'ООО "ЧАЙНЫЙ ДОМ"', kpp: '773601001', director_name: 'Иванов Иван Иванович', legal_address: '117312, г Москва, ул Вавилова, д 19' })
    expect(!!c.requisites_checked).to.equal(true)
  })

  it('caches a lookup by INN: the second lookup costs no request', async () => {
    const inn = randomInn()
    const scope = nock(HOST).post(PATH).once().reply(200, found(inn))
    const b = new Browser(app)
    await b.post('/register', { ...person(), inn, action: 'lookup' })
    const again = await b.post('/register', { ...person(), inn, action: 'lookup' })
    expect(again.text).to.contain('ЧАЙНЫЙ ДОМ')
    scope.done()
  })

  it('treats an empty answer as not found and allows manual entry', async () => {
    const inn = randomInn()
    nock(HOST).post(PATH).reply(200, { suggestions: [] })
    const res = await new Browser(app).post('/register', { ...person(), inn, ...manual, action: 'register' })
    expect(res.status).to.equal(303)
    const c = await app.c.db('companies').where({ inn }).first()
    expect(!!c.requisites_checked).to.equal(false)
    expect(c.name_short).to.equal('ООО «Ручной ввод»')
  })

  const failures: [string, (s: nock.Interceptor) => nock.Scope, number][] = [
    ['401 (bad key)', (s) => s.reply(401, { family: 'CLIENT_ERROR', reason: 'Unauthorized' }), 1],
    ['403 (quota spent)', (s) => s.reply(403, { family: 'CLIENT_ERROR', reason: 'Forbidden', message: "Feature 'SUGGESTIONS' disabled for token '…'" }), 1],
    ['429 (rate limit), retried', (s) => s.times(3).reply(429, {}, { 'Retry-After': '0' }), 3],
    ['500, retried', (s) => s.times(3).reply(500, 'oops'), 3],
    ['a timeout, retried', (s) => s.times(3).delay(2000).reply(200, { suggestions: [] }), 3],
    ['a refused connection, retried', (s) => s.times(3).replyWithError({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' }), 3],
  ]
  for (const [what, reply, calls] of failures) {
    it(`on ${what}: manual entry works, nothing typed is lost, company marked unchecked`, async () => {
      const inn = randomInn()
      let count = 0
      const interceptor = nock(HOST).post(PATH, () => ++count > 0)
      reply(interceptor)
      const p = person()
      const b = new Browser(app)
      const first = await b.post('/register', { ...p, inn, docs_email: 'buh@x.ru', action: 'register' })
      expect(first.status).to.equal(422)
      expect(first.text).to.contain('Не удалось проверить реквизиты автоматически')
      expect(first.text).to.contain(`value="${p.email}"`)
      expect(first.text).to.contain('value="buh@x.ru"')
      expect(first.text).to.contain(`value="${inn}"`)
      expect(count).to.be.at.least(calls)
      nock.cleanAll()
      nock(HOST).post(PATH).times(3).reply(503, 'still down')
      const res = await b.post('/register', { ...p, inn, ...manual, action: 'register' })
      expect(res.status).to.equal(303)
      const c = await app.c.db('companies').where({ inn }).first()
      expect(!!c.requisites_checked).to.equal(false)
      expect(c.requisites_note).to.contain('DaData была недоступна')
    })
  }

  it('does not retry a 403', async () => {
    const inn = randomInn()
    const scope = nock(HOST).post(PATH).once().reply(403, { family: 'CLIENT_ERROR', reason: 'Forbidden' })
    const res = await new Browser(app).post('/register', { ...person(), inn, action: 'lookup' })
    expect(res.text).to.contain('Лимит запросов к DaData исчерпан')
    scope.done()
    expect(nock.pendingMocks()).to.have.length(0)
  })

  it('recovers when a retry succeeds after a 429', async () => {
    const inn = randomInn()
    nock(HOST).post(PATH).reply(429, {}).post(PATH).reply(200, found(inn))
    const res = await new Browser(app).post('/register', { ...person(), inn, action: 'register' })
    expect(res.status).to.equal(303)
    expect(!!(await app.c.db('companies').where({ inn }).first()).requisites_checked).to.equal(true)
  })
})
