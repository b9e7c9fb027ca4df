import { expect } from 'chai'
import { manualClock, startApp, type TestApp } from '../../support/app.js'
import { dropCartTypes } from '../carts/helpers.js'
import { orderingBuyer, placeOrder, stockAt, stocked, warehouse } from '../orders/helpers.js'
import { documentsFile, newSession, saleService } from './helpers.js'

const staff = { kind: 'staff' as const, userId: null }

describe('1C sale: importFile (statuses, payments, shipments, deletion marks back from 1C)', () => {
  let app: TestApp
  const clock = manualClock()
  before(async () => {
    app = await startApp({ clock })
  })
  after(async () => {
    await dropCartTypes(app)
    await app.close()
  })

  async function placed() {
    const b = await orderingBuyer(app)
    const w = await warehouse(app)
    const p = await stocked(app, { warehouseId: w, onHand: 50, price: 25_000 })
    clock.advance(1000)
    const order = await placeOrder(app, b, [{ p, qty: 4 }], w)
    return { order, w, p }
  }
  const row = (id: number) => app.c.db('orders').where({ id }).first()
  const eventsOf = (id: number) => app.c.db('order_events').where({ order_id: id }).orderBy('id')
  const invoicesOf = (id: number) => app.c.db('order_invoices').where({ order_id: id })

  it('stores 1C’s number, date and Ид, and moves the state by the status dictionary through legal transitions recorded as «1С»', async () => {
    const sale = saleService(app)
    const { order } = await placed()
    const guid = `3f1c2a9e-${order.id}-11f0-9c2a-00155d0a1b07`
    const file = documentsFile([{ id: guid, number: order.number, requisites: { 'Номер по 1С': 'ЗЛ00-000871', 'Дата по 1С': '2026-11-27T11:24:03', Проведен: 'true', 'Статус заказа': 'Согласован' } }])
    const out = await sale.importFile(newSession(), file, 5000)
    expect(out.done).to.equal(true)
    expect(out.message).to.match(/^Документов: 1, заказов найдено: 1, изменений: 3$/)
    const r = await row(order.id)
    expect([r.status, r.onec_id, r.onec_number]).to.deep.equal(['awaiting_payment', guid, 'ЗЛ00-000871'])
    const facts = await app.c.db('onec_sale_orders').where({ order_id: order.id }).first()
    expect(facts.onec_date).to.equal('2026-11-27T11:24:03')
    const last = (await eventsOf(order.id)).at(-1)
    expect([last.kind, last.from_status, last.to_status, last.actor_kind, last.note]).to.deep.equal(['status', 'pending', 'awaiting_payment', 'onec', 'Статус в 1С: «Согласован»'])
  })

  it('records «Оплачен» on every invoice through the orders service, then ships «Отгружен» (assembling on the way), consuming the reservations', async () => {
    const sale = saleService(app, { encoding: 'utf-8' })
    const { order, w, p } = await placed()
    expect(await stockAt(app, w, p.id)).to.deep.equal({ onHand: 50, reserved: 4 })
    const paid = documentsFile([{ id: `g-${order.id}`, number: order.number, requisites: { Оплачен: 'true', 'Номер оплаты по 1С': 'ЗЛ00-000312', 'Дата оплаты по 1С': '2026-11-27T09:10:00', Отгружен: 'false' } }], { encoding: 'utf-8', namespace: false, version: '2.10' })
    const a = await sale.importFile(newSession(), paid, 5000)
    expect(a.message, a.message).to.not.include('не применено')
    expect((await row(order.id)).status).to.equal('paid')
    const inv = await invoicesOf(order.id)
    expect(inv.every((i: { paid_kopecks: number; amount_kopecks: number }) => Number(i.paid_kopecks) === Number(i.amount_kopecks))).to.equal(true)
    expect((await app.c.db('onec_sale_orders').where({ order_id: order.id }).first()).payment_no).to.equal('ЗЛ00-000312')
    const shipped = documentsFile([{ id: `g-${order.id}`, number: order.number, requisites: { Оплачен: 'true', Отгружен: 'true', 'Номер отгрузки по 1С': 'ЗЛ00-000540', 'Дата отгрузки по 1С': '2026-11-27T15:30:00', 'Статус заказа': 'Отгружен' } }])
    const b = await sale.importFile(newSession(), shipped, 5000)
    expect(b.message, b.message).to.not.include('не применено')
    expect((await row(order.id)).status).to.equal('shipped')
    expect(await stockAt(app, w, p.id)).to.deep.equal({ onHand: 46, reserved: 0 })
    const moves = (await eventsOf(order.id)).filter((e: { actor_kind: string }) => e.actor_kind === 'onec').map((e: { kind: string; to_status: string }) => `${e.kind}:${e.to_status}`)
    expect(moves).to.deep.equal(['payment:pending', 'status:paid', 'status:assembling', 'status:shipped'])
  })

  it('cancels an order 1C marks deleted (reservations released), and reports a deletion mark it may not apply', async () => {
    const sale = saleService(app)
    const a = await placed()
    const b = await placed()
    await app.c.orders.transition(b.order.id, 'awaiting_payment', staff)
    await app.c.orders.transition(b.order.id, 'assembling', staff)
    await app.c.orders.transition(b.order.id, 'shipped', staff)
    const file = documentsFile([
      { id: `del-${a.order.id}`, number: a.order.number, deleted: true },
      { id: `del-${b.order.id}`, number: b.order.number, requisites: { ПометкаУдаления: 'true' } },
    ], { version: '2.05', namespace: false })
    const out = await sale.importFile(newSession(), file, 5000)
    expect((await row(a.order.id)).status).to.equal('cancelled')
    expect(await stockAt(app, a.w, a.p.id)).to.deep.equal({ onHand: 50, reserved: 0 })
    expect((await row(b.order.id)).status).to.equal('shipped')
    expect(out.message).to.include(`не применено: заказ № ${b.order.number}: помечен на удаление в 1С, но Заказ в состоянии «отгружен» уже не отменить`)
  })

  it('reports unknown orders, unknown statuses and illegal moves without failing, and skips documents that are not orders', async () => {
    const sale = saleService(app)
    const { order } = await placed()
    await app.c.orders.transition(order.id, 'cancelled', staff)
    const { order: other } = await placed()
    const file = documentsFile([
      { id: 'f00d-unknown', number: '987654321' },
      { id: 'no-number-guid', number: 'ЗЛ00-999' },
      { number: order.number, requisites: { 'Статус заказа': 'Отгружен' } },
      { number: other.number, requisites: { 'Статус заказа': '[Z] Ждёт директора' } },
      { number: 'ЗЛ00-000540', operation: 'Отпуск товара' },
    ])
    const out = await sale.importFile(newSession(), file, 5000)
    expect(out.done).to.equal(true)
    expect(out.message).to.include('Документов: 5, заказов найдено: 2, изменений: 0. пропущено (не заказы): 1')
    expect(out.message).to.include('не найдены заказы: № 987654321 (Ид f00d-unknown); № ЗЛ00-999 (Ид no-number-guid)')
    expect(out.message).to.include(`заказ № ${order.number}: статус 1С «Отгружен», но заказ отменён на портале`)
    expect(out.message).to.include(`заказ № ${other.number}: статус 1С «[Z] Ждёт директора» не найден в словаре ONEC_SALE_STATUS_MAP`)
    expect((await row(other.id)).status).to.equal('pending')
  })

  it('matches by 1C’s Ид when the number is not ours, and a replayed file changes nothing more', async () => {
    const sale = saleService(app)
    const { order } = await placed()
    const guid = `9c0f4b7a-${order.id}-replay`
    const docs = [{ id: guid, number: order.number, number1c: 'ТД00-001203', date1c: '2026-11-27', requisites: { 'Статуса заказа ИД': 'P', Проведен: 'true' } }]
    const first = await sale.importFile(newSession(), documentsFile(docs, { encoding: 'utf-8', version: '2.09' }), 5000)
    expect(first.message).to.not.include('не применено')
    const snapshot = async () => ({ order: await row(order.id), events: (await eventsOf(order.id)).length, invoices: await invoicesOf(order.id), facts: await app.c.db('onec_sale_orders').where({ order_id: order.id }).first(), outbox: (await app.c.db('outbox').where('idempotency_key', 'like', `order.%:${order.id}:%`)).length })
    const before = await snapshot()
    expect([before.order.status, before.order.onec_number]).to.deep.equal(['paid', 'ТД00-001203'])
    clock.advance(1000)
    const again = await sale.importFile(newSession(), documentsFile(docs, { encoding: 'utf-8', version: '2.09' }), 5000)
    expect(again.message).to.equal('Документов: 1, заказов найдено: 1, изменений: 0')
    expect(await snapshot()).to.deep.equal(before)
    // 1C's own number in Номер and its Ид: found by the Ид it stored.
    clock.advance(1000)
    const byId = await sale.importFile(newSession(), documentsFile([{ id: guid, number: 'ТД00-001203', requisites: { 'Статус заказа': 'К отгрузке' } }]), 5000)
    expect(byId.message).to.equal('Документов: 1, заказов найдено: 1, изменений: 1')
    expect((await row(order.id)).status).to.equal('assembling')
  })

  it('works in steps within the budget, resuming where the previous call stopped, and ends in the same state', async () => {
    const sale = saleService(app)
    const orders = [await placed(), await placed(), await placed(), await placed()]
    const file = documentsFile(orders.map(({ order }) => ({ number: order.number, requisites: { 'Статус заказа': 'Ожидает оплаты' } })))
    const session = newSession()
    const answers: boolean[] = []
    for (let i = 0; i < 10; i++) {
      const out = await sale.importFile(session, file, 0)
      answers.push(out.done)
      if (out.done) {
        expect(out.message).to.equal('Документов: 4, заказов найдено: 4, изменений: 4')
        break
      }
      expect(out.message).to.match(/^Обработано документов: \d+\./)
    }
    expect(answers).to.deep.equal([false, false, false, true])
    for (const { order } of orders) expect((await row(order.id)).status).to.equal('awaiting_payment')
    // Asked again after the end (1C repeats a call whose answer it lost): the same answer, nothing applied twice.
    expect(await sale.importFile(session, file, 0)).to.deep.equal({ done: true, message: 'Документов: 4, заказов найдено: 4, изменений: 4' })
  })

  it('reports a broken file instead of failing', async () => {
    const sale = saleService(app)
    const file = documentsFile([{ number: '1' }]).replace(/$/, '')
    const fs = await import('node:fs')
    fs.writeFileSync(file, '<?xml version="1.0" encoding="windows-1251"?><КоммерческаяИнформация><Документ><Номер>1</Документ>')
    const out = await sale.importFile(newSession(), file, 5000)
    expect(out.done).to.equal(true)
    expect(out.message).to.match(/файл не прочитан: Файл не читается как XML/)
  })
})

describe('1C sale: importFile on a large file', () => {
  let app: TestApp
  before(async () => {
    app = await startApp()
  })
  after(async () => {
    await app.close()
  })

  it('keeps the report small: the first unknown orders named, the rest counted', async () => {
    const sale = saleService(app)
    const docs = Array.from({ length: 150 }, (_, i) => ({ id: `unknown-${i}`, number: String(880_000_000 + i) }))
    const out = await sale.importFile(newSession(), documentsFile(docs), 60_000)
    expect(out.done).to.equal(true)
    expect(out.message).to.match(/^Документов: 150, заказов найдено: 0, изменений: 0\. не найдены заказы: № 880000000 \(Ид unknown-0\);.*; и ещё 140$/)
  })
})
