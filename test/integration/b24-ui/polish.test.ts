import { expect } from 'chai'
import nock from 'nock'
import request from 'supertest'
import { DOMAIN, PORTAL, installed, link, ok, placementBody, portalAccepts, rest, startB24App, tokenOf, type B24TestApp } from './helpers.js'
import { orderingBuyer, placeOrder, stocked, warehouse } from '../orders/helpers.js'
import { uniq } from '../../support/factories.js'
import { manualClock } from '../../../server/shared/clock.js'
import { getSettings, saveSettings } from '../../../b24-app/settings-store.js'
import { createB24Client, rateKey } from '../../../b24-app/client.js'
import { createB24Sync } from '../../../b24-app/sync.js'
import { PORTAL_BUSY_MESSAGE } from '../../../b24-app/placement-auth.js'
import { parseQuery } from '../../../server/sandbox/bitrix24.js'
import { STATUS_LABELS } from '../../../server/orders/rules.js'

/*
 * The known limits of the Bitrix24 app, polished: the manager's read-only view of a client cabinet shows the buyer's pages
 * with every state-changing control disabled; an order moved by its deal gets the stage's name in its history; a tab's
 * verification draws from the portal's shared rate limit and answers «перегружен» rather than hang; and an order move that
 * Bitrix24 made is not echoed back to the deal.
 */

