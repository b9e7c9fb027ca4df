import fs from 'node:fs'
import path from 'node:path'
import crypto from 'node:crypto'
import { expect } from 'chai'
import request from 'supertest'
import { Browser, startApp, type TestApp } from '../../support/app.js'
import { buyer, createCompany, createUser } from '../../support/factories.js'
import { DISGUISED, JPEG_4x3, WEBP_4x3, png } from '../../support/images.js'
import { inputValue, unescapeHtml, type FilePart } from '../../support/html.js'

const FIELDS = {
  name: 'Кофейня на Садовой',
  address: 'г Москва, ул Садовническая, д 14 стр 2',
  contact_name: 'Елена Петрова',
  contact_phone: '8 (903) 555-01-01',
  working_hours: 'пн–пт 8:00–20:00, приёмка до 12:00',
  comment: 'Въезд со двора',
}

function diskPath(app: TestApp, storageName: string): string {
  return path.join(app.config.uploads.dir, storageName.slice(0, 2), storageName)
}

async function createPoint(browser: Browser, fields: Partial<typeof FIELDS> = {}, photo?: FilePart) {
  return browser.upload('/company/points', { ...FIELDS, ...fields }, photo && { field: 'photo', ...photo })
}

async function pointsOf(app: TestApp, companyId: number) {
  return app.c.db('delivery_points').where({ company_id: companyId }).orderBy('id')
}

async function defaults(app: TestApp, companyId: number): Promise<number[]> {
  const rows = await app.c.db('delivery_points').where({ company_id: companyId }).where({ is_default: true }).select('id')
  return rows.map((r: { id: number }) => r.id)
}

async function filesOf(app: TestApp, companyId: number) {
  return app.c.db('files').where({ company_id: companyId }).orderBy('id')
}

