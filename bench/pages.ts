import request from 'supertest'
import { completeInn } from '../server/companies/requisites.js'
import { benchServer, load } from './support.js'

const COMPANIES = Number(process.env.BENCH_COMPANIES ?? 20_000)

/**
 * Server-rendered pages and the API under load: the login page (anonymous), the company card and members page of a
 * logged-in buyer, GET /api/v1/me, and the admin company search over `BENCH_COMPANIES` companies (20 000 by default).
 */
export async function run(): Promise<void> {
  const s = await benchServer()
  const now = Date.now()
  const rows = []
  for (let i = 0; i < COMPANIES; i++) {
    const inn = completeInn(String(100000000 + i * 37))
    const name = `ООО "КОМПАНИЯ ${i} ${['КОФЕ', 'ЧАЙ', 'ПОСУДА', 'ЦВЕТЫ'][i % 4]}"`
    rows.push({
      kind: 'legal', inn, kpp: '770101001', inn_kpp_key: `${inn}/770101001`, name_short: name, search_text: `${name} ${inn} 770101001`.toLowerCase(),
      status: i % 5 === 0 ? 'unverified' : 'verified', requisites_checked: true, created_at: now - i * 1000, updated_at: now,
    })
  }
  for (let i = 0; i < rows.length; i += 500) await s.c.db('companies').insert(rows.slice(i, i + 500))

  const buyerPw = 'bench-password-1'
  const buyerId = await s.c.db.transaction((trx) => s.c.accounts.createUser(trx, { full_name: 'Bench Buyer', email: 'bench@b.local', phone: '+79160000000', password: buyerPw, password2: buyerPw }))
  const staffId = await s.c.db.transaction((trx) => s.c.accounts.createUser(trx, { full_name: 'Bench Staff', email: 'staff@b.local', phone: '+79160000001', password: buyerPw, password2: buyerPw }, { isStaff: true }))
  void staffId
  const company = await s.c.db('companies').first('id')
  await s.c.db('company_members').insert({ company_id: company.id, user_id: buyerId, role: 'owner', created_at: now })

  const cookieFor = async (email: string) => {
    const agent = request.agent(s.url)
    const page = await agent.get('/password/forgot')
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!
    await agent.post('/login').type('form').send({ _csrf: csrf, email, password: buyerPw }).redirects(0)
    const res = await agent.get('/company').redirects(0)
    return String(res.request.cookies)
  }
  const buyerCookie = await cookieFor('bench@b.local')
  const staffCookie = await cookieFor('staff@b.local')
  const { token } = await s.c.tokens.issue({ ...(await s.c.companies.forMember(buyerId, company.id))! }, buyerId, 'bench')

  await load('pages', 'GET /login (anonymous)', { url: `${s.url}/login` })
  await load('pages', 'GET /company (buyer)', { url: `${s.url}/company`, headers: { cookie: buyerCookie } })
  await load('pages', 'GET /company/members (buyer)', { url: `${s.url}/company/members`, headers: { cookie: buyerCookie } })
  await load('pages', 'GET /api/v1/me (token)', { url: `${s.url}/api/v1/me`, headers: { authorization: `Bearer ${token}` } })
  await load('pages', `GET /admin?q=кофе (${COMPANIES} companies)`, { url: `${s.url}/admin?q=${encodeURIComponent('кофе')}`, headers: { cookie: staffCookie } })
  await load('pages', `GET /admin?q=<inn prefix> (${COMPANIES} companies)`, { url: `${s.url}/admin?q=1000003`, headers: { cookie: staffCookie } })
  await s.close()
}
