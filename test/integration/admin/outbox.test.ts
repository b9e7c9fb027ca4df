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
    const queued = section(res.text, 'queued')
    expect(queued).to.contain(`data-outbox-id="${pending}"`).and.contain(`data-outbox-id="${sending}"`)
    expect(queued).to.contain('ETIMEDOUT').and.contain('02.01.2030, 12:30').and.contain('03.01.2030, 12:00')
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