describe('delivery points', () => {
  let app: TestApp
  // The login brake admits 30 logins a minute per address and app, so every group of tests below gets its own app.
  const ownApp = () => {
    before(async () => {
      app = await startApp()
    })
    after(() => app.close())
  }

  describe('list and CRUD', () => {
    ownApp()

    it('sends anonymous visitors to the login page', async () => {
      const res = await request(app.url).get('/company/points').redirects(0)
      expect(res.status).to.equal(303)
      expect(res.headers.location).to.match(/^\/login\?next=/)
    })

    it('shows an empty list with an invitation to add the first point', async () => {
      const { browser } = await buyer(app)
      const res = await browser.get('/company/points')
      expect(res.status).to.equal(200)
      expect(res.text).to.contain('Точек доставки пока нет')
      expect(res.text).to.contain('href="/company/points/new"')
    })

    it('creates the first point as the default with a normalised phone, and lists it', async () => {
      const { browser, company, user } = await buyer(app)
      expect((await browser.get('/company/points/new')).status).to.equal(200)
      const res = await createPoint(browser)
      expect(res.status).to.equal(303)
      expect(res.headers.location).to.equal('/company/points')

      const [point, ...rest] = await pointsOf(app, company.id)
      expect(rest).to.have.length(0)
      expect(point).to.include({
        name: FIELDS.name,
        address: FIELDS.address,
        contact_name: FIELDS.contact_name,
        contact_phone: '+79035550101',
        working_hours: FIELDS.working_hours,
        comment: FIELDS.comment,
        photo_file_id: null,
      })
      expect(!!point.is_default).to.equal(true)
      const audit = await app.c.db('audit_log').where({ company_id: company.id, action: 'point.created' })
      expect(audit).to.have.length(1)
      expect(audit[0].actor_user_id).to.equal(user.id)

      const list = await browser.get('/company/points')
      expect(list.text).to.contain('Кофейня на Садовой')
      expect(list.text).to.contain('+7 903 555-01-01')
      expect(list.text).to.contain('основная')
      expect(list.text).to.contain('Точка «Кофейня на Садовой» добавлена')
    })

    it('keeps exactly one default: new points are not default, "make default" moves it', async () => {
      const { browser, company } = await buyer(app)
      await createPoint(browser, { name: 'Первая' })
      await createPoint(browser, { name: 'Вторая' })
      await createPoint(browser, { name: 'Третья' })
      const [first, second, third] = await pointsOf(app, company.id)
      expect(await defaults(app, company.id)).to.deep.equal([first.id])

      const res = await browser.post(`/company/points/${third.id}/default`)
      expect(res.status).to.equal(303)
      expect(await defaults(app, company.id)).to.deep.equal([third.id])

      // Making the default point default again changes nothing.
      await browser.post(`/company/points/${third.id}/default`)
      expect(await defaults(app, company.id)).to.deep.equal([third.id])
      expect(second.is_default ? 1 : 0).to.equal(0)

      const list = await browser.get('/company/points')
      // The default is listed first.
      expect(list.text.indexOf('Третья')).to.be.lessThan(list.text.indexOf('Первая'))
    })

    it('edits a point and keeps the default flag', async () => {
      const { browser, company } = await buyer(app)
      await createPoint(browser)
      const [point] = await pointsOf(app, company.id)
      const form = await browser.get(`/company/points/${point.id}/edit`)
      expect(form.status).to.equal(200)
      expect(inputValue(form.text, 'contact_phone')).to.equal('+7 903 555-01-01')

      const res = await browser.upload(`/company/points/${point.id}`, { ...FIELDS, name: 'Склад в Подольске', contact_phone: '9161234567', comment: '' })
      expect(res.status).to.equal(303)
      const [after] = await pointsOf(app, company.id)
      expect(after).to.include({ name: 'Склад в Подольске', contact_phone: '+79161234567', comment: '' })
      expect(!!after.is_default).to.equal(true)
    })

    it('deleting the default passes it to the oldest remaining point; deleting the last leaves none', async () => {
      const { browser, company } = await buyer(app)
      await createPoint(browser, { name: 'A' })
      await createPoint(browser, { name: 'B' })
      await createPoint(browser, { name: 'C' })
      const [a, b, c] = await pointsOf(app, company.id)
      await browser.post(`/company/points/${c.id}/default`)

      expect((await browser.post(`/company/points/${c.id}/delete`)).status).to.equal(303)
      expect(await defaults(app, company.id)).to.deep.equal([a.id])

      // Deleting a point that is not the default leaves the default alone.
      await browser.post(`/company/points/${b.id}/delete`)
      expect(await defaults(app, company.id)).to.deep.equal([a.id])

      await browser.post(`/company/points/${a.id}/delete`)
      expect(await pointsOf(app, company.id)).to.have.length(0)
      expect((await app.c.db('audit_log').where({ company_id: company.id, action: 'point.deleted' })).length).to.equal(3)
    })

    it('serves the address, contact and hours as JSON for the checkout', async () => {
      const { browser, company } = await buyer(app)
      await createPoint(browser)
      const [point] = await pointsOf(app, company.id)
      const res = await browser.get(`/company/points/${point.id}.json`)
      expect(res.status).to.equal(200)
      expect(res.headers['content-type']).to.match(/^application\/json/)
      expect(res.headers['cache-control']).to.contain('no-store')
      expect(res.body).to.deep.equal({
        id: point.id,
        name: FIELDS.name,
        address: FIELDS.address,
        contact: { name: FIELDS.contact_name, phone: '+79035550101' },
        working_hours: FIELDS.working_hours,
        comment: FIELDS.comment,
        is_default: true,
      })
      expect((await browser.get('/company/points/abc.json')).status).to.equal(404)
    })

    it('offers the points to other features through listForCompany and findForCompany', async () => {
      const { browser, company } = await buyer(app)
      await createPoint(browser, { name: 'Б-точка' })
      await createPoint(browser, { name: 'А-точка' })
      const list = await app.c.points.listForCompany(company.id)
      expect(list.map((p) => p.name)).to.deep.equal(['Б-точка', 'А-точка'])
      expect(list[0]!.is_default).to.equal(true)
      expect(await app.c.points.findForCompany(company.id + 100000, list[0]!.id)).to.equal(undefined)
      expect((await app.c.points.findForCompany(company.id, list[1]!.id))?.name).to.equal('А-точка')
    })
  })

  describe('validation', () => {
    ownApp()

    it('re-renders the form with every value and Russian messages next to the fields', async () => {
      const { browser, company } = await buyer(app)
      const res = await createPoint(browser, { name: '', contact_phone: '12345', address: 'ул' })
      expect(res.status).to.equal(422)
      expect(res.text).to.contain('Назовите точку')
      expect(res.text).to.contain('Проверьте телефон: например, +7 916 123-45-67')
      expect(res.text).to.contain('Адрес слишком короткий')
      expect(inputValue(res.text, 'contact_phone')).to.equal('12345')
      expect(inputValue(res.text, 'contact_name')).to.equal(FIELDS.contact_name)
      expect(inputValue(res.text, 'working_hours')).to.equal(FIELDS.working_hours)
      expect(inputValue(res.text, 'comment')).to.equal(FIELDS.comment)
      expect(await pointsOf(app, company.id)).to.have.length(0)
    })

    it('reports an overlong value instead of cutting it silently', async () => {
      const { browser, company } = await buyer(app)
      const res = await createPoint(browser, { working_hours: 'x'.repeat(201) })
      expect(res.status).to.equal(422)
      expect(res.text).to.contain('Не длиннее 200 символов')
      expect(await pointsOf(app, company.id)).to.have.length(0)
    })

    it('keeps the typed values when the edit form fails', async () => {
      const { browser, company } = await buyer(app)
      await createPoint(browser)
      const [point] = await pointsOf(app, company.id)
      const res = await browser.upload(`/company/points/${point.id}`, { ...FIELDS, name: 'Новое имя', contact_phone: 'нет' })
      expect(res.status).to.equal(422)
      expect(inputValue(res.text, 'name')).to.equal('Новое имя')
      expect((await pointsOf(app, company.id))[0].name).to.equal(FIELDS.name)
    })
  })

  describe('photos', () => {
    ownApp()

    for (const [label, buffer, mime, name] of [
      ['PNG', png(3, 2), 'image/png', 'вход.png'],
      ['JPEG', JPEG_4x3, 'image/jpeg', 'вход.jpeg'],
      ['WebP', WEBP_4x3, 'image/webp', 'вход.webp'],
    ] as const) {
      it(`stores a ${label} photo outside the web root under a random name and serves it to the company`, async () => {
        const { browser, company, user } = await buyer(app)
        const res = await createPoint(browser, {}, { buffer, name, type: 'application/octet-stream' })
        expect(res.status).to.equal(303)
        const [point] = await pointsOf(app, company.id)
        const [file] = await filesOf(app, company.id)
        expect(point.photo_file_id).to.equal(file.id)
        expect(file).to.include({ purpose: 'point_photo', mime, original_name: name, uploaded_by: user.id })
        expect(Number(file.size)).to.equal(buffer.length)
        expect(file.sha256).to.equal(crypto.createHash('sha256').update(buffer).digest('hex'))
        expect(file.storage_name).to.match(/^[A-Za-z0-9_-]{43}$/)
        expect(fs.readFileSync(diskPath(app, file.storage_name)).equals(buffer)).to.equal(true)

        const list = await browser.get('/company/points')
        expect(unescapeHtml(list.text)).to.contain(`src="/company/points/${point.id}/photo?v=${file.id}"`)
        const photo = await browser.get(`/company/points/${point.id}/photo`).buffer(true)
        expect(photo.status).to.equal(200)
        expect(photo.headers['content-type']).to.equal(mime)
        expect(photo.headers['x-content-type-options']).to.equal('nosniff')
        expect(photo.headers['content-security-policy']).to.equal("default-src 'none'; sandbox")
        expect(photo.headers['content-disposition']).to.match(/^inline; filename="[^"]+"; filename\*=UTF-8''%D0%B2%D1%85%D0%BE%D0%B4\./)
        expect(Buffer.from(photo.body).equals(buffer)).to.equal(true)

        const again = await browser.get(`/company/points/${point.id}/photo`).set('If-None-Match', photo.headers.etag!)
        expect(again.status).to.equal(304)
      })
    }

    for (const [label, buffer] of [
      ['an HTML page', DISGUISED.html],
      ['an EXE program', DISGUISED.exe],
      ['an SVG with a script', DISGUISED.svg],
    ] as const) {
      it(`refuses ${label} named photo.jpg and keeps every typed field`, async () => {
        const { browser, company } = await buyer(app)
        const res = await createPoint(browser, {}, { buffer, name: 'photo.jpg', type: 'image/jpeg' })
        expect(res.status).to.equal(422)
        expect(unescapeHtml(res.text)).to.contain('Это не фотография в формате JPG, PNG или WebP')
        for (const k of Object.keys(FIELDS) as (keyof typeof FIELDS)[]) expect(inputValue(res.text, k)).to.equal(FIELDS[k])
        expect(await pointsOf(app, company.id)).to.have.length(0)
        expect(await filesOf(app, company.id)).to.have.length(0)
      })
    }

    it('refuses a PNG that declares a gigantic canvas (decompression bomb)', async () => {
      const { browser, company } = await buyer(app)
      const res = await createPoint(browser, {}, { buffer: png(1, 1, { declared: { width: 40000, height: 40000 } }), name: 'bomb.png' })
      expect(res.status).to.equal(422)
      expect(res.text).to.contain('50 мегапикселей')
      expect(await filesOf(app, company.id)).to.have.length(0)
    })

    it('reports a bad photo and bad fields together, and asks to reselect a good photo when only fields failed', async () => {
      const { browser } = await buyer(app)
      const both = await createPoint(browser, { contact_phone: '1' }, { buffer: DISGUISED.html, name: 'a.png' })
      expect(both.text).to.contain('Проверьте телефон')
      expect(both.text).to.contain('Это не фотография')
      const fieldsOnly = await createPoint(browser, { contact_phone: '1' }, { buffer: png(), name: 'a.png' })
      expect(fieldsOnly.status).to.equal(422)
      expect(fieldsOnly.text).to.contain('выберите фото ещё раз')
    })

    it('replaces a photo and removes the old file from the database and the disk', async () => {
      const { browser, company } = await buyer(app)
      await createPoint(browser, {}, { buffer: png(), name: 'old.png' })
      const [point] = await pointsOf(app, company.id)
      const [oldFile] = await filesOf(app, company.id)
      expect(fs.existsSync(diskPath(app, oldFile.storage_name))).to.equal(true)

      const res = await browser.upload(`/company/points/${point.id}`, FIELDS, { field: 'photo', buffer: JPEG_4x3, name: 'new.jpg' })
      expect(res.status).to.equal(303)
      const files = await filesOf(app, company.id)
      expect(files.map((f: { original_name: string }) => f.original_name)).to.deep.equal(['new.jpg'])
      expect((await pointsOf(app, company.id))[0].photo_file_id).to.equal(files[0].id)
      expect(fs.existsSync(diskPath(app, oldFile.storage_name))).to.equal(false)
    })

    it('keeps the current photo when the edit form is sent without a file, and removes it on request', async () => {
      const { browser, company } = await buyer(app)
      await createPoint(browser, {}, { buffer: png(), name: 'p.png' })
      const [point] = await pointsOf(app, company.id)
      const [file] = await filesOf(app, company.id)

      await browser.upload(`/company/points/${point.id}`, { ...FIELDS, comment: 'без фото' })
      expect((await pointsOf(app, company.id))[0].photo_file_id).to.equal(file.id)

      await browser.upload(`/company/points/${point.id}`, { ...FIELDS, remove_photo: '1' })
      expect((await pointsOf(app, company.id))[0].photo_file_id).to.equal(null)
      expect(await filesOf(app, company.id)).to.have.length(0)
      expect(fs.existsSync(diskPath(app, file.storage_name))).to.equal(false)
      expect((await browser.get(`/company/points/${point.id}/photo`)).status).to.equal(404)
    })

    it('does not replace the old photo when the new one is refused', async () => {
      const { browser, company } = await buyer(app)
      await createPoint(browser, {}, { buffer: png(), name: 'keep.png' })
      const [point] = await pointsOf(app, company.id)
      const [file] = await filesOf(app, company.id)
      const res = await browser.upload(`/company/points/${point.id}`, { ...FIELDS, name: 'Другое имя' }, { field: 'photo', buffer: DISGUISED.exe, name: 'x.webp' })
      expect(res.status).to.equal(422)
      expect(inputValue(res.text, 'name')).to.equal('Другое имя')
      const [after] = await pointsOf(app, company.id)
      expect(after).to.include({ name: FIELDS.name, photo_file_id: file.id })
      expect(fs.existsSync(diskPath(app, file.storage_name))).to.equal(true)
    })

    it('deletes the photo file together with its point', async () => {
      const { browser, company } = await buyer(app)
      await createPoint(browser, {}, { buffer: png(), name: 'p.png' })
      const [point] = await pointsOf(app, company.id)
      const [file] = await filesOf(app, company.id)
      await browser.post(`/company/points/${point.id}/delete`)
      expect(await filesOf(app, company.id)).to.have.length(0)
      expect(fs.existsSync(diskPath(app, file.storage_name))).to.equal(false)
    })
  })

  describe('roles', () => {
    ownApp()

    for (const role of ['viewer', 'accountant'] as const) {
      it(`lets a ${role} see the points but refuses every change with 403`, async () => {
        const owner = await buyer(app)
        await createPoint(owner.browser, {}, { buffer: png(), name: 'p.png' })
        const [point] = await pointsOf(app, owner.company.id)
        // A colleague joins the owner's company with the restricted role; it is their only, hence current, company.
        const colleague = await createUser(app)
        await app.c.db('company_members').insert({ company_id: owner.company.id, user_id: colleague.id, role, created_at: Date.now() })
        const browser = new Browser(app)
        await browser.login(colleague.email, colleague.password)

        const list = await browser.get('/company/points')
        expect(list.status).to.equal(200)
        expect(list.text).to.contain(FIELDS.name)
        expect(list.text).to.not.contain('/company/points/new')
        expect(list.text).to.not.contain(`/company/points/${point.id}/delete`)
        expect((await browser.get(`/company/points/${point.id}/photo`)).status).to.equal(200)
        expect((await browser.get(`/company/points/${point.id}.json`)).status).to.equal(200)

        expect((await browser.get('/company/points/new')).status).to.equal(403)
        expect((await browser.get(`/company/points/${point.id}/edit`)).status).to.equal(403)
        const create = await createPoint(browser, { name: 'Чужая' })
        expect(create.status).to.equal(403)
        expect(create.text).to.contain('Точки доставки меняют владелец компании и закупщики')
        expect((await browser.upload(`/company/points/${point.id}`, { ...FIELDS, name: 'Взлом' })).status).to.equal(403)
        expect((await browser.post(`/company/points/${point.id}/default`)).status).to.equal(403)
        expect((await browser.post(`/company/points/${point.id}/delete`)).status).to.equal(403)

        const rows = await pointsOf(app, owner.company.id)
        expect(rows).to.have.length(1)
        expect(rows[0].name).to.equal(FIELDS.name)
      })
    }

    it('lets a buyer (закупщик) manage points', async () => {
      const { browser, company } = await buyer(app, { role: 'buyer' })
      expect((await createPoint(browser)).status).to.equal(303)
      expect(await pointsOf(app, company.id)).to.have.length(1)
    })
  })

  describe('CSRF', () => {
    ownApp()

    it('refuses a multipart upload without the CSRF token before storing anything', async () => {
      const { browser, company } = await buyer(app)
      let req = browser.agent.post('/company/points').redirects(0)
      for (const [k, v] of Object.entries(FIELDS)) req = req.field(k, v)
      const res = await req.attach('photo', png(), { filename: 'p.png', contentType: 'image/png' })
      expect(res.status).to.equal(403)
      expect(await pointsOf(app, company.id)).to.have.length(0)
      expect(await filesOf(app, company.id)).to.have.length(0)
    })
  })

  describe('tenant isolation', () => {
    ownApp()

    it('answers 404 for every route of another company\'s point and changes nothing', async () => {
      const victim = await buyer(app)
      await createPoint(victim.browser, { name: 'Точка B' }, { buffer: png(), name: 'b.png' })
      await createPoint(victim.browser, { name: 'Точка B2' })
      const [point, other] = await pointsOf(app, victim.company.id)
      const before = await pointsOf(app, victim.company.id)

      const { browser } = await buyer(app)
      expect((await browser.get(`/company/points/${point.id}/edit`)).status).to.equal(404)
      expect((await browser.get(`/company/points/${point.id}/photo`)).status).to.equal(404)
      expect((await browser.get(`/company/points/${point.id}.json`)).status).to.equal(404)
      expect((await browser.upload(`/company/points/${point.id}`, { ...FIELDS, name: 'Взлом' })).status).to.equal(404)
      expect((await browser.upload(`/company/points/${point.id}`, FIELDS, { field: 'photo', buffer: png(), name: 'x.png' })).status).to.equal(404)
      expect((await browser.post(`/company/points/${other.id}/default`)).status).to.equal(404)
      expect((await browser.post(`/company/points/${point.id}/delete`)).status).to.equal(404)
      expect((await browser.get('/company/points')).text).to.not.contain('Точка B')

      expect(await pointsOf(app, victim.company.id)).to.deep.equal(before)
      expect(await filesOf(app, victim.company.id)).to.have.length(1)
    })

    it('follows the current company of the session when a person belongs to two companies', async () => {
      const { browser, company, user } = await buyer(app)
      await createPoint(browser, { name: 'Точка первой' })
      const second = await createCompany(app, user.id)
      await browser.post('/companies/switch', { company_id: String(second.id), return_to: '/' })
      const [first] = await pointsOf(app, company.id)
      expect((await browser.get(`/company/points/${first.id}.json`)).status).to.equal(404)
      await createPoint(browser, { name: 'Точка второй' })
      const [own] = await pointsOf(app, second.id)
      expect(own.name).to.equal('Точка второй')
      expect(!!own.is_default).to.equal(true)
    })
  })
})

