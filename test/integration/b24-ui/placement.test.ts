import { expect } from 'chai'
import nock from 'nock'
import request from 'supertest'
import { DOMAIN, PORTAL, installed, link, ok, placementBody, portalAccepts, rest, startB24App, tokenOf, type B24TestApp } from './helpers.js'
import { orderingBuyer, placeOrder, stocked, warehouse } from '../orders/helpers.js'
import { buyer, uniq } from '../../support/factories.js'
import { markUninstalled } from '../../../b24-app/installs.js'
import type { DeliveryPort, DeliveryRequestView } from '../../../b24-app/placement.js'

/*
 * Placements (reference/bitrix24.md §6, reliability-security.md §4.7–4.8): trusted only through the stored install of
 * `member_id` and its stored domain, AUTH_ID verified there; framed only by that portal; actions carry the signed placement
 * token and are audited with the Bitrix24 user.
 */

describe('b24 app: placements', () => {
  let app: B24TestApp
  const requests: (DeliveryRequestView & { orderId: number; packages: unknown })[] = []
  const delivery: DeliveryPort = {
    async createRequest(i) {
      if (i.packages?.some((p) => p.weightG > 30_000)) return { ok: false, errors: { packages: 'Место тяжелее 30 кг: СДЭК не примет' } }
      requests.push({ id: requests.length + 1, orderId: i.orderId, shipmentId: i.shipmentId, status: 'queued', statusText: 'ждёт отправки в СДЭК', trackNumber: null, packages: i.packages ?? null })
      return { ok: true }
    },
    async draft() {
      return { packages: [{ weightG: 3000, lengthCm: 40, widthCm: 30, heightCm: 30 }], warnings: [] }
    },
    async requestsForOrder(orderId) {
      return requests.filter((r) => r.orderId === orderId)
    },
  }
  before(async () => {
    app = await startB24App({ delivery })
  })
  after(() => app.close())

  async function dealFixture() {
    const { memberId } = await installed(app)
    const wh = await warehouse(app)
    const name = `Чай улун ${uniq()}`
    const p = { ...(await stocked(app, { warehouseId: wh, onHand: 100, name })), name }
    const b = await orderingBuyer(app)
    const order = await placeOrder(app, b, [{ p, qty: 3 }], wh)
    const dealId = 10_000 + Math.floor(Math.random() * 1e6)
    await link(app, 'deal', order.id, memberId, dealId)
    return { memberId, order, dealId, p, b }
  }

  async function openDeal(memberId: string, dealId: number, auth = `auth-${uniq()}`) {
    portalAccepts(auth)
    // A forged DOMAIN in the query string: the app must neither call it nor let it frame the page.
    return request(app.url).post('/b24/placement?DOMAIN=evil.example.com&PROTOCOL=1&LANG=ru&APP_SID=x').type('form').send(placementBody(memberId, auth, 'CRM_DEAL_DETAIL_TAB', dealId))
  }

  it('deal tab: verified on the stored portal, shows the order, framed only by that portal', async () => {
    const { memberId, order, dealId, p } = await dealFixture()
    const evil = nock('https://evil.example.com').post(/.*/).reply(200, ok({}))
    const res = await openDeal(memberId, dealId)
    expect(res.status, res.text).to.equal(200)
    expect(evil.isDone()).to.equal(false)
    expect(res.text).to.contain(`Заказ № ${order.number}`).and.contain(p.name).and.contain('ожидает обработки').and.contain('Ирина Менеджерова')
    expect(res.text).to.contain('История состояний').and.contain('Резерв').and.contain('Счета и оплаты').and.contain('Создать заявку СДЭК')
    // The form starts from the computed packages.
    expect(res.text).to.contain('name="pkg_weight" value="3000"')
    const csp = String(res.headers['content-security-policy'])
    expect(csp).to.contain(`frame-ancestors 'self' ${PORTAL}`)
    expect(csp).not.to.contain('evil.example.com')
    expect(res.headers['x-frame-options']).to.equal(undefined)
    // Ordinary pages keep helmet's defaults.
    const login = await request(app.url).get('/login')
    expect(login.headers['x-frame-options']).to.equal('SAMEORIGIN')
    expect(login.headers['content-security-policy']).to.contain("frame-ancestors 'self'")
    nock.cleanAll()
  })

  it('refuses unknown portals, uninstalled ones and AUTH_IDs the portal does not accept', async () => {
    const { memberId, dealId } = await dealFixture()
    expect((await request(app.url).post('/b24/placement').type('form').send(placementBody(`m${uniq()}`, 'a', 'CRM_DEAL_DETAIL_TAB', dealId))).status).to.equal(403)
    nock(PORTAL).post(rest('app.info')).reply(401, { error: 'invalid_token', error_description: 'The access token provided is invalid.' })
    const bad = await request(app.url).post('/b24/placement').type('form').send(placementBody(memberId, 'forged', 'CRM_DEAL_DETAIL_TAB', dealId))
    expect(bad.status).to.equal(403)
    expect(bad.text).to.contain('Битрикс24 не подтвердил вход')
    expect(bad.headers['x-frame-options']).to.equal('SAMEORIGIN')
    expect((await request(app.url).post('/b24/placement').type('form').send({ PLACEMENT: 'CRM_DEAL_DETAIL_TAB' })).status).to.equal(403)
    await markUninstalled(app.c.db, memberId, app.clock.now().getTime())
    expect((await openDeal(memberId, dealId)).status).to.equal(403)
    nock.cleanAll()
  })

  it('an unlinked deal shows a clear Russian message', async () => {
    const { memberId } = await installed(app)
    const res = await openDeal(memberId, 424242)
    expect(res.status).to.equal(200)
    expect(res.text).to.contain('Эта сделка не связана с заказом кабинета')
  })

  it('actions: moves and cancels along the machine as the Bitrix24 user, refuses what the machine refuses, needs the signed token', async () => {
    const { memberId, order, dealId } = await dealFixture()
    const pt = tokenOf((await openDeal(memberId, dealId)).text)
    const moved = await request(app.url).post('/b24/placement/action').type('form').send({ _pt: pt, do: 'status', status: 'awaiting_payment', note: 'счёт отправлен' })
    expect(moved.status, moved.text).to.equal(200)
    expect(moved.text).to.contain('Состояние заказа: ожидает оплаты')
    expect(moved.headers['content-security-policy']).to.contain(PORTAL)
    const ev = await app.c.db('order_events').where({ order_id: order.id, to_status: 'awaiting_payment' }).first()
    expect(ev.actor_kind).to.equal('b24')
    expect(ev.note).to.contain('Ирина Менеджерова').and.contain('счёт отправлен')
    const audit = await app.c.db('audit_log').where({ action: 'b24.order_status', company_id: order.company_id }).first()
    expect(JSON.parse(audit.details)).to.include({ b24_member_id: memberId, b24_user_id: '7', manager: 'Ирина Менеджерова', to: 'awaiting_payment' })

    const refused = await request(app.url).post('/b24/placement/action').type('form').send({ _pt: pt, do: 'status', status: 'completed' })
    expect(refused.status).to.equal(422)
    expect(refused.text).to.contain('нельзя перейти')
    expect((await app.c.db('orders').where({ id: order.id }).first()).status).to.equal('awaiting_payment')

    for (const forged of ['', 'abc.def', `${pt.split('.')[0]}.AAAA`, pt.replace(/^./, (ch) => (ch === 'e' ? 'f' : 'e'))]) {
      const r = await request(app.url).post('/b24/placement/action').type('form').send({ _pt: forged, do: 'cancel' })
      expect(r.status, forged).to.equal(403)
    }
    expect((await app.c.db('orders').where({ id: order.id }).first()).status).to.equal('awaiting_payment')

    const cancelled = await request(app.url).post('/b24/placement/action').type('form').send({ _pt: pt, do: 'cancel', note: 'клиент передумал' })
    expect(cancelled.text).to.contain('Заказ отменён')
    expect((await app.c.db('orders').where({ id: order.id }).first()).status).to.equal('cancelled')
  })

  it('«Создать заявку СДЭК»: typed packages go to the delivery service, bad ones come back with Russian messages and the typed values', async () => {
    const { memberId, order, dealId } = await dealFixture()
    const pt = tokenOf((await openDeal(memberId, dealId)).text)
    const bad = await request(app.url).post('/b24/placement/action').type('form').send({ _pt: pt, do: 'delivery', shipment: 'all', pkg_weight: ['12кг', ''], pkg_length: ['40', ''], pkg_width: ['30', ''], pkg_height: ['20', ''], pkg_count: ['2', ''] })
    expect(bad.status).to.equal(422)
    expect(bad.text).to.contain('Вес — целое число граммов').and.contain('value="12кг"')
    expect(requests.filter((r) => r.orderId === order.id)).to.have.length(0)
    const heavy = await request(app.url).post('/b24/placement/action').type('form').send({ _pt: pt, do: 'delivery', shipment: 'all', pkg_weight: ['40000'], pkg_length: ['40'], pkg_width: ['30'], pkg_height: ['20'], pkg_count: ['1'] })
    expect(heavy.status).to.equal(422)
    expect(heavy.text).to.contain('Место тяжелее 30 кг').and.contain('value="40000"')
    const good = await request(app.url).post('/b24/placement/action').type('form').send({ _pt: pt, do: 'delivery', shipment: 'all', pkg_weight: ['12000', ''], pkg_length: ['40', ''], pkg_width: ['30', ''], pkg_height: ['20', ''], pkg_count: ['2', ''] })
    expect(good.status, good.text).to.equal(200)
    expect(good.text).to.contain('Заявка СДЭК создана').and.contain('ещё не присвоен')
    const mine = requests.filter((r) => r.orderId === order.id)
    expect(mine).to.have.length(1)
    expect(mine[0]!.shipmentId).to.equal(null)
    expect(mine[0]!.packages).to.deep.equal([{ weightG: 12000, lengthCm: 40, widthCm: 30, heightCm: 20 }, { weightG: 12000, lengthCm: 40, widthCm: 30, heightCm: 20 }])
    mine[0]!.trackNumber = '1234567890'
    const again = await openDeal(memberId, dealId)
    expect(again.text).to.contain('1234567890')
    expect(await app.c.db('audit_log').where({ action: 'b24.delivery_request', company_id: order.company_id }).first()).to.not.equal(undefined)
  })

  it('company tab: requisites, bank accounts, terms, members, points and orders; «Подтвердить» verifies with the Bitrix24 user in the audit', async () => {
    const { memberId } = await installed(app)
    const b = await buyer(app, { status: 'unverified' })
    const bank = { bik: '044525225', account: '40703810238000002575', corr_account: '30101810400000000225', bank_name: 'ПАО Сбербанк', bank_city: 'Москва' }
    expect((await b.browser.post('/company/bank-accounts', bank)).status).to.equal(303)
    const b24CompanyId = 500 + Math.floor(Math.random() * 1e6)
    await link(app, 'company', b.company.id, memberId, b24CompanyId)
    const auth = `auth-${uniq()}`
    portalAccepts(auth)
    const res = await request(app.url).post(`/b24/placement?DOMAIN=${DOMAIN}`).type('form').send(placementBody(memberId, auth, 'CRM_COMPANY_DETAIL_TAB', b24CompanyId))
    expect(res.status, res.text).to.equal(200)
    expect(res.text).to.contain(b.company.name.replace(/"/g, '&quot;')).and.contain(`ИНН</dt><dd>${b.company.inn}`).and.contain('Подтвердить').and.contain('Открыть кабинет клиента')
    expect(res.text).to.contain('Сотрудники покупателя').and.contain('Тип цен').and.contain('Заказов пока нет')
    expect(res.text).to.contain('Банковские реквизиты').and.contain('ПАО Сбербанк</strong>, Москва').and.contain('4070 3810 2380 0000 2575').and.contain('основной')
    const verified = await request(app.url).post('/b24/placement/action').type('form').send({ _pt: tokenOf(res.text), do: 'verify' })
    expect(verified.status).to.equal(200)
    expect(verified.text).to.contain('Компания подтверждена')
    expect((await app.c.db('companies').where({ id: b.company.id }).first()).status).to.equal('verified')
    const a = await app.c.db('audit_log').where({ action: 'company.verified', company_id: b.company.id }).first()
    expect(a.actor_user_id).to.equal(null)
    expect(JSON.parse(a.details).via).to.include({ b24_member_id: memberId, b24_user_id: '7', manager: 'Ирина Менеджерова' })
    // Its orders are listed with their states.
    const wh = await warehouse(app)
    const p = await stocked(app, { warehouseId: wh, onHand: 10 })
    const order = await placeOrder(app, b, [{ p, qty: 1 }], wh)
    portalAccepts(`${auth}-2`)
    const withOrder = await request(app.url).post(`/b24/placement?DOMAIN=${DOMAIN}`).type('form').send(placementBody(memberId, `${auth}-2`, 'CRM_COMPANY_DETAIL_TAB', b24CompanyId))
    expect(withOrder.status, withOrder.text).to.equal(200)
    expect(withOrder.text).to.contain(`№ ${order.number}`).and.contain('ожидает обработки')
    // A token for a company tab cannot act on a deal.
    const wrong = await request(app.url).post('/b24/placement/action').type('form').send({ _pt: tokenOf(res.text), do: 'cancel' })
    expect(wrong.status).to.equal(404)
  })
})
