import fs from 'node:fs'
import path from 'node:path'
import { expect } from 'chai'
import {
  choosePackaging,
  decodeCsv,
  detectColumns,
  driverOf,
  finish,
  fuzzyVariants,
  looksLikeSku,
  matchLine,
  parseCsv,
  parseLine,
  parseRows,
  readCount,
  skuVariants,
  textRows,
  unitWord,
} from '../../server/quickorder/rules.js'
import type { ParsedLine, QuickPackaging, QuickProduct } from '../../server/quickorder/types.js'

const FIXTURES = path.resolve('test/fixtures/quick-order')
const fixture = (name: string) => fs.readFileSync(path.join(FIXTURES, name))

/** Parses pasted text and returns the lines by number. */
function paste(text: string) {
  const r = parseRows(textRows(text))
  return { ...r, byNo: new Map(r.lines.map((l) => [l.no, l])) }
}

/** One line of free text. */
const one = (text: string): ParsedLine => parseLine(1, [text])!

/** Windows-1251 bytes of a text (Cyrillic, Ё/ё and №), as Excel saves a Russian CSV. */
function cp1251(text: string): Buffer {
  return Buffer.from(
    [...text].map((ch) => {
      const c = ch.codePointAt(0)!
      if (c < 0x80) return c
      if (c >= 0x410 && c <= 0x44f) return c - 0x410 + 0xc0
      if (ch === 'Ё') return 0xa8
      if (ch === 'ё') return 0xb8
      if (ch === '№') return 0xb9
      throw new Error(`no cp1251 byte for ${ch}`)
    }),
  )
}

