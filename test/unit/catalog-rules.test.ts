import { expect } from 'chai'
import {
  availableMilli,
  catalogParams,
  correctQty,
  foldText,
  formatQty,
  milliText,
  normalizeSku,
  parseCatalogQuery,
  parseSearch,
  priceListFileName,
  rowQuantity,
  stockLevel,
  stockText,
  treeOrder,
} from '../../server/catalog/rules.js'
import { indexableWords } from '../../server/db/dialect.js'
import type { Knex } from 'knex'

const NBSP = '\u00a0'

describe('catalog rules: articles and search terms', () => {
  it('normalises articles: upper case, no spaces, dashes, dots or slashes, Ё as Е', () => {
    expect(normalizeSku(' eco-cup 250.ml/dw ')).to.equal('ECOCUP250MLDW')
    expect(normalizeSku('ёж–1')).to.equal('ЕЖ1')
  })

  it('folds names for search: lower case, ё as е', () => {
    expect(foldText('Зелёный ЧАЙ Ёмкость')).to.equal('зеленый чай емкость')
  })

  it('splits a search into the article form and unique folded words, keeping punctuation inside words', () => {
    expect(parseSearch('  ECO-CUP   250 ')).to.deep.equal({ text: 'ECO-CUP 250', skuNorm: 'ECOCUP250', words: ['eco-cup', '250'] })
    expect(parseSearch('Зелёный чай зеленый 100%').words).to.deep.equal(['зеленый', 'чай', '100%'])
    expect(parseSearch('--- ...').skuNorm).to.equal('')
    expect(parseSearch('').words).to.deep.equal([])
    expect(parseSearch('a b c d e f g h i j k').words).to.have.length(8)
    expect(parseSearch('x'.repeat(500)).text).to.have.length(200)
    expect(parseSearch('y'.repeat(100)).words[0]).to.have.length(64)
  })

  it('sends to the name index only the words it can answer, per engine', () => {
    const sqlite = { client: { config: { client: 'better-sqlite3' } } } as unknown as Knex
    const mysql = { client: { config: { client: 'mysql2' } } } as unknown as Knex
    const words = ['кофе', 'ab', '100%', 'the', 'a_b', 'эфиопия', 'kf-0001', 'x.abc_d']
    expect(indexableWords(sqlite, words)).to.deep.equal({ indexed: ['кофе', '100%', 'the', 'a_b', 'эфиопия', 'kf-0001', 'x.abc_d'], like: ['ab'], prefilter: [] })
    // MySQL: inner parts after a separator narrow a LIKE word through FULLTEXT; a part with «_» is one InnoDB token, not a prefix.
    expect(indexableWords(mysql, words)).to.deep.equal({ indexed: ['кофе', 'эфиопия'], like: ['ab', '100%', 'the', 'a_b', 'kf-0001', 'x.abc_d'], prefilter: ['0001'] })
  })
})

describe('catalog rules: the listing query from the URL', () => {
  it('reads defaults from an empty query', () => {
    expect(parseCatalogQuery({})).to.deep.equal({ q: '', categoryId: null, options: {}, ranges: {}, inStock: false, sort: 'popular', page: 1, perPage: 100 })
  })

  it('reads search, sort, paging, stock, list filters and number ranges, ignoring anything malformed', () => {
    const q = parseCatalogQuery(
      {
        q: ' кофе ', sort: 'price_desc', page: '3', stock: '1', f_country: ['12', '15', 'x', '12'], f_wall: '7', 'f_BAD-CODE': '1',
        min_altitude: '1 500', max_altitude: '2000,5', min_sca: 'много', max_temp: '-5', per_page: '500',
      },
      { maxPerPage: 200 },
    )
    expect(q).to.deep.equal({
      q: 'кофе', categoryId: null, options: { country: [12, 15], wall: [7] }, ranges: { altitude: { min: 1_500_000, max: 2_000_500 }, temp: { min: null, max: -5000 } },
      inStock: true, sort: 'price_desc', page: 3, perPage: 200,
    })
    expect(parseCatalogQuery({ sort: 'drop table', page: '0', stock: '0', category: '42' })).to.include({ sort: 'popular', page: 1, inStock: false, categoryId: 42 })
    expect(parseCatalogQuery({ category: '42' }, { categoryId: 7 }).categoryId).to.equal(7)
    expect(parseCatalogQuery({ per_page: '20' }).perPage).to.equal(20)
  })

  it('writes the query back as URL parameters in a stable order', () => {
    const q = parseCatalogQuery({ q: 'чай', f_b: ['2', '1'], f_a: '3', min_h: '1,5', stock: '1', sort: 'name', page: '2', category: '5' })
    expect(catalogParams(q)).to.deep.equal([['q', 'чай'], ['f_a', '3'], ['f_b', '2'], ['f_b', '1'], ['min_h', '1,5'], ['stock', '1'], ['sort', 'name'], ['page', '2']])
    expect(catalogParams(q, { page: 1, withCategory: true })).to.deep.include(['category', '5'])
    expect(catalogParams(q, { page: 1 }).some(([k]) => k === 'page')).to.equal(false)
    expect(milliText(1_800_000)).to.equal('1800')
    expect(milliText(-2_500)).to.equal('-2,5')
  })
})