describe('delivery points: upload limits', () => {
  let app: TestApp
  before(async () => {
    app = await startApp({ env: { UPLOAD_MAX_MB: '0.01', COMPANY_UPLOAD_QUOTA_MB: '0.003' } })
  })
  after(() => app.close())

  it('refuses a photo over the size cap with a Russian message and keeps the other fields', async () => {
    const { browser, company } = await buyer(app)
    const big = png(2, 2, { padding: 20 * 1024 })
    const res = await createPoint(browser, {}, { buffer: big, name: 'big.png' })
    expect(res.status).to.equal(422)
    expect(res.text).to.match(/Файл больше [\d,]+ (КБ|МБ)\. Уменьшите его или загрузите другой\./)
    expect(inputValue(res.text, 'name')).to.equal(FIELDS.name)
    expect(inputValue(res.text, 'address')).to.equal(FIELDS.address)
    expect(await pointsOf(app, company.id)).to.have.length(0)
    expect(await filesOf(app, company.id)).to.have.length(0)
  })

  it('refuses a photo that would exceed the company quota, counting every file of the company', async () => {
    const { browser, company } = await buyer(app)
    // The quota is 3145 bytes: two 1 KB photos fit, the third does not.
    const photo = () => png(2, 2, { padding: 1000 })
    expect((await createPoint(browser, { name: 'Один' }, { buffer: photo(), name: '1.png' })).status).to.equal(303)
    expect((await createPoint(browser, { name: 'Два' }, { buffer: photo(), name: '2.png' })).status).to.equal(303)
    const onDisk = () => fs.readdirSync(app.config.uploads.dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).length
    const before = onDisk()
    const res = await createPoint(browser, { name: 'Три' }, { buffer: photo(), name: '3.png' })
    expect(res.status).to.equal(422)
    expect(res.text).to.contain('Превышен объём хранилища компании')
    expect(inputValue(res.text, 'name')).to.equal('Три')
    expect(await pointsOf(app, company.id)).to.have.length(2)
    expect(await filesOf(app, company.id)).to.have.length(2)
    // The refused photo left nothing behind on disk.
    expect(onDisk()).to.equal(before)

    // Replacing a photo is measured without the one it replaces.
    const [first] = await pointsOf(app, company.id)
    const replace = await browser.upload(`/company/points/${first.id}`, { ...FIELDS, name: 'Один' }, { field: 'photo', buffer: photo(), name: '1b.png' })
    expect(replace.status).to.equal(303)
    expect(await filesOf(app, company.id)).to.have.length(2)
  })

  it('keeps the quota per company: another company still has room', async () => {
    const { browser, company } = await buyer(app)
    expect((await createPoint(browser, {}, { buffer: png(2, 2, { padding: 1000 }), name: 'x.png' })).status).to.equal(303)
    expect(await filesOf(app, company.id)).to.have.length(1)
  })
})
