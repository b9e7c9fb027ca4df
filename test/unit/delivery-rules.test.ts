import { expect } from 'chai'
import { cdekNumberOf, computePackages, parsePackages, recipientErrors, trackUrl } from '../../server/delivery/rules.js'
import { cleanPhone, parseCdekTime, problemsText, stateOfCdekStatus, statusName, toCdekOrder } from '../../server/integrations/cdek/map.js'

describe('delivery rules: packages, checks, CDEK mapping', () => {
  const box = { lengthCm: 40, widthCm: 30, heightCm: 30 }

  it('makes one place per sized packaging and standard boxes for the rest, by weight', () => {
    const { packages, warnings } = computePackages(
      [
        { qtyMilli: 25_000, unitWeightG: 50, name: 'Стакан', packaging: { factorMilli: 12_000, lengthCm: 30, widthCm: 20, heightCm: 15, weightG: null } },
        { qtyMilli: 65_000, unitWeightG: 1000, name: 'Кофе', packaging: { factorMilli: 1000, lengthCm: null, widthCm: null, heightCm: null, weightG: null } },
      ],
      box,
      30_000,
    )
    // 25 cups in boxes of 12: 3 places of 600 g; 65 kg of coffee: 3 standard boxes of ≤ 30 kg, spread evenly.
    expect(packages).to.deep.equal([
      { weightG: 600, lengthCm: 30, widthCm: 20, heightCm: 15 },
      { weightG: 600, lengthCm: 30, widthCm: 20, heightCm: 15 },
      { weightG: 600, lengthCm: 30, widthCm: 20, heightCm: 15 },
      { weightG: 21_667, ...box },
      { weightG: 21_667, ...box },
      { weightG: 21_666, ...box },
    ])
    expect(warnings).to.deep.equal([])
  })

  it('counts 1 kg per unit of unknown weight and says so; never returns no places', () => {
    const r = computePackages([{ qtyMilli: 2_000, unitWeightG: 0, name: 'Сироп', packaging: null }], box, 30_000)
    expect(r.packages).to.deep.equal([{ weightG: 2000, ...box }])
    expect(r.warnings[0]).to.contain('«Сироп» не указан вес')
    expect(computePackages([], box, 30_000).packages).to.deep.equal([{ weightG: 1, ...box }])
  })

  it('checks typed packages with Russian messages per field, dropping blank rows', () => {
    const ok = parsePackages([
      { weightG: '1 200', lengthCm: '30', widthCm: '20', heightCm: '10' },
      { weightG: '', lengthCm: '', widthCm: '', heightCm: '' },
    ])
    expect(ok).to.deep.equal({ packages: [{ weightG: 1200, lengthCm: 30, widthCm: 20, heightCm: 10 }], errors: {} })
    const bad = parsePackages([{ weightG: '0', lengthCm: '2000', widthCm: 'x', heightCm: '10.5' }])
    expect(Object.keys(bad.errors).sort()).to.deep.equal(['packages.0.heightCm', 'packages.0.lengthCm', 'packages.0.weightG', 'packages.0.widthCm'])
    expect(parsePackages([]).errors.packages).to.equal('Укажите хотя бы одно место: вес и размеры')
  })

  it('asks for a phone and an address of the recipient', () => {
    const r = { company: 'ООО', name: 'Пётр', phone: '', email: '', address: '', cityCode: null, deliveryPoint: '' }
    expect(recipientErrors(r).recipient).to.contain('адрес доставки').and.contain('телефон получателя')
    expect(recipientErrors({ ...r, phone: '8 916 000-00-00', deliveryPoint: 'MSK1' })).to.deep.equal({})
  })

  it('numbers CDEK orders in ASCII within 40 characters and links the public tracking', () => {
    expect(cdekNumberOf('000123', 2, 45)).to.equal('000123-2-45')
    expect(cdekNumberOf('000123', null, 45)).to.equal('000123-0-45')
    expect(trackUrl('1234567890')).to.equal('https://www.cdek.ru/ru/tracking?order_id=1234567890')
    expect(trackUrl(null)).to.equal(null)
  })

  it('maps CDEK statuses to the portal states, unknown codes to in transit, names to Russian', () => {
    expect(stateOfCdekStatus('CREATED')).to.equal('created')
    expect(stateOfCdekStatus('INVALID')).to.equal('failed')
    expect(stateOfCdekStatus('ACCEPTED_AT_PICK_UP_POINT')).to.equal('ready')
    expect(stateOfCdekStatus('POSTOMAT_RECEIVED')).to.equal('delivered')
    expect(stateOfCdekStatus('RETURNED_TO_SENDER')).to.equal('not_delivered')
    expect(stateOfCdekStatus('SOMETHING_NEW')).to.equal('in_transit')
    expect(statusName('DELIVERED')).to.equal('Вручён')
    expect(statusName('SOMETHING_NEW', 'Новый статус')).to.equal('Новый статус')
    expect(statusName('SOMETHING_NEW')).to.equal('SOMETHING_NEW')
  })

  it('reads CDEK times with and without the colon in the offset; phones to +7…', () => {
    expect(parseCdekTime('2026-02-02T10:00:00+0300')).to.equal(Date.UTC(2026, 1, 2, 7))
    expect(parseCdekTime('2026-02-02T10:00:00+03:00')).to.equal(Date.UTC(2026, 1, 2, 7))
    expect(parseCdekTime('not a date')).to.equal(null)
    expect(cleanPhone('8 (916) 000-00-00')).to.equal('+79160000000')
    expect(cleanPhone('+7 999 111-22-33')).to.equal('+79991112233')
  })

  it('words CDEK refusals in Russian and builds the order body with XOR locations', () => {
    expect(problemsText([{ code: 'v2_invalid_phone', message: 'bad phone' }])).to.equal('СДЭК отклонил заявку: неверный номер телефона (bad phone)')
    expect(problemsText([])).to.equal('СДЭК отклонил заявку без объяснения причин')
    const base = {
      number: 'N-1', orderType: 2, tariffCode: 136, comment: 'c',
      sender: { company: 'ООО Опт', name: 'Склад', phone: '+74950000000', email: '', cityCode: 44, address: 'Москва', shipmentPoint: '' },
      recipient: { company: 'ООО Клиент', name: 'Пётр', phone: '8 999 111 22 33', email: 'a@b.c', address: 'СПб', cityCode: 137, deliveryPoint: '' },
      packages: [{ weightG: 500, lengthCm: 10, widthCm: 10, heightCm: 10 }],
      items: [{ name: 'Товар', sku: 'SKU-1', costRub: 15, weightG: 50, amount: 10 }],
    }
    const body = toCdekOrder(base)
    expect(body).to.deep.include({ type: 2, number: 'N-1', tariff_code: 136, from_location: { code: 44, address: 'Москва' }, to_location: { code: 137, address: 'СПб' } })
    expect(body.recipient.phones).to.deep.equal([{ number: '+79991112233' }])
    expect(body.packages[0]!.items![0]).to.deep.equal({ name: 'Товар', ware_key: 'SKU-1', payment: { value: 0 }, cost: 15, weight: 50, amount: 10 })
    const pvz = toCdekOrder({ ...base, sender: { ...base.sender, shipmentPoint: 'MSK5' }, recipient: { ...base.recipient, deliveryPoint: 'SPB45' } })
    expect(pvz).to.deep.include({ shipment_point: 'MSK5', delivery_point: 'SPB45' })
    expect(pvz).to.not.have.property('from_location')
    expect(pvz).to.not.have.property('to_location')
  })
})
