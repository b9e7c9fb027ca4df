import fs from 'node:fs'
import path from 'node:path'
import { expect } from 'chai'
import request from 'supertest'
import { Browser, startApp, type TestApp } from '../../support/app.js'
import { buyer, createUser } from '../../support/factories.js'
import type { Role } from '../../../server/companies/types.js'
import { DISGUISED, JPEG_4x3, png, pdf } from '../../support/images.js'
import { inputValue, unescapeHtml, type FilePart } from '../../support/html.js'

function diskPath(app: TestApp, storageName: string): string {
  return path.join(app.config.uploads.dir, storageName.slice(0, 2), storageName)
}

function uploadDocument(browser: Browser, fields: { doc_type?: string; title?: string }, file?: FilePart) {
  return browser.upload('/company/documents', { doc_type: 'charter', title: '', ...fields }, file && { field: 'file', ...file })
}

function uploadSupplierDocument(browser: Browser, fields: { doc_type?: string; title?: string }, file?: FilePart) {
  return browser.upload('/admin/supplier-documents', { doc_type: 'charter', title: '', ...fields }, file && { field: 'file', ...file })
}

async function documentsOf(app: TestApp, companyId: number | null) {
  const q = app.c.db('company_documents as d').join('files as f', 'f.id', 'd.file_id').orderBy('d.id')
  return (companyId === null ? q.whereNull('d.company_id') : q.where('d.company_id', companyId)).select(
    'd.id', 'd.company_id', 'd.doc_type', 'd.title', 'd.uploaded_by', 'd.file_id', 'f.company_id as file_company_id', 'f.purpose',
    'f.mime', 'f.size', 'f.original_name', 'f.storage_name',
  )
}

/** A colleague who joins the company with a role and logs in (it is their only, hence current, company). */
async function colleague(app: TestApp, companyId: number, role: Role) {
  const user = await createUser(app, { name: `Коллега ${role}` })
  await app.c.db('company_members').insert({ company_id: companyId, user_id: user.id, role, created_at: Date.now() })
  const browser = new Browser(app)
  await browser.login(user.email, user.password)
  return { user, browser }
}

async function staff(app: TestApp) {
  const user = await createUser(app, { staff: true, name: 'Смирнова Ольга Павловна' })
  const browser = new Browser(app)
  await browser.login(user.email, user.password)
  return { user, browser }
}