describe('b24 app: read-only cabinet, stage names, tab rate limit, no echo', () => {
  let app: B24TestApp
  const clock = manualClock(new Date('2026-11-27T09:00:00Z'))
  const slept: number[] = []
  before(async () => {
    // The tabs' waits for the limiter move the manual clock (no real sleeping).
    app = await startB24App({
      clock,
      sleep: async (ms) => {
        slept.push(ms)
        clock.advance(ms)
      },
    })
  })
  after(() => app.close())

  async function linkedOrder(memberId?: string) {
    const m = memberId ?? (await installed(app)).memberId
    const wh = await warehouse(app)
    const p = await stocked(app, { warehouseId: wh, onHand: 100 })
    const b = await orderingBuyer(app)
    const order = await placeOrder(app, b, [{ p, qty: 2 }], wh)
    const dealId = 9000 + Math.floor(Math.random() * 1_000_000)
    await link(app, 'deal', order.id, m, dealId)
    return { memberId: m, order, dealId, b, p }
  }
  const dealGet = (dealId: number, stage: string, categoryId = '0') =>
    nock(PORTAL).post(rest('crm.deal.get'), (b) => String(b.id) === String(dealId)).reply(200, ok({ ID: String(dealId), STAGE_ID: stage, CATEGORY_ID: categoryId }))
  const stageList = (entityId: string, stages: { STATUS_ID: string; NAME: string }[]) =>
    nock(PORTAL).post(rest('crm.status.list'), (b) => JSON.stringify(b).includes(`"${entityId}"`)).reply(200, ok(stages.map((s, i) => ({ ID: String(i + 1), ENTITY_ID: entityId, SORT: String((i + 1) * 10), ...s }))))
  const lastNote = async (orderId: number) => (await app.c.db('order_events').where({ order_id: orderId }).orderBy('id', 'desc').first()).note as string

  describe('«Открыть кабинет клиента»: read-only controls', () => {
    it('the buyer\'s pages come with body.read-only and the read-only script; posts are still refused; the buyer\'s own pages are plain', async () => {
      const { memberId } = await installed(app)
      const { order, b } = await linkedOrder(memberId)
      const b24CompanyId = 800 + Math.floor(Math.random() * 1e6)
      await link(app, 'company', b.company.id, memberId, b24CompanyId)
      const auth = `auth-${uniq()}`
      portalAccepts(auth)
      const tab = await request(app.url).post(`/b24/placement?DOMAIN=${DOMAIN}`).type('form').send(placementBody(memberId, auth, 'CRM_COMPANY_DETAIL_TAB', b24CompanyId))
      const opened = await request(app.url).post('/b24/placement/action').type('form').send({ _pt: tokenOf(tab.text), do: 'open-cabinet' })
      expect(opened.status).to.equal(303)
      const agent = request.agent(app.url)
      expect((await agent.get(new URL(String(opened.headers.location)).pathname).redirects(0)).status).to.equal(303)

      for (const path of ['/catalog', '/cart', `/orders/${order.number}`]) {
        const page = await agent.get(path).redirects(0)
        expect(page.status, path).to.equal(200)
        expect(page.text, path).to.match(/<body class="[^"]*\bread-only"/)
        expect(page.text, path).to.contain('<script src="/assets/js/read-only.js" defer></script>').and.contain('/assets/css/read-only.css')
        // Not removed: the buyer's forms are all there for the manager to see.
        expect(page.text, path).to.match(/<form[^>]+method="post"/)
      }
      const script = await request(app.url).get('/assets/js/read-only.js')
      expect(script.status).to.equal(200)
      expect(script.text).to.contain('только просмотр').and.contain('/impersonation/exit').and.contain('/logout')
      expect((await request(app.url).get('/assets/css/read-only.css')).status).to.equal(200)

      // The server stays the guard: a post that gets through anyway is refused and changes nothing.
      const home = await agent.get('/cart').redirects(0)
      const csrf = /name="_csrf" value="([^"]+)"/.exec(home.text)![1]!
      const carts = Number((await app.c.db('carts').where({ company_id: b.company.id }).count({ n: '*' }))[0]!.n)
      const refused = await agent.post('/carts').type('form').send({ _csrf: csrf, name: 'Новая' }).redirects(0)
      expect(refused.status).to.equal(403)
      expect(Number((await app.c.db('carts').where({ company_id: b.company.id }).count({ n: '*' }))[0]!.n)).to.equal(carts)

      // The buyer's own session: no read-only mode.
      const own = await b.browser.get('/catalog')
      expect(own.status).to.equal(200)
      expect(own.text).to.not.contain('read-only')
    })
  })

  describe('the history note of an order moved by its deal', () => {
    it('names the stage as the portal calls it (crm.status.list of the deal\'s pipeline), cached per portal', async () => {
      const { memberId, order, dealId } = await linkedOrder()
      const s = await getSettings(app.c.db, memberId)
      await saveSettings(app.c.db, memberId, { ...s, statusByStage: { PREPARATION: 'awaiting_payment', C3_PAY: 'awaiting_payment' } }, clock.now().getTime())
      dealGet(dealId, 'PREPARATION')
      const list = stageList('DEAL_STAGE', [{ STATUS_ID: 'NEW', NAME: 'Новая' }, { STATUS_ID: 'PREPARATION', NAME: 'Подготовка документов' }])
      expect(await app.ui.events.processEvent({ memberId, event: 'ONCRMDEALUPDATE', id: String(dealId) })).to.equal('moved to awaiting_payment')
      expect(list.isDone()).to.equal(true)
      const note = await lastNote(order.id)
      expect(note).to.contain('«Подготовка документов»').and.contain(String(dealId))
      expect(note).to.not.contain('PREPARATION')

      // A second deal of the same portal: the names come from the cache (no second crm.status.list is stubbed).
      const second = await linkedOrder(memberId)
      dealGet(second.dealId, 'PREPARATION')
      expect(await app.ui.events.processEvent({ memberId, event: 'ONCRMDEALUPDATE', id: String(second.dealId) })).to.equal('moved to awaiting_payment')
      expect(await lastNote(second.order.id)).to.contain('«Подготовка документов»')
    })

    it('reads another pipeline\'s list (DEAL_STAGE_<id>) and falls back to the code for a stage the portal does not name', async () => {
      const { memberId, order, dealId } = await linkedOrder()
      const s = await getSettings(app.c.db, memberId)
      await saveSettings(app.c.db, memberId, { ...s, statusByStage: { 'C3:PAY': 'awaiting_payment' } }, clock.now().getTime())
      dealGet(dealId, 'C3:PAY', '3')
      const list = stageList('DEAL_STAGE_3', [{ STATUS_ID: 'C3:NEW', NAME: 'Новая' }])
      expect(await app.ui.events.processEvent({ memberId, event: 'ONCRMDEALUPDATE', id: String(dealId) })).to.equal('moved to awaiting_payment')
      expect(list.isDone()).to.equal(true)
      expect(await lastNote(order.id)).to.contain('стадию «C3:PAY»')
    })
  })

  describe('tab verification and the portal\'s shared rate limit', () => {
    const bucket = async (memberId: string) => app.c.db('rate_limits').where({ key: rateKey(memberId) }).first()

    it('takes two tokens of b24:<member_id> (app.info, profile); a cached reopen takes none', async () => {
      const { memberId } = await installed(app)
      const auth = `auth-${uniq()}`
      portalAccepts(auth)
      const body = placementBody(memberId, auth, 'CRM_DEAL_DETAIL_TAB', 1)
      expect((await request(app.url).post(`/b24/placement?DOMAIN=${DOMAIN}`).type('form').send(body)).status).to.equal(200)
      expect(Number((await bucket(memberId)).tokens_micro)).to.equal(48_000_000)
      expect((await request(app.url).post(`/b24/placement?DOMAIN=${DOMAIN}`).type('form').send(body)).status).to.equal(200)
      expect(Number((await bucket(memberId)).tokens_micro)).to.equal(48_000_000)
    })

    it('an empty bucket that refills in time: the tab waits for its tokens and opens', async () => {
      const { memberId } = await installed(app)
      await app.c.db('rate_limits').insert({ key: rateKey(memberId), tokens_micro: 0, refilled_at: clock.now().getTime() })
      const auth = `auth-${uniq()}`
      const scope = portalAccepts(auth)
      slept.length = 0
      const res = await request(app.url).post(`/b24/placement?DOMAIN=${DOMAIN}`).type('form').send(placementBody(memberId, auth, 'CRM_DEAL_DETAIL_TAB', 1))
      expect(res.status).to.equal(200)
      expect(scope.isDone()).to.equal(true)
      // 2 tokens a second: half a second for each of the two calls.
      expect(slept).to.deep.equal([500, 500])
    })

    it('no token within ~2 s: 503 «Битрикс24 сейчас перегружен…» at once, the portal is not called', async () => {
      const { memberId } = await installed(app)
      // Another host's clock ahead of ours drained the bucket: nothing refills for a minute.
      await app.c.db('rate_limits').insert({ key: rateKey(memberId), tokens_micro: 0, refilled_at: clock.now().getTime() + 60_000 })
      const auth = `auth-${uniq()}`
      const scope = portalAccepts(auth)
      slept.length = 0
      const res = await request(app.url).post(`/b24/placement?DOMAIN=${DOMAIN}`).type('form').send(placementBody(memberId, auth, 'CRM_DEAL_DETAIL_TAB', 1))
      expect(res.status).to.equal(503)
      expect(res.headers['retry-after']).to.equal('60')
      expect(res.text).to.contain(PORTAL_BUSY_MESSAGE).and.contain('Битрикс24 сейчас перегружен, обновите вкладку через минуту')
      expect(scope.isDone()).to.equal(false)
      expect(slept.reduce((a, b) => a + b, 0)).to.be.at.most(2_000)
      expect(Number((await bucket(memberId)).tokens_micro)).to.equal(0)
    })
  })

  describe('no echo of a move Bitrix24 made', () => {
    /** The commands of a batch request body, decoded: name → [method, params]. */
    function commands(body: any): Record<string, [string, any]> {
      const out: Record<string, [string, any]> = {}
      for (const [name, line] of Object.entries(body.cmd as Record<string, string>)) {
        const q = line.indexOf('?')
        out[name] = [q < 0 ? line : line.slice(0, q), parseQuery(q < 0 ? '' : line.slice(q + 1))]
      }
      return out
    }
    function expectBatch() {
      const seen: { cmds: Record<string, [string, any]> } = { cmds: {} }
      nock(PORTAL)
        .post(/^\/rest\/+batch/)
        .query(true)
        .reply(200, (_u, body: any) => {
          seen.cmds = commands(body)
          const result = Object.fromEntries(Object.keys(seen.cmds).map((k) => [k, k.startsWith('c') ? 501 : true]))
          return ok({ result, result_error: [], result_total: [], result_next: [], result_time: [] })
        })
      return seen
    }
    const syncOf = () => {
      const client = createB24Client({ db: app.c.db, clock, logger: app.c.logger, secret: { clientId: 'local.test', clientSecret: 'secret' }, limiter: app.c.rateLimiter, sleep: async () => {}, timeoutMs: 2000 })
      return createB24Sync({ db: app.c.db, clock, logger: app.c.logger, client, publicUrl: app.url })
    }
    const changeRow = async (orderId: number, to: string) => {
      const row = await app.c.db('outbox').whereIn('topic', ['order.changed', 'order.cancelled']).where('idempotency_key', 'like', `%:${orderId}:%`).orderBy('id', 'desc').first()
      const payload = typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload
      expect(payload.to).to.equal(to)
      return payload
    }
    const ctx = () => ({ rowId: 1, key: 'k', attempt: 1, externalId: null, saveExternalId: async () => {} })

    it('the order.changed of a deal-driven move carries actor.via = b24_deal: only a comment «из Битрикс24», no crm.deal.update; a move from the tab still updates the deal', async () => {
      const { memberId, order, dealId } = await linkedOrder()
      // Only this portal is active while the sync runs (its handlers go to every active install).
      await app.c.db('b24_installs').whereNot({ member_id: memberId }).update({ status: 'uninstalled' })
      const s = await getSettings(app.c.db, memberId)
      await saveSettings(app.c.db, memberId, { ...s, statusByStage: { PREPARATION: 'awaiting_payment' } }, clock.now().getTime())
      dealGet(dealId, 'PREPARATION')
      stageList('DEAL_STAGE', [{ STATUS_ID: 'PREPARATION', NAME: 'Подготовка документов' }])
      app.ui.stageNames.forget(memberId)
      expect(await app.ui.events.processEvent({ memberId, event: 'ONCRMDEALUPDATE', id: String(dealId) })).to.equal('moved to awaiting_payment')
      const payload = await changeRow(order.id, 'awaiting_payment')
      expect(payload.actor).to.deep.equal({ kind: 'b24', user_id: null, via: 'b24_deal' })

      const echo = expectBatch()
      const out = await syncOf().handlers['order.changed']!.handleBatch([{ payload, ctx: ctx() }])
      expect(out[0]!.ok).to.equal(true)
      const sent = Object.values(echo.cmds)
      expect(sent.map((c) => c[0])).to.deep.equal(['crm.timeline.comment.add'])
      expect(sent[0]![1].fields).to.include({ ENTITY_ID: String(dealId), ENTITY_TYPE: 'deal' })
      expect(sent[0]![1].fields.COMMENT).to.contain('из Битрикс24').and.contain(order.number).and.contain(`«${STATUS_LABELS.awaiting_payment}»`)

      // The manager's «→ состояние» in the deal tab (Bitrix24 user, but the deal has not moved): the deal follows the order.
      await app.c.orders.transition(order.id, 'cancelled', { kind: 'b24', userId: null }, 'Ирина Менеджерова (Битрикс24, пользователь № 7)')
      const tabPayload = await changeRow(order.id, 'cancelled')
      expect(tabPayload.actor).to.deep.equal({ kind: 'b24', user_id: null })
      const moved = expectBatch()
      await syncOf().handlers['order.cancelled']!.handleBatch([{ payload: tabPayload, ctx: ctx() }])
      const methods = Object.values(moved.cmds).map((c) => c[0])
      expect(methods).to.deep.equal(['crm.deal.update', 'crm.timeline.comment.add'])
      expect(Object.values(moved.cmds)[0]![1].fields.STAGE_ID).to.equal(s.stageByStatus.cancelled)
      expect(Object.values(moved.cmds)[1]![1].fields.COMMENT).to.not.contain('из Битрикс24')
      await app.c.db('b24_installs').where({ member_id: memberId }).update({ status: 'uninstalled' })
    })
  })
})
