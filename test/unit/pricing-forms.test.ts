import { expect } from 'chai'
import {
  codeFromName, parseCompanyRef, parsePercent, parseQuantity, parseRubles, parseRule, parseTerms, percentInput, rublesInput, thresholdText,
  type RuleInput,
} from '../../server/pricing/forms.js'

/* The staff forms of pricing: thresholds typed in human units become exact integers, and back. */

describe('pricing forms', () => {
  it('reads roubles into kopecks without floats', () => {
    const cases: [string, number | null][] = [
      ['500 000 ₽', 50_000_000], ['500000', 50_000_000], ['1\u00a0000\u00a0000', 100_000_000], ['1 250,50 руб.', 125_050], ['12 р', 1_200], ['0,1', 10],
      ['0', 0], ['-5', null], ['1,234', null], ['50 тысяч', null], ['', null], ['1e6', null],
    ]
    for (const [text, want] of cases) expect(parseRubles(text), text).to.equal(want)
  })

  it('reads percentages into basis points', () => {
    const cases: [string, number | null][] = [['5', 500], ['2,5 %', 250], ['12.34%', 1234], ['0,01', 1], ['100', 10_000], ['1,234', null], ['пять', null], ['-3', null]]
    for (const [text, want] of cases) expect(parsePercent(text), text).to.equal(want)
  })

  it('reads quantities with their unit', () => {
    const cases: [string, { milli: number; unit: string } | null][] = [
      ['36 шт', { milli: 36_000, unit: 'шт' }], ['36', { milli: 36_000, unit: '' }], ['1,5 кг', { milli: 1_500, unit: 'кг' }], ['35.999кг', { milli: 35_999, unit: 'кг' }],
      ['1 000 шт.', { milli: 1_000_000, unit: 'шт' }], ['много', null], ['1,2345 кг', null],
    ]
    for (const [text, want] of cases) expect(parseQuantity(text), text).to.deep.equal(want)
  })

  it('shows stored values the way staff type them', () => {
    expect(thresholdText('qty_tier', 36_000, 'шт')).to.equal('36 шт')
    expect(thresholdText('qty_tier', 1_500, 'кг')).to.equal('1,5 кг')
    expect(thresholdText('sum_tier', 5_000_000, '')).to.equal('50\u00a0000\u00a0₽')
    expect(thresholdText('positions', 10, '')).to.equal('10')
    expect([percentInput(250), percentInput(0), rublesInput(64_000_000)]).to.deep.equal(['2,5', '', '640\u00a0000'])
    for (const kopecks of [0, 1, 99, 125_050, 100_000_000]) expect(parseRubles(rublesInput(kopecks))).to.equal(kopecks)
    for (const bp of [1, 250, 1234, 9_999]) expect(parsePercent(percentInput(bp))).to.equal(bp)
  })

  const rule = (o: Partial<RuleInput>): RuleInput => ({ name: 'Правило', kind: 'qty_tier', sku: 'A-1', category_id: '', group_id: '', threshold: '36 шт', price_type_id: '3', discount: '', ...o })

  it('parses a rule per kind and names the field of every mistake', () => {
    const ok: [Partial<RuleInput>, object][] = [
      [{}, { kind: 'qty_tier', sku: 'A-1', threshold: 36_000, unit: 'шт', priceTypeId: 3, discountBp: 0 }],
      [{ sku: '', category_id: '7', threshold: '100 кг' }, { categoryId: 7, threshold: 100_000, unit: 'кг' }],
      [{ kind: 'sum_tier', sku: '', threshold: '50 000 ₽', price_type_id: '', discount: '3' }, { threshold: 5_000_000, discountBp: 300, priceTypeId: null }],
      [{ kind: 'turnover', sku: '', threshold: '0', group_id: '4' }, { threshold: 0, groupId: 4 }],
      [{ kind: 'positions', sku: '', threshold: '10', discount: '2,5' }, { threshold: 10, discountBp: 250 }],
      [{ kind: 'category_discount', sku: '', category_id: '7', threshold: 'не важно', price_type_id: '', discount: '5' }, { threshold: 0, discountBp: 500 }],
    ]
    for (const [input, want] of ok) {
      const { draft, errors } = parseRule(rule(input))
      expect(errors, JSON.stringify(input)).to.deep.equal({})
      expect(draft).to.deep.include(want)
    }
    const bad: [Partial<RuleInput>, string, string][] = [
      [{ name: ' ' }, 'name', 'Назовите правило'],
      [{ kind: 'x' }, 'kind', 'Выберите вид правила'],
      [{ category_id: '7' }, 'sku', 'либо артикул, либо категорию'],
      [{ sku: '' }, 'sku', 'по товару или категории'],
      [{ sku: '', category_id: '7', threshold: '36' }, 'threshold', 'укажите единицу'],
      [{ threshold: '0 шт' }, 'threshold', 'больше нуля'],
      [{ threshold: '' }, 'threshold', 'Укажите порог'],
      [{ price_type_id: '' }, 'price_type_id', 'Выберите тип цен или укажите скидку'],
      [{ price_type_id: 'abc' }, 'price_type_id', 'из списка'],
      [{ discount: '0' }, 'discount', 'от 0,01 до 99,99'],
      [{ discount: '100' }, 'discount', 'от 0,01 до 99,99'],
      [{ kind: 'positions', sku: '', threshold: '0' }, 'threshold', 'целое число от 1'],
      [{ kind: 'sum_tier', sku: '', threshold: 'много' }, 'threshold', 'Сумма в рублях'],
      [{ kind: 'category_discount', sku: '', category_id: '7', discount: '' }, 'discount', 'Укажите скидку'],
      [{ group_id: 'все' }, 'group_id', 'из списка'],
    ]
    for (const [input, fieldName, message] of bad) {
      const { draft, errors } = parseRule(rule(input))
      expect(draft, JSON.stringify(input)).to.equal(null)
      expect(errors[fieldName], JSON.stringify(input)).to.contain(message)
    }
  })

  it('parses company terms: empty means zero, groups sorted and unique', () => {
    expect(parseTerms({ group_ids: ['5', '2', '5'], pinned_price_type_id: '', discount: '', turnover: '' }).draft).to.deep.equal({ groupIds: [2, 5], pinnedPriceTypeId: null, discountBp: 0, turnoverKopecks: 0 })
    expect(parseTerms({ group_ids: [], pinned_price_type_id: '9', discount: '3', turnover: '640 000' }).draft).to.deep.equal({ groupIds: [], pinnedPriceTypeId: 9, discountBp: 300, turnoverKopecks: 64_000_000 })
    const { errors } = parseTerms({ group_ids: ['x'], pinned_price_type_id: 'y', discount: '100', turnover: '-1' })
    expect(Object.keys(errors).sort()).to.deep.equal(['discount', 'group_ids', 'pinned_price_type_id', 'turnover'])
  })

  it('makes price type codes from Russian names and reads company references', () => {
    expect(codeFromName('Крупный опт')).to.equal('krupnyy-opt')
    expect(codeFromName('EcoCups от 36 шт')).to.equal('ecocups-ot-36-sht')
    expect(codeFromName('!!!')).to.equal('type')
    expect(parseCompanyRef('7705123452')).to.deep.equal({ inn: '7705123452' })
    expect(parseCompanyRef('7730 0636 6201')).to.deep.equal({ inn: '773006366201' })
    expect(parseCompanyRef('№ 42')).to.deep.equal({ id: 42 })
    expect(parseCompanyRef('42')).to.deep.equal({ id: 42 })
    expect([parseCompanyRef('ООО Ромашка'), parseCompanyRef('0'), parseCompanyRef('12345678901')]).to.deep.equal([null, null, null])
  })
})
