import { expect } from 'chai'
import { manualClock, startApp, type TestApp } from '../../support/app.js'
import { createCompany, createUser, randomOgrn, staff } from '../../support/factories.js'
import * as companiesStore from '../../../server/companies/store.js'
import { listedIds } from './helpers.js'

describe('admin: companies list', () => {
  let app: TestApp
  let clock: ReturnType<typeof manualClock>
  let browser: Awaited<ReturnType<typeof staff>>['browser']
  let ownerId: number
  // A word of this run only, so the shared database of the suite never adds strangers to the results.
  const tag = `тэг${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`

  const add = async (name: string, status?: 'unverified' | 'verified' | 'blocked', kind?: 'legal' | 'ip' | 'person') => {
    clock.advance(1_000)
    return createCompany(app, ownerId, { name, status, kind })
  }
  const list = async (query: string) => {
    const res = await browser.get(`/admin?${query}`)
    expect(res.status, query).to.equal(200)
    return listedIds(res.text)
  }
  const q = (text: string) => `q=${encodeURIComponent(text)}`

  before(async () => {
    clock = manualClock()
    app = await startApp({ clock })
    ownerId = (await createUser(app)).id
    browser = (await staff(app)).browser
  })
  after(() => app.close())

  it('finds companies by a Cyrillic name in any case and with ё written as е or ё', async () => {
    const hit = await add(`ООО "Ёлочка ${tag}"`)
    const miss = await add(`ООО "Берёзка ${tag}"`)
    for (const text of ['ёлочка', 'ЁЛОЧКА', 'елочка', 'Елочка', `лочк ${tag.toUpperCase()}`]) {
      const ids = await list(q(text))
      expect(ids, text).to.include(hit.id)
      expect(ids, text).not.to.include(miss.id)
    }
    expect(await list(q(`берез ${tag}`))).to.deep.equal([miss.id])
  })

  it('finds companies by an INN prefix, a full KPP and an OGRN', async () => {
    const a = await add(`ООО "Реквизиты ${tag}"`)
    const b = await add(`ООО "Прочие ${tag}"`)
    const kpp = `77${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`
    const ogrn = randomOgrn()
    await companiesStore.updateCompany(app.c.db, a.id, { kpp, ogrn }, clock.now().getTime())
    expect(await list(q(`${a.inn!.slice(0, 6)} ${tag}`))).to.deep.equal([a.id])
    expect(await list(q(a.inn!))).to.include(a.id).and.not.include(b.id)
    expect(await list(q(kpp))).to.deep.equal([a.id])
    expect(await list(q(ogrn))).to.deep.equal([a.id])
  })

  it('treats % and _ in the search as plain characters', async () => {
    const percent = await add(`ООО "100% Кофе ${tag}"`)
    const thousand = await add(`ООО "1000 Кофе ${tag}"`)
    const underscore = await add(`ООО "А_Б ${tag}"`)
    const letter = await add(`ООО "АxБ ${tag}"`)
    expect(await list(q(`100% ${tag}`))).to.deep.equal([percent.id])
    expect(await list(q(`а_б ${tag}`))).to.deep.equal([underscore.id])
    const both = await list(q(`кофе ${tag}`))
    expect(both).to.have.members([percent.id, thousand.id])
    expect(await list(q(`%`))).to.include(percent.id).and.not.include(letter.id)
    expect(await list(q(`_ ${tag}`))).to.deep.equal([underscore.id])
  })

  it('puts companies waiting for verification first, then the newest', async () => {
    const t = `${tag}порядок`
    const oldUnverified = await add(`ООО "Старая ${t}"`)
    const verified = await add(`ООО "Проверенная ${t}"`, 'verified')
    const blocked = await add(`ООО "Блок ${t}"`, 'blocked')
    const newUnverified = await add(`ООО "Новая ${t}"`)
    const newestVerified = await add(`ООО "Новейшая ${t}"`, 'verified')
    expect(await list(q(t))).to.deep.equal([newUnverified.id, oldUnverified.id, newestVerified.id, blocked.id, verified.id])
  })

  it('filters by status and by «реквизиты не проверены», keeping the search', async () => {
    const t = `${tag}фильтр`
    const u = await add(`ООО "У ${t}"`)
    const v = await add(`ООО "В ${t}"`, 'verified')
    const b = await add(`ООО "Б ${t}"`, 'blocked')
    const person = await add(`Физлицо ${t}`, 'unverified', 'person')
    await app.c.db('companies').where({ id: v.id }).update({ requisites_checked: false })
    await app.c.db('companies').where({ id: person.id }).update({ requisites_checked: false })
    expect(await list(`${q(t)}&status=unverified`)).to.deep.equal([person.id, u.id])
    expect(await list(`${q(t)}&status=verified`)).to.deep.equal([v.id])
    expect(await list(`${q(t)}&status=blocked`)).to.deep.equal([b.id])
    expect(await list(`${q(t)}&status=all`)).to.have.length(4)
    expect(await list(`${q(t)}&status=nonsense`)).to.have.length(4)
    // A private person has no requisites, so it never shows up as «не проверены».
    expect(await list(`${q(t)}&unchecked=1`)).to.deep.equal([v.id])
    expect(await list(`${q(t)}&unchecked=1&status=blocked`)).to.deep.equal([])
  })

  it('shows the columns: name, kind, INN/KPP, status, requisites, members, created', async () => {
    const t = `${tag}колонки`
    const c = await add(`ООО "Колонки ${t}"`, 'verified')
    const colleague = await createUser(app)
    await companiesStore.insertMember(app.c.db, c.id, colleague.id, 'buyer', clock.now().getTime())
    const res = await browser.get(`/admin?${q(t)}`)
    const row = new RegExp(`<tr data-company-id="${c.id}"[\\s\\S]*?</tr>`).exec(res.text)![0]
    expect(row).to.contain(`href="/admin/companies/${c.id}"`)
    expect(row).to.contain('Колонки')
    expect(row).to.contain('Юрлицо')
    expect(row).to.contain(`${c.inn} / 770101001`)
    expect(row).to.contain('подтверждена')
    expect(row).to.contain('проверены')
    expect(row).to.match(/<td class="num">2<\/td>/)
    expect(row).to.contain('27.11.2026')
  })

  it('pages by 50 and keeps the filters in the page links', async () => {
    const t = `${tag}страницы`
    const made: number[] = []
    for (let i = 0; i < 53; i++) made.push((await add(`ООО "Стр ${i} ${t}"`, 'verified')).id)
    const first = await browser.get(`/admin?${q(t)}&status=verified`)
    expect(listedIds(first.text)).to.deep.equal(made.slice(-50).reverse())
    expect(first.text).to.contain('1–50 из 53')
    const next = /href="([^"]+)" rel="next"/.exec(first.text)![1]!.replace(/&#x3D;/g, '=').replace(/&amp;/g, '&')
    expect(next).to.contain('status=verified').and.contain('page=2')
    const second = await browser.get(next)
    expect(listedIds(second.text)).to.deep.equal(made.slice(0, 3).reverse())
    expect(second.text).to.contain('51–53 из 53')
    expect(second.text).not.to.contain('rel="next"')
    expect((await browser.get(`/admin?${q(t)}&page=99`)).status).to.equal(200)
    expect(listedIds((await browser.get(`/admin?${q(t)}&page=-1`)).text)).to.have.length(50)
  })
})
