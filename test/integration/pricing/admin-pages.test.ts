import { expect } from 'chai'
import request from 'supertest'
import { startApp, type TestApp } from '../../support/app.js'
import { auditOf, buyer, createCompany, createProduct, createUser, randomInn, staff, uniq } from '../../support/factories.js'
import { inputValue, unescapeHtml } from '../../support/html.js'
import * as companiesStore from '../../../server/companies/store.js'
import { category, group, priceType } from './helpers.js'

/*
 * The staff pages of pricing through real HTTP: price types, client groups with members, rules. Whole-cart rules made here
 * are limited to a group of the test, so no other test's cart ever meets them.
 */

describe('admin: pricing pages', () => {
  let app: TestApp
  let manager: Awaited<ReturnType<typeof staff>>
  before(async () => {
    app = await startApp()
    manager = await staff(app)
  })
  after(() => app.close())

  const db = () => app.c.db
  const text = (html: string) => unescapeHtml(html)

  describe('access', () => {
    it('sends anonymous visitors to the login page and answers 404 to buyers, for pages and actions', async () => {
      const anon = await request(app.url).get('/admin/pricing/rules').redirects(0)
      expect(anon.status).to.equal(303)
      expect(anon.headers.location).to.match(/^\/login/)
      const b = await buyer(app)
      for (const path of ['/admin/pricing', '/admin/pricing/groups', '/admin/pricing/rules', '/admin/pricing/rules/new', `/admin/companies/${b.company.id}/pricing`]) {
        expect((await b.browser.get(path)).status, path).to.equal(404)
      }
      expect((await b.browser.post('/admin/pricing/types', { name: 'Взлом' })).status).to.equal(404)
      expect((await b.browser.post(`/admin/companies/${b.company.id}/pricing`, { discount: '50' })).status).to.equal(404)
      expect(await db()('price_types').where({ name: 'Взлом' }).first()).to.equal(undefined)
      expect(await db()('company_pricing').where({ company_id: b.company.id }).first()).to.equal(undefined)
    })

    it('links the pricing section from the staff navigation', async () => {
      const res = await manager.browser.get('/admin')
      expect(res.text).to.contain('href="/admin/pricing"')
    })
  })

  describe('price types', () => {
    it('creates a type with a code made from its name and writes an audit entry; the first type ever becomes the default', async () => {
      const hadDefault = !!(await db()('price_types').where({ is_default: true }).first())
      const name = `Опт Юг ${uniq()}`
      const res = await manager.browser.post('/admin/pricing/types', { name, code: '' })
      expect(res.status).to.equal(303)
      const row = await db()('price_types').where({ name }).first()
      expect(row.code).to.match(/^opt-yug-/)
      expect(Boolean(row.is_default)).to.equal(!hadDefault)
      const page = await manager.browser.get('/admin/pricing')
      expect(text(page.text)).to.contain(`Тип цен «${name}» добавлен`)
      expect(page.text).to.contain(`data-price-type-id="${row.id}"`)
      const audit = await db()('audit_log').where({ action: 'pricing.price_type_created' }).orderBy('id', 'desc').first()
      expect(JSON.parse(audit.details)).to.deep.equal({ name, code: row.code })
      expect(Number(audit.actor_user_id)).to.equal(manager.user.id)
    })

    it('re-renders the form with the values and a message next to the field', async () => {
      const empty = await manager.browser.post('/admin/pricing/types', { name: '', code: 'my-code' })
      expect(empty.status).to.equal(422)
      expect(empty.text).to.contain('Укажите название типа цен')
      expect(inputValue(empty.text.slice(empty.text.indexOf('Добавить тип цен')), 'code')).to.equal('my-code')
      const bad = await manager.browser.post('/admin/pricing/types', { name: 'Розница', code: 'код цены' })
      expect(bad.status).to.equal(422)
      expect(bad.text).to.contain('Код — латинские буквы')
      const taken = await db()('price_types').first('code', 'name')
      const clash = await manager.browser.post('/admin/pricing/types', { name: 'Другой', code: taken.code })
      expect(clash.status).to.equal(422)
      expect(text(clash.text)).to.contain(`Этот код уже у типа «${taken.name}»`)
      expect(await db()('price_types').where({ name: 'Розница' }).first()).to.equal(undefined)
    })

    it('renames a type inline; a bad code comes back in its own row', async () => {
      const id = await priceType(app, 'Старое имя')
      const name = `Новое имя ${uniq()}`
      expect((await manager.browser.post(`/admin/pricing/types/${id}`, { name, code: `new-${id}` })).status).to.equal(303)
      expect(await db()('price_types').where({ id }).first('name', 'code')).to.deep.equal({ name, code: `new-${id}` })
      const bad = await manager.browser.post(`/admin/pricing/types/${id}`, { name: 'Другое', code: 'плохой код' })
      expect(bad.status).to.equal(422)
      const row = bad.text.slice(bad.text.indexOf(`data-price-type-id="${id}"`))
      expect(row.slice(0, 1500)).to.contain('Код — латинские буквы')
      expect(inputValue(row, 'name')).to.equal('Другое')
      expect((await db()('price_types').where({ id }).first()).name).to.equal(name)
      expect((await manager.browser.post('/admin/pricing/types/999999999', { name: 'x', code: '' })).status).to.equal(404)
    })

    it('chooses the default type: exactly one is the default', async () => {
      const before = await db()('price_types').where({ is_default: true }).first('id')
      const id = await priceType(app, 'Новый основной')
      try {
        expect((await manager.browser.post(`/admin/pricing/types/${id}/default`)).status).to.equal(303)
        const defaults = await db()('price_types').where({ is_default: true }).select('id')
        expect(defaults.map((d: { id: number }) => Number(d.id))).to.deep.equal([id])
        const page = await manager.browser.get('/admin/pricing')
        expect(text(page.text)).to.contain('Основной тип цен теперь')
        await manager.browser.post(`/admin/pricing/types/${id}/default`)
        expect(text((await manager.browser.get('/admin/pricing')).text)).to.contain('уже основной')
      } finally {
        if (before) await app.c.db.transaction(async (trx) => {
          await trx('price_types').update({ is_default: false })
          await trx('price_types').where({ id: before.id }).update({ is_default: true })
        })
      }
    })
  })

  describe('client groups', () => {
    it('creates a group with a default type, refuses a duplicate name and keeps the values', async () => {
      const type = await priceType(app, 'Дилер')
      const name = `Дилеры ${uniq()}`
      const res = await manager.browser.post('/admin/pricing/groups', { name, default_price_type_id: String(type) })
      expect(res.status).to.equal(303)
      const row = await db()('client_groups').where({ name }).first()
      expect(Number(row.default_price_type_id)).to.equal(type)
      expect(res.headers.location).to.equal(`/admin/pricing/groups/${row.id}`)
      const dup = await manager.browser.post('/admin/pricing/groups', { name, default_price_type_id: String(type) })
      expect(dup.status).to.equal(422)
      expect(dup.text).to.contain('Группа с таким названием уже есть')
      expect(text(inputValue(dup.text, 'name')!)).to.equal(name)
      expect(dup.text).to.match(new RegExp(`<option value="${type}" selected>`))
      const list = await manager.browser.get('/admin/pricing/groups')
      expect(list.text).to.contain(`data-group-id="${row.id}"`)
    })

    it('edits a group; an unchanged form says so', async () => {
      const g = await group(app)
      const type = await priceType(app)
      const name = `Кофейни ${uniq()}`
      await manager.browser.post(`/admin/pricing/groups/${g.id}`, { name, default_price_type_id: String(type) })
      expect(await db()('client_groups').where({ id: g.id }).first('name', 'default_price_type_id')).to.deep.include({ name })
      await manager.browser.post(`/admin/pricing/groups/${g.id}`, { name, default_price_type_id: String(type) })
      expect((await manager.browser.get(`/admin/pricing/groups/${g.id}`)).text).to.contain('Изменений нет')
      const bad = await manager.browser.post(`/admin/pricing/groups/${g.id}`, { name: '', default_price_type_id: 'x' })
      expect(bad.status).to.equal(422)
      expect(bad.text).to.contain('Укажите название группы')
      expect(bad.text).to.contain('Выберите тип цен из списка')
    })

    it('adds companies by INN or number and removes them, with entries in the company audit log', async () => {
      const g = await group(app)
      const owner = await createUser(app)
      const a = await createCompany(app, owner.id)
      const b = await createCompany(app, owner.id, { kind: 'ip' })
      expect((await manager.browser.post(`/admin/pricing/groups/${g.id}/members`, { company: a.inn! })).status).to.equal(303)
      expect((await manager.browser.post(`/admin/pricing/groups/${g.id}/members`, { company: `№ ${b.id}` })).status).to.equal(303)
      await manager.browser.post(`/admin/pricing/groups/${g.id}/members`, { company: String(b.id) })
      const page = await manager.browser.get(`/admin/pricing/groups/${g.id}`)
      expect(text(page.text)).to.contain('уже в группе')
      expect(page.text).to.contain(`data-member-id="${a.id}"`)
      expect(page.text).to.contain(`data-member-id="${b.id}"`)
      const members = await db()('company_groups').where({ group_id: g.id }).orderBy('company_id').select('company_id')
      expect(members.map((m: { company_id: number }) => Number(m.company_id))).to.deep.equal([a.id, b.id].sort((x, y) => x - y))
      const audit = await auditOf(app, a.id)
      expect(audit.map((r: { action: string }) => r.action)).to.deep.equal(['company.pricing_changed'])
      expect(JSON.parse(audit[0].details)).to.deep.equal({ 'Группы': `добавлена в «${g.name}»` })

      expect((await manager.browser.post(`/admin/pricing/groups/${g.id}/members/${a.id}/remove`)).status).to.equal(303)
      expect(await db()('company_groups').where({ group_id: g.id, company_id: a.id }).first()).to.equal(undefined)
      expect(JSON.parse((await auditOf(app, a.id))[1].details)).to.deep.equal({ 'Группы': `исключена из «${g.name}»` })
      await manager.browser.post(`/admin/pricing/groups/${g.id}/members/${a.id}/remove`)
      expect(text((await manager.browser.get(`/admin/pricing/groups/${g.id}`)).text)).to.contain('Компании уже нет в группе')
    })

    it('explains what it could not find, keeping what was typed', async () => {
      const g = await group(app)
      const bad = await manager.browser.post(`/admin/pricing/groups/${g.id}/members`, { company: 'Рога и копыта' })
      expect(bad.status).to.equal(422)
      expect(bad.text).to.contain('Укажите ИНН (10 или 12 цифр)')
      expect(inputValue(bad.text, 'company')).to.equal('Рога и копыта')
      const missing = await manager.browser.post(`/admin/pricing/groups/${g.id}/members`, { company: randomInn() })
      expect(missing.text).to.contain('Такой компании в кабинете нет')
      const owner = await createUser(app)
      const head = await createCompany(app, owner.id)
      const now = Date.now()
      const branch = await companiesStore.insertCompany(app.c.db, {
        kind: 'legal', inn: head.inn, kpp: '770201001', inn_kpp_key: `${head.inn}/770201001`, ogrn: null, name_short: 'Филиал', name_full: '', legal_form: 'ООО',
        director_name: '', director_post: '', legal_address: 'г Москва', postal_address: '', docs_email: '', docs_phone: '', edo_enabled: false, edo_operator: null,
        edo_participant_id: null, requisites_checked: false, requisites_note: '', registry_status: null,
      }, now)
      const two = await manager.browser.post(`/admin/pricing/groups/${g.id}/members`, { company: head.inn! })
      expect(two.status).to.equal(422)
      expect(two.text).to.contain(`С этим ИНН несколько компаний (№ ${head.id}, № ${branch})`)
      expect(await db()('company_groups').where({ group_id: g.id }).first()).to.equal(undefined)
    })
  })

  describe('rules', () => {
    let g: { id: number; name: string }
    let tier: number
    before(async () => {
      g = await group(app)
      tier = await priceType(app, 'Крупный опт')
    })

    const form = (o: Record<string, string>) => ({ name: 'Правило', kind: 'qty_tier', sku: '', category_id: '', group_id: '', threshold: '', price_type_id: '', discount: '', ...o })

    it('creates a quantity tier by SKU with the threshold typed in pieces', async () => {
      const sku = `ECO-CUP-${uniq().toUpperCase()}`
      const p = await createProduct(app, { sku, price: 36_000 })
      const typed = sku.toLowerCase().replace(/-/g, ' ')
      const res = await manager.browser.post('/admin/pricing/rules', form({ name: 'Крупный опт', sku: typed, threshold: '36 шт', price_type_id: String(tier) }))
      expect(res.status).to.equal(303)
      const row = await db()('pricing_rules').where({ product_id: p.id }).first()
      expect({ kind: row.kind, threshold: Number(row.threshold), unit: row.unit, type: Number(row.price_type_id), active: Boolean(row.is_active) }).to.deep.equal({
        kind: 'qty_tier', threshold: 36_000, unit: 'шт', type: tier, active: true,
      })
      const list = await manager.browser.get('/admin/pricing/rules?kind=qty_tier')
      const line = text(list.text.slice(list.text.indexOf(`data-rule-id="${row.id}"`)).slice(0, 2000))
      expect(line).to.contain(sku)
      expect(line).to.contain('от 36 шт')
      const audit = await db()('audit_log').where({ action: 'pricing.rule_created' }).orderBy('id', 'desc').first()
      expect(JSON.parse(audit.details)).to.include({ id: row.id, threshold: 36_000 })
    })

    it('reads money, counts and percentages in human units', async () => {
      const cases: [Record<string, string>, { threshold: number; discount_bp: number }][] = [
        [{ kind: 'sum_tier', threshold: '50 000 ₽', discount: '3' }, { threshold: 5_000_000, discount_bp: 300 }],
        [{ kind: 'turnover', threshold: '1\u00a0000\u00a0000', price_type_id: String(tier) }, { threshold: 100_000_000, discount_bp: 0 }],
        [{ kind: 'turnover', threshold: '0', discount: '1,5' }, { threshold: 0, discount_bp: 150 }],
        [{ kind: 'positions', threshold: '10', discount: '2,25 %' }, { threshold: 10, discount_bp: 225 }],
      ]
      for (const [fields, want] of cases) {
        const name = `Правило ${uniq()}`
        const res = await manager.browser.post('/admin/pricing/rules', form({ name, group_id: String(g.id), ...fields }))
        expect(res.status, JSON.stringify(fields)).to.equal(303)
        const row = await db()('pricing_rules').where({ name }).first()
        expect({ threshold: Number(row.threshold), discount_bp: Number(row.discount_bp) }).to.deep.equal(want)
        expect(Number(row.group_id)).to.equal(g.id)
      }
    })

    it('category tiers need a unit, and a category discount gives only a discount', async () => {
      const cat = await category(app, 'Кофе')
      const noUnit = await manager.browser.post('/admin/pricing/rules', form({ name: 'Кофе мешками', category_id: String(cat), threshold: '30', price_type_id: String(tier) }))
      expect(noUnit.status).to.equal(422)
      expect(noUnit.text).to.contain('Для категории укажите единицу')
      expect(noUnit.text).to.match(new RegExp(`<option value="${cat}" selected>`))
      const ok = await manager.browser.post('/admin/pricing/rules', form({ name: 'Кофе мешками', category_id: String(cat), threshold: '30 кг', price_type_id: String(tier) }))
      expect(ok.status).to.equal(303)
      const row = await db()('pricing_rules').where({ category_id: cat, kind: 'qty_tier' }).first()
      expect([Number(row.threshold), row.unit]).to.deep.equal([30_000, 'кг'])
      const withType = await manager.browser.post('/admin/pricing/rules', form({ name: 'Скидка', kind: 'category_discount', category_id: String(cat), price_type_id: String(tier), discount: '5' }))
      expect(withType.status).to.equal(422)
      expect(withType.text).to.contain('Скидка на категорию не меняет тип цен')
      expect((await manager.browser.post('/admin/pricing/rules', form({ name: 'Скидка', kind: 'category_discount', category_id: String(cat), discount: '5' }))).status).to.equal(303)
    })

    it('re-renders the form with every value and a message next to each bad field', async () => {
      const kg = await createProduct(app, { unit: 'кг' })
      const cases: [Record<string, string>, string][] = [
        [{ name: '', sku: kg.sku, threshold: '36 кг', price_type_id: String(tier) }, 'Назовите правило'],
        [{ sku: 'НЕТ-ТАКОГО-99', threshold: '36 шт', price_type_id: String(tier) }, 'Товара с артикулом «НЕТ-ТАКОГО-99» нет в каталоге'],
        [{ sku: kg.sku, threshold: '36 шт', price_type_id: String(tier) }, 'Товар считается в «кг»'],
        [{ sku: kg.sku, threshold: 'много', price_type_id: String(tier) }, 'Порог — число с единицей'],
        [{ sku: kg.sku, threshold: '0 кг', price_type_id: String(tier) }, 'Порог больше нуля'],
        [{ sku: kg.sku, threshold: '36 кг' }, 'Выберите тип цен или укажите скидку'],
        [{ sku: kg.sku, threshold: '36 кг', discount: '100' }, 'Скидка — от 0,01 до 99,99 %'],
        [{ threshold: '36 шт', price_type_id: String(tier) }, 'Порог по количеству считается по товару или категории'],
        [{ kind: 'sum_tier', threshold: '50 тысяч', discount: '3', group_id: String(g.id) }, 'Сумма в рублях'],
        [{ kind: 'positions', threshold: '2,5', discount: '3', group_id: String(g.id) }, 'Число позиций — целое число'],
        [{ kind: 'nonsense', threshold: '1' }, 'Выберите вид правила'],
      ]
      const before = await db()('pricing_rules').count({ n: '*' })
      for (const [fields, message] of cases) {
        const sent = form({ name: 'Проверка формы', ...fields })
        const res = await manager.browser.post('/admin/pricing/rules', sent)
        expect(res.status, message).to.equal(422)
        expect(text(res.text), message).to.contain(message)
        expect(inputValue(res.text, 'threshold'), message).to.equal(sent.threshold)
        expect(inputValue(res.text, 'sku'), message).to.equal(sent.sku)
        expect(inputValue(res.text, 'name'), message).to.equal(sent.name)
      }
      expect(await db()('pricing_rules').count({ n: '*' })).to.deep.equal(before)
    })

    it('edits a rule (the form shows the stored threshold in human units), deactivates and activates it', async () => {
      const p = await createProduct(app, { price: 36_000 })
      const id = Number((await db()('pricing_rules').insert({ name: 'EcoCups', kind: 'qty_tier', product_id: p.id, threshold: 36_000, unit: 'шт', price_type_id: tier, discount_bp: 0, is_active: true, created_at: 1, updated_at: 1 }))[0])
      const page = await manager.browser.get(`/admin/pricing/rules/${id}`)
      expect(inputValue(page.text, 'threshold')).to.equal('36 шт')
      expect(inputValue(page.text, 'sku')).to.equal(p.sku)
      const res = await manager.browser.post(`/admin/pricing/rules/${id}`, form({ name: 'EcoCups 108', sku: p.sku, threshold: '108', price_type_id: String(tier), discount: '1' }))
      expect(res.status).to.equal(303)
      const row = await db()('pricing_rules').where({ id }).first()
      expect([row.name, Number(row.threshold), row.unit, Number(row.discount_bp)]).to.deep.equal(['EcoCups 108', 108_000, 'шт', 100])
      const bad = await manager.browser.post(`/admin/pricing/rules/${id}`, form({ name: 'EcoCups', sku: p.sku, threshold: '', price_type_id: String(tier) }))
      expect(bad.status).to.equal(422)
      expect(bad.text).to.contain('Укажите порог')
      expect((await db()('pricing_rules').where({ id }).first()).name).to.equal('EcoCups 108')

      expect((await manager.browser.post(`/admin/pricing/rules/${id}/deactivate`)).status).to.equal(303)
      expect(Boolean((await db()('pricing_rules').where({ id }).first()).is_active)).to.equal(false)
      expect((await manager.browser.get('/admin/pricing/rules')).text).not.to.contain(`data-rule-id="${id}"`)
      const all = await manager.browser.get('/admin/pricing/rules?state=inactive')
      expect(all.text).to.contain(`data-rule-id="${id}"`)
      expect(all.text).to.contain('отключено')
      expect((await app.c.pricing.priceLines((await createCompany(app, (await createUser(app)).id)).id, [{ productId: p.id, qtyMilli: 200_000 }])).lines[0]!.rule!.kind).to.equal('default')
      await manager.browser.post(`/admin/pricing/rules/${id}/deactivate`)
      expect(text((await manager.browser.get('/admin/pricing/rules')).text)).to.contain('Правило уже в этом состоянии')
      await manager.browser.post(`/admin/pricing/rules/${id}/activate`)
      expect(Boolean((await db()('pricing_rules').where({ id }).first()).is_active)).to.equal(true)
      const actions = (await db()('audit_log').where('action', 'like', 'pricing.rule_%').orderBy('id', 'desc').limit(3).select('action')).map((a: { action: string }) => a.action)
      expect(actions).to.deep.equal(['pricing.rule_activated', 'pricing.rule_deactivated', 'pricing.rule_changed'])
      expect((await manager.browser.get('/admin/pricing/rules/999999999')).status).to.equal(404)
    })

    it('filters the list by kind, group and state', async () => {
      const mine = await group(app)
      const name = `Только моей группы ${uniq()}`
      await manager.browser.post('/admin/pricing/rules', form({ name, kind: 'positions', threshold: '3', discount: '1', group_id: String(mine.id) }))
      const res = await manager.browser.get(`/admin/pricing/rules?group=${mine.id}&kind=positions&state=all`)
      const ids = [...res.text.matchAll(/data-rule-id="(\d+)"/g)].map((m) => Number(m[1]))
      const row = await db()('pricing_rules').where({ name }).first()
      expect(ids).to.deep.equal([Number(row.id)])
      expect(text(res.text)).to.contain(mine.name)
    })

    it('refuses every change without a CSRF token', async () => {
      const before = await db()('pricing_rules').count({ n: '*' })
      const res = await manager.browser.post('/admin/pricing/rules', { ...form({ name: 'Без токена', kind: 'positions', threshold: '1', discount: '5', group_id: String(g.id) }), _csrf: null })
      expect(res.status).to.equal(403)
      expect((await manager.browser.post('/admin/pricing/types', { name: 'Без токена', _csrf: null })).status).to.equal(403)
      expect((await manager.browser.post('/admin/pricing/groups', { name: 'Без токена', _csrf: null })).status).to.equal(403)
      expect(await db()('pricing_rules').count({ n: '*' })).to.deep.equal(before)
      expect(await db()('price_types').where({ name: 'Без токена' }).first()).to.equal(undefined)
    })
  })
})