describe('quick order rules: one line', () => {
  it('reads an article and a quantity in every separator buyers use', () => {
    for (const text of ['KF-000123 5', 'KF-000123;5', 'KF-000123\t5', 'KF-000123, 5', 'KF-000123 x 5', 'KF-000123 х5', 'KF-000123 — 5', '5 x KF-000123', 'kf000123 5']) {
      const l = parseLine(1, textRows(text)[0]!)!
      expect(l.skus, text).to.deep.equal(['KF000123'])
      expect(l.countMilli, text).to.equal(5000)
      expect(l.ignored, text).to.equal(null)
    }
  })

  it('reads comma decimals, thousands and units', () => {
    expect(one('Чай Те Гуань Инь 1,5 кг')).to.include({ countMilli: 1500 })
    expect(one('Чай Те Гуань Инь 1,5 кг').unit).to.include({ word: 'кг', baseUnit: 'кг' })
    expect(one('ECO-CUP-250 12 шт').unit).to.include({ baseUnit: 'шт' })
    expect(parseLine(1, ['ECO-CUP-250', '1 000', 'шт'])!.countMilli).to.equal(1_000_000)
    expect(one('ECO-CUP-250 1.5').countMilli).to.equal(1500)
  })

  it('reads packaging words in their forms and abbreviations, and a packaging size said with «по»', () => {
    expect(one('GRN-ETH-YIR — 2 мешка').unit).to.include({ word: 'мешка', baseUnit: null })
    expect(one('ECO-CUP 3 кор').unit).to.include({ word: 'кор' })
    expect(one('ECO-CUP 3кор.').unit).to.include({ word: 'кор' })
    expect(one('ECO-CUP 2 упак').unit).to.include({ word: 'упак' })
    const sized = one('Кофе Эфиопия Иргачеффе 2 мешка по 30 кг')
    expect(sized.countMilli).to.equal(2000)
    expect(sized.unit).to.include({ word: 'мешка', sizeMilli: 30_000 })
    expect(sized.words).to.deep.equal(['кофе', 'эфиопия', 'иргачеффе'])
    expect(one('GRN-BRA-SER-NY2 1 мешок 60 кг')).to.deep.include({ skus: ['GRNBRASERNY2'], countMilli: 1000 })
    expect(one('GRN-BRA-SER-NY2 1 мешок 60 кг').unit).to.include({ word: 'мешок', sizeMilli: 60_000 })
    expect(parseLine(1, ['GRN-BRA-SER-NY2', '1 мешок 60 кг'])!.unit).to.include({ word: 'мешок', sizeMilli: 60_000 })
  })

  it('keeps numbers that belong to the name or the article', () => {
    const cup = one('Стакан бумажный 250 мл двойная стенка 2 коробки')
    expect(cup.countMilli).to.equal(2000)
    expect(cup.words).to.include.members(['стакан', '250', 'мл'])
    expect(one('KF-000123').countMilli).to.equal(null)
    expect(one('0001234 3')).to.include({ countMilli: 3000 })
    expect(one('0001234 3').skus).to.deep.equal(['0001234'])
    expect(one('Держатель для 2 стаканов, картон').countMilli).to.equal(null)
  })

  it('splits the article from the name when both are on the line, either way round', () => {
    expect(one('GRN-ETH-YIR Кофе зелёный арабика Эфиопия 2 мешка')).to.deep.include({ skus: ['GRNETHYIR'], skuLike: true, words: ['кофе', 'зеленый', 'арабика', 'эфиопия'] })
    expect(one('Кофе зелёный арабика (GRN-ETH-YIR) 2').skus).to.deep.equal(['GRNETHYIR'])
    expect(one('grn eth yir 1').skus).to.deep.equal(['GRNETHYIR'])
  })

  it('folds ё to е and drops fillers from the name words', () => {
    expect(one('Нужно ещё Кофе зелёный Эфиопия 2 мешка').words).to.deep.equal(['кофе', 'зеленый', 'эфиопия'])
    expect(one('Чёрный чай Ассам 5').exactName).to.equal('черный чай ассам')
  })

  it('offers Cyrillic look-alike letters of an article as Latin too', () => {
    expect(skuVariants('КF-0012')).to.deep.equal(['КF0012', 'KF0012'])
    expect(skuVariants('ЕСО-CUP')).to.deep.equal(['ЕСОCUP', 'ECOCUP'])
    expect(skuVariants('ЧАЙ-12')).to.deep.equal(['ЧАЙ12'])
    expect(looksLikeSku('GRN-ETH-YIR')).to.equal(true)
    expect(looksLikeSku('Иргачеффе')).to.equal(false)
  })

  it('reads a 1C printout row: line number dropped, price and sum ignored', () => {
    const tabbed = parseLine(1, ['1', 'GRN-ETH-YIR', 'Кофе зелёный арабика Эфиопия Иргачеффе', '60,000', 'кг', '1 250,00', '75 000,00'])!
    expect(tabbed).to.deep.include({ skus: ['GRNETHYIR'], countMilli: 60_000 })
    expect(tabbed.unit).to.include({ baseUnit: 'кг' })
    const flat = one('1 RST-BRA-SER-M Кофе в зёрнах Бразилия Серрадо 6 кг 1 400,00 8 400,00')
    expect(flat).to.deep.include({ skus: ['RSTBRASERM'], countMilli: 6000 })
    expect(flat.words).to.deep.equal(['кофе', 'в', 'зернах', 'бразилия', 'серрадо'].filter((w) => w !== 'в'))
  })

  it('reports quantities it cannot use instead of guessing', () => {
    expect(one('KF-000123 1,2345').qtyError).to.match(/трёх знаков/)
    expect(one('KF-000123 0').ignored).to.equal('Количество 0')
    expect(parseLine(1, ['KF-000123', 'много'])!.countMilli).to.equal(null)
    expect(readCount('000123')).to.equal(null)
    expect(readCount('1 234,5')).to.deep.equal({ milli: 1_234_500 })
    expect(readCount('99999999999')).to.have.property('error')
  })

  it('ignores headers, greetings, totals, requisites and contacts', () => {
    for (const [text, why] of [
      ['Добрый день, Ирина!', 'Текст письма'],
      ['Прошу выставить счёт на:', 'Текст письма'],
      ['Артикул Наименование Количество', 'Заголовок таблицы'],
      ['Итого: 93 000,00', 'Итоговая строка'],
      ['Поставщик: ООО "Зёрна", ИНН 7701234567, КПП 770101001', 'Реквизиты или итоги документа'],
      ['Девяносто три тысячи рублей 00 копеек', 'Реквизиты или итоги документа'],
      ['тел. +7 (916) 123-45-67', 'Контакты'],
      ['8 916 123 45 67', 'Контакты'],
      ['petr@coffee.example', 'Контакты'],
      ['-----', 'Служебная строка'],
    ] as const) {
      expect(one(text).ignored, text).to.equal(why)
    }
    expect(parseLine(1, ['Артикул', 'Наименование', 'Кол-во'])!.ignored).to.equal('Заголовок таблицы')
  })
})

