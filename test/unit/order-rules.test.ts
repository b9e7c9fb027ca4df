import { expect } from 'chai'
import {
  STATUSES,
  TRANSITIONS,
  allocateKopecks,
  canCancel,
  canMerge,
  canSplit,
  checkSplit,
  dayStart,
  invoicesFor,
  lineProblem,
  mergeError,
  mergeInvoices,
  mergedStatus,
  minimumSumError,
  normalizeNumber,
  orderNumber,
  parseOrderFilter,
  parseRubles,
  paymentState,
  statusAfterPayment,
  transitionError,
  partsPlan,
  vatKopecks,
} from '../../server/orders/rules.js'
import { seededRandom } from '../../server/shared/random.js'

describe('order rules', () => {
  it('follows the documented machine: the main road, deferred payment, cancellation before shipment, nothing after the end', () => {
    const road = ['pending', 'awaiting_payment', 'partly_paid', 'paid', 'assembling', 'partly_shipped', 'shipped', 'delivered', 'completed'] as const
    for (let i = 0; i + 1 < road.length; i++) expect(transitionError(road[i]!, road[i + 1]!), `${road[i]} → ${road[i + 1]}`).to.equal(null)
    expect(transitionError('awaiting_payment', 'assembling')).to.equal(null)
    expect(transitionError('assembling', 'shipped')).to.equal(null)
    for (const s of STATUSES) expect(transitionError(s, 'cancelled') === null, s).to.equal(['pending', 'awaiting_payment', 'partly_paid', 'paid', 'assembling'].includes(s))
    expect(TRANSITIONS.completed).to.deep.equal([])
    expect(TRANSITIONS.cancelled).to.deep.equal([])
    expect(transitionError('shipped', 'cancelled')).to.contain('уже не отменить')
    expect(transitionError('paid', 'delivered')).to.equal('Из состояния «оплачен» нельзя перейти в «доставлен»')
    expect(transitionError('paid', 'paid')).to.contain('уже в состоянии')
    expect(transitionError('cancelled', 'pending')).to.contain('отменён')
    expect(canCancel('assembling')).to.equal(true)
    expect(canCancel('partly_shipped')).to.equal(false)
    expect(canSplit('paid')).to.equal(true)
    expect(canMerge('assembling')).to.equal(false)
  })

  it('derives payment states and moves unassembled orders by payment', () => {
    const inv = (amount: number, paid: number) => ({ amount_kopecks: amount, paid_kopecks: paid })
    expect(paymentState([inv(100, 0), inv(50, 0)])).to.equal('unpaid')
    expect(paymentState([inv(100, 100), inv(50, 0)])).to.equal('partly')
    expect(paymentState([inv(100, 100), inv(50, 50)])).to.equal('paid')
    expect(statusAfterPayment('awaiting_payment', [inv(100, 30)])).to.equal('partly_paid')
    expect(statusAfterPayment('partly_paid', [inv(100, 100)])).to.equal('paid')
    expect(statusAfterPayment('pending', [inv(100, 100)])).to.equal('paid')
    expect(statusAfterPayment('assembling', [inv(100, 100)])).to.equal(null)
    expect(statusAfterPayment('partly_paid', [inv(100, 40)])).to.equal(null)
  })

  it('numbers orders and reads numbers as people type them', () => {
    expect(orderNumber(123)).to.equal('000123')
    expect(orderNumber(1_234_567)).to.equal('1234567')
    expect(normalizeNumber('№ 123')).to.equal('000123')
    expect(normalizeNumber(' 000123 ')).to.equal('000123')
    expect(normalizeNumber('12a')).to.equal('')
  })

  it('computes VAT inside the price per line, rounded half away from zero', () => {
    expect(vatKopecks(12_200, '22')).to.equal(2_200)
    expect(vatKopecks(185_175, '22')).to.equal(33_392)
    expect(vatKopecks(11_000, '10')).to.equal(1_000)
    expect(vatKopecks(10_000, 'none')).to.equal(0)
    expect(vatKopecks(10_000, '0')).to.equal(0)
  })

  it('reads rubles as typed', () => {
    expect(parseRubles('15 000')).to.equal(1_500_000)
    expect(parseRubles('1\u00a0234,56 ₽')).to.equal(123_456)
    expect(parseRubles('300,1')).to.equal(30_010)
    expect(parseRubles('12.345')).to.equal(null)
    expect(parseRubles('много')).to.equal(null)
    expect(parseRubles('-5')).to.equal(null)
  })

  it('makes one invoice per payer: by carts, or a split that adds up exactly with one payer taking the rest', () => {
    expect(invoicesFor(300, [{ payerId: 1, kopecks: 100 }, { payerId: 1, kopecks: 200 }], []).invoices).to.deep.equal([{ payerId: 1, amountKopecks: 300 }])
    expect(invoicesFor(300, [{ payerId: 1, kopecks: 100 }, { payerId: 2, kopecks: 200 }], []).invoices).to.deep.equal([{ payerId: 1, amountKopecks: 100 }, { payerId: 2, amountKopecks: 200 }])
    expect(invoicesFor(99_999, [], [{ companyId: 7, amountKopecks: 30_001 }, { companyId: 1, amountKopecks: null }]).invoices).to.deep.equal([{ payerId: 7, amountKopecks: 30_001 }, { payerId: 1, amountKopecks: 69_998 }])
    expect(invoicesFor(100, [], [{ companyId: 7, amountKopecks: 60 }, { companyId: 1, amountKopecks: 40 }]).error).to.equal(null)
    expect(invoicesFor(100, [], [{ companyId: 7, amountKopecks: 60 }, { companyId: 1, amountKopecks: 30 }]).error).to.contain('не распределено')
    expect(invoicesFor(100, [], [{ companyId: 7, amountKopecks: 60 }, { companyId: 1, amountKopecks: 50 }]).error).to.contain('лишние')
    expect(invoicesFor(100, [], [{ companyId: 7, amountKopecks: 160 }, { companyId: 1, amountKopecks: null }]).error).to.contain('больше суммы заказа')
    expect(invoicesFor(100, [], [{ companyId: 7, amountKopecks: null }, { companyId: 1, amountKopecks: null }]).error).to.contain('только у одного')
    expect(invoicesFor(100, [], [{ companyId: 7, amountKopecks: 50 }, { companyId: 7, amountKopecks: 50 }]).error).to.contain('одной строкой')
    // A payer whose share is zero gets no invoice.
    expect(invoicesFor(100, [], [{ companyId: 7, amountKopecks: 100 }, { companyId: 1, amountKopecks: null }]).invoices).to.deep.equal([{ payerId: 7, amountKopecks: 100 }])
  })

  it('refuses cart lines by the catalog’s rules, with the reason', () => {
    const base = { sku: 'A', unit: 'кг', active: true, qtyMilli: 10_000, packaging: { name: 'мешок', factor_milli: 1000, min_qty_milli: 10_000, step_milli: 5_000 }, allowedMatch: true, unitKopecks: 100 }
    expect(lineProblem(base)).to.equal(null)
    expect(lineProblem({ ...base, qtyMilli: 7_000 })).to.contain('7 кг заказать нельзя')
    expect(lineProblem({ ...base, qtyMilli: 12_000 })).to.contain('кратность 5 кг')
    expect(lineProblem({ ...base, active: false })).to.contain('больше не продаётся')
    expect(lineProblem({ ...base, allowedMatch: false })).to.contain('не продаётся в корзине этого типа')
    expect(lineProblem({ ...base, unitKopecks: null })).to.contain('нет цены')
    expect(minimumSumError(49_999, 50_000)).to.contain('добавьте ещё на 0,01')
    expect(minimumSumError(50_000, 50_000)).to.equal(null)
    expect(minimumSumError(1, 0)).to.equal(null)
  })

  it('shares a line’s money over shipments exactly, whatever the split (generated input)', () => {
    const rand = seededRandom(42)
    for (let n = 0; n < 2000; n++) {
      const line = Math.floor(rand() * 10_000_000)
      const qty = 1 + Math.floor(rand() * 100_000)
      const parts: number[] = []
      let left = qty
      const k = 1 + Math.floor(rand() * 4)
      for (let i = 0; i < k - 1; i++) {
        const q = Math.floor(rand() * (left + 1))
        parts.push(q)
        left -= q
      }
      parts.push(left)
      const shares = allocateKopecks(line, qty, parts)
      expect(shares.reduce((s, x) => s + x, 0)).to.equal(line)
      shares.forEach((s, i) => {
        if (parts[i] === 0) expect(s).to.equal(0)
        expect(Math.abs(s - (line * parts[i]!) / qty)).to.be.below(k + 1)
      })
    }
  })

  it('checks a split plan: parts add up to each line in whole packagings, dates from today in order', () => {
    const lines = [
      { id: 1, sku: 'A', unit: 'кг', qtyMilli: 90_000, lineKopecks: 1_000_001, unitMilli: 30_000 },
      { id: 2, sku: 'B', unit: 'шт', qtyMilli: 5_000, lineKopecks: 333, unitMilli: 1_000 },
    ]
    const plan = (a: [number, number], b: [number, number], d: [string, string] = ['2026-12-01', '2026-12-20']) => [
      { plannedOn: d[0], qty: new Map([[1, a[0]], [2, b[0]]]) },
      { plannedOn: d[1], qty: new Map([[1, a[1]], [2, b[1]]]) },
    ]
    const ok = checkSplit(lines, plan([30_000, 60_000], [2_000, 3_000]), '2026-11-27')
    expect(ok.ok).to.equal(true)
    if (!ok.ok) return
    expect(ok.shipments.map((s) => s.kopecks)).to.deep.equal([333_334 + 133, 666_667 + 200])
    expect(ok.shipments.reduce((s, x) => s + x.kopecks, 0)).to.equal(1_000_001 + 333)
    const bad = checkSplit(lines, plan([30_000, 30_000], [2_500, 2_500], ['2026-11-01', '2026-10-01']), '2026-11-27')
    expect(bad.ok).to.equal(false)
    if (bad.ok) return
    expect(bad.errors.join('\n')).to.contain('A: по отгрузкам 60 кг, а в заказе 90 кг').and.contain('B: делите целыми упаковками').and.contain('уже прошла')
    expect((checkSplit(lines, plan([90_000, 0], [5_000, 0]), '2026-11-27') as { errors: string[] }).errors).to.deep.equal(['Отгрузка 2: нет ни одной строки'])
    const withFactor = lines.map((l) => ({ ...l, factorMilli: l.unitMilli }))
    const typed = partsPlan(withFactor, [new Map([[1, '1'], [2, 'пять']])], ['2026-12-01', '2026-12-02'])
    expect(typed.errors).to.deep.equal(['B: количество — число, например 2 или 1,5 (вы ввели «пять»)'])
    expect(typed.parts[0]!.qty.get(1)).to.equal(30_000)
    expect(typed.parts[1]!.qty.get(1)).to.equal(60_000)
    // Three shipments: the last takes what the first two leave; together they may not exceed the line.
    const three = partsPlan(withFactor, [new Map([[1, '1']]), new Map([[1, '1'], [2, '2']])], ['2026-12-01', '2026-12-08', '2026-12-15'])
    expect(three.errors).to.deep.equal([])
    expect(three.parts.map((p) => [p.qty.get(1), p.qty.get(2)])).to.deep.equal([[30_000, 0], [30_000, 2_000], [30_000, 3_000]])
    expect(partsPlan(withFactor, [new Map([[1, '2']]), new Map([[1, '2']])], ['2026-12-01', '2026-12-08', '2026-12-15']).errors).to.deep.equal(['A: в отгрузки 1–2 больше, чем в заказе (90 кг)'])
  })

  it('merges orders before assembling: invoices add up per payer, the state follows the most waiting one', () => {
    expect(mergeError([{ id: 1, number: '1', status: 'pending', shipped: false }])).to.contain('хотя бы два')
    expect(mergeError([{ id: 1, number: '000001', status: 'pending', shipped: false }, { id: 2, number: '000002', status: 'assembling', shipped: false }])).to.contain('№ 000002')
    expect(mergeError([{ id: 1, number: '1', status: 'paid', shipped: false }, { id: 2, number: '2', status: 'awaiting_payment', shipped: false }])).to.equal(null)
    expect(mergeInvoices([
      { payer_company_id: 1, amount_kopecks: 100, paid_kopecks: 100 },
      { payer_company_id: 2, amount_kopecks: 50, paid_kopecks: 0 },
      { payer_company_id: 1, amount_kopecks: 30, paid_kopecks: 0 },
    ])).to.deep.equal([{ payerId: 1, amountKopecks: 130, paidKopecks: 100 }, { payerId: 2, amountKopecks: 50, paidKopecks: 0 }])
    expect(mergedStatus(['paid', 'pending'], [])).to.equal('pending')
    expect(mergedStatus(['paid', 'awaiting_payment'], [{ amount_kopecks: 100, paid_kopecks: 100 }, { amount_kopecks: 50, paid_kopecks: 0 }])).to.equal('partly_paid')
    expect(mergedStatus(['paid', 'paid'], [{ amount_kopecks: 100, paid_kopecks: 100 }])).to.equal('paid')
  })

  it('reads the history filters in the company’s time zone and ignores nonsense', () => {
    const f = parseOrderFilter({ number: '123', from: '2026-03-01', to: '2026-03-31', status: 'open', product: 'GRN', min: '1 000', max: 'x', point: '5', page: '2' }, 'Europe/Moscow')
    expect(f.from).to.equal(Date.parse('2026-02-28T21:00:00Z'))
    expect(f.to).to.equal(Date.parse('2026-03-31T21:00:00Z'))
    expect([f.status, f.minKopecks, f.maxKopecks, f.pointId, f.page]).to.deep.equal(['open', 100_000, null, 5, 2])
    expect(parseOrderFilter({ status: 'gone', from: '2026-02-30' }, 'UTC')).to.include({ status: null, from: null })
    expect(dayStart('2026-07-01', 'UTC')).to.equal(Date.parse('2026-07-01T00:00:00Z'))
  })
})
