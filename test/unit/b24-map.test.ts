import { expect } from 'chai'
import { changeComment, companyResponsible, dealResponsible, pickPreset, productRows, requisiteFields, splitFullName } from '../../b24-app/map.js'
import { DEFAULT_SETTINGS, withDefaults } from '../../b24-app/settings-store.js'
import { deliveryComment } from '../../b24-app/sync.js'
import { parseQuery } from '../../server/sandbox/bitrix24.js'
import type { CompanyRow } from '../../server/companies/types.js'

describe('b24 map: pure conversions to CRM fields', () => {
  const presets = [
    { ID: '11', NAME: 'Физ. лицо', XML_ID: '#CRM_REQUISITE_PRESET_DEF_RU_PERSON#', ACTIVE: 'Y' },
    { ID: '12', NAME: 'Организация', XML_ID: '#CRM_REQUISITE_PRESET_DEF_RU_COMPANY#', ACTIVE: 'Y' },
    { ID: '13', NAME: 'ИП', XML_ID: '#CRM_REQUISITE_PRESET_DEF_RU_INDIVIDUAL#', ACTIVE: 'Y' },
  ]

  it('picks the requisite preset by XML_ID, then by name, never by a hard-coded id', () => {
    expect(pickPreset(presets, 'legal')).to.equal(12)
    expect(pickPreset(presets, 'ip')).to.equal(13)
    expect(pickPreset(presets, 'person')).to.equal(11)
    const renamed = [{ ID: '7', NAME: 'Индивидуальный предприниматель' }, { ID: '8', NAME: 'Организация (ООО, АО)' }]
    expect(pickPreset(renamed, 'legal')).to.equal(8)
    expect(pickPreset(renamed, 'ip')).to.equal(7)
    expect(pickPreset([{ ID: '3', NAME: 'Организация', ACTIVE: 'N' }], 'legal')).to.equal(null)
  })

  it('splits «Фамилия Имя Отчество» into the contact fields', () => {
    expect(splitFullName('Петрова Анна Сергеевна')).to.deep.equal({ LAST_NAME: 'Петрова', NAME: 'Анна', SECOND_NAME: 'Сергеевна' })
    expect(splitFullName('  Анна ')).to.deep.equal({ LAST_NAME: '', NAME: 'Анна', SECOND_NAME: '' })
  })

  it('sends KPP and OGRN for an ООО, OGRNIP for an ИП, nothing for a private person', () => {
    const base = { id: 5, name_short: 'ООО «Ромашка»', name_full: '', inn: '7705123452', kpp: '770501001', ogrn: '1027700132195', director_name: 'Иванов И. И.' } as CompanyRow
    expect(requisiteFields({ ...base, kind: 'legal' })).to.include({ RQ_INN: '7705123452', RQ_KPP: '770501001', RQ_OGRN: '1027700132195', XML_ID: 'b2b-company-5' })
    const ip = requisiteFields({ ...base, kind: 'ip', kpp: null, ogrn: '304500116000157' })!
    expect(ip).to.include({ RQ_OGRNIP: '304500116000157' })
    expect(ip).to.not.have.property('RQ_KPP')
    expect(requisiteFields({ ...base, kind: 'person' })).to.equal(null)
  })

  it('product rows: price per base unit with VAT in rubles, exact quantities, VAT rate only when there is one', () => {
    const rows = productRows([
      { sku: 'A', name: 'Кофе', unit: 'кг', packaging: 'Мешок 30 кг', qty_milli: 1_500, unit_kopecks: 123_456, line_kopecks: 185_184, vat_rate: '10' },
      { sku: 'B', name: 'Стакан', unit: 'шт', packaging_name: '', qty_milli: 250_000, unit_kopecks: 5, line_kopecks: 1_250, vat_rate: 'none' },
    ])
    expect(rows[0]).to.deep.include({ PRODUCT_ID: 0, PRODUCT_NAME: 'A Кофе (Мешок 30 кг)', PRICE: 1234.56, QUANTITY: 1.5, TAX_RATE: 10, TAX_INCLUDED: 'Y', MEASURE_NAME: 'кг' })
    expect(rows[1]).to.deep.include({ PRODUCT_NAME: 'B Стакан', PRICE: 0.05, QUANTITY: 250 })
    expect(rows[1]).to.not.have.property('TAX_RATE')
  })

  it('responsible: the manager who verified the company when mapped, else the default; the deal follows the rule', () => {
    const s = withDefaults({ responsible: { rule: 'company_manager', defaultUserId: 9, managers: { '42': 17 } } })
    expect(companyResponsible(s, 42)).to.equal(17)
    expect(companyResponsible(s, 43)).to.equal(9)
    expect(companyResponsible(s, null)).to.equal(9)
    expect(dealResponsible(s, 17)).to.equal(17)
    expect(dealResponsible({ ...s, responsible: { ...s.responsible, rule: 'default' } }, 17)).to.equal(9)
  })

  it('settings: stored values over the defaults, section by section', () => {
    const s = withDefaults({ categoryId: 3, stageByStatus: { pending: 'C3:NEW' } as never, create: { dealOnOrder: false } as never })
    expect(s.categoryId).to.equal(3)
    expect(s.stageByStatus.pending).to.equal('C3:NEW')
    expect(s.stageByStatus.cancelled).to.equal(DEFAULT_SETTINGS.stageByStatus.cancelled)
    expect(s.create.dealOnOrder).to.equal(false)
    expect(s.create.companyOnVerified).to.equal(true)
    expect(withDefaults({ categoryId: -1 }).categoryId).to.equal(0)
  })

  it('comments in Russian for changes and CDEK statuses', () => {
    const order = { number: '000123', total_kopecks: 150_000 }
    expect(changeComment({ change: 'status', from: 'pending', to: 'paid', note: 'по выписке', order })).to.equal('Статус заказа № 000123: «оплачен» (был «ожидает обработки»)\nпо выписке')
    expect(changeComment({ change: 'cancelled', from: 'paid', to: 'cancelled', order })).to.equal('Заказ № 000123 отменён')
    // A move Bitrix24 itself made: the comment says so, without the note that repeats the stage.
    const fromB24 = { actor: { kind: 'b24', user_id: null, via: 'b24_deal' } }
    expect(changeComment({ change: 'status', from: 'pending', to: 'awaiting_payment', note: 'Битрикс24: сделка № 5 перешла в стадию «Счёт»', order, ...fromB24 })).to.equal('Заказ № 000123 переведён из Битрикс24 в «ожидает оплаты» (был «ожидает обработки»)')
    expect(changeComment({ change: 'cancelled', from: 'pending', to: 'cancelled', order, ...fromB24 })).to.equal('Заказ № 000123 отменён из Битрикс24')
    expect(changeComment({ change: 'status', from: 'pending', to: 'paid', order, actor: { kind: 'b24', user_id: null } } as never)).to.match(/^Статус заказа/)
    expect(changeComment({ change: 'payment', from: 'pending', to: 'partly_paid', order, invoices: [{ amount_kopecks: 150_000, paid_kopecks: 50_000 }] })).to.contain('Оплачено 500.00 из 1500.00 ₽')
    expect(deliveryComment({ status_name: 'Принят на склад отправителя', city: 'Москва', cdek_number: '1106207236' })).to.equal('СДЭК: Принят на склад отправителя, Москва; трек-номер 1106207236')
  })

  it('the emulator reads batch commands as PHP does (nested keys, lists, encoded values)', () => {
    expect(parseQuery('fields[TITLE]=%D0%9E%D0%9E%D0%9E&fields[PHONE][0][VALUE]=%2B7&select[]=ID&select[]=TITLE&start=-1&id=$result[d1]')).to.deep.equal({
      fields: { TITLE: 'ООО', PHONE: [{ VALUE: '+7' }] },
      select: ['ID', 'TITLE'],
      start: '-1',
      id: '$result[d1]',
    })
  })
})
