import fs from 'node:fs'
import path from 'node:path'
import iconv from 'iconv-lite'
import { seededRandom } from '../server/shared/random.js'

/*
 * The 1C import benchmark's files: a CommerceML 2 package as 1C's «Обмен с сайтом» writes it, deterministic (a seeded
 * generator). import.xml (windows-1251, as older configurations send): 10 × 20 nested groups, three properties and the
 * products; offers.xml (UTF-8 with BOM): the price types, the warehouses, and every product's offer with a price in each
 * type and its stock in each warehouse. Written in slices, so memory stays flat at any size.
 */

export interface OnecSize {
  products: number
  priceTypes: number
  warehouses: number
}

const ORIGINS = ['Эфиопия', 'Колумбия', 'Бразилия', 'Кения', 'Гватемала', 'Вьетнам', 'Индия', 'Перу']
const WORDS = ['Кофе', 'арабика', 'зерно', 'Чай', 'пуэр', 'улун', 'Стакан', 'бумажный', 'Крышка', 'Сироп']

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
const id = (prefix: string, n: number) => `${prefix}-${String(n).padStart(8, '0')}-0000-11ee-8c4d-000c29a1b000`

/** Writes the package into `dir`; returns the files in exchange order. */
export function writeOnecPackage(dir: string, size: OnecSize): string[] {
  const rand = seededRandom(7)
  fs.mkdirSync(dir, { recursive: true })
  const groups: string[] = []

  const imp = fs.openSync(path.join(dir, 'import.xml'), 'w')
  const w1251 = (s: string) => fs.writeSync(imp, iconv.encode(s, 'win1251'))
  w1251('<?xml version="1.0" encoding="windows-1251"?>\n<КоммерческаяИнформация ВерсияСхемы="2.05" ДатаФормирования="2026-11-27T06:00:00">\n<Классификатор><Ид>bench-cls</Ид><Наименование>Классификатор</Наименование><Группы>\n')
  for (let t = 0; t < 10; t++) {
    w1251(`<Группа><Ид>${id('grp', t)}</Ид><Наименование>Раздел ${t + 1}</Наименование><Группы>`)
    for (let s = 0; s < 20; s++) {
      const g = id('grp', 100 + t * 20 + s)
      groups.push(g)
      w1251(`<Группа><Ид>${g}</Ид><Наименование>Подраздел ${t + 1}.${s + 1}</Наименование></Группа>`)
    }
    w1251('</Группы></Группа>\n')
  }
  w1251('</Группы><Свойства>')
  w1251(`<Свойство><Ид>prop-origin</Ид><Наименование>Страна</Наименование><ТипЗначений>Справочник</ТипЗначений><ВариантыЗначений>${ORIGINS.map((o, i) => `<Справочник><ИдЗначения>origin-${i}</ИдЗначения><Значение>${o}</Значение></Справочник>`).join('')}</ВариантыЗначений></Свойство>`)
  w1251('<Свойство><Ид>prop-altitude</Ид><Наименование>Высота, м</Наименование><ТипЗначений>Число</ТипЗначений></Свойство>')
  w1251('<Свойство><Ид>prop-note</Ид><Наименование>Примечание</Наименование><ТипЗначений>Строка</ТипЗначений></Свойство>')
  w1251('</Свойства></Классификатор>\n<Каталог СодержитТолькоИзменения="false"><Ид>bench-cat</Ид><ИдКлассификатора>bench-cls</ИдКлассификатора><Наименование>Каталог</Наименование><Товары>\n')
  let chunk = ''
  for (let i = 0; i < size.products; i++) {
    const name = `${WORDS[i % WORDS.length]} ${WORDS[(i * 7) % WORDS.length]!.toLowerCase()} ${ORIGINS[i % ORIGINS.length]} №${i + 1}`
    chunk +=
      `<Товар><Ид>${id('prd', i)}</Ид><Артикул>BN-${String(i + 1).padStart(6, '0')}</Артикул><Наименование>${esc(name)}</Наименование>` +
      `<БазоваяЕдиница Код="${i % 3 ? '796' : '166'}">${i % 3 ? 'шт' : 'кг'}</БазоваяЕдиница><Группы><Ид>${groups[i % groups.length]}</Ид></Группы>` +
      `<ЗначенияСвойств><ЗначенияСвойства><Ид>prop-origin</Ид><Значение>origin-${i % ORIGINS.length}</Значение></ЗначенияСвойства>` +
      `<ЗначенияСвойства><Ид>prop-altitude</Ид><Значение>${1000 + Math.floor(rand() * 1200)}</Значение></ЗначенияСвойства></ЗначенияСвойств>` +
      `<СтавкиНалогов><СтавкаНалога><Наименование>НДС</Наименование><Ставка>${i % 5 ? '22' : '10'}</Ставка></СтавкаНалога></СтавкиНалогов>` +
      `<ЗначенияРеквизитов><ЗначениеРеквизита><Наименование>Вес</Наименование><Значение>${(rand() * 30).toFixed(3).replace('.', ',')}</Значение></ЗначениеРеквизита></ЗначенияРеквизитов></Товар>\n`
    if (chunk.length > 1_000_000) {
      w1251(chunk)
      chunk = ''
    }
  }
  w1251(chunk + '</Товары></Каталог>\n</КоммерческаяИнформация>\n')
  fs.closeSync(imp)

  const off = fs.openSync(path.join(dir, 'offers.xml'), 'w')
  const w8 = (s: string) => fs.writeSync(off, s)
  fs.writeSync(off, Buffer.from([0xef, 0xbb, 0xbf]))
  w8('<?xml version="1.0" encoding="UTF-8"?>\n<КоммерческаяИнформация xmlns="urn:1C.ru:commerceml_210" ВерсияСхемы="2.10" ДатаФормирования="2026-11-27T06:00:00">\n')
  w8('<ПакетПредложений СодержитТолькоИзменения="false"><Ид>bench-cat#</Ид><Наименование>Пакет предложений</Наименование><ИдКаталога>bench-cat</ИдКаталога><ИдКлассификатора>bench-cls</ИдКлассификатора><ТипыЦен>')
  for (let t = 0; t < size.priceTypes; t++) w8(`<ТипЦены><Ид>${id('pt', t)}</Ид><Наименование>${t === 0 ? 'Оптовая' : `Тип цен ${t}`}</Наименование><Валюта>RUB</Валюта></ТипЦены>`)
  w8('</ТипыЦен><Склады>')
  for (let s = 0; s < size.warehouses; s++) w8(`<Склад><Ид>${id('wh', s)}</Ид><Наименование>Склад ${s + 1}</Наименование></Склад>`)
  w8('</Склады><Предложения>\n')
  chunk = ''
  for (let i = 0; i < size.products; i++) {
    const base = 1000 + Math.floor(rand() * 500_000)
    let prices = ''
    for (let t = 0; t < size.priceTypes; t++) {
      const k = base - t * Math.floor(base / 50)
      prices += `<Цена><ИдТипаЦены>${id('pt', t)}</ИдТипаЦены><ЦенаЗаЕдиницу>${Math.floor(k / 100)},${String(k % 100).padStart(2, '0')}</ЦенаЗаЕдиницу><Валюта>RUB</Валюта><Коэффициент>1</Коэффициент></Цена>`
    }
    let stock = ''
    let total = 0
    for (let s = 0; s < size.warehouses; s++) {
      const q = Math.floor(rand() * 400)
      total += q
      stock += `<Склад ИдСклада="${id('wh', s)}" КоличествоНаСкладе="${q}"/>`
    }
    chunk += `<Предложение><Ид>${id('prd', i)}</Ид><Наименование>Предложение ${i + 1}</Наименование><Цены>${prices}</Цены><Количество>${total}</Количество>${stock}</Предложение>\n`
    if (chunk.length > 1_000_000) {
      w8(chunk)
      chunk = ''
    }
  }
  w8(chunk + '</Предложения></ПакетПредложений>\n</КоммерческаяИнформация>\n')
  fs.closeSync(off)
  return ['import.xml', 'offers.xml']
}