describe('company documents', () => {
  let app: TestApp
  // The login brake admits 30 logins a minute per address and app, so every group of tests below gets its own app.
  const ownApp = () => {
    before(async () => {
      app = await startApp()
    })
    after(() => app.close())
  }

  describe('upload, list, download, delete', () => {
    ownApp()

    it('uploads a PDF, lists it with kind, name, size, date and uploader, and stores it by content', async () => {
      const { browser, company, user } = await buyer(app)
      const body = pdf()
      const res = await uploadDocument(browser, { doc_type: 'charter', title: 'Устав в редакции 2024 года' }, { buffer: body, name: 'Устав ООО.pdf', type: 'application/pdf' })
      expect(res.status).to.equal(303)
      expect(res.headers.location).to.equal('/company/documents')

      const [doc, ...rest] = await documentsOf(app, company.id)
      expect(rest).to.have.length(0)
      expect(doc).to.include({
        doc_type: 'charter', title: 'Устав в редакции 2024 года', uploaded_by: user.id, file_company_id: company.id, purpose: 'statutory',
        mime: 'application/pdf', original_name: 'Устав ООО.pdf',
      })
      expect(Number(doc.size)).to.equal(body.length)
      expect(fs.readFileSync(diskPath(app, doc.storage_name)).equals(body)).to.equal(true)
      expect((await app.c.db('audit_log').where({ company_id: company.id, action: 'document.uploaded' })).length).to.equal(1)

      const list = unescapeHtml((await browser.get('/company/documents')).text)
      expect(list).to.contain('Устав в редакции 2024 года')
      expect(list).to.contain('Устав ООО.pdf')
      expect(list).to.contain(`${body.length} Б`)
      expect(list).to.contain('Тестов Тест Тестович')
      expect(list).to.contain(`/company/documents/${doc.id}/download`)

      const listed = await app.c.documents.listCompanyDocuments(company.id)
      expect(listed.map((d) => ({ id: d.id, name: d.original_name, by: d.uploaded_by_name }))).to.deep.equal([
        { id: doc.id, name: 'Устав ООО.pdf', by: 'Тестов Тест Тестович' },
      ])
    })

    it('downloads a document as an attachment with its detected type and an RFC 5987 file name', async () => {
      const { browser, company } = await buyer(app)
      await uploadDocument(browser, { doc_type: 'company_card' }, { buffer: JPEG_4x3, name: 'карточка.jpeg', type: 'text/html' })
      const [doc] = await documentsOf(app, company.id)
      expect(doc.mime).to.equal('image/jpeg')
      const res = await browser.get(`/company/documents/${doc.id}/download`).buffer(true)
      expect(res.status).to.equal(200)
      expect(res.headers['content-type']).to.equal('image/jpeg')
      expect(res.headers['content-disposition']).to.equal(
        `attachment; filename="________.jpeg"; filename*=UTF-8''%D0%BA%D0%B0%D1%80%D1%82%D0%BE%D1%87%D0%BA%D0%B0.jpeg`,
      )
      expect(res.headers['x-content-type-options']).to.equal('nosniff')
      expect(res.headers['content-security-policy']).to.equal("default-src 'none'; sandbox")
      expect(Number(res.headers['content-length'])).to.equal(JPEG_4x3.length)
      expect(Buffer.from(res.body).equals(JPEG_4x3)).to.equal(true)
    })

    it('shows the title empty when none was given, and the file name instead', async () => {
      const { browser, company } = await buyer(app)
      await uploadDocument(browser, { doc_type: 'certificate' }, { buffer: pdf(), name: 'ogrn.pdf' })
      const [doc] = await documentsOf(app, company.id)
      expect(doc.title).to.equal('')
      const list = (await browser.get('/company/documents')).text
      expect(list).to.contain(`<a href="/company/documents/${doc.id}/download">ogrn.pdf</a>`)
      expect(list).to.contain('Свидетельство (ОГРН, ИНН)')
    })

    for (const [label, buffer, name] of [
      ['an HTML page named .pdf', DISGUISED.html, 'устав.pdf'],
      ['an SVG image', DISGUISED.svg, 'logo.svg'],
      ['an EXE named .png', DISGUISED.exe, 'scan.png'],
      ['a WebP picture', Buffer.from('UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==', 'base64'), 'scan.webp'],
    ] as const) {
      it(`refuses ${label} with a Russian message and keeps the kind and title`, async () => {
        const { browser, company } = await buyer(app)
        const res = await uploadDocument(browser, { doc_type: 'other', title: 'Мой документ' }, { buffer, name, type: 'application/pdf' })
        expect(res.status).to.equal(422)
        expect(res.text).to.contain('Файл должен быть в формате PDF, JPG или PNG')
        expect(inputValue(res.text, 'title')).to.equal('Мой документ')
        expect(res.text).to.match(/<option value="other" selected>/)
        expect(await documentsOf(app, company.id)).to.have.length(0)
        expect(await app.c.db('files').where({ company_id: company.id })).to.have.length(0)
      })
    }

    it('asks for a kind and a file', async () => {
      const { browser, company } = await buyer(app)
      const noKind = await uploadDocument(browser, { doc_type: '', title: 'Без вида' }, { buffer: pdf(), name: 'a.pdf' })
      expect(noKind.status).to.equal(422)
      expect(noKind.text).to.contain('Выберите вид документа')
      expect(noKind.text).to.contain('выберите файл ещё раз')
      const noFile = await uploadDocument(browser, { doc_type: 'charter' })
      expect(noFile.status).to.equal(422)
      expect(noFile.text).to.contain('Выберите файл')
      const empty = await uploadDocument(browser, { doc_type: 'charter' }, { buffer: Buffer.alloc(0), name: 'empty.pdf' })
      expect(empty.status).to.equal(422)
      expect(await documentsOf(app, company.id)).to.have.length(0)
    })

    it('deletes a document with its file row and its file on disk', async () => {
      const { browser, company } = await buyer(app)
      await uploadDocument(browser, {}, { buffer: pdf(), name: 'a.pdf' })
      const [doc] = await documentsOf(app, company.id)
      const res = await browser.post(`/company/documents/${doc.id}/delete`)
      expect(res.status).to.equal(303)
      expect(await documentsOf(app, company.id)).to.have.length(0)
      expect(await app.c.db('files').where({ id: doc.file_id })).to.have.length(0)
      expect(fs.existsSync(diskPath(app, doc.storage_name))).to.equal(false)
      expect((await browser.get(`/company/documents/${doc.id}/download`)).status).to.equal(404)
    })

    it('never serves a stored file as HTML, even if its row and bytes were tampered with', async () => {
      const { browser, company } = await buyer(app)
      await uploadDocument(browser, {}, { buffer: png(), name: 'scan.png' })
      const [doc] = await documentsOf(app, company.id)
      await app.c.db('files').where({ id: doc.file_id }).update({ mime: 'text/html', original_name: 'page.html' })
      fs.writeFileSync(diskPath(app, doc.storage_name), DISGUISED.html)
      const res = await browser.get(`/company/documents/${doc.id}/download`)
      expect(res.status).to.equal(200)
      expect(res.headers['content-type']).to.equal('application/octet-stream')
      expect(res.headers['content-disposition']).to.match(/^attachment;/)
      expect(res.headers['x-content-type-options']).to.equal('nosniff')
      expect(res.headers['content-security-policy']).to.contain('sandbox')
    })
  })

  describe('roles', () => {
    ownApp()

    it('lets an accountant upload and delete', async () => {
      const owner = await buyer(app)
      const { browser } = await colleague(app, owner.company.id, 'accountant')
      expect((await uploadDocument(browser, {}, { buffer: pdf(), name: 'a.pdf' })).status).to.equal(303)
      const [doc] = await documentsOf(app, owner.company.id)
      expect((await browser.post(`/company/documents/${doc.id}/delete`)).status).to.equal(303)
      expect(await documentsOf(app, owner.company.id)).to.have.length(0)
    })

    for (const role of ['viewer', 'buyer'] as const) {
      it(`lets a ${role} list and download but refuses upload and delete with 403`, async () => {
        const owner = await buyer(app)
        await uploadDocument(owner.browser, { title: 'Устав' }, { buffer: pdf(), name: 'a.pdf' })
        const [doc] = await documentsOf(app, owner.company.id)
        const { browser } = await colleague(app, owner.company.id, role)

        const list = await browser.get('/company/documents')
        expect(list.status).to.equal(200)
        expect(list.text).to.contain('Устав')
        expect(list.text).to.not.contain('Загрузить документ')
        expect(list.text).to.not.contain(`/company/documents/${doc.id}/delete`)
        expect((await browser.get(`/company/documents/${doc.id}/download`)).status).to.equal(200)

        const up = await uploadDocument(browser, {}, { buffer: pdf(), name: 'b.pdf' })
        expect(up.status).to.equal(403)
        expect(up.text).to.contain('владелец компании и бухгалтер')
        expect((await browser.post(`/company/documents/${doc.id}/delete`)).status).to.equal(403)
        expect(await documentsOf(app, owner.company.id)).to.have.length(1)
      })
    }
  })

  describe('tenant isolation', () => {
    ownApp()

    it('answers 404 for another company\'s document download and delete, and changes nothing', async () => {
      const victim = await buyer(app)
      await uploadDocument(victim.browser, { title: 'Секретный устав' }, { buffer: pdf(), name: 'secret.pdf' })
      const [doc] = await documentsOf(app, victim.company.id)
      const { browser } = await buyer(app)
      expect((await browser.get(`/company/documents/${doc.id}/download`)).status).to.equal(404)
      expect((await browser.post(`/company/documents/${doc.id}/delete`)).status).to.equal(404)
      expect((await browser.get('/company/documents')).text).to.not.contain('Секретный устав')
      // Staff routes and the supplier route do not open company documents either.
      expect((await browser.get(`/supplier-documents/${doc.id}/download`)).status).to.equal(404)
      expect((await browser.get(`/admin/companies/${victim.company.id}/documents/${doc.id}/download`)).status).to.equal(404)
      expect(await documentsOf(app, victim.company.id)).to.have.length(1)
      expect(fs.existsSync(diskPath(app, doc.storage_name))).to.equal(true)
    })
  })
})