describe('quick order rules: fixtures of real pasted text', () => {
  it('an email: numbered lines, names and articles with packaging words, the greeting and signature kept but ignored', () => {
    const { byNo, lines } = paste(fixture('email.txt').toString('utf8'))
    expect(lines.map((l) => l.no)).to.deep.equal([1, 3, 5, 6, 7, 8, 9, 10, 11, 13, 15, 16, 17, 18, 19])
    expect(lines.filter((l) => !l.ignored).map((l) => l.no)).to.deep.equal([5, 6, 7, 8, 9, 10, 11])
    expect(byNo.get(5)).to.deep.include({ skus: ['GRNETHYIR'], countMilli: 2000 })
    expect(byNo.get(6)!.exactName).to.equal('кофе в зернах бразилия серрадо, обжарка средняя под эспрессо')
    expect(byNo.get(8)).to.deep.include({ words: ['крышка', '80', 'мм', 'носиком', 'белая'], countMilli: 2000 })
    expect(byNo.get(8)!.unit).to.include({ word: 'рукава' })
    expect(byNo.get(9)).to.deep.include({ countMilli: 1500 })
    expect(byNo.get(16)!.ignored).to.equal('Подпись')
    expect(byNo.get(19)!.ignored).to.equal('Контакты')
  })

  it('an Excel paste with a header row: columns by their headers', () => {
    const r = paste(fixture('excel-paste.tsv').toString('utf8'))
    expect(r.columns).to.deep.equal({ sku: 0, name: 1, qty: 2, unit: 3 })
    expect(r.byNo.get(1)!.ignored).to.equal('Заголовок таблицы')
    expect(r.byNo.get(2)).to.deep.include({ skus: ['GRNETHYIR'], countMilli: 60_000 })
    expect(r.byNo.get(5)).to.deep.include({ skus: [], countMilli: 2000, exactName: 'крышка 80 мм с носиком, белая' })
    expect(r.byNo.get(6)!.countMilli).to.equal(1500)
  })

  it('a 1C invoice copied with tabs, and one copied from a PDF with runs of spaces', () => {
    for (const name of ['1c-printout.tsv', '1c-printout-copied.txt']) {
      const r = paste(fixture(name).toString('utf8'))
      const items = r.lines.filter((l) => !l.ignored)
      expect(items.length, name).to.equal(3)
      expect(items[0], name).to.deep.include({ skus: ['GRNETHYIR'] })
      expect(r.lines.filter((l) => l.ignored).every((l) => /Реквизиты|Итоговая|Заголовок/.test(l.ignored!)), name).to.equal(true)
    }
    const tsv = paste(fixture('1c-printout.tsv').toString('utf8'))
    expect(tsv.lines.filter((l) => !l.ignored).map((l) => l.countMilli)).to.deep.equal([60_000, 1_000_000, 2500])
    const copied = paste(fixture('1c-printout-copied.txt').toString('utf8'))
    expect(copied.lines.filter((l) => !l.ignored).map((l) => l.countMilli)).to.deep.equal([30_000, 1_200_000, 6000])
  })

  it('a messy list: every format on one page', () => {
    const { byNo } = paste(fixture('messy-list.txt').toString('utf8'))
    expect(byNo.get(1)).to.deep.include({ skus: ['GRNETHYIR'], countMilli: 2000 })
    expect(byNo.get(2)).to.deep.include({ skus: ['GRNETHYIR'], countMilli: 1000 })
    expect(byNo.get(3)!.skus).to.include('CUP250DWWH')
    expect(byNo.get(3)!.countMilli).to.equal(24_000)
    expect(byNo.get(5)).to.deep.include({ skus: ['CUP250DWWH'], countMilli: 2000 })
    expect(byNo.get(8)).to.deep.include({ skus: ['RSTBRA'], skuLike: true })
    expect(byNo.get(10)!.ignored).to.equal('Количество 0')
    expect(byNo.get(13)!.ignored).to.equal('Служебная строка')
    expect(byNo.get(14)).to.deep.include({ skus: [], words: [], countMilli: 5000 })
  })
})

