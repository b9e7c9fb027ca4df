import { expect } from 'chai'
import { Browser, startApp, type TestApp } from '../../support/app.js'
import { createUser } from '../../support/factories.js'
import { engineOf } from '../../../server/db/knex.js'
import { readVersions, VERSIONED_TABLES } from '../../../server/db/versions.js'

/*
 * The data versions behind the in-process caches: every table listed in `VERSIONED_TABLES` has its three triggers, and a
 * write by anyone (here straight through knex, as the 1C import or a test factory would) moves its channel's counter.
 */
describe('data versions', () => {
  let app: TestApp
  before(async () => {
    app = await startApp()
  })
  after(() => app.close())

  it('every versioned table has an insert, update and delete trigger', async () => {
    const db = app.c.db
    const names: string[] =
      engineOf(db) === 'sqlite'
        ? (await db('sqlite_master').where({ type: 'trigger' }).select('name')).map((r: { name: string }) => r.name)
        : (await db('information_schema.triggers').whereRaw('trigger_schema = DATABASE()').select('trigger_name as name')).map((r: { name: string }) => r.name)
    for (const table of Object.keys(VERSIONED_TABLES)) {
      for (const suffix of ['ai', 'au', 'ad']) expect(names, `${table} ${suffix}`).to.include(`dv_${table}_${suffix}`)
    }
  })

  it('a written row moves its channel and no other', async () => {
    const db = app.c.db
    const before = await readVersions(db)
    const [id] = await db('price_types').insert({ code: `v-${Date.now()}`, name: 'Версии', is_default: false, sort: 99 })
    const afterInsert = await readVersions(db)
    expect(afterInsert.catalog).to.be.greaterThan(before.catalog)
    expect([afterInsert.prices, afterInsert.terms]).to.deep.equal([before.prices, before.terms])
    await db('price_types').where({ id }).delete()
    expect((await readVersions(db)).catalog).to.be.greaterThan(afterInsert.catalog)
    const user = await createUser(app)
    const a = await readVersions(db)
    await db('users').where({ id: user.id }).update({ is_active: false })
    expect((await readVersions(db)).accounts).to.be.greaterThan(a.accounts)
  })

  it('a person blocked by a direct write is logged out at the next request', async () => {
    const user = await createUser(app)
    const browser = new Browser(app)
    await browser.login(user.email, user.password)
    expect((await browser.get('/account')).status).to.equal(200)
    await app.c.db('users').where({ id: user.id }).update({ is_active: false })
    const res = await browser.get('/account')
    expect(res.status).to.equal(303)
    expect(res.headers.location).to.match(/^\/login\?expired=1/)
  })
})
