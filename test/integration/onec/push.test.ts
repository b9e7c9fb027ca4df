import fs from 'node:fs'
import path from 'node:path'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { expect } from 'chai'
import { startApp, type TestApp } from '../../support/app.js'
import { tmpRoot } from '../../support/hooks.js'
import { FIXTURES, ONEC_ENV } from '../../support/onec.js'
import { exchangeOrder, pushFolder } from '../../../server/integrations/onec/push.js'

/*
 * `npm run onec -- push <folder>`: the 1C side of the exchange for supplier IT, against a running portal over real HTTP.
 */
describe('1C exchange: the push command', () => {
  let app: TestApp
  let folder = ''
  before(async () => {
    app = await startApp({ env: { ...ONEC_ENV, ONEC_DIR: path.join(tmpRoot, 'onec-push'), ONEC_ZIP: 'no', ONEC_FILE_LIMIT: '4096' } })
    folder = fs.mkdtempSync(path.join(tmpRoot, 'push-'))
    // Offers before import on disk order: the command still sends the classifier first.
    for (const name of ['offers.xml', 'import.xml']) fs.copyFileSync(path.join(FIXTURES, name), path.join(folder, name))
  })
  after(() => app.close())

  it('orders files as 1C does: import, offers, prices, rests, then anything else', () => {
    expect(exchangeOrder(['rests_1.xml', 'import_files/ab/1.jpg', 'offers.xml', 'prices.xml', 'import.xml'])).to.deep.equal([
      'import.xml',
      'offers.xml',
      'prices.xml',
      'rests_1.xml',
      'import_files/ab/1.jpg',
    ])
  })

  it('pushes a folder through checkauth, init, chunked files and import loops; the catalog arrives', async () => {
    const lines: string[] = []
    const r = await pushFolder({ url: `${app.url}/1c/exchange`, user: ONEC_ENV.ONEC_USER, password: ONEC_ENV.ONEC_PASSWORD, folder, log: (l) => lines.push(l) })
    expect(r.files).to.deep.equal(['import.xml', 'offers.xml'])
    expect(r.calls).to.be.at.least(2)
    expect(lines[0]).to.equal('checkauth: ok')
    expect(lines.some((l) => l.startsWith('import import.xml'))).to.equal(true)
    expect(await app.c.db('products').where({ sku: 'BLT-M8-40' }).first('id')).to.not.equal(undefined)
  })

  it('answers in windows-1251, so a Russian report reaches 1C readable', async () => {
    const at = (q: string) => `${app.url}/1c/exchange?type=sale&${q}`
    const res = await fetch(at('mode=checkauth'), { headers: { authorization: `Basic ${Buffer.from(`${ONEC_ENV.ONEC_USER}:${ONEC_ENV.ONEC_PASSWORD}`).toString('base64')}` } })
    expect(res.headers.get('content-type')).to.equal('text/plain; charset=windows-1251')
    const [, name, value] = (await res.text()).split('\n')
    const headers = { cookie: `${name}=${value}` }
    await fetch(at('mode=init'), { headers })
    const doc = '<?xml version="1.0" encoding="UTF-8"?><КоммерческаяИнформация ВерсияСхемы="2.08"><Документ><Ид>x-1</Ид><Номер>999999</Номер><ХозОперация>Заказ товара</ХозОперация></Документ></КоммерческаяИнформация>'
    expect(await (await fetch(at('mode=file&filename=orders.xml'), { method: 'POST', headers, body: doc })).text()).to.equal('success')
    const text = new TextDecoder('windows-1251').decode(await (await fetch(at('mode=import&filename=orders.xml'), { headers })).arrayBuffer())
    expect(text.split('\n')[0]).to.equal('success')
    expect(text).to.match(/[а-яё]/i).and.not.contain('?')
  })

  it('reports the portal’s refusal of a wrong password, and the command exits 1 with it', async () => {
    let message = ''
    await pushFolder({ url: `${app.url}/1c/exchange`, user: ONEC_ENV.ONEC_USER, password: 'wrong', folder }).catch((e: Error) => (message = e.message))
    expect(message).to.match(/^checkauth: /)
    const run = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'bin/onec.ts', 'push', folder, '--url', `${app.url}/1c/exchange`, '--user', ONEC_ENV.ONEC_USER, '--password', 'wrong']).catch(
      (e: { code: number; stderr: string }) => e,
    )
    expect((run as { code: number }).code).to.equal(1)
    expect((run as { stderr: string }).stderr).to.match(/^failed: checkauth: /)
  })
})
