import { expect } from 'chai'
import { DEFAULT_STATUS_MAP, foldStatus, money, pathTo, quantity, reached, sameNumber, statusDictionary, statusTarget, unitCode, dateTimeIn, counterpartyId } from '../../server/integrations/onec/sale-rules.js'
import type { SaleDocument } from '../../server/integrations/onec/sale-types.js'
import { loadConfig } from '../../server/config.js'

const doc = (requisites: Record<string, string>): SaleDocument => ({ id: '', number: '', date: '', number1c: '', date1c: '', operation: '', deleted: '', sum: '', requisites, parties: [], items: [], children: [] })

describe('1C sale: the status dictionary and mapping rules', () => {
  const dict = statusDictionary({})

  it('maps 1C statuses by text, Bitrix code and bracket prefix, ignoring case and ё', () => {
    expect(statusTarget(doc({ 'Статус заказа': 'Отгружен' }), dict)).to.deep.equal({ to: 'shipped', label: 'Отгружен' })
    expect(statusTarget(doc({ 'Статус заказа': '[N] Принят' }), dict)).to.deep.equal({ to: 'pending', label: '[N] Принят' })
    expect(statusTarget(doc({ 'Статус заказа': 'ЗАКРЫТ' }), dict)).to.deep.equal({ to: 'completed', label: 'ЗАКРЫТ' })
    expect(statusTarget(doc({ 'Статус заказа': 'Отменён' }), dict)).to.deep.equal({ to: 'cancelled', label: 'Отменён' })
    expect(statusTarget(doc({ 'Статуса заказа ИД': 'P' }), dict)).to.deep.equal({ to: 'paid', label: 'P' })
    expect(statusTarget(doc({ 'Статус заказа': '[Q] Особый' }), dict)).to.deep.equal({ unknown: '[Q] Особый' })
    expect(statusTarget(doc({ Проведен: 'true' }), dict)).to.equal(null)
    expect(foldStatus('  [O]  В   обработке ')).to.equal('в обработке')
    expect(Object.values(DEFAULT_STATUS_MAP)).to.include.members(['pending', 'awaiting_payment', 'paid', 'assembling', 'shipped', 'completed', 'cancelled'])
  })

  it('takes overrides from ONEC_SALE_STATUS_MAP and refuses a value that is not an order state', () => {
    const config = loadConfig({ ONEC_SALE_STATUS_MAP: '{"Готов к выдаче":"delivered","Отгружен":"partly_shipped"}' })
    const custom = statusDictionary(config.onecSale.statusMap)
    expect(statusTarget(doc({ 'Статус заказа': 'Готов к выдаче' }), custom)).to.deep.equal({ to: 'delivered', label: 'Готов к выдаче' })
    expect(statusTarget(doc({ 'Статус заказа': 'Отгружен' }), custom)).to.deep.equal({ to: 'partly_shipped', label: 'Отгружен' })
    expect(() => statusDictionary({ Странный: 'lost' })).to.throw(/not an order state/)
    expect(() => loadConfig({ ONEC_SALE_STATUS_MAP: '[1,2]' })).to.throw(/ONEC_SALE_STATUS_MAP/)
    expect(loadConfig({}).onecSale).to.deep.equal({ encoding: 'windows-1251', statusMap: {}, maxOrders: 500 })
    expect(loadConfig({ ONEC_SALE_ENCODING: 'utf-8' }).onecSale.encoding).to.equal('utf-8')
  })

  it('walks legal transitions only, and treats a 1C status behind ours as nothing to do', () => {
    expect(pathTo('paid', 'shipped')).to.deep.equal(['assembling', 'shipped'])
    expect(pathTo('pending', 'shipped')).to.deep.equal(['awaiting_payment', 'assembling', 'shipped'])
    expect(pathTo('pending', 'completed')).to.deep.equal(['awaiting_payment', 'assembling', 'shipped', 'delivered', 'completed'])
    expect(pathTo('assembling', 'cancelled')).to.deep.equal(['cancelled'])
    expect(pathTo('shipped', 'cancelled')).to.equal(null)
    expect(pathTo('cancelled', 'paid')).to.equal(null)
    expect(reached('shipped', 'paid')).to.equal(true)
    expect(reached('paid', 'paid')).to.equal(true)
    expect(reached('paid', 'shipped')).to.equal(false)
    expect(reached('cancelled', 'paid')).to.equal(false)
  })

  it('formats money, quantities, units, dates and ids as 1C reads them', () => {
    expect([money(0), money(5), money(123456), money(-150)]).to.deep.equal(['0.00', '0.05', '1234.56', '-1.50'])
    expect([quantity(1000), quantity(1500), quantity(125), quantity(30_000)]).to.deep.equal(['1', '1.5', '0.125', '30'])
    expect(unitCode('кг').code).to.equal('166')
    expect(unitCode('шт.').code).to.equal('796')
    expect(dateTimeIn(Date.parse('2026-12-31T21:30:00Z'), 'Europe/Moscow')).to.deep.equal({ date: '2027-01-01', time: '00:30:00' })
    expect(counterpartyId({ id: 3, inn: '7701234567', kpp: '770101001' })).to.equal('b2b-7701234567-770101001')
    expect(counterpartyId({ id: 3, inn: null, kpp: null })).to.equal('b2b-company-3')
    expect(sameNumber('142', '000142')).to.equal(true)
    expect(sameNumber('9c0f4b7a-8e11', '000142')).to.equal(false)
  })
})
