import { expect } from 'chai'
import { startApp, type TestApp } from '../../support/app.js'
import { auditOf, buyer, createCompany, createUser, randomOgrn, staff } from '../../support/factories.js'
import { companyRow, escaped } from './helpers.js'

describe('admin: company card and actions', () => {
  let app: TestApp
  let manager: Awaited<ReturnType<typeof staff>>
  before(async () => {
    app = await startApp()
    manager = await staff(app)
  })
  after(() => app.close())

  const freshCompany = async (o: { status?: 'unverified' | 'verified' | 'blocked'; kind?: 'legal' | 'ip' | 'person' } = {}) => {
    const owner = await createUser(app, { name: 'Владельцев Олег Петрович' })
    return { owner, company: await createCompany(app, owner.id, o) }
  }

  describe('card', () => {
    it('shows requisites, DaData note, registry status, contacts, EDO, members, delivery points, documents and the audit log', async () => {
      const { owner, company } = await freshCompany()
      const t = Date.now()
      await app.c.db('companies').where({ id: company.id }).update({
        requisites_note: 'Реквизиты получены из ЕГРЮЛ/ЕГРИП (DaData)', edo_enabled: true, edo_operator: 'diadoc', edo_participant_id: '2BM-TEST-1',
        docs_phone: '+74950000001', postal_address: '101000, г Москва, а/я 7',
      })
      await app.c.db('delivery_points').insert({
        company_id: company.id, name: 'Склад на Варшавке', address: 'г Москва, Варшавское ш, д 1', contact_name: 'Игорь', contact_phone: '+79035550102',
        working_hours: 'пн–пт 9–18', comment: 'Въезд со двора', is_default: true, created_at: t, updated_at: t,
      })
      await app.c.db('audit_log').insert({ actor_user_id: owner.id, company_id: company.id, action: 'member.invited', details: JSON.stringify({ email: 'kolya@test.local', role: 'buyer' }), created_at: t })
      const res = await manager.browser.get(`/admin/companies/${company.id}`)
      expect(res.status).to.equal(200)
      for (const text of [
        escaped(company.name), company.inn!, '770101001', 'Реквизиты получены из ЕГРЮЛ/ЕГРИП (DaData)', 'действующая', 'docs@test.local',
        '+74950000001', '101000, г Москва, а/я 7', 'Контур.Диадок', '2BM-TEST-1', 'Владельцев Олег Петрович', owner.email, '+79160000000',
        'Владелец', 'Склад на Варшавке', 'Варшавское ш', 'Игорь', 'пн–пт 9–18', 'Въезд со двора', 'основная', '<h2>Документы</h2>',
        'Приглашён сотрудник', 'kolya@test.local, роль «Закупщик»', 'Подтвердить компанию', 'Заблокировать',
      ]) {
        expect(res.text).to.contain(text)
      }
    })

    it('lists the audit log newest first with the actor name', async () => {
      const { owner, company } = await freshCompany()
      await app.c.db('audit_log').insert([
        { actor_user_id: owner.id, company_id: company.id, action: 'company.created', details: '{"checked":true}', created_at: 1_000 },
        { actor_user_id: null, company_id: company.id, action: 'something.new', details: '{"x":1}', created_at: 2_000 },
      ])
      await manager.browser.post(`/admin/companies/${company.id}/verify`)
      const res = await manager.browser.get(`/admin/companies/${company.id}`)
      const actions = [...res.text.matchAll(/data-audit-action="([^"]+)"/g)].map((m) => m[1])
      expect(actions).to.deep.equal(['company.verified', 'something.new', 'company.created'])
      expect(res.text).to.contain('Менеджерова Мария Ивановна')
      expect(res.text).to.contain('система')
      expect(res.text).to.contain('x: 1')
    })
  })

  describe('verify, block, unblock', () => {
    it('verifies an unverified company and records who did it', async () => {
      const { company } = await freshCompany()
      const res = await manager.browser.post(`/admin/companies/${company.id}/verify`)
      expect(res.status).to.equal(303)
      expect(res.headers.location).to.equal(`/admin/companies/${company.id}`)
      const row = await companyRow(app, company.id)
      expect(row.status).to.equal('verified')
      expect(Number(row.verified_by)).to.equal(manager.user.id)
      expect(Number(row.verified_at)).to.be.greaterThan(0)
      const audit = await auditOf(app, company.id)
      expect(audit).to.have.length(1)
      expect(audit[0]).to.include({ action: 'company.verified' })
      expect(Number(audit[0].actor_user_id)).to.equal(manager.user.id)
      expect(JSON.parse(audit[0].details)).to.deep.equal({ from: 'unverified', to: 'verified' })
      const page = await manager.browser.get(res.headers.location!)
      expect(page.text).to.contain('Компания подтверждена: заказы доступны')
      expect(page.text).not.to.contain('Подтвердить компанию')
    })

    it('refuses to verify twice or to verify a blocked company, writing nothing', async () => {
      const { company } = await freshCompany({ status: 'verified' })
      await manager.browser.post(`/admin/companies/${company.id}/verify`)
      expect((await manager.browser.get(`/admin/companies/${company.id}`)).text).to.contain('Компания уже подтверждена')
      const blocked = (await freshCompany({ status: 'blocked' })).company
      await manager.browser.post(`/admin/companies/${blocked.id}/verify`)
      expect((await manager.browser.get(`/admin/companies/${blocked.id}`)).text).to.contain('сначала разблокируйте')
      expect((await companyRow(app, company.id)).verified_by).to.equal(null)
      expect((await companyRow(app, blocked.id)).status).to.equal('blocked')
      expect(await auditOf(app, company.id)).to.have.length(0)
      expect(await auditOf(app, blocked.id)).to.have.length(0)
    })

    it('requires a block reason: the card comes back with a message next to the field', async () => {
      const { company } = await freshCompany({ status: 'verified' })
      const res = await manager.browser.post(`/admin/companies/${company.id}/block`, { reason: '   ' })
      expect(res.status).to.equal(422)
      expect(res.text).to.contain('Укажите причину блокировки')
      expect(res.text).to.match(/<details class="admin-block" open>/)
      const long = 'д'.repeat(301)
      const res2 = await manager.browser.post(`/admin/companies/${company.id}/block`, { reason: long })
      expect(res2.status).to.equal(422)
      expect(res2.text).to.contain('Причина не длиннее 300 символов')
      expect(res2.text).to.contain(long)
      expect((await companyRow(app, company.id)).status).to.equal('verified')
      expect(await auditOf(app, company.id)).to.have.length(0)
    })

    it('blocks with a reason, and unblocking returns a verified company to verified', async () => {
      const { company } = await freshCompany()
      await manager.browser.post(`/admin/companies/${company.id}/verify`)
      const res = await manager.browser.post(`/admin/companies/${company.id}/block`, { reason: 'Просрочена оплата по счёту 118' })
      expect(res.status).to.equal(303)
      let row = await companyRow(app, company.id)
      expect(row.status).to.equal('blocked')
      expect(row.blocked_reason).to.equal('Просрочена оплата по счёту 118')
      const card = await manager.browser.get(`/admin/companies/${company.id}`)
      expect(card.text).to.contain('Заблокирована: Просрочена оплата по счёту 118')
      expect(card.text).to.contain('Разблокировать')

      await manager.browser.post(`/admin/companies/${company.id}/block`, { reason: 'ещё раз' })
      expect((await companyRow(app, company.id)).blocked_reason).to.equal('Просрочена оплата по счёту 118')

      await manager.browser.post(`/admin/companies/${company.id}/unblock`)
      row = await companyRow(app, company.id)
      expect(row.status).to.equal('verified')
      expect(row.blocked_reason).to.equal('')
      const audit = await auditOf(app, company.id)
      expect(audit.map((a) => a.action)).to.deep.equal(['company.verified', 'company.blocked', 'company.unblocked'])
      expect(audit.every((a) => Number(a.actor_user_id) === manager.user.id)).to.equal(true)
      expect(JSON.parse(audit[1].details)).to.deep.equal({ from: 'verified', to: 'blocked', reason: 'Просрочена оплата по счёту 118' })
      expect(JSON.parse(audit[2].details)).to.deep.equal({ from: 'blocked', to: 'verified' })
    })

    it('unblocking a company that was never verified sends it back to the verification queue', async () => {
      const { company } = await freshCompany()
      await manager.browser.post(`/admin/companies/${company.id}/block`, { reason: 'Подозрение на мошенничество' })
      expect((await companyRow(app, company.id)).status).to.equal('blocked')
      await manager.browser.post(`/admin/companies/${company.id}/unblock`)
      expect((await companyRow(app, company.id)).status).to.equal('unverified')
      await manager.browser.post(`/admin/companies/${company.id}/unblock`)
      expect((await manager.browser.get(`/admin/companies/${company.id}`)).text).to.contain('Компания не заблокирована')
      expect((await auditOf(app, company.id)).map((a) => a.action)).to.deep.equal(['company.blocked', 'company.unblocked'])
    })

    it('shows the block to the buyer: the company badge in the cabinet says so', async () => {
      const b = await buyer(app, { status: 'verified' })
      await manager.browser.post(`/admin/companies/${b.company.id}/block`, { reason: 'Долг' })
      const home = await b.browser.get('/')
      expect(home.text).to.contain('заблокирована')
    })

    it('refuses every action without a CSRF token (403) and changes nothing', async () => {
      const { company } = await freshCompany()
      const before = await companyRow(app, company.id)
      for (const [path, fields] of [
        ['verify', {}],
        ['block', { reason: 'Долг' }],
        ['unblock', {}],
        ['requisites', { name_short: 'ООО "Другое"', kpp: '770201001', legal_address: 'г Москва' }],
      ] as const) {
        const res = await manager.browser.post(`/admin/companies/${company.id}/${path}`, { ...fields, _csrf: null })
        expect(res.status, path).to.equal(403)
        expect(res.text).to.contain('Форма устарела')
      }
      const forged = await manager.browser.post(`/admin/companies/${company.id}/verify`, { _csrf: 'forged-token' })
      expect(forged.status).to.equal(403)
      expect(await companyRow(app, company.id)).to.deep.equal(before)
      expect(await auditOf(app, company.id)).to.have.length(0)
    })
  })

  describe('requisites', () => {
    const form = (o: Record<string, string> = {}) => ({
      name_short: 'ООО "ИСПРАВЛЕННОЕ"', name_full: 'ОБЩЕСТВО С ОГРАНИЧЕННОЙ ОТВЕТСТВЕННОСТЬЮ "ИСПРАВЛЕННОЕ"', legal_form: 'ООО', kpp: '770101001',
      ogrn: '', director_name: 'Иванов Иван Иванович', director_post: 'Генеральный директор', legal_address: '101000, г Москва, ул Мясницкая, д 1',
      postal_address: '', ...o,
    })

    it('saves corrected requisites, moves inn_kpp_key with the KPP, refreshes the search text and audits the changes', async () => {
      const { company } = await freshCompany()
      await app.c.db('companies').where({ id: company.id }).update({ requisites_checked: false, requisites_note: 'DaData была недоступна' })
      const ogrn = randomOgrn()
      const res = await manager.browser.post(`/admin/companies/${company.id}/requisites`, form({ kpp: '770 201 001', ogrn, requisites_checked: '1' }))
      expect(res.status).to.equal(303)
      const row = await companyRow(app, company.id)
      expect(row).to.include({ name_short: 'ООО "ИСПРАВЛЕННОЕ"', kpp: '770201001', inn_kpp_key: `${company.inn}/770201001`, ogrn, legal_address: '101000, г Москва, ул Мясницкая, д 1' })
      expect(!!row.requisites_checked).to.equal(true)
      expect(row.requisites_note).to.equal('Проверены менеджером поставщика')
      expect(row.search_text).to.contain('исправленное').and.contain('770201001').and.contain(ogrn)
      const [a] = await auditOf(app, company.id)
      expect(a.action).to.equal('company.requisites_corrected')
      expect(Number(a.actor_user_id)).to.equal(manager.user.id)
      const changes = JSON.parse(a.details).changes
      expect(changes.kpp).to.deep.equal(['770101001', '770201001'])
      expect(changes.requisites_checked).to.deep.equal([false, true])
      expect(changes).not.to.have.property('postal_address')
      const card = await manager.browser.get(`/admin/companies/${company.id}`)
      expect(card.text).to.contain('Реквизиты сохранены')
      expect(card.text).to.contain('КПП: 770101001 → 770201001')
    })

    it('refuses a KPP that another company with the same INN already has, with a Russian message next to the field', async () => {
      const { company } = await freshCompany()
      const other = await freshCompany()
      // The branch of the same legal entity already registered under its own КПП.
      await app.c.db('companies').where({ id: other.company.id }).update({ inn: company.inn, kpp: '770301001', inn_kpp_key: `${company.inn}/770301001` })
      const before = await companyRow(app, company.id)
      const res = await manager.browser.post(`/admin/companies/${company.id}/requisites`, form({ kpp: '770301001', name_short: 'ООО "НЕ ПОТЕРЯТЬ"' }))
      expect(res.status).to.equal(422)
      expect(res.text).to.contain(`Компания с ИНН ${company.inn} и КПП 770301001 уже есть в кабинете`)
      expect(res.text).to.contain('value="ООО &quot;НЕ ПОТЕРЯТЬ&quot;"')
      expect(res.text).to.contain('value="770301001"')
      expect(res.text).to.match(/<details class="admin-edit" open>/)
      expect(await companyRow(app, company.id)).to.deep.equal(before)
      expect(await auditOf(app, company.id)).to.have.length(0)
    })

    it('checks KPP, OGRN, name and address like the buyer form does', async () => {
      const { company } = await freshCompany()
      const res = await manager.browser.post(`/admin/companies/${company.id}/requisites`, form({ kpp: '12345', ogrn: '1027700132196', name_short: '', legal_address: '' }))
      expect(res.status).to.equal(422)
      expect(res.text).to.contain('КПП состоит из 9 символов')
      expect(res.text).to.contain('Неверный ОГРН: не сходится контрольная цифра')
      expect(res.text).to.contain('Укажите название')
      expect(res.text).to.contain('Укажите юридический адрес')
      expect(res.text).to.contain('value="12345"')
      expect((await companyRow(app, company.id)).kpp).to.equal('770101001')
    })

    it('expects an ОГРНИП for an ИП and ignores a KPP', async () => {
      const { company } = await freshCompany({ kind: 'ip' })
      const bad = await manager.browser.post(`/admin/companies/${company.id}/requisites`, form({ ogrn: randomOgrn('legal'), kpp: 'ignored' }))
      expect(bad.status).to.equal(422)
      expect(bad.text).to.contain('ОГРНИП состоит из 15 цифр')
      const ogrnip = randomOgrn('ip')
      const ok = await manager.browser.post(`/admin/companies/${company.id}/requisites`, form({ ogrn: ogrnip, kpp: 'ignored', name_short: 'ИП Сидоров' }))
      expect(ok.status).to.equal(303)
      const row = await companyRow(app, company.id)
      expect(row).to.include({ ogrn: ogrnip, kpp: null, inn_kpp_key: `${company.inn}/`, name_short: 'ИП Сидоров' })
    })

    it('writes nothing when nothing changed', async () => {
      const { company } = await freshCompany()
      const row = await companyRow(app, company.id)
      const same = {
        name_short: row.name_short, name_full: row.name_full, legal_form: row.legal_form, kpp: row.kpp, ogrn: '', director_name: row.director_name,
        director_post: row.director_post, legal_address: row.legal_address, postal_address: row.postal_address, requisites_checked: '1',
      }
      const res = await manager.browser.post(`/admin/companies/${company.id}/requisites`, same)
      expect(res.status).to.equal(303)
      expect((await manager.browser.get(`/admin/companies/${company.id}`)).text).to.contain('Изменений нет')
      expect(await auditOf(app, company.id)).to.have.length(0)
    })

    it('lets staff correct the name and postal address of a private buyer', async () => {
      const { company } = await freshCompany({ kind: 'person' })
      const res = await manager.browser.post(`/admin/companies/${company.id}/requisites`, { name_short: 'Сидорова Анна', postal_address: 'г Тула', kpp: '770201001' })
      expect(res.status).to.equal(303)
      const row = await companyRow(app, company.id)
      expect(row).to.include({ name_short: 'Сидорова Анна', postal_address: 'г Тула', kpp: null, inn_kpp_key: null })
      const empty = await manager.browser.post(`/admin/companies/${company.id}/requisites`, { name_short: '' })
      expect(empty.status).to.equal(422)
      expect(empty.text).to.contain('Укажите ФИО')
    })
  })
})
