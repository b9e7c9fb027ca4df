import { expect } from 'chai'
import { packagingSizesOf } from '../../server/catalog/rules.js'
import { isReturnStatus, stateOfCdekStatus, statusName } from '../../server/integrations/cdek/map.js'
import { deliveryProblem, presentWebhook } from '../../server/delivery/present.js'

describe('packaging shipping sizes (catalog rules)', () => {
  it('accepts whole grams and centimetres with spaces, and all-empty as «not known»', () => {
    expect(packagingSizesOf({ weightG: '1 020', lengthCm: '20', widthCm: ' 15 ', heightCm: '10' })).to.deep.equal({ sizes: { weightG: 1020, lengthCm: 20, widthCm: 15, heightCm: 10 }, errors: {} })
    expect(packagingSizesOf({ weightG: '', lengthCm: '', widthCm: '', heightCm: '' })).to.deep.equal({ sizes: { weightG: null, lengthCm: null, widthCm: null, heightCm: null }, errors: {} })
    expect(packagingSizesOf({ weightG: '700', lengthCm: '', widthCm: '', heightCm: '' }).errors).to.deep.equal({})
  })

  it('refuses fractions, zero, too much, and a side without the other two, in Russian', () => {
    const { errors } = packagingSizesOf({ weightG: '0,5', lengthCm: '0', widthCm: '', heightCm: '' })
    expect(errors.weightG).to.equal('Вес — целое число граммов от 1 до 1 000 000, например 700')
    expect(errors.lengthCm).to.equal('Размер — целое число сантиметров от 1 до 1500')
    expect(errors.widthCm).to.equal('Укажите все три размера (длина, ширина, высота) или оставьте их пустыми')
    expect(errors.heightCm).to.equal(errors.widthCm)
    expect(packagingSizesOf({ weightG: '1000001', lengthCm: '1501', widthCm: '1', heightCm: '1' }).errors).to.have.keys('weightG', 'lengthCm')
  })
})

describe('CDEK delivered / not delivered words', () => {
  it('maps delivered and returns (cdek.md §6) and names every RETURNED_* in Russian', () => {
    expect(stateOfCdekStatus('DELIVERED')).to.equal('delivered')
    expect(stateOfCdekStatus('POSTOMAT_RECEIVED')).to.equal('delivered')
    expect(stateOfCdekStatus('NOT_DELIVERED')).to.equal('not_delivered')
    expect(stateOfCdekStatus('RETURNED_TO_SENDER_CITY_WAREHOUSE')).to.equal('not_delivered')
    expect(statusName('RETURNED_TO_SENDER_CITY_WAREHOUSE')).to.equal('Возвращён на склад в городе отправителя')
    expect(statusName('RETURNED_SOMETHING_NEW')).to.equal('Возвращается отправителю')
    expect(statusName('RETURNED_SOMETHING_NEW', 'Возврат в пути')).to.equal('Возврат в пути')
    expect(isReturnStatus('POSTOMAT_SEIZED')).to.equal(true)
    expect(isReturnStatus('NOT_DELIVERED')).to.equal(false)
    expect(isReturnStatus(null)).to.equal(false)
  })

  it('tells the buyer and staff what went wrong, only when it did', () => {
    expect(deliveryProblem('in_transit', 'SENT_TO_RECIPIENT_CITY', true)).to.equal(null)
    expect(deliveryProblem('not_delivered', 'NOT_DELIVERED', true)).to.match(/^СДЭК не смог вручить груз\. Менеджер свяжется с вами/)
    expect(deliveryProblem('not_delivered', 'RETURNED_TO_TRANSIT_WAREHOUSE', false)).to.equal('Груз возвращается отправителю: свяжитесь с покупателем')
  })

  it('says «есть / нет / ошибка» for the subscription', () => {
    expect(presentWebhook(null, false)).to.include({ state: 'none', text: 'нет' })
    expect(presentWebhook(null, true).detail).to.contain('В песочнице подписка не нужна')
    const base = { id: 1, url: 'https://b2b.example/hooks/cdek/…', cdek_uuid: 'u', error: null, actor: 'job', checked_at: 1 }
    expect(presentWebhook({ ...base, outcome: 'present' }, false)).to.include({ text: 'есть', badge: 'ok', by: 'задание по расписанию' })
    expect(presentWebhook({ ...base, outcome: 'created', actor: 'staff:5' }, false)).to.include({ text: 'есть', detail: 'оформлена при этой проверке', by: 'сотрудник' })
    expect(presentWebhook({ ...base, outcome: 'error', error: 'СДЭК не ответил: HTTP 503' }, false)).to.include({ text: 'ошибка', badge: 'err', detail: 'СДЭК не ответил: HTTP 503' })
    expect(presentWebhook(null, false, 'http://localhost:3000').warning).to.contain('СДЭК не достучится до локального адреса')
    expect(presentWebhook(null, true, 'http://localhost:3000').warning).to.equal(null)
    expect(presentWebhook(null, false, 'https://b2b.example.ru').warning).to.equal(null)
  })
})