describe('catalog rules: stock', () => {
  it('subtracts reservations and never shows less than nothing', () => {
    expect(availableMilli(10_000, 3_000)).to.equal(7_000)
    expect(availableMilli(1_000, 5_000)).to.equal(0)
  })

  it('says много / мало / под заказ against the warehouse threshold in default packagings', () => {
    // Threshold: three sacks of 30 kg.
    expect(stockLevel(0, 3, 30_000)).to.equal('none')
    expect(stockLevel(89_999, 3, 30_000)).to.equal('few')
    expect(stockLevel(90_000, 3, 30_000)).to.equal('many')
    expect(stockLevel(2_000, 3, 0)).to.equal('few')
    expect(stockText('status', 0, 'кг', 'none')).to.equal('под заказ')
    expect(stockText('status', 5, 'кг', 'few')).to.equal('мало')
    expect(stockText('qty', 1_234_500, 'кг', 'many')).to.equal(`1${NBSP}234,5 кг`)
    expect(stockText('qty', 0, 'шт', 'none')).to.equal('нет')
  })
})

describe('catalog rules: quantities typed into a row', () => {
  const cups = { factorMilli: 1_000, minQtyMilli: 12_000, stepMilli: 12_000 }
  const sack = { factorMilli: 30_000, minQtyMilli: 0, stepMilli: 0 }

  it('prices an empty row at the smallest amount of its packaging that can be ordered', () => {
    expect(rowQuantity('', cups, 'шт')).to.deep.equal({ qtyMilli: 12_000, ordered: false, note: null, error: null })
    expect(rowQuantity('  ', sack, 'кг')).to.deep.equal({ qtyMilli: 30_000, ordered: false, note: null, error: null })
    expect(rowQuantity('0', sack, 'кг').ordered).to.equal(false)
    expect(rowQuantity('', null, 'кг').qtyMilli).to.equal(1_000)
  })

  it('turns a count of packagings into base units and corrects it to the minimum and step', () => {
    expect(rowQuantity('2', sack, 'кг')).to.deep.equal({ qtyMilli: 60_000, ordered: true, note: null, error: null })
    expect(rowQuantity('1,5', sack, 'кг')).to.deep.equal({ qtyMilli: 60_000, ordered: true, note: 'Количество изменено на 60 кг: кратность 30 кг', error: null })
    expect(rowQuantity('5', cups, 'шт').note).to.equal('Количество изменено на 12 шт: минимальный заказ 12 шт')
    expect(rowQuantity('13', cups, 'шт')).to.include({ qtyMilli: 24_000, note: 'Количество изменено на 24 шт: кратность 12 шт' })
    expect(rowQuantity('36', cups, 'шт')).to.include({ qtyMilli: 36_000, note: null })
  })

  it('reports a typo and keeps the default price', () => {
    expect(rowQuantity('два', sack, 'кг')).to.deep.equal({ qtyMilli: 30_000, ordered: false, note: null, error: 'Количество — число, например 2 или 1,5' })
    expect(rowQuantity('-1', sack, 'кг').error).to.be.a('string')
  })

  it('corrects quantities exactly at and around the boundaries', () => {
    expect(correctQty(35_999, { factorMilli: 1_000, minQtyMilli: 0, stepMilli: 1 }, 'кг')).to.deep.equal({ qtyMilli: 35_999, note: null })
    expect(correctQty(0, cups, 'шт')).to.deep.equal({ qtyMilli: 0, note: null })
    expect(formatQty(36_000, 'шт')).to.equal('36 шт')
    expect(formatQty(1_500, 'кг')).to.equal('1,5 кг')
  })
})

describe('catalog rules: categories and the price list', () => {
  it('orders a category tree depth-first, siblings by their order then name', () => {
    const c = (id: number, parent: number | null, name: string, sort = 0) => ({ id, parent_id: parent, name, path: '', depth: 0, sort })
    const ordered = treeOrder([c(1, null, 'Чай', 1), c(2, null, 'Кофе', 0), c(3, 2, 'Зерно'), c(4, 1, 'Улун'), c(5, 1, 'Пуэр'), c(6, 99, 'Сирота', 5)])
    expect(ordered.map((x) => x.name)).to.deep.equal(['Кофе', 'Зерно', 'Чай', 'Пуэр', 'Улун', 'Сирота'])
  })

  it('names the price list file without characters file systems refuse', () => {
    expect(priceListFileName('ООО "Ромашка/Лютик"', 'Кофе: зерно', '01.03.2026')).to.equal('Прайс-лист ООО Ромашка Лютик — Кофе зерно, 01.03.2026.xlsx')
    expect(priceListFileName('ИП Петрова', null, '01.03.2026')).to.equal('Прайс-лист ИП Петрова, 01.03.2026.xlsx')
  })
})