describe('supplier documents', () => {
  let app: TestApp
  before(async () => {
    app = await startApp()
  })
  after(() => app.close())

  it('lets staff upload, list and delete the supplier\'s documents without a company', async () => {
    const { browser, user } = await staff(app)
    const page = await browser.get('/admin/supplier-documents')
    expect(page.status).to.equal(200)
    const res = await uploadSupplierDocument(browser, { doc_type: 'certificate', title: 'Выписка из ЕГРЮЛ' }, { buffer: pdf('EGRUL'), name: 'egrul.pdf' })
    expect(res.status).to.equal(303)
    expect(res.headers.location).to.equal('/admin/supplier-documents')
    const docs = await documentsOf(app, null)
    const doc = docs.find((d: { title: string }) => d.title === 'Выписка из ЕГРЮЛ')
    expect(doc).to.include({ company_id: null, file_company_id: null, purpose: 'supplier_statutory', uploaded_by: user.id, mime: 'application/pdf' })
    expect((await browser.get('/admin/supplier-documents')).text).to.contain('Выписка из ЕГРЮЛ')
    expect((await browser.get(`/admin/supplier-documents/${doc.id}/download`)).status).to.equal(200)

    const bad = await uploadSupplierDocument(browser, { doc_type: 'charter', title: 'Логотип' }, { buffer: DISGUISED.svg, name: 'logo.svg' })
    expect(bad.status).to.equal(422)
    expect(bad.text).to.contain('Файл должен быть в формате PDF, JPG или PNG')
    expect(inputValue(bad.text, 'title')).to.equal('Логотип')

    expect((await browser.post(`/admin/supplier-documents/${doc.id}/delete`)).status).to.equal(303)
    expect((await documentsOf(app, null)).find((d: { id: number }) => d.id === doc.id)).to.equal(undefined)
    expect(fs.existsSync(diskPath(app, doc.storage_name))).to.equal(false)
  })

  it('hides the staff pages from buyers (404) and anonymous visitors (login)', async () => {
    const { browser } = await buyer(app)
    expect((await browser.get('/admin/supplier-documents')).status).to.equal(404)
    expect((await uploadSupplierDocument(browser, {}, { buffer: pdf(), name: 'x.pdf' })).status).to.equal(404)
    expect(await app.c.db('company_documents').whereNull('company_id').where({ title: 'x' })).to.have.length(0)
    const anon = await request(app.url).get('/admin/supplier-documents').redirects(0)
    expect(anon.status).to.equal(303)
    expect(anon.headers.location).to.match(/^\/login/)
  })

  it('lets only members of a verified company download them; others see the list greyed with a note', async () => {
    const admin = await staff(app)
    await uploadSupplierDocument(admin.browser, { doc_type: 'charter', title: 'Устав поставщика' }, { buffer: pdf(), name: 'ustav.pdf' })
    const doc = (await documentsOf(app, null)).find((d: { title: string }) => d.title === 'Устав поставщика')

    const verified = await buyer(app, { status: 'verified', role: 'viewer' })
    const page = await verified.browser.get('/company/documents')
    expect(page.text).to.contain('Документы поставщика')
    expect(page.text).to.contain(`/supplier-documents/${doc.id}/download`)
    const dl = await verified.browser.get(`/supplier-documents/${doc.id}/download`)
    expect(dl.status).to.equal(200)
    expect(dl.headers['content-disposition']).to.match(/^attachment;/)
    expect(dl.headers['content-type']).to.equal('application/pdf')

    for (const status of ['unverified', 'blocked'] as const) {
      const { browser } = await buyer(app, { status })
      const list = await browser.get('/company/documents')
      expect(list.text).to.contain('Устав поставщика')
      expect(list.text).to.contain('is-disabled')
      expect(list.text).to.not.contain(`/supplier-documents/${doc.id}/download`)
      expect(list.text).to.contain(status === 'blocked' ? 'Компания заблокирована поставщиком' : 'после того, как менеджер подтвердит вашу компанию')
      const refused = await browser.get(`/supplier-documents/${doc.id}/download`)
      expect(refused.status).to.equal(403)
      expect(refused.headers['content-disposition']).to.equal(undefined)
    }
    expect((await request(app.url).get(`/supplier-documents/${doc.id}/download`).redirects(0)).status).to.equal(303)
  })

  it('does not serve a company document through the supplier route', async () => {
    const { browser, company } = await buyer(app, { status: 'verified' })
    await uploadDocument(browser, {}, { buffer: pdf(), name: 'own.pdf' })
    const [doc] = await documentsOf(app, company.id)
    expect((await browser.get(`/supplier-documents/${doc.id}/download`)).status).to.equal(404)
  })

  it('lets staff download a company\'s document from the admin company page, only under the right company', async () => {
    const owner = await buyer(app)
    await uploadDocument(owner.browser, { doc_type: 'company_card' }, { buffer: pdf(), name: 'card.pdf' })
    const [doc] = await documentsOf(app, owner.company.id)
    const { browser } = await staff(app)
    const res = await browser.get(`/admin/companies/${owner.company.id}/documents/${doc.id}/download`)
    expect(res.status).to.equal(200)
    expect(res.headers['content-disposition']).to.match(/^attachment; filename="card.pdf"/)
    expect((await browser.get(`/admin/companies/${owner.company.id + 1}/documents/${doc.id}/download`)).status).to.equal(404)
    expect((await owner.browser.get(`/admin/companies/${owner.company.id}/documents/${doc.id}/download`)).status).to.equal(404)
  })
})

