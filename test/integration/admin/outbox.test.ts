import { staff } from '../../support/factories.js'
import { expect } from 'chai'
import { startApp, type TestApp } from '../../support/app.js'
import { insertId } from '../../../server/db/dialect.js'

describe('admin: outbox', () => {
  let app: TestApp
  let manager: Awaited<ReturnType<typeof staff>>
  before(async () => {
    app = await startApp()
    manager = await staff(app)
  })
  after(() => app.close())

  const row = (status: string, o: Record<string, unknown> = {}) => {
    const t = Date.now()
    return insertId(app.c.db, 'outbox', {
      topic: 'mail', idempotency_key: `admin-outbox-${status}-${t}-${Math.random()}`, payload: JSON.stringify({ to: 'secret@test.local', text: 'https://x/password/reset/TOKEN123' }),
      status, attempts: 0, next_attempt_at: t, created_at: t, updated_at: t, ...o,
    })
  }
  const section = (html: string, name: string) => new RegExp(`data-outbox="${name}"[\\s\\S]*?</section>`).exec(html)![0]

  it('lists dead, queued and recently sent rows with topic, attempts, next attempt and last error, never the payload', async () => {
    const dead = await row('dead', { attempts: 8, last_error: 'SMTP 550: mailbox unavailable' })
    const pending = await row('pending', { attempts: 2, last_error: 'ETIMEDOUT', next_attempt_at: Date.UTC(2030, 0, 2, 9, 30) })
    const sending = await row('sending', { attempts: 1, locked_until: Date.UTC(2030, 0, 3, 9, 0) })
    const sent = await row('sent', { attempts: 1, external_id: 'msg-42' })
    const res = await manager.browser.get('/admin/outbox')
    expect(res.status).to.equal(200)
    const deadPart = section(res.text, 'dead')
    expect(deadPart).to.contain(`data-outbox-id="${dead}"`)
    expect(deadPart).to.contain('SMTP 550: mailbox unavailable')
    expect(deadPart).to.contain(`action="/admin/outbox/${dead}/retry"`)
    expect(deadPart).to.contain('повторить')
    const failed = section(res.text, 'failed')
    expect(failed).to.contain(`data-outbox-id="${pending}"`).and.contain('ETIMEDOUT').and.contain('02.01.2030, 12:30')
    expect(failed).to.contain(`action="/admin/outbox/${pending}/retry"`)
    const queued = section(res.text, 'queued')
    expect(queued).to.contain(`data-outbox-id="${sending}"`).and.contain('03.01.2030, 12:00')
    expect(queued).not.to.contain('/retry')
    expect(section(res.text, 'sent')).to.contain(`data-outbox-id="${sent}"`).and.contain('msg-42')
    expect(res.text).not.to.contain('TOKEN123')
    expect(res.text).not.to.contain('secret@test.local')
  })

  it('puts a dead row back in the queue and audits the retry', async () => {
    const dead = await row('dead', { attempts: 8, last_error: 'boom' })
    const res = await manager.browser.post(`/admin/outbox/${dead}/retry`)
    expect(res.status).to.equal(303)
    expect(res.headers.location).to.equal('/admin/outbox')
    const after = await app.c.db('outbox').where({ id: dead }).first()
    expect(after.status).to.equal('pending')
    expect(after.attempts).to.equal(0)
    const audit = await app.c.db('audit_log').where({ action: 'outbox.retried' }).orderBy('id', 'desc').first()
    expect(JSON.parse(audit.details)).to.deep.equal({ outboxId: dead })
    expect(Number(audit.actor_user_id)).to.equal(manager.user.id)
    expect(audit.company_id).to.equal(null)
    expect((await manager.browser.get('/admin/outbox')).text).to.contain(`Сообщение №${dead} снова в очереди`)
  })

  it('«повторить» on a failed row makes it due now, keeping its attempts; the page returns to the filter it came from', async () => {
    const later = Date.now() + 3_600_000
    const failed = await row('pending', { attempts: 3, last_error: 'HTTP 502', next_attempt_at: later })
    const res = await manager.browser.post(`/admin/outbox/${failed}/retry`, { back: '/admin/outbox?status=failed&topic=mail' })
    expect(res.status).to.equal(303)
    expect(res.headers.location).to.equal('/admin/outbox?status=failed&topic=mail')
    const after = await app.c.db('outbox').where({ id: failed }).first()
    expect(after).to.include({ status: 'pending', attempts: 3 })
    expect(Number(after.next_attempt_at)).to.be.below(later)
    const evil = await manager.browser.post(`/admin/outbox/${failed}/retry`, { back: 'https://evil.example/admin/outbox' })
    expect(evil.headers.location).to.equal('/admin/outbox')
  })

  it('filters by status and topic and counts each view', async () => {
    const topic = `crm.test.${Date.now()}`
    const d1 = await row('dead', { topic, attempts: 8, last_error: 'HTTP 400' })
    const f1 = await row('pending', { topic, attempts: 1, last_error: 'HTTP 503' })
    await row('pending', { topic })
    const other = await row('dead', { attempts: 8, last_error: 'other topic' })
    const res = await manager.browser.get(`/admin/outbox?status=dead&topic=${topic}`)
    expect(res.status).to.equal(200)
    expect(res.text).to.contain(`data-outbox-id="${d1}"`)
    expect(res.text).not.to.contain(`data-outbox-id="${other}"`)
    expect(res.text).not.to.contain(`data-outbox-id="${f1}"`)
    expect(res.text).not.to.contain('data-outbox="queued"')
    const count = (view: string) => Number(new RegExp(`data-count="${view}">(\\d+)<`).exec(res.text)![1])
    expect(count('dead')).to.equal(1)
    expect(count('failed')).to.equal(1)
    expect(count('pending')).to.equal(1)
    expect(count('all')).to.equal(3)
    expect(res.text).to.contain(`<option value="${topic}" selected>`)
  })

  it('does not touch a row that is not dead and says so', async () => {
    const sent = await row('sent', { attempts: 1 })
    const before = await app.c.db('outbox').where({ id: sent }).first()
    await manager.browser.post(`/admin/outbox/${sent}/retry`)
    expect(await app.c.db('outbox').where({ id: sent }).first()).to.deep.equal(before)
    expect((await manager.browser.get('/admin/outbox')).text).to.contain('уже не ждёт повтора')
  })

  it('refuses a retry without a CSRF token', async () => {
    const dead = await row('dead', { attempts: 8 })
    const res = await manager.browser.post(`/admin/outbox/${dead}/retry`, { _csrf: null })
    expect(res.status).to.equal(403)
    expect((await app.c.db('outbox').where({ id: dead }).first()).status).to.equal('dead')
  })
})
