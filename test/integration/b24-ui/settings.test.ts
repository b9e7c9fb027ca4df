import { expect } from 'chai'
import nock from 'nock'
import request from 'supertest'
import { DOMAIN, PORTAL, installed, ok, placementBody, portalAccepts, rest, startB24App, tokenOf, type B24TestApp } from './helpers.js'
import { uniq } from '../../support/factories.js'
import { getSettings } from '../../../b24-app/settings-store.js'
import { STATUSES } from '../../../server/orders/rules.js'

/*
 * The app's settings page (the app's main page in Bitrix24): pipelines and stages come from the portal through the app's
 * REST client (crm.category.list, crm.status.list), the mapping and rules are saved through the settings store by portal
 * admins only, and a bad form comes back with Russian messages and what was typed.
 */

describe('b24 app: settings page', () => {
  let app: B24TestApp
  before(async () => {
    app = await startB24App()
  })
  after(() => app.close())

  const STAGES = [
    { STATUS_ID: 'C3:NEW', NAME: 'Новый заказ' },
    { STATUS_ID: 'C3:PAY', NAME: 'Ждём оплату' },
    { STATUS_ID: 'C3:SHIP', NAME: 'Отгрузка' },
    { STATUS_ID: 'C3:WON', NAME: 'Сделка успешна' },
    { STATUS_ID: 'C3:LOSE', NAME: 'Сделка провалена' },
  ]

  function portalLists() {
    return nock(PORTAL)
      .persist()
      .post(rest('crm.category.list'))
      .reply(200, ok({ categories: [{ id: 0, name: 'Общая', isDefault: 'Y' }, { id: 3, name: 'Опт', isDefault: 'N' }] }))
      .post(rest('crm.status.list'), (b) => b.filter?.ENTITY_ID === 'DEAL_STAGE_3')
      .reply(200, ok(STAGES))
      .post(rest('crm.status.list'), (b) => b.filter?.ENTITY_ID === 'DEAL_STAGE')
      .reply(200, ok([{ STATUS_ID: 'NEW', NAME: 'Новая' }, { STATUS_ID: 'WON', NAME: 'Успешна' }]))
  }

  async function openApp(memberId: string, admin: boolean) {
    const auth = `auth-${uniq()}`
    portalAccepts(auth, { ID: admin ? '1' : '8', NAME: admin ? 'Админ' : 'Менеджер', LAST_NAME: 'Портала', ADMIN: admin })
    return request(app.url).post(`/b24/app?DOMAIN=${DOMAIN}&PROTOCOL=1`).type('form').send(placementBody(memberId, auth, 'DEFAULT', ''))
  }

  afterEach(() => nock.cleanAll())

  it('loads pipelines and stages from the portal, saves the mapping, rules and events for admins, framed by the portal', async () => {
    const { memberId } = await installed(app)
    portalLists()
    const page = await openApp(memberId, true)
    expect(page.status, page.text).to.equal(200)
    expect(page.headers['content-security-policy']).to.contain(PORTAL)
    expect(page.text).to.contain('Воронка сделок').and.contain('Опт').and.contain('Какие события что создают')
    const pt = tokenOf(page.text)
    // Choose the «Опт» pipeline: its stages are loaded before mapping.
    const reload = await request(app.url).post('/b24/app/save').type('form').send({ _pt: pt, do: 'reload', category_id: '3', responsible_rule: 'default', responsible_default: '1' })
    expect(reload.status).to.equal(200)
    expect(reload.text).to.contain('Ждём оплату').and.contain('value="C3:PAY"')
    const stage: Record<string, string> = Object.fromEntries(STATUSES.map((s) => [s, s === 'completed' ? 'C3:WON' : s === 'cancelled' ? 'C3:LOSE' : s.includes('ship') || s === 'delivered' ? 'C3:SHIP' : s === 'pending' ? 'C3:NEW' : 'C3:PAY']))
    const saved = await request(app.url)
      .post('/b24/app/save')
      .type('form')
      .send({ _pt: pt, category_id: '3', stage, back: { 'C3:PAY': 'awaiting_payment', 'C3:LOSE': 'cancelled', 'C3:NEW': '' }, responsible_rule: 'company_manager', responsible_default: '15', create: { companyOnVerified: '1', dealOnOrder: '1', updateDealOnChange: '1' } })
    expect(saved.status, saved.text).to.equal(200)
    expect(saved.text).to.contain('Настройки сохранены')
    const s = await getSettings(app.c.db, memberId)
    expect(s.categoryId).to.equal(3)
    expect(s.stageByStatus.paid).to.equal('C3:PAY')
    expect(s.stageByStatus.completed).to.equal('C3:WON')
    expect(s.statusByStage).to.deep.equal({ 'C3:PAY': 'awaiting_payment', 'C3:LOSE': 'cancelled' })
    expect(s.responsible).to.deep.include({ rule: 'company_manager', defaultUserId: 15 })
    expect(s.create).to.deep.equal({ companyOnVerified: true, contactForOwner: false, dealOnOrder: true, updateDealOnChange: true, commentOnChange: false, commentOnDelivery: false })
    const a = await app.c.db('audit_log').where({ action: 'b24.settings_saved' }).orderBy('id', 'desc').first()
    expect(JSON.parse(a.details)).to.include({ b24_member_id: memberId, b24_user_id: '1', manager: 'Админ Портала' })
  })

  it('refuses a stage the pipeline does not have and a bad user id with Russian messages, keeping what was typed', async () => {
    const { memberId } = await installed(app)
    portalLists()
    const pt = tokenOf((await openApp(memberId, true)).text)
    const stage = Object.fromEntries(STATUSES.map((s) => [s, 'C3:NEW']))
    stage.paid = 'C9:NOPE'
    const res = await request(app.url).post('/b24/app/save').type('form').send({ _pt: pt, category_id: '3', stage, responsible_rule: 'default', responsible_default: 'Иванов' })
    expect(res.status).to.equal(422)
    expect(res.text).to.contain('Выберите стадию для «оплачен»').and.contain('вы ввели «Иванов»').and.contain('value="Иванов"')
    expect((await getSettings(app.c.db, memberId)).categoryId).to.equal(0)
  })

  it('only portal admins save; others see the page read-only', async () => {
    const { memberId } = await installed(app)
    portalLists()
    const page = await openApp(memberId, false)
    expect(page.status).to.equal(200)
    expect(page.text).to.contain('менять настройки может администратор портала')
    const res = await request(app.url).post('/b24/app/save').type('form').send({ _pt: tokenOf(page.text), category_id: '0', responsible_rule: 'default', responsible_default: '1' })
    expect(res.status).to.equal(403)
    expect(res.text).to.contain('Настройки меняет только администратор портала')
    expect(await app.c.db('b24_settings').where({ member_id: memberId }).first()).to.equal(undefined)
  })

  it('still opens when the portal cannot list stages, with stage codes typed by hand', async () => {
    const { memberId } = await installed(app)
    nock(PORTAL).persist().post(rest('crm.category.list')).reply(403, { error: 'insufficient_scope', error_description: 'The request requires higher privileges than provided by the access token' })
    const page = await openApp(memberId, true)
    expect(page.status).to.equal(200)
    expect(page.text).to.contain('Не удалось получить воронки и стадии из Битрикс24').and.contain('name="stage[paid]" value="EXECUTING"')
  })
})
