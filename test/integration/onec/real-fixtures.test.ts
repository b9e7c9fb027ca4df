import fs from 'node:fs'
import path from 'node:path'
import { expect } from 'chai'
import { startApp, type TestApp } from '../../support/app.js'
import { tmpRoot } from '../../support/hooks.js'
import { ONEC_ENV, OnecClient } from '../../support/onec.js'

/*
 * Genuine 1C exports (shared read-only folder, never copied into the project): each set is pushed through the real protocol
 * and must import without a failure; a replay must change nothing. Skipped, with the reason printed, when the folder is absent.
 */

const REAL = '/work/shared/fixtures/commerceml-real'

function sets(): Map<string, { name: string; file: string }[]> {
  const out = new Map<string, { name: string; file: string }[]>()
  for (const f of fs.readdirSync(REAL).filter((n) => n.endsWith('.xml')).sort()) {
    const [source, rest] = f.split('__')
    const kind = /^(import|offers|prices|rests)/.exec(rest ?? '')?.[1]
    if (!source || !kind) continue
    const list = out.get(source) ?? []
    list.push({ name: `${kind}_${source.replace(/[^a-z0-9]/gi, '')}.xml`, file: path.join(REAL, f) })
    out.set(source, list)
  }
  const order = ['import', 'offers', 'prices', 'rests']
  for (const list of out.values()) list.sort((a, b) => order.indexOf(a.name.split('_')[0]!) - order.indexOf(b.name.split('_')[0]!))
  return out
}

describe('1C exchange: genuine exports', function () {
  this.timeout(120_000)
  let app: TestApp
  before(async function () {
    if (!fs.existsSync(REAL)) {
      console.log(`    skipped: ${REAL} is absent (genuine 1C exports are not part of the project)`)
      this.skip()
    }
    app = await startApp({ env: { ...ONEC_ENV, ONEC_DIR: path.join(tmpRoot, 'onec-real'), ONEC_ZIP: 'no' } })
  })
  after(() => app?.close())

  const available = fs.existsSync(REAL) ? sets() : new Map()
  for (const [source, files] of available) {
    it(`imports ${source} (${files.map((f: { name: string }) => f.name.split('_')[0]).join(', ')}) and a replay changes nothing`, async () => {
      const push = async () => {
        const onec = new OnecClient(app)
        const results = await onec.push(files.map((f: { name: string; file: string }) => ({ name: f.name, body: fs.readFileSync(f.file) })), { chunk: 200_000 })
        for (const r of results) expect(r.text, r.text).to.match(/^success\n/)
        return JSON.parse((await app.c.db('onec_sessions').orderBy('id', 'desc').first()).counts)
      }
      const first = await push()
      // A classifier-only import (some sets carry no <Товары>) creates no products; its offers are reported, not thrown.
      if (files.some((f: { name: string; file: string }) => f.name.startsWith('import') && fs.readFileSync(f.file, 'utf8').includes('Товары>'))) expect(first.productsCreated + first.productsUpdated, JSON.stringify(first)).to.be.greaterThan(0)
      const second = await push()
      expect(second.productsCreated, JSON.stringify(second)).to.equal(0)
      expect(second.prices, JSON.stringify(second)).to.equal(0)
      expect(second.stockRows, JSON.stringify(second)).to.equal(0)
    })
  }
})
