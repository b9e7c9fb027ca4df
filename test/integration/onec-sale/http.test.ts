import fs from 'node:fs'
import path from 'node:path'
import { expect } from 'chai'
import request from 'supertest'
import { manualClock, startApp, type TestApp } from '../../support/app.js'
import { tmpRoot } from '../../support/hooks.js'
import { dropCartTypes } from '../carts/helpers.js'
import { orderingBuyer, placeOrder, stocked, warehouse } from '../orders/helpers.js'
import { documentsFile } from './helpers.js'
import { parseSaleBuffer } from '../../../server/integrations/onec/sale-parse.js'

/** Collects a binary response body (supertest buffers text only). */
const binary = (res: request.Response, cb: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = []
  res.on('data', (c: Buffer) => chunks.push(c))
  res.on('end', () => cb(null, Buffer.concat(chunks)))
}

describe('1C sale over /1c/exchange: the whole sequence as 1C drives it, with its cookie', () => {
  let app: TestApp
  const clock = manualClock()
  before(async () => {
    app = await startApp({ clock, env: { ONEC_USER: 'exchange', ONEC_PASSWORD: 'sale-secret', ONEC_DIR: path.join(tmpRoot, 'onec-sale-http'), ONEC_ZIP: '0' } })
  })
  after(async () => {
    await dropCartTypes(app)
    await app.close()
  })

  it('checkauth → init → query → success → query (without the exported orders) → file → import: statuses come back', async () => {
    const b = await orderingBuyer(app)
    const w = await warehouse(app)
    const p = await stocked(app, { warehouseId: w, onHand: 20, price: 50_000 })
    clock.advance(1000)
    const order = await placeOrder(app, b, [{ p, qty: 2 }], w)

    const auth = await request(app.url).get('/1c/exchange?type=sale&mode=checkauth').auth('exchange', 'sale-secret')
    const [status, name, value] = auth.text.split('\n')
    expect(status).to.equal('success')
    const cookie = `${name}=${value}`
    const get = (q: string) => request(app.url).get(`/1c/exchange?type=sale&${q}`).set('Cookie', cookie)
    expect((await get('mode=init&version=2.08')).text).to.match(/^zip=no\nfile_limit=\d+/)

    const q1 = await get('mode=query').buffer(true).parse(binary)
    expect(q1.status).to.equal(200)
    expect(q1.headers['content-type']).to.equal('application/xml; charset=windows-1251')
    expect(parseSaleBuffer(q1.body as Buffer).map((d) => d.number)).to.include(order.number)
    expect((await get('mode=success')).text).to.match(/^success/)
    const q2 = await get('mode=query').buffer(true).parse(binary)
    expect(parseSaleBuffer(q2.body as Buffer).map((d) => d.number)).not.to.include(order.number)

    const file = documentsFile([{ id: `guid-${order.id}`, number: order.number, number1c: 'ЗЛ00-000900', requisites: { 'Статус заказа': 'Согласован', Оплачен: 'true' } }])
    const bytes = fs.readFileSync(file)
    const up = await request(app.url).post('/1c/exchange?type=sale&mode=file&filename=v8_8789_c.xml').set('Cookie', cookie).set('Content-Type', 'application/octet-stream').send(bytes)
    expect(up.text).to.match(/^success/)
    let answer = ''
    for (let i = 0; i < 20; i++) {
      answer = (await get('mode=import&filename=v8_8789_c.xml')).text
      if (!answer.startsWith('progress')) break
    }
    expect(answer).to.match(/^success/)
    const row = await app.c.db('orders').where({ id: order.id }).first()
    expect([row.status, row.onec_number, row.onec_id]).to.deep.equal(['paid', 'ЗЛ00-000900', `guid-${order.id}`])
  })
})
