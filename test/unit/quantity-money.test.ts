import { expect } from 'chai'
import { parseQtyMilli, packagingsToMilli } from '../../server/shared/quantity.js'
import { discounted, formatRub, groupThousands, lineKopecks, roundKopecks } from '../../server/shared/money.js'
import { correctQty, formatQty, normalizeSku, foldText } from '../../server/catalog/rules.js'

describe('quantities, money and packaging rules', () => {
  it('parses quantities exactly in thousandths', () => {
    expect(parseQtyMilli('12')).to.equal(12000)
    expect(parseQtyMilli('1,5')).to.equal(1500)
    expect(parseQtyMilli(' 0.125 ')).to.equal(125)
    expect(parseQtyMilli('35,999')).to.equal(35999)
    expect(parseQtyMilli('1 000')).to.equal(1_000_000)
    for (const bad of ['', 'abc', '-1', '1,2345', '1e3', '1,2,3']) expect(parseQtyMilli(bad), bad).to.equal(null)
  })

  it('turns packagings into base units', () => {
    expect(packagingsToMilli(2000, 30000)).to.equal(60000)
    expect(packagingsToMilli(1500, 12000)).to.equal(18000)
  })

  it('rounds money half away from zero, once', () => {
    expect(roundKopecks(0.5)).to.equal(1)
    expect(roundKopecks(-0.5)).to.equal(-1)
    expect(roundKopecks(2.4999)).to.equal(2)
    expect(lineKopecks(32_400, 35_999)).to.equal(1_166_368)
    expect(lineKopecks(333, 1_500)).to.equal(500)
    expect(discounted(10_000, 350)).to.equal(9_650)
    expect(discounted(999, 150)).to.equal(984)
  })

  it('formats roubles the Russian way', () => {
    expect(formatRub(123456)).to.equal('1\u00a0234,56\u00a0₽')
    expect(formatRub(100000)).to.equal('1\u00a0000\u00a0₽')
    expect(formatRub(5)).to.equal('0,05\u00a0₽')
    expect(formatRub(-250)).to.equal('−2,50\u00a0₽')
  })

  it('normalises articles and folds text', () => {
    expect(normalizeSku('ec-cup 250.ml')).to.equal('ECCUP250ML')
    expect(normalizeSku(' KF/001–A ')).to.equal('KF001A')
    expect(foldText('Зелёный ЧАЙ')).to.equal('зеленый чай')
  })

  it('corrects quantities to the minimum and the step, upwards, with a note', () => {
    const cups = { factorMilli: 50_000, minQtyMilli: 12_000, stepMilli: 12_000 }
    expect(correctQty(12_000, cups, 'шт')).to.deep.equal({ qtyMilli: 12_000, note: null })
    expect(correctQty(5_000, cups, 'шт').qtyMilli).to.equal(12_000)
    expect(correctQty(5_000, cups, 'шт').note).to.contain('минимальный заказ 12 шт')
    expect(correctQty(30_000, cups, 'шт')).to.deep.equal({ qtyMilli: 36_000, note: 'Количество изменено на 36 шт: кратность 12 шт' })
    const bag = { factorMilli: 30_000, minQtyMilli: 0, stepMilli: 0 }
    expect(correctQty(45_000, bag, 'кг').qtyMilli).to.equal(60_000)
    expect(correctQty(0, bag, 'кг')).to.deep.equal({ qtyMilli: 0, note: null })
    expect(formatQty(1_500, 'кг')).to.equal('1,5 кг')
    expect(formatQty(1_234_000, 'шт')).to.equal('1\u00a0234 шт')
    expect(formatQty(1_234_567_500, 'кг')).to.equal('1\u00a0234\u00a0567,5 кг')
    expect(formatQty(-500, 'кг')).to.equal('-0,5 кг')
    expect(['1', '123', '1234', '123456', '1234567'].map(groupThousands)).to.deep.equal(['1', '123', '1\u00a0234', '123\u00a0456', '1\u00a0234\u00a0567'])
  })
})
