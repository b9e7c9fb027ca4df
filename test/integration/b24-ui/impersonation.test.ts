import { expect } from 'chai'
import request from 'supertest'
import { DOMAIN, installed, link, placementBody, portalAccepts, startB24App, tokenOf, type B24TestApp } from './helpers.js'
import { buyer, staff, uniq } from '../../support/factories.js'
import { manualClock } from '../../../server/shared/clock.js'
import { READ_ONLY_MESSAGE } from '../../../server/http/impersonation.js'

/*
 * «Открыть кабинет клиента»: from the Bitrix24 company tab (a one-time ticket for a new tab) and from /admin (inside the
 * staff session). Read-only (every state-changing POST refused with a Russian message), a banner, an audit record, and a
 * time limit.
 */

describe('b24 app: open the client cabinet as a manager', () => {
  let app: B24TestApp
  const clock = manualClock(new Date('2026-11-27T09:00:00Z'))
  before(async () => {
    app = await startB24App({ clock, env: { IMPERSONATION_MINUTES: '10' } })
  })
  after(() => app.close())

  const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? ''
  const countPoints = async (companyId: number) => Number((await app.c.db('delivery_points').where({ company_id: companyId }).count({ n: '*' }))[0]!.n)

  async function ticketFromB24() {
    const { memberId } = await installed(app)
    const b = await buyer(app, { status: 'verified' })
    const b24CompanyId = 700 + Math.floor(Math.random() * 1e6)
    await link(app, 'company', b.company.id, memberId, b24CompanyId)
    const auth = `auth-${uniq()}`
    portalAccepts(auth)
    const tab = await request(app.url).post(`/b24/placement?DOMAIN=${DOMAIN}`).type('form').send(placementBody(memberId, auth, 'CRM_COMPANY_DETAIL_TAB', b24CompanyId))
    expect(tab.text).to.contain('target="_blank"')
    const res = await request(app.url).post('/b24/placement/action').type('form').send({ _pt: tokenOf(tab.text), do: 'open-cabinet' })
    expect(res.status).to.equal(303)
    const url = new URL(String(res.headers.location))
    expect(url.pathname).to.match(/^\/b24\/cabinet\/[A-Za-z0-9_-]{40,}$/)
    return { b, path: url.pathname, memberId }
  }

  it('from the Bitrix24 company tab: a one-time ticket opens the cabinet read-only with a banner; POSTs are refused; exit ends it; all audited', async () => {
    const { b, path, memberId } = await ticketFromB24()
    const agent = request.agent(app.url)
    const opened = await agent.get(path).redirects(0)
    expect(opened.status).to.equal(303)
    expect(opened.headers.location).to.equal('/')
    const home = await agent.get('/company/points').redirects(0)
    expect(home.status).to.equal(200)
    expect(home.text).to.contain('Вы смотрите кабинет клиента').and.contain(b.company.name.replace(/"/g, '&quot;')).and.contain('как менеджер').and.contain('Ирина Менеджерова').and.contain('Выйти')

    const before = await countPoints(b.company.id)
    const refused = await agent.post('/company/points').type('form').send({ _csrf: csrfOf(home.text), name: 'Склад', address: 'г Тула', contact_name: 'Анна', contact_phone: '+79160000003' }).redirects(0)
    expect(refused.status).to.equal(403)
    expect(refused.text).to.contain('только для просмотра')
    expect(await countPoints(b.company.id)).to.equal(before)

    // The ticket works once.
    expect((await request(app.url).get(path).redirects(0)).status).to.equal(410)

    const opensAudit = await app.c.db('audit_log').where({ company_id: b.company.id, action: 'company.cabinet_opened' }).first()
    expect(JSON.parse(opensAudit.details)).to.include({ by: 'b24', manager: 'Ирина Менеджерова', b24_member_id: memberId, b24_user_id: '7', read_only: true })

    const exit = await agent.post('/impersonation/exit').type('form').send({ _csrf: csrfOf(home.text) }).redirects(0)
    expect(exit.status).to.equal(200)
    expect(exit.text).to.contain('Вы вышли из кабинета клиента')
    expect((await agent.get('/company/points').redirects(0)).status).to.equal(303)
    expect(await app.c.db('audit_log').where({ company_id: b.company.id, action: 'company.cabinet_closed' }).first()).to.not.equal(undefined)
  })

  it('ends by itself when its time is up (IMPERSONATION_MINUTES), and a late ticket does not open', async () => {
    const { path } = await ticketFromB24()
    const agent = request.agent(app.url)
    await agent.get(path).redirects(0)
    expect((await agent.get('/orders').redirects(0)).text).to.contain('Вы смотрите кабинет клиента')
    clock.advance(app.config.impersonation.ttlMs + 1000)
    const late = await agent.get('/orders').redirects(0)
    expect(late.text).to.contain('Просмотр кабинета клиента завершён')
    expect((await agent.get('/orders').redirects(0)).status).to.equal(303)

    const second = await ticketFromB24()
    clock.advance(3 * 60_000)
    expect((await request(app.url).get(second.path).redirects(0)).status).to.equal(410)
  })

  it('staff open it from the company card in /admin and come back to the card after «Выйти»', async () => {
    const s = await staff(app)
    const b = await buyer(app, { status: 'verified' })
    const card = await s.browser.get(`/admin/companies/${b.company.id}`)
    expect(card.text).to.contain('Открыть кабинет клиента')
    const open = await s.browser.post(`/admin/companies/${b.company.id}/open-cabinet`)
    expect(open.status).to.equal(303)
    expect(open.headers.location).to.equal('/')
    const page = await s.browser.get('/company')
    expect(page.text).to.contain('Вы смотрите кабинет клиента').and.contain('Менеджерова Мария Ивановна')
    const refused = await s.browser.post('/company/members/invite', { email: `x${uniq()}@test.local`, role: 'viewer' })
    expect(refused.status).to.equal(403)
    expect(refused.text).to.contain(READ_ONLY_MESSAGE.slice(0, 40))
    expect(Number((await app.c.db('invitations').where({ company_id: b.company.id }).count({ n: '*' }))[0]!.n)).to.equal(0)
    const exit = await s.browser.post('/impersonation/exit')
    expect(exit.status).to.equal(303)
    expect(exit.headers.location).to.equal(`/admin/companies/${b.company.id}`)
    const back = await s.browser.get(`/admin/companies/${b.company.id}`)
    expect(back.status).to.equal(200)
    expect(back.text).not.to.contain('Вы смотрите кабинет клиента')
    const a = await app.c.db('audit_log').where({ company_id: b.company.id, action: 'company.cabinet_opened' }).first()
    expect(a.actor_user_id).to.equal(s.user.id)
    // The company card's log reads it in words.
    const log = await s.browser.get(`/admin/companies/${b.company.id}`)
    expect(log.text).to.contain('Менеджер открыл кабинет клиента').and.contain('Менеджер закрыл кабинет клиента')
    // Buyers cannot start it.
    expect((await b.browser.post(`/admin/companies/${b.company.id}/open-cabinet`)).status).to.equal(404)
  })
})
