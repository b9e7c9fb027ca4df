import { expect } from 'chai'
import { loadConfig } from '../../server/config.js'

describe('configuration', () => {
  it('defaults to SQLite in var/ on port 3000 with the sandboxes', () => {
    const c = loadConfig({})
    expect(c.port).to.equal(3000)
    expect(c.db.client).to.equal('sqlite')
    expect(c.db.client === 'sqlite' && c.db.filename).to.match(/var\/portal\.sqlite$/)
    expect(c.dadata.sandbox).to.equal(true)
    expect(c.dadata.url).to.equal('http://127.0.0.1:3000/sandbox/dadata')
    expect(c.mail.sandbox).to.equal(true)
    expect(c.session.cookieName).to.equal('sid')
  })

  it('reads a mysql:// DATABASE_URL', () => {
    const c = loadConfig({ DATABASE_URL: 'mysql://u:p@db:3306/portal' })
    expect(c.db).to.deep.equal({ client: 'mysql', url: 'mysql://u:p@db:3306/portal' })
  })

  it('uses the real DaData URL when a token is set', () => {
    const c = loadConfig({ DADATA_TOKEN: 'abc' })
    expect(c.dadata.sandbox).to.equal(false)
    expect(c.dadata.url).to.equal('https://suggestions.dadata.ru/suggestions/api/4_1/rs')
  })

  it('lists every bad key at once', () => {
    expect(() => loadConfig({ PORT: 'abc', LOG_LEVEL: 'loud' })).to.throw(/PORT[\s\S]*LOG_LEVEL/)
  })

  it('refuses production without a session secret, and with sandboxes unless allowed', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).to.throw(/SESSION_SECRET/)
    const base = { NODE_ENV: 'production', SESSION_SECRET: 'a-long-production-secret' }
    expect(() => loadConfig(base)).to.throw(/DADATA_TOKEN, SMTP_URL not set/)
    expect(loadConfig({ ...base, ALLOW_SANDBOX: '1' }).session.secureCookie).to.equal(true)
    const real = { ...base, DADATA_TOKEN: 't', SMTP_URL: 'smtp://mail:25' }
    expect(() => loadConfig(real)).to.throw(/CDEK_CLIENT_ID, CDEK_CLIENT_SECRET not set/)
    expect(() => loadConfig({ ...real, CDEK_CLIENT_ID: 'id', CDEK_CLIENT_SECRET: 'secret' })).to.throw(/CDEK_WEBHOOK_SECRET is required/)
    const prod = loadConfig({ ...real, CDEK_CLIENT_ID: 'id', CDEK_CLIENT_SECRET: 'secret', CDEK_WEBHOOK_SECRET: 'a-long-webhook-secret' })
    expect(prod.session.cookieName).to.equal('__Host-sid')
    expect(prod.cdek).to.include({ sandbox: false, baseUrl: 'https://api.cdek.ru/v2', webhookSecret: 'a-long-webhook-secret' })
  })
})
