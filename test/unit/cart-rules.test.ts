import { expect } from 'chai'
import {
  cartTextErrors,
  cartTypeErrors,
  choosePackaging,
  cleanPackagingNames,
  copyName,
  groupByCategory,
  mergeComments,
  packagingAllowed,
  parseLineEdits,
  pickCartType,
  positionsWord,
  selectedIds,
  uniqueName,
} from '../../server/carts/rules.js'

describe('cart rules', () => {
  const packs = [
    { id: 1, name: 'пачка 1 кг' },
    { id: 2, name: 'Мешок 30 кг' },
    { id: 3, name: 'мешок 60 кг' },
  ]

  it('compares packaging names without case, ё and extra spaces; null sells everything', () => {
    expect(packagingAllowed(['мешок  30 КГ'], 'Мешок 30 кг')).to.equal(true)
    expect(packagingAllowed(['чёрный короб'], 'черный короб')).to.equal(true)
    expect(packagingAllowed(['мешок 30 кг'], 'мешок 60 кг')).to.equal(false)
    expect(packagingAllowed(null, 'что угодно')).to.equal(true)
    expect(packagingAllowed([], 'пачка 1 кг')).to.equal(false)
  })

  it('chooses the packaging a line goes into a cart of a type with', () => {
    expect(choosePackaging(packs, 3, ['мешок 60 кг'], 'Транзит')).to.deep.equal({ packaging: packs[2], error: null })
    expect(choosePackaging(packs, 9, null, 'Транзит').error).to.equal('такой упаковки у товара нет')
    expect(choosePackaging(packs, 1, ['мешок 60 кг', 'мешок 30 кг'], 'Транзит').error).to.equal(
      'упаковка «пачка 1 кг» не продаётся в корзине типа «Транзит» (можно: «мешок 60 кг», «мешок 30 кг»)',
    )
    expect(choosePackaging(packs, null, ['мешок 30 кг'], 'Транзит').packaging).to.equal(packs[1])
    expect(choosePackaging(packs, null, null, 'Обычная').packaging).to.equal(packs[0])
    expect(choosePackaging(packs, null, ['коробка'], 'Офис').error).to.contain('у этого товара таких упаковок нет')
    expect(choosePackaging([], null, null, 'Обычная')).to.deep.equal({ packaging: null, error: null })
    expect(choosePackaging([], null, ['мешок 60 кг'], 'Транзит').error).to.contain('товар без упаковки')
  })

  it('picks the type of a first cart by the lines’ packagings', () => {
    const types = [
      { id: 10, packaging_names: ['пачка 1 кг'] },
      { id: 20, packaging_names: ['мешок 30 кг', 'мешок 60 кг'] },
      { id: 30, packaging_names: null },
    ]
    expect(pickCartType(types, [['пачка 1 кг']])).to.equal(10)
    expect(pickCartType(types, [['мешок 60 кг'], ['мешок 30 кг', 'мешок 10 кг']])).to.equal(20)
    expect(pickCartType(types, [['мешок 60 кг'], ['коробка']])).to.equal(30)
    expect(pickCartType(types.slice(0, 2), [['мешок 60 кг'], ['пачка 1 кг'], ['мешок 30 кг']])).to.equal(20)
    expect(pickCartType([], [['пачка 1 кг']])).to.equal(null)
  })

  it('reads quantities and comments of the lines form, keeping what was typed', () => {
    const edits = parseLineEdits({ 'qty[5]': ' 1,5 ', 'comment[5]': ' к пятнице ', 'qty[7]': 'два', 'comment[9]': 'только комментарий', 'qty[x]': '1', 'sel': '5', 'qty[8]': '' })
    expect(edits).to.deep.equal([
      { lineId: 5, text: '1,5', countMilli: 1_500, comment: 'к пятнице', error: null },
      { lineId: 7, text: 'два', countMilli: null, comment: '', error: 'Количество — число упаковок, например 2 или 1,5 (вы ввели «два»)' },
      { lineId: 9, text: '', countMilli: null, comment: 'только комментарий', error: null },
      { lineId: 8, text: '', countMilli: 0, comment: '', error: null },
    ])
    expect(parseLineEdits({ 'comment[1]': 'я'.repeat(501) })[0]!.error).to.equal('Комментарий не длиннее 500 символов (сейчас 501)')
  })

  it('reads ticked lines, once each', () => {
    expect(selectedIds(['3', '3', '7', 'x', '0'])).to.deep.equal([3, 7])
    expect(selectedIds('12')).to.deep.equal([12])
    expect(selectedIds(undefined)).to.deep.equal([])
  })

  it('names copies and new carts so that no two carts of a company share a name', () => {
    expect(copyName('Кафе', new Set(['Кафе']))).to.equal('Кафе (копия)')
    expect(copyName('Кафе (копия)', new Set(['Кафе', 'Кафе (копия)']))).to.equal('Кафе (копия 2)')
    expect(copyName('Я'.repeat(100), new Set()).length).to.equal(100)
    expect(uniqueName('Транзит', new Set())).to.equal('Транзит')
    expect(uniqueName('Транзит', new Set(['Транзит', 'Транзит 2']))).to.equal('Транзит 3')
  })

  it('joins comments of merged lines, the same one once', () => {
    expect(mergeComments('', 'к пятнице')).to.equal('к пятнице')
    expect(mergeComments('к пятнице', '')).to.equal('к пятнице')
    expect(mergeComments('к пятнице', 'к пятнице')).to.equal('к пятнице')
    expect(mergeComments('к пятнице; помол', 'помол')).to.equal('к пятнице; помол')
    expect(mergeComments('к пятнице', 'помол')).to.equal('к пятнице; помол')
  })

  it('groups lines by top-level category in the catalog’s order with subtotals, no category last', () => {
    const l = (id: number | null, name: string | null, sort: number, k: number | null) => ({ top_category_id: id, top_category_name: name, top_category_sort: sort, lineKopecks: k })
    const groups = groupByCategory([l(2, 'Чай', 2, 100), l(null, null, 0, 5), l(1, 'Кофе', 1, 300), l(2, 'Чай', 2, null), l(1, 'Кофе', 1, 200)])
    expect(groups.map((g) => [g.name, g.subtotalKopecks, g.lines.length])).to.deep.equal([
      ['Кофе', 500, 2],
      ['Чай', 100, 2],
      ['Без раздела', 5, 1],
    ])
  })

  it('checks a cart’s name and client reference, and the cart type form', () => {
    expect(cartTextErrors({ name: ' ', client_ref: '' })).to.have.keys('name')
    expect(cartTextErrors({ name: 'Я'.repeat(101), client_ref: 'к'.repeat(201) })).to.have.keys('name', 'client_ref')
    expect(cartTextErrors({ name: 'Кафе', client_ref: '' })).to.deep.equal({})
    const known = { priceTypeIds: new Set([1]), warehouseIds: new Set([5]) }
    const ok = { name: 'Транзит', description: '', price_type_id: '1', all_packagings: false, packaging_names: ['мешок 60 кг'], warehouse_id: '5', sort: '30', is_active: true }
    expect(cartTypeErrors(ok, known)).to.deep.equal({})
    expect(cartTypeErrors({ ...ok, price_type_id: '', warehouse_id: '', packaging_names: [], all_packagings: true }, known)).to.deep.equal({})
    expect(cartTypeErrors({ ...ok, name: '', price_type_id: '2', warehouse_id: 'x', packaging_names: [], sort: '1.5' }, known)).to.have.keys('name', 'price_type_id', 'warehouse_id', 'packaging_names', 'sort')
    expect(cleanPackagingNames([' мешок  60 кг ', 'Мешок 60 кг', '', 'пачка 1 кг'])).to.deep.equal(['мешок 60 кг', 'пачка 1 кг'])
  })

  it('counts positions in Russian', () => {
    expect([1, 2, 5, 11, 21, 22, 112].map(positionsWord)).to.deep.equal(['1 позиция', '2 позиции', '5 позиций', '11 позиций', '21 позиция', '22 позиции', '112 позиций'])
  })
})
