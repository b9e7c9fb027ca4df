import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import { expect } from 'chai'
import request from 'supertest'
import { startApp, manualClock, type TestApp } from '../../support/app.js'
import { tmpRoot } from '../../support/hooks.js'
import { fixture, makeZip, ONEC_ENV, OnecClient } from '../../support/onec.js'

/* WSTG ATHN/ATHZ-01/INPV-07 for /1c/exchange: credentials, throttling, path traversal, zip slip and bombs, sizes, DTDs. */

const DIR = path.join(tmpRoot || '/tmp', 'onec-safety')

function env(extra: Record<string, string> = {}) {
  return { ...ONEC_ENV, ONEC_DIR: path.join(tmpRoot, 'onec-safety'), ONEC_ZIP: 'no', ...extra }
}

function listAll(dir: string): string[] {
  if (!fs.existsSync(dir)) return []
  return fs.readdirSync(dir, { recursive: true }).map(String).sort()
}

describe('1C exchange: safety', () => {
  let app: TestApp
  before(async () => {
    app = await startApp({ env: env() })
  })
  after(() => app.close())

  it('refuses wrong credentials and throttles failed logins per IP (in the database)', async () => {
    // A clock in the past, so these failures never count against the other tests from 127.0.0.1.
    const clock = manualClock(new Date('2020-01-01T00:00:00Z'))
    const t = await startApp({ env: env({ ONEC_MAX_FAILURES_IP: '3' }), clock })
    try {
      const onec = new OnecClient(t)
      const none = await request(t.url).get('/1c/exchange?type=catalog&mode=checkauth')
      expect(none.status).to.equal(401)
      expect(none.text).to.equal('failure\nbad credentials')
      expect((await onec.checkauth('exchange', 'wrong')).status).to.equal(401)
      expect((await onec.checkauth('other', ONEC_ENV.ONEC_PASSWORD)).status).to.equal(401)
      const blocked = await onec.checkauth()
      expect(blocked.status, 'even the right password waits once the IP is throttled').to.equal(429)
      expect(blocked.text).to.match(/^failure\n/)
      clock.advance(2 * 3_600_000)
      const ok = await onec.checkauth()
      expect(ok.text).to.match(/^success\nb2b_1c_exchange\n[0-9a-f]{48}\nsessid=[0-9a-f]+\ntimestamp=\d+$/)
    } finally {
      await t.close()
    }
  })

  it('refuses every login when no credentials are configured', async () => {
    const t = await startApp({ env: { ONEC_DIR: DIR }, clock: manualClock(new Date('2020-01-01T00:00:00Z')) })
    try {
      expect((await new OnecClient(t).checkauth('', '')).status).to.equal(401)
    } finally {
      await t.close()
    }
  })

  it('refuses traversal and absolute file names, storing nothing outside the session folder', async () => {
    const onec = new OnecClient(app)
    await onec.checkauth()
    await onec.init()
    const before = listAll(path.join(tmpRoot))
    for (const name of ['../../import.xml', '..\\..\\import.xml', 'C:\\v8_8789_c.xml', 'c:/temp/import.xml', '/tmp/import.xml', '\\\\server\\share\\import.xml', 'import_files/../../x.xml', 'evil.php', 'import.xml\0.xml']) {
      const res = await onec.upload(name, Buffer.from('<x/>'))
      expect(res.status, name).to.equal(400)
      expect(res.text, name).to.equal('failure\nfile name refused')
    }
    const encoded = await request(app.url).post('/1c/exchange?type=catalog&mode=file&filename=%2e%2e%2f%2e%2e%2fimport.xml').set('Cookie', onec.cookie).send('<x/>')
    expect(encoded.status).to.equal(400)
    expect(listAll(path.join(tmpRoot))).to.deep.equal(before)
  })

  it('refuses files over the size limit and keeps what was stored before', async () => {
    const t = await startApp({ env: env({ ONEC_MAX_UPLOAD_BYTES: '3000' }) })
    try {
      const onec = new OnecClient(t)
      await onec.checkauth()
      await onec.init()
      expect((await onec.upload('import.xml', Buffer.alloc(2000, 0x20))).text).to.equal('success')
      const big = await onec.upload('import.xml', Buffer.alloc(2000, 0x20))
      expect(big.status).to.equal(413)
      const session = await t.c.db('onec_sessions').orderBy('id', 'desc').first()
      expect(fs.statSync(path.join(tmpRoot, 'onec-safety', String(session.id), 'import.xml')).size).to.equal(2000)
    } finally {
      await t.close()
    }
  })

  it('refuses a zip whose entries escape the folder (zip slip)', async () => {
    const t = await startApp({ env: env({ ONEC_ZIP: 'yes' }) })
    try {
      const onec = new OnecClient(t)
      await onec.checkauth()
      await onec.init()
      const before = listAll(tmpRoot).filter((n) => !n.startsWith('onec-safety'))
      const zip = makeZip([{ name: 'import.xml', data: fixture('import.xml') }, { name: '../../evil.xml', data: Buffer.from('<x/>') }])
      expect((await onec.upload('exchange.zip', zip)).text).to.equal('success')
      const r = await onec.importLoop('import.xml')
      // yauzl refuses `..` names itself; our own check stands behind it for names it lets through.
      expect(r.text).to.match(/^failure\n(zip entry refused|bad zip: invalid relative path)/)
      expect(listAll(tmpRoot).filter((n) => !n.startsWith('onec-safety'))).to.deep.equal(before)
      expect(fs.existsSync(path.join(tmpRoot, 'evil.xml'))).to.equal(false)
    } finally {
      await t.close()
    }
  })

  it('refuses a zip bomb by compression ratio before unpacking it', async () => {
    const t = await startApp({ env: env({ ONEC_ZIP: 'yes' }) })
    try {
      const onec = new OnecClient(t)
      await onec.checkauth()
      await onec.init()
      const zip = makeZip([{ name: 'import.xml', data: Buffer.alloc(20 * 1024 * 1024, 0x20) }])
      expect(zip.length).to.be.lessThan(100_000)
      expect((await onec.upload('exchange.zip', zip)).text).to.equal('success')
      const r = await onec.importLoop('import.xml')
      expect(r.text).to.equal('failure\nzip compression ratio too high (zip bomb?)')
      const session = await t.c.db('onec_sessions').orderBy('id', 'desc').first()
      expect(fs.existsSync(path.join(tmpRoot, 'onec-safety', String(session.id), 'import.xml'))).to.equal(false)
    } finally {
      await t.close()
    }
  })

  it('refuses a DOCTYPE with entities (XXE, billion laughs) without resolving anything', async () => {
    const onec = new OnecClient(app)
    await onec.checkauth()
    await onec.init()
    const xxe = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE КоммерческаяИнформация [<!ENTITY x SYSTEM "file:///etc/passwd"><!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<КоммерческаяИнформация ВерсияСхемы="2.08"><Каталог><Товары><Товар><Ид>xxe-1</Ид><Артикул>XXE-1</Артикул><Наименование>&x;&b;</Наименование></Товар></Товары></Каталог></КоммерческаяИнформация>`
    await onec.upload('import.xml', Buffer.from(xxe))
    const r = await onec.importLoop('import.xml')
    expect(r.text).to.equal('failure\nimport.xml: DOCTYPE is not allowed in CommerceML files')
    expect(await app.c.db('products').where({ external_id: 'xxe-1' }).first()).to.equal(undefined)
    const errors = await app.c.db('onec_errors').where('message', 'like', '%DOCTYPE%')
    expect(errors.length).to.be.greaterThan(0)
  })

  it('refuses malformed XML with a readable failure', async () => {
    const onec = new OnecClient(app)
    await onec.checkauth()
    await onec.init()
    await onec.upload('offers.xml', Buffer.from('<?xml version="1.0"?><КоммерческаяИнформация><ПакетПредложений>'))
    const r = await onec.importLoop('offers.xml')
    expect(r.text).to.match(/^failure\noffers\.xml: XML error/)
    void zlib
  })
})