describe('quick order rules: spreadsheets', () => {
  it('decodes CSV in UTF-8 (with or without BOM) and windows-1251', () => {
    const text = 'Артикул;Кол-во\nЁЖ-1;2\n№ 5;1'
    expect(decodeCsv(Buffer.from(text, 'utf8'))).to.equal(text)
    expect(decodeCsv(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]))).to.equal(text)
    expect(decodeCsv(cp1251(text))).to.equal(text)
    expect(decodeCsv(fixture('order-1251.csv'))).to.contain('Кофе зелёный арабика Эфиопия Иргачеффе')
  })

  it('parses CSV with quotes, either separator, and CRLF', () => {
    expect(parseCsv('a;"b; c";"say ""hi"""\r\n1;2;3\r\n')).to.deep.equal([['a', 'b; c', 'say "hi"'], ['1', '2', '3']])
    expect(parseCsv('SKU,Qty\nKF-1,"1,5"\n')).to.deep.equal([['SKU', 'Qty'], ['KF-1', '1,5']])
    expect(parseCsv('a\tb\n1\t2')).to.deep.equal([['a', 'b'], ['1', '2']])
  })

  it('reads the windows-1251 fixture through its header: packaging column, rows without a quantity skipped', () => {
    const r = parseRows(parseCsv(decodeCsv(fixture('order-1251.csv'))))
    expect(r.columns).to.deep.equal({ sku: 0, name: 1, qty: 2, pack: 3 })
    expect(r.skipped).to.equal(1)
    const [, bag, cups, tea, sugar] = r.lines
    expect(bag!.unit).to.deep.equal({ word: 'мешок', baseUnit: null, sizeMilli: 30_000, packName: 'мешок 30 кг' })
    expect(cups).to.deep.include({ skus: ['CUP250DWWH'], countMilli: 3000 })
    expect(tea).to.deep.include({ skus: [], countMilli: 1500 })
    expect(tea!.unit!.packName).to.equal('кг, от 1 кг')
    expect(sugar!.skus).to.deep.equal(['ZZ404'])
  })

  it('detects header columns only in a row with no quantity in it', () => {
    expect(detectColumns(['№', 'Артикул', 'Товары (работы, услуги)', 'Кол-во', 'Ед.', 'Цена', 'Сумма'])).to.deep.equal({ no: 0, sku: 1, name: 2, qty: 3, unit: 4, price: 5, sum: 6 })
    expect(detectColumns(['Товар 1', 'T-1', '5'])).to.equal(null)
    expect(detectColumns(['Артикул'])).to.equal(null)
  })

  it('keeps at most a thousand lines and says so', () => {
    const r = parseRows(Array.from({ length: 1200 }, (_, i) => [`KF-${i} 1`]))
    expect(r.lines.length).to.equal(1000)
    expect(r.truncated).to.equal(true)
  })
})

