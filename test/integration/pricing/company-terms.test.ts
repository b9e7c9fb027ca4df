import { expect } from 'chai'
import { startApp, type TestApp } from '../../support/app.js'
import { auditOf, createCompany, createUser, staff } from '../../support/factories.js'
import { inputValue, unescapeHtml } from '../../support/html.js'
import { group, priceType, product } from './helpers.js'

/* A company's pricing terms in the staff area: the «Цены» section of the card and the terms form, with the audit log. */

describe('admin: company pricing terms', () => {
  let app: TestApp
  let manager: Awaited<ReturnType<typeof staff>>
  before(async () => {
    app = await startApp()
    manager = await staff(app)
  })
  after(() => app.close())

  const fresh = async () => createCompany(app, (await createUser(app)).id, { status: 'verified' })
  const termsOf = (id: number) => app.c.db('company_pricing').where({ company_id: id }).first()

  it('the card shows the «Цены» section with a link to the terms form', async () => {
    const c = await fresh()
    const card = await manager.browser.get(`/admin/companies/${c.id}`)
    expect(card.status).to.equal(200)
    expect(card.text).to.contain('data-admin-pricing')
    expect(card.text).to.contain(`href="/admin/companies/${c.id}/pricing"`)
    expect(card.text).to.contain('не закреплён')
    const form = await manager.browser.get(`/admin/companies/${c.id}/pricing`)
    expect(form.status).to.equal(200)
    expect(form.text).to.contain(`data-company-pricing="${c.id}"`)
    expect(inputValue(form.text, 'discount')).to.equal('')
  })

  it('saves groups, pinned type, personal discount and turnover, shows them on the card and logs the change in words', async () => {
    const c = await fresh()
    const [ga, gb] = [await group(app, null, 'Дилеры'), await group(app, null, 'Кофейни')]
    const pinned = await priceType(app, 'Договорной')
    const pinnedName = (await app.c.db('price_types').where({ id: pinned }).first('name')).name
    const res = await manager.browser.post(`/admin/companies/${c.id}/pricing`, {
      group_ids: [String(ga.id), String(gb.id)], pinned_price_type_id: String(pinned), discount: '2,5', turnover: '640 000',
    })
    expect(res.status).to.equal(303)
    expect(res.headers.location).to.equal(`/admin/companies/${c.id}#pricing`)
    const row = await termsOf(c.id)
    expect([Number(row.pinned_price_type_id), Number(row.discount_bp), Number(row.turnover_12m_kopecks)]).to.deep.equal([pinned, 250, 64_000_000])
    const groups = await app.c.db('company_groups').where({ company_id: c.id }).orderBy('group_id').select('group_id')
    expect(groups.map((g: { group_id: number }) => Number(g.group_id))).to.deep.equal([ga.id, gb.id])

    const card = unescapeHtml((await manager.browser.get(`/admin/companies/${c.id}`)).text)
    for (const t of ['Условия цен сохранены', ga.name, gb.name, pinnedName, '2,5\u00a0%', '640\u00a0000\u00a0₽']) expect(card).to.contain(t)
    const audit = await auditOf(app, c.id)
    expect(audit).to.have.length(1)
    expect(audit[0].action).to.equal('company.pricing_changed')
    expect(Number(audit[0].actor_user_id)).to.equal(manager.user.id)
    expect(JSON.parse(audit[0].details)).to.deep.equal({
      'Группы': `— → ${[ga.name, gb.name].sort((a, b) => a.localeCompare(b)).join(', ')}`,
      'Закреплённый тип цен': `— → ${pinnedName}`,
      'Персональная скидка': '0\u00a0% → 2,5\u00a0%',
      'Оборот за 12 месяцев': '0\u00a0₽ → 640\u00a0000\u00a0₽',
    })

    const again = await manager.browser.get(`/admin/companies/${c.id}/pricing`)
    expect(inputValue(again.text, 'discount')).to.equal('2,5')
    expect(inputValue(again.text, 'turnover')).to.equal('640\u00a0000')
    await manager.browser.post(`/admin/companies/${c.id}/pricing`, { group_ids: [String(gb.id), String(ga.id)], pinned_price_type_id: String(pinned), discount: '2,5', turnover: inputValue(again.text, 'turnover')! })
    expect(unescapeHtml((await manager.browser.get(`/admin/companies/${c.id}`)).text)).to.contain('Изменений нет')
    expect(await auditOf(app, c.id)).to.have.length(1)

    await manager.browser.post(`/admin/companies/${c.id}/pricing`, { pinned_price_type_id: '', discount: '', turnover: '' })
    const cleared = await termsOf(c.id)
    expect([cleared.pinned_price_type_id, Number(cleared.discount_bp), Number(cleared.turnover_12m_kopecks)]).to.deep.equal([null, 0, 0])
    expect(await app.c.db('company_groups').where({ company_id: c.id }).first()).to.equal(undefined)
    expect(JSON.parse((await auditOf(app, c.id))[1].details)['Группы']).to.match(/ → —$/)
  })

  it('re-renders bad input with the values and a message next to each field, changing nothing', async () => {
    const c = await fresh()
    const g = await group(app)
    const res = await manager.browser.post(`/admin/companies/${c.id}/pricing`, { group_ids: [String(g.id)], pinned_price_type_id: '', discount: 'сто', turnover: '-5 000' })
    expect(res.status).to.equal(422)
    expect(res.text).to.contain('Скидка — число процентов от 0 до 99,99')
    expect(res.text).to.contain('Оборот в рублях')
    expect(inputValue(res.text, 'discount')).to.equal('сто')
    expect(inputValue(res.text, 'turnover')).to.equal('-5 000')
    expect(res.text).to.match(new RegExp(`name="group_ids" value="${g.id}" checked`))
    const unknown = await manager.browser.post(`/admin/companies/${c.id}/pricing`, { group_ids: ['999999999'], discount: '1' })
    expect(unknown.status).to.equal(422)
    expect(unknown.text).to.contain('Одной из групп больше нет')
    const badType = await manager.browser.post(`/admin/companies/${c.id}/pricing`, { pinned_price_type_id: '999999999' })
    expect(badType.status).to.equal(422)
    expect(badType.text).to.contain('Типа цен больше нет')
    expect(await termsOf(c.id)).to.equal(undefined)
    expect(await auditOf(app, c.id)).to.have.length(0)
    expect((await manager.browser.get('/admin/companies/999999999/pricing')).status).to.equal(404)
  })

  it('the saved terms price the company at once: a pinned type and a personal discount', async () => {
    const c = await fresh()
    const contract = await priceType(app, 'Договор')
    const p = await product(app, { price: 10_000, prices: { [contract]: 9_000 } })
    await manager.browser.post(`/admin/companies/${c.id}/pricing`, { pinned_price_type_id: String(contract), discount: '10' })
    const [l] = (await app.c.pricing.priceLines(c.id, [{ productId: p.id, qtyMilli: 1000 }])).lines
    expect([l!.unitKopecks, l!.rule!.kind, l!.discounts.map((d) => d.kind)]).to.deep.equal([8_100, 'pinned', ['personal_discount']])
  })
})