describe('company documents: upload limits', () => {
  let app: TestApp
  before(async () => {
    app = await startApp({ env: { UPLOAD_MAX_MB: '0.01', COMPANY_UPLOAD_QUOTA_MB: '0.003' } })
  })
  after(() => app.close())

  it('refuses a file over the size cap and keeps the title', async () => {
    const { browser, company } = await buyer(app)
    const res = await uploadDocument(browser, { doc_type: 'other', title: 'Большой скан' }, { buffer: png(2, 2, { padding: 20 * 1024 }), name: 'big.png' })
    expect(res.status).to.equal(422)
    expect(res.text).to.match(/Файл больше [\d,]+ (КБ|МБ)/)
    expect(inputValue(res.text, 'title')).to.equal('Большой скан')
    expect(await documentsOf(app, company.id)).to.have.length(0)
  })

  it('counts photos and documents of a company against one quota, but not the supplier\'s documents', async () => {
    const { browser, company } = await buyer(app)
    const scan = () => png(2, 2, { padding: 1400 })
    expect((await uploadDocument(browser, {}, { buffer: scan(), name: '1.png' })).status).to.equal(303)
    expect((await uploadDocument(browser, {}, { buffer: scan(), name: '2.png' })).status).to.equal(303)
    const res = await uploadDocument(browser, { title: 'Третий' }, { buffer: scan(), name: '3.png' })
    expect(res.status).to.equal(422)
    expect(res.text).to.contain('Превышен объём хранилища компании')
    expect(await documentsOf(app, company.id)).to.have.length(2)

    const admin = await staff(app)
    for (let i = 0; i < 3; i++) expect((await uploadSupplierDocument(admin.browser, {}, { buffer: scan(), name: `s${i}.png` })).status).to.equal(303)
  })
})