describe('quick order rules: packagings, quantities and duplicates', () => {
  const pack = (id: number, name: string, factor: number, min = 0, step = 0): QuickPackaging => ({ id, product_id: 1, name, factor_milli: factor * 1000, min_qty_milli: min * 1000, step_milli: step * 1000 })
  const green = [pack(1, 'мешок 30 кг', 30), pack(2, 'мешок 60 кг', 60), pack(3, 'кг, от 5 кг', 1, 5, 1)]
  const cups = [pack(11, 'шт, кратно 12', 1, 12, 12), pack(12, 'коробка 50 шт', 50), pack(13, 'короб 1 000 шт', 1000)]
  const kg: QuickProduct = { id: 1, sku: 'GRN-ETH-YIR', name: 'Кофе', base_unit: 'кг', is_active: true }
  const pcs: QuickProduct = { id: 2, sku: 'ECO-CUP', name: 'Стакан', base_unit: 'шт', is_active: true }
  const u = (w: string, sizeMilli: number | null = null) => ({ ...unitWord(w)!, sizeMilli })

  it('counts default packagings without a unit, base units with the product unit', () => {
    expect(choosePackaging(kg, green, 2000, null)).to.deep.include({ packaging: green[0], wantMilli: 60_000, note: null })
    expect(choosePackaging(kg, green, 45_000, u('кг'))).to.deep.include({ packaging: green[2], wantMilli: 45_000 })
    expect(choosePackaging(pcs, cups, 24_000, u('шт'))).to.deep.include({ packaging: cups[0], wantMilli: 24_000 })
  })

  it('picks the packaging a word names: the closest word, then the typed size, then the smallest', () => {
    expect(choosePackaging(kg, green, 2000, u('мешка')).packaging).to.equal(green[0])
    expect(choosePackaging(kg, green, 2000, u('мешка', 60_000)).packaging).to.equal(green[1])
    expect(choosePackaging(pcs, cups, 3000, u('кор')).packaging).to.equal(cups[1])
    expect(choosePackaging(pcs, cups, 3000, u('коробки')).packaging).to.equal(cups[1])
    expect(choosePackaging(pcs, cups, 3000, u('короба')).packaging).to.equal(cups[2])
    expect(choosePackaging(pcs, cups, 1000, { ...u('короб'), packName: 'короб 1 000 шт' }).packaging).to.equal(cups[2])
  })

  it('says so when the word fits no packaging of the product', () => {
    const r = choosePackaging(kg, green, 3000, u('коробки'))
    expect(r).to.deep.include({ packaging: green[0], wantMilli: 90_000 })
    expect(r.note).to.equal('Упаковки «коробки» у товара нет: посчитано упаковками «мешок 30 кг»')
    expect(choosePackaging(kg, green, 5000, u('шт')).note).to.match(/Единица «шт» не подходит товару \(кг\)/)
  })

  it('corrects to minimum and step with a visible note, after merging duplicates into the first line', () => {
    const line = (no: number, text: string) => parseLine(no, [text])!
    const a = matchLine(line(1, 'ECO-CUP 5 шт'), pcs, cups, 'sku')
    const b = matchLine(line(2, 'ECO-CUP 10 шт'), pcs, cups, 'sku')
    const c = matchLine(line(3, 'ECO-CUP'), pcs, cups, 'sku')
    const out = finish([a, b, c])
    expect(out[0]).to.deep.include({ status: 'matched', qtyMilli: 24_000 })
    expect(out[0]!.notes).to.deep.equal(['Объединено со строками 2, 3: всего 16 шт', 'Количество изменено на 24 шт: кратность 12 шт'])
    expect(out[1]).to.deep.include({ status: 'merged', mergedInto: 1, qtyMilli: 0 })
    expect(out[2]).to.deep.include({ status: 'merged', mergedInto: 1 })
    const single = finish([matchLine(line(4, 'ECO-CUP'), pcs, cups, 'sku')])[0]!
    expect(single.notes[0]).to.equal('Количество не указано: взята 1 упаковка «шт, кратно 12»')
    expect(single.notes[1]).to.equal('Количество изменено на 12 шт: минимальный заказ 12 шт')
  })

  it('does not merge the same product in different packagings', () => {
    const line = (no: number, text: string) => parseLine(no, [text])!
    const out = finish([matchLine(line(1, 'GRN 2 мешка'), kg, green, 'sku'), matchLine(line(2, 'GRN 10 кг'), kg, green, 'sku')])
    expect(out.map((l) => [l.status, l.packaging?.id, l.qtyMilli])).to.deep.equal([
      ['matched', 1, 60_000],
      ['matched', 3, 10_000],
    ])
  })
})

describe('quick order rules: forgiving name search', () => {
  it('makes variants: endings cut, each word left out once, none made only of short words', () => {
    expect(fuzzyVariants(['кофе', 'эфиопия', 'иргачефе'])).to.deep.equal([
      ['кофе', 'эфиоп', 'иргаче'],
      ['эфиоп', 'иргаче'],
      ['кофе', 'иргаче'],
      ['кофе', 'эфиоп'],
    ])
    expect(fuzzyVariants(['ab', 'cd'])).to.deep.equal([])
    // A rare word the search started from stays in every variant: leaving it out only widens to common words.
    expect(fuzzyVariants(['кофе', 'эфиопя', '12345'], '12345')).to.deep.equal([
      ['кофе', 'эфио', '12345'],
      ['эфио', '12345'],
      ['кофе', '12345'],
    ])
  })

  it('starts from the rarest word; no query when a word is in no name; all words at once when every word is common', () => {
    const counts = new Map([['кофе', 101], ['эфиопия', 40], ['12345', 1], ['нет', 0]])
    expect(driverOf(['кофе', 'эфиопия', '12345'], counts)).to.equal('12345')
    expect(driverOf(['кофе', 'нет'], counts)).to.equal(undefined)
    expect(driverOf(['кофе'], counts)).to.equal(null)
    expect(driverOf(['ab'], counts)).to.equal(null)
  })
})
