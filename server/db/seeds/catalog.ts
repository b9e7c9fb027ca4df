import type { Container } from '../../main.js'
import type { Db } from '../knex.js'
import * as store from '../../catalog/store.js'
import { foldText, normalizeSku } from '../../catalog/rules.js'
import type { AttributeRow } from '../../catalog/types.js'
import { seededRandom } from '../../shared/random.js'

/** A product the catalog seed made, with its list price per base unit, for the pricing seed to derive prices from. */
export interface SeededProduct {
  id: number
  sku: string
  /** Top-level category name: «Кофе», «Чай», «Посуда», … */
  category: string
  listKopecks: number
}

/*
 * The demo catalog of a coffee, tea and tableware supplier, generated from the tables below with a seeded random generator:
 * the same data on every run and on both engines. Quantities are thousandths of the base unit, money kopecks.
 */

type CategoryKey = 'green' | 'roasted' | 'blends' | 'puer' | 'oolong' | 'black' | 'greentea' | 'cups' | 'lids' | 'cupacc' | 'filters' | 'brewing' | 'barista'

/** The category tree: top level and their children, with the key the product tables refer to. */
const TREE: { name: string; children: { key: CategoryKey; name: string }[] }[] = [
  { name: 'Кофе', children: [{ key: 'green', name: 'Зелёный кофе' }, { key: 'roasted', name: 'Обжаренный кофе' }, { key: 'blends', name: 'Эспрессо-смеси' }] },
  { name: 'Чай', children: [{ key: 'puer', name: 'Пуэр' }, { key: 'oolong', name: 'Улун' }, { key: 'black', name: 'Чёрный чай' }, { key: 'greentea', name: 'Зелёный чай' }] },
  { name: 'Посуда', children: [{ key: 'cups', name: 'Стаканы EcoCups' }, { key: 'lids', name: 'Крышки EcoCups' }, { key: 'cupacc', name: 'Держатели и мешалки' }] },
  { name: 'Аксессуары', children: [{ key: 'filters', name: 'Фильтры' }, { key: 'brewing', name: 'Заваривание' }, { key: 'barista', name: 'Инвентарь бариста' }] },
]

/** Attributes per top-level category; codes are unique (filters in URLs use them). */
const ATTRIBUTES: Record<string, Omit<AttributeRow, 'id' | 'category_id' | 'sort'>[]> = {
  Кофе: [
    { code: 'country', name: 'Страна', type: 'list', unit: '', filterable: true, key: true },
    { code: 'region', name: 'Регион', type: 'list', unit: '', filterable: true, key: false },
    { code: 'altitude', name: 'Высота', type: 'number', unit: 'м', filterable: true, key: true },
    { code: 'processing', name: 'Обработка', type: 'list', unit: '', filterable: true, key: true },
    { code: 'roast', name: 'Обжарка', type: 'list', unit: '', filterable: true, key: true },
    { code: 'variety', name: 'Разновидность', type: 'list', unit: '', filterable: true, key: false },
    { code: 'species', name: 'Вид', type: 'list', unit: '', filterable: true, key: false },
    { code: 'soil', name: 'Почва', type: 'list', unit: '', filterable: true, key: false },
    { code: 'sca', name: 'Оценка SCA', type: 'number', unit: '', filterable: true, key: false },
  ],
  Чай: [
    { code: 'tea_region', name: 'Регион', type: 'list', unit: '', filterable: true, key: true },
    { code: 'tea_form', name: 'Форма', type: 'list', unit: '', filterable: true, key: true },
    { code: 'harvest', name: 'Год сбора', type: 'number', unit: '', filterable: true, key: true },
  ],
  Посуда: [
    { code: 'volume', name: 'Объём', type: 'number', unit: 'мл', filterable: true, key: true },
    { code: 'wall', name: 'Стенка', type: 'list', unit: '', filterable: true, key: true },
    { code: 'color', name: 'Цвет', type: 'list', unit: '', filterable: true, key: true },
    { code: 'diameter', name: 'Диаметр', type: 'number', unit: 'мм', filterable: true, key: true },
    { code: 'material', name: 'Материал', type: 'list', unit: '', filterable: true, key: false },
  ],
  Аксессуары: [{ code: 'acc_material', name: 'Материал', type: 'list', unit: '', filterable: true, key: true }],
}

/** Coffee origins: country, region, altitude (m), processing, variety, soil, taste, green price per kg (₽). */
const ORIGINS: [string, string, string, number, string, string, string, string, number][] = [
  ['ETH', 'Эфиопия', 'Иргачеффе', 2000, 'мытая', 'эфиопские местные (Heirloom)', 'вулканическая', 'жасмин, бергамот, лимонная цедра; чайное тело', 1450],
  ['ETH', 'Эфиопия', 'Сидамо', 1900, 'натуральная', 'эфиопские местные (Heirloom)', 'красная латеритная', 'черника, молочный шоколад, сладкое послевкусие', 1320],
  ['ETH', 'Эфиопия', 'Гуджи', 2100, 'натуральная', 'эфиопские местные (Heirloom)', 'вулканическая', 'клубника, персик, какао', 1540],
  ['ETH', 'Эфиопия', 'Лимму', 1700, 'мытая', 'эфиопские местные (Heirloom)', 'суглинок', 'цветы, цитрус, чёрный чай', 1210],
  ['KEN', 'Кения', 'Ньери', 1800, 'мытая', 'SL28, SL34', 'вулканическая', 'чёрная смородина, грейпфрут, томатная кислотность', 1890],
  ['KEN', 'Кения', 'Кириньяга', 1700, 'мытая', 'SL28, Ruiru 11', 'вулканическая', 'красная смородина, ревень, тростниковый сахар', 1760],
  ['COL', 'Колумбия', 'Уила', 1700, 'мытая', 'Кастильо, Катурра', 'вулканическая', 'карамель, красное яблоко, цитрусовая кислотность', 1090],
  ['COL', 'Колумбия', 'Нариньо', 2000, 'мытая', 'Катурра', 'вулканическая', 'панела, апельсин, яркая кислотность', 1240],
  ['COL', 'Колумбия', 'Каука', 1800, 'мытая', 'Кастильо', 'вулканическая', 'шоколад, красные ягоды, округлое тело', 1130],
  ['COL', 'Колумбия', 'Толима', 1650, 'хани', 'Колумбия', 'суглинок', 'мёд, карамель, спелая вишня', 1180],
  ['BRA', 'Бразилия', 'Серрадо', 1100, 'натуральная', 'Жёлтый Катуаи', 'красная латеритная', 'фундук, молочный шоколад, низкая кислотность', 820],
  ['BRA', 'Бразилия', 'Южный Минас', 1150, 'натуральная', 'Жёлтый Бурбон', 'красная латеритная', 'карамель, арахис, какао', 860],
  ['BRA', 'Бразилия', 'Можиана', 1050, 'полумытая', 'Мундо Ново', 'суглинок', 'орех, тёмный шоколад, плотное тело', 790],
  ['GTM', 'Гватемала', 'Антигуа', 1600, 'мытая', 'Бурбон', 'вулканическая', 'какао, специи, апельсиновая цедра', 1220],
  ['GTM', 'Гватемала', 'Уэуэтенанго', 1800, 'мытая', 'Катурра, Бурбон', 'известняк', 'зелёное яблоко, тростниковый сахар, цветы', 1290],
  ['CRI', 'Коста-Рика', 'Таррасу', 1600, 'хани', 'Катурра', 'вулканическая', 'абрикос, мёд, ясная кислотность', 1380],
  ['HND', 'Гондурас', 'Маркала', 1500, 'мытая', 'Катуаи', 'суглинок', 'молочный шоколад, груша, карамель', 1020],
  ['SLV', 'Сальвадор', 'Санта-Ана', 1500, 'мытая', 'Пакамара', 'вулканическая', 'слива, тёмный шоколад, сливочное тело', 1360],
  ['NIC', 'Никарагуа', 'Хинотега', 1300, 'мытая', 'Катурра', 'суглинок', 'карамель, орех, мягкая кислотность', 980],
  ['PER', 'Перу', 'Чанчамайо', 1500, 'мытая', 'Типика', 'суглинок', 'какао, мёд, ваниль', 990],
  ['PAN', 'Панама', 'Бокете', 1750, 'мытая', 'Гейша', 'вулканическая', 'бергамот, жасмин, персик, очень чистый вкус', 9400],
  ['RWA', 'Руанда', 'Ньямашеке', 1850, 'мытая', 'Красный Бурбон', 'суглинок', 'красный чай, вишня, лимонад', 1470],
  ['BDI', 'Бурунди', 'Каянза', 1800, 'мытая', 'Красный Бурбон', 'суглинок', 'клюква, патока, цветы', 1410],
  ['TZA', 'Танзания', 'Килиманджаро', 1650, 'мытая', 'Кент, Бурбон', 'вулканическая', 'чёрная смородина, вино, специи', 1330],
  ['YEM', 'Йемен', 'Харази', 2200, 'натуральная', 'Йеменийя', 'известняк', 'изюм, табак, пряности, винное тело', 5200],
  ['IDN', 'Индонезия', 'Суматра Линтонг', 1300, 'влажная очистка', 'Типика, Катимор', 'вулканическая', 'землистый, табак, тёмный шоколад', 1150],
  ['IND', 'Индия', 'Малабар', 1200, 'муссонная', 'Кент', 'красная латеритная', 'пряности, дерево, низкая кислотность', 980],
  ['CHN', 'Китай', 'Юньнань', 1400, 'мытая', 'Катимор', 'красная латеритная', 'сухофрукты, карамель, травы', 890],
  ['VNM', 'Вьетнам', 'Лам Донг', 700, 'натуральная', 'робуста', 'красная латеритная', 'горький шоколад, злаки, плотная крема', 540],
  ['UGA', 'Уганда', 'Масака', 1200, 'натуральная', 'робуста', 'суглинок', 'какао, орех, мягкая горчинка', 560],
]

const GRADES: Record<string, string[]> = {
  ETH: ['G1', 'G2'], KEN: ['AA', 'AB'], COL: ['Supremo'], BRA: ['NY2 17/18'], GTM: ['SHB'], CRI: ['SHB'], HND: ['SHG'], SLV: ['SHG'], NIC: ['SHG'],
  PER: ['Grade 1'], PAN: ['SHB'], RWA: ['A'], BDI: ['A'], TZA: ['AA'], YEM: ['Grade 1'], IDN: ['Grade 1'], IND: ['AA'], CHN: ['SHB'], VNM: ['S18'], UGA: ['Screen 18'],
}

const ROASTS: [string, string, number][] = [
  ['F', 'светлая (фильтр)', 0],
  ['E', 'средняя (эспрессо)', 1],
]

const BLENDS: [string, string, string, number][] = [
  ['CLASSIC', 'Эспрессо-смесь «Классика» 80/20', 'тёмный шоколад, орех, плотная крема; арабика Бразилии и робуста Вьетнама', 1650],
  ['CREMA', 'Эспрессо-смесь «Крема» 70/30', 'горький шоколад, злаки, густая крема для молочных напитков', 1490],
  ['FRUIT', 'Эспрессо-смесь «Фруктовая» 100% арабика', 'вишня, карамель, мягкая кислотность; Эфиопия и Колумбия', 2150],
  ['NUT', 'Эспрессо-смесь «Ореховая» 100% арабика', 'фундук, молочный шоколад; Бразилия и Гондурас', 1890],
  ['DECAF', 'Эспрессо-смесь без кофеина', 'какао, карамель; декофеинизация водой (Swiss Water)', 2280],
  ['HOUSE', 'Эспрессо-смесь «Домашняя» 90/10', 'какао, изюм, сбалансированный вкус', 1560],
  ['BAR', 'Эспрессо-смесь «Бар» 60/40', 'горечь, крепость, плотное тело; для вендинга', 1290],
  ['SEASON', 'Эспрессо-смесь «Сезонная»', 'ягоды, молочный шоколад; состав меняется по сезону', 2390],
]

/** Teas: category, code, name, region, form, harvest year, taste, price per base unit (₽), base unit. */
const TEAS: [CategoryKey, string, string, string, string, number, string, number, 'кг' | 'шт'][] = [
  ['puer', 'SH-MENGHAI-357', 'Шу пуэр «Мэнхай» блин 357 г', 'Юньнань', 'блин', 2019, 'тёмный шоколад, чернослив, мокрое дерево; плотный настой', 1890, 'шт'],
  ['puer', 'SH-GONGTING-357', 'Шу пуэр «Гун Тин» блин 357 г', 'Юньнань', 'блин', 2020, 'какао, финики, сладкий настой', 2290, 'шт'],
  ['puer', 'SH-LAOBANZHANG-357', 'Шу пуэр «Лао Бань Чжан» блин 357 г', 'Юньнань', 'блин', 2017, 'орех, карамель, древесная сладость', 4900, 'шт'],
  ['puer', 'SHEN-BULANG-357', 'Шэн пуэр «Булан» блин 357 г', 'Юньнань', 'блин', 2018, 'абрикос, мёд, терпкость старых деревьев', 3650, 'шт'],
  ['puer', 'SHEN-YIWU-357', 'Шэн пуэр «Иу» блин 357 г', 'Юньнань', 'блин', 2016, 'цветочный мёд, сухофрукты, мягкая сладость', 5800, 'шт'],
  ['puer', 'SHEN-JINGMAI-200', 'Шэн пуэр «Цзин Май» блин 200 г', 'Юньнань', 'блин', 2021, 'орхидея, зелёное яблоко, бодрящий', 2450, 'шт'],
  ['puer', 'SH-ZHUAN-250', 'Шу пуэр кирпич 250 г', 'Юньнань', 'кирпич', 2020, 'злаки, сухофрукты, мягкий вкус', 980, 'шт'],
  ['puer', 'SH-ZHUAN-100', 'Шу пуэр кирпич 100 г «Шоколадка»', 'Юньнань', 'кирпич', 2021, 'какао, чернослив; порционные дольки', 420, 'шт'],
  ['puer', 'SHEN-ZHUAN-250', 'Шэн пуэр кирпич 250 г', 'Юньнань', 'кирпич', 2019, 'курага, мёд, лёгкая терпкость', 1290, 'шт'],
  ['puer', 'SH-TOCHA-5', 'Шу пуэр точа 5 г', 'Юньнань', 'точа', 2022, 'порционный, насыщенный тёмный настой', 9, 'шт'],
  ['puer', 'SH-SAN-1', 'Шу пуэр рассыпной «Гун Тин»', 'Юньнань', 'листовой', 2021, 'какао, орех, гладкий настой', 3900, 'кг'],
  ['puer', 'SHEN-SAN-1', 'Шэн пуэр рассыпной «Мэнку»', 'Юньнань', 'листовой', 2022, 'цветы, мёд, свежесть', 4600, 'кг'],
  ['oolong', 'TGY-CL', 'Тегуаньинь классический', 'Фуцзянь', 'листовой', 2024, 'сирень, сливки, свежий сладкий настой', 4200, 'кг'],
  ['oolong', 'TGY-NX', 'Тегуаньинь «Нун Сян» прожаренный', 'Фуцзянь', 'листовой', 2024, 'жареный орех, карамель, персик', 4600, 'кг'],
  ['oolong', 'DHP', 'Да Хун Пао', 'Фуцзянь', 'листовой', 2023, 'обжаренный, шоколад, минеральный', 6100, 'кг'],
  ['oolong', 'SX-RG', 'Шуй Сянь «Жоу Гуй»', 'Фуцзянь', 'листовой', 2023, 'корица, тёмный мёд, дымок', 7200, 'кг'],
  ['oolong', 'MILK-OOL', 'Молочный улун (Най Сян Цзинь Сюань)', 'Тайвань', 'листовой', 2024, 'сливки, ваниль, цветы', 3900, 'кг'],
  ['oolong', 'ALISHAN', 'Алишань Гао Шань', 'Тайвань', 'листовой', 2024, 'высокогорный, цветы, зелёный виноград', 8900, 'кг'],
  ['oolong', 'DONGDING', 'Дун Дин', 'Тайвань', 'листовой', 2023, 'жареные орехи, мёд, округлый', 6800, 'кг'],
  ['oolong', 'DANCONG-MLX', 'Фэн Хуан Дань Цун «Ми Лань Сян»', 'Гуандун', 'листовой', 2023, 'мёд, орхидея, спелый персик', 9800, 'кг'],
  ['oolong', 'GABA', 'Габа улун', 'Тайвань', 'листовой', 2023, 'сухофрукты, корица, мягкая кислинка', 7400, 'кг'],
  ['black', 'DIANHONG', 'Дянь Хун «Золотые почки»', 'Юньнань', 'листовой', 2024, 'мёд, солод, сухофрукты', 4800, 'кг'],
  ['black', 'JINJUNMEI', 'Цзинь Цзюнь Мэй', 'Фуцзянь', 'листовой', 2024, 'мёд, сладкий картофель, цветы', 11800, 'кг'],
  ['black', 'LAPSANG', 'Лапсанг Сушонг копчёный', 'Фуцзянь', 'листовой', 2023, 'дымок сосны, смола, сухофрукты', 3600, 'кг'],
  ['black', 'KEEMUN', 'Кимун (Цимэнь Хун Ча)', 'Аньхой', 'листовой', 2024, 'какао, орхидея, лёгкий дымок', 4100, 'кг'],
  ['black', 'ASSAM-TGFOP', 'Ассам TGFOP', 'Ассам', 'листовой', 2024, 'солод, крепкий, для молока', 1690, 'кг'],
  ['black', 'ASSAM-CTC', 'Ассам CTC гранулированный', 'Ассам', 'гранулированный', 2024, 'крепкий, быстро заваривается, для HoReCa', 980, 'кг'],
  ['black', 'DARJ-FF', 'Дарджилинг первый сбор FTGFOP1', 'Дарджилинг', 'листовой', 2024, 'мускат, зелёный виноград, цветы', 7900, 'кг'],
  ['black', 'DARJ-SF', 'Дарджилинг второй сбор', 'Дарджилинг', 'листовой', 2024, 'мускатный виноград, спелые фрукты', 6400, 'кг'],
  ['black', 'CEYLON-OP', 'Цейлон OP «Нувара Элия»', 'Цейлон', 'листовой', 2024, 'цитрус, свежий, яркий', 1890, 'кг'],
  ['black', 'CEYLON-BOP', 'Цейлон BOP', 'Цейлон', 'листовой', 2024, 'терпкий, насыщенный, классический', 1290, 'кг'],
  ['black', 'KENYA-PF1', 'Кения PF1', 'Кения', 'гранулированный', 2024, 'крепкий, яркий цвет настоя', 890, 'кг'],
  ['black', 'EARL-GREY', 'Эрл Грей с бергамотом', 'Цейлон', 'листовой', 2024, 'бергамот, цитрус; натуральное масло', 1590, 'кг'],
  ['greentea', 'LONGJING', 'Лунцзин (Колодец дракона)', 'Чжэцзян', 'листовой', 2024, 'жареный каштан, свежесть, сладкое послевкусие', 8600, 'кг'],
  ['greentea', 'BILUOCHUN', 'Би Ло Чунь', 'Цзянсу', 'листовой', 2024, 'фрукты, цветы, бархатистый настой', 7800, 'кг'],
  ['greentea', 'MAOFENG', 'Хуаншань Мао Фэн', 'Аньхой', 'листовой', 2024, 'орхидея, свежая зелень', 4900, 'кг'],
  ['greentea', 'JASMINE-PEARL', 'Жасминовые жемчужины', 'Фуцзянь', 'листовой', 2024, 'жасмин, сладость, нежный настой', 6900, 'кг'],
  ['greentea', 'JASMINE', 'Моли Хуа Ча (жасминовый)', 'Фуцзянь', 'листовой', 2024, 'жасмин, свежесть; для кофеен', 2400, 'кг'],
  ['greentea', 'SENCHA', 'Сенча', 'Сидзуока', 'листовой', 2024, 'морские травы, свежая зелень', 3900, 'кг'],
  ['greentea', 'GENMAICHA', 'Генмайча с обжаренным рисом', 'Сидзуока', 'листовой', 2024, 'жареный рис, попкорн, мягкий', 2100, 'кг'],
  ['greentea', 'MATCHA-CER', 'Матча церемониальная', 'Киото', 'порошок', 2024, 'умами, сливочная сладость', 24800, 'кг'],
  ['greentea', 'MATCHA-CUL', 'Матча для латте', 'Киото', 'порошок', 2024, 'яркий цвет, хорошо с молоком', 7900, 'кг'],
  ['greentea', 'GUNPOWDER', 'Ганпаудер (Чжу Ча)', 'Чжэцзян', 'гранулированный', 2024, 'дымок, травы, бодрящий', 1290, 'кг'],
]

const CUP_VOLUMES: [number, number][] = [
  [100, 62], [180, 73], [250, 80], [300, 90], [350, 90], [400, 90], [500, 90],
]
const WALLS: [string, string, number][] = [
  ['SW', 'однослойная', 1], ['DW', 'двухслойная', 1.55], ['RP', 'рифлёная', 1.8],
]
const COLORS: [string, string][] = [['WH', 'белый'], ['KR', 'крафт'], ['BK', 'чёрный'], ['PR', 'принт «Кофе с собой»']]

/** Accessories: category, code, name, material, price (₽ per piece). */
const ACCESSORIES: [CategoryKey, string, string, string, number][] = [
  ['filters', 'FLT-V60-01-100', 'Фильтры бумажные V60 01, 100 шт', 'бумага', 390],
  ['filters', 'FLT-V60-02-100', 'Фильтры бумажные V60 02, 100 шт', 'бумага', 420],
  ['filters', 'FLT-V60-03-100', 'Фильтры бумажные V60 03, 100 шт', 'бумага', 490],
  ['filters', 'FLT-KAL-185-100', 'Фильтры Kalita Wave 185, 100 шт', 'бумага', 690],
  ['filters', 'FLT-CHX-100', 'Фильтры для Chemex квадратные, 100 шт', 'бумага', 1190],
  ['filters', 'FLT-AERO-350', 'Фильтры для Aeropress, 350 шт', 'бумага', 560],
  ['filters', 'FLT-BATCH-250', 'Фильтры для капельной кофеварки 250 мм, 500 шт', 'бумага', 1490],
  ['filters', 'FLT-TEA-M-100', 'Фильтр-пакеты для чая M, 100 шт', 'бумага', 210],
  ['brewing', 'V60-02-CER-WH', 'Воронка V60 02 керамическая белая', 'керамика', 2390],
  ['brewing', 'V60-02-PL', 'Воронка V60 02 пластиковая', 'пластик', 690],
  ['brewing', 'KAL-WAVE-185-SS', 'Воронка Kalita Wave 185 сталь', 'сталь', 3490],
  ['brewing', 'CHEMEX-6', 'Кофеварка Chemex на 6 чашек', 'стекло', 8900],
  ['brewing', 'AEROPRESS', 'Аэропресс', 'пластик', 4290],
  ['brewing', 'FRENCH-600', 'Френч-пресс 600 мл', 'стекло', 1490],
  ['brewing', 'KETTLE-GN-09', 'Чайник с гусиным носиком 0,9 л', 'сталь', 3890],
  ['brewing', 'GAIWAN-150', 'Гайвань фарфоровая 150 мл', 'фарфор', 890],
  ['brewing', 'CHAHAI-250', 'Чахай стеклянный 250 мл', 'стекло', 690],
  ['brewing', 'TEAPOT-600', 'Чайник стеклянный с ситом 600 мл', 'стекло', 1290],
  ['barista', 'PITCHER-350', 'Питчер 350 мл', 'сталь', 990],
  ['barista', 'PITCHER-600', 'Питчер 600 мл', 'сталь', 1190],
  ['barista', 'TAMPER-58', 'Темпер 58 мм', 'сталь', 2490],
  ['barista', 'TAMPER-53', 'Темпер 53 мм', 'сталь', 2290],
  ['barista', 'KNOCKBOX', 'Нокбокс настольный', 'пластик', 1890],
  ['barista', 'SCALE-01', 'Весы бариста с таймером 0,1 г', 'пластик', 2990],
  ['barista', 'MAT-TAMP', 'Коврик для темперовки', 'силикон', 790],
  ['barista', 'BRUSH-GRP', 'Щётка для чистки группы', 'пластик', 390],
  ['barista', 'CLEAN-TAB-100', 'Таблетки для чистки кофемашин, 100 шт', 'химия', 1590],
  ['barista', 'DESCALE-1L', 'Средство от накипи 1 л', 'химия', 890],
]

/** What the seed writes, built in memory first so the whole catalog is inserted in a few batches. */
interface Draft {
  key: CategoryKey
  sku: string
  name: string
  brand: string
  unit: 'кг' | 'шт'
  profile: string
  weightGrams: number
  listKopecks: number
  /** Attribute code → option text, or number (in the attribute's unit). */
  values: Record<string, string | number>
  packs: { name: string; factor: number; min?: number; step?: number; isDefault?: boolean }[]
  active?: boolean
}

const LATIN: Record<string, string> = {
  а: 'a', б: 'b', в: 'v', г: 'g', д: 'd', е: 'e', ё: 'e', ж: 'zh', з: 'z', и: 'i', й: 'y', к: 'k', л: 'l', м: 'm', н: 'n', о: 'o', п: 'p', р: 'r',
  с: 's', т: 't', у: 'u', ф: 'f', х: 'h', ц: 'ts', ч: 'ch', ш: 'sh', щ: 'sch', ъ: '', ы: 'y', ь: '', э: 'e', ю: 'yu', я: 'ya',
}

/** «Иргачеффе» → "IRGACHEFFE": Latin letters for articles, which buyers type on any keyboard. */
function latin(text: string): string {
  return [...text.toLowerCase()].map((ch) => LATIN[ch] ?? (/[a-z0-9]/.test(ch) ? ch : '')).join('').toUpperCase()
}

/** The whole demo catalog as plain data (pure and deterministic). */
export function buildCatalog(): Draft[] {
  const rand = seededRandom(2026)
  const out: Draft[] = []
  const greenPacks = [
    { name: 'мешок 60 кг', factor: 60 },
    { name: 'мешок 30 кг', factor: 30, isDefault: true },
    { name: 'мешок 10 кг', factor: 10 },
    { name: 'кг, от 5 кг', factor: 1, min: 5, step: 1 },
  ]
  const roastedPacks = [
    { name: 'пачка 1 кг', factor: 1, isDefault: true },
    { name: 'пачка 250 г', factor: 0.25 },
    { name: 'коробка 6 × 1 кг', factor: 6 },
  ]
  for (const [code, country, region, altitude, processing, variety, soil, taste, price] of ORIGINS) {
    const species = variety === 'робуста' ? 'робуста' : 'арабика'
    const regionCode = latin(region).slice(0, 3)
    for (const [gi, grade] of (GRADES[code] ?? ['']).entries()) {
      const sca = species === 'робуста' ? 80 : Math.min(90, 82 + Math.round(price / 700) + (gi === 0 ? 1 : -1) + Math.floor(rand() * 2))
      const base = { country, region, altitude, processing, variety, species, soil, sca }
      out.push({
        key: 'green',
        sku: `GRN-${code}-${regionCode}${grade ? `-${grade.replace(/\s.*$/, '').replace(/\//g, '')}` : ''}`,
        name: `Кофе зелёный ${species === 'робуста' ? 'робуста' : 'арабика'} ${country} ${region}${grade ? ` ${grade}` : ''}`,
        brand: 'Зёрна и Листья',
        unit: 'кг',
        profile: `${taste[0]!.toUpperCase()}${taste.slice(1)}. ${country}, ${region}, ${altitude} м; обработка ${processing}; ${variety}. Урожай 2025 года.`,
        weightGrams: 1000,
        listKopecks: Math.round(price * (gi === 0 ? 1 : 0.9)) * 100,
        values: base,
        packs: greenPacks,
      })
      if (gi > 0) continue
      for (const [roastCode, roast, darker] of ROASTS) {
        out.push({
          key: 'roasted',
          sku: `RST-${code}-${regionCode}-${roastCode}`,
          name: `Кофе в зёрнах ${country} ${region}, обжарка ${roast.replace(/ \(.*/, '')}${darker ? ' под эспрессо' : ' под фильтр'}`,
          brand: 'Зёрна и Листья',
          unit: 'кг',
          profile: `${taste[0]!.toUpperCase()}${taste.slice(1)}. Обжарка ${roast}. ${country}, ${region}, ${altitude} м.`,
          weightGrams: 1000,
          listKopecks: Math.round((price * 1.85 + 420) / 10) * 1000,
          values: { ...base, roast },
          packs: roastedPacks,
        })
      }
    }
  }
  for (const [code, name, taste, price] of BLENDS) {
    out.push({
      key: 'blends',
      sku: `BLD-${code}`,
      name: `${name}, зерно`,
      brand: 'Зёрна и Листья',
      unit: 'кг',
      profile: `${taste[0]!.toUpperCase()}${taste.slice(1)}.`,
      weightGrams: 1000,
      listKopecks: price * 100,
      values: { roast: 'средняя (эспрессо)', species: code === 'CLASSIC' || code === 'CREMA' || code === 'HOUSE' || code === 'BAR' ? 'арабика, робуста' : 'арабика' },
      packs: roastedPacks,
    })
  }
  for (const [key, code, name, region, form, year, taste, price, unit] of TEAS) {
    const packs =
      unit === 'шт'
        ? form === 'точа'
          ? [{ name: 'шт', factor: 1, min: 50, step: 50 }, { name: 'упаковка 500 шт', factor: 500, isDefault: true }]
          : form === 'кирпич'
            ? [{ name: 'кирпич', factor: 1, isDefault: true }, { name: 'коробка 20 кирпичей', factor: 20 }]
            : [{ name: 'блин', factor: 1, isDefault: true }, { name: 'тун 7 блинов', factor: 7 }, { name: 'коробка 42 блина', factor: 42 }]
        : [{ name: 'пакет 0,5 кг', factor: 0.5, isDefault: true }, { name: 'коробка 5 кг', factor: 5 }, { name: 'кг, от 1 кг', factor: 1, min: 1, step: 0.5 }]
    out.push({
      key,
      sku: `TEA-${code}`,
      name: `Чай ${name}`,
      brand: 'Зёрна и Листья',
      unit,
      profile: `${taste[0]!.toUpperCase()}${taste.slice(1)}. ${region}, сбор ${year} года.`,
      weightGrams: unit === 'кг' ? 1000 : /(\d+) г/.test(name) ? Number(/(\d+) г/.exec(name)![1]) : 5,
      listKopecks: price * 100,
      values: { tea_region: region, tea_form: form, harvest: year },
      packs,
    })
  }
  for (const [volume, diameter] of CUP_VOLUMES) {
    for (const [wallCode, wall, wallK] of WALLS) {
      if (volume === 100 && wallCode === 'RP') continue
      for (const [colorCode, color] of COLORS) {
        const pla = colorCode === 'KR' && wallCode !== 'SW'
        out.push({
          key: 'cups',
          sku: `ECO-CUP-${volume}-${wallCode}-${colorCode}`,
          name: `Стакан бумажный ${volume} мл, ${wall} стенка, ${color}`,
          brand: 'EcoCups',
          unit: 'шт',
          profile: `Для горячих напитков; диаметр верха ${diameter} мм, подходит крышка EcoCups ${diameter} мм. ${pla ? 'Внутреннее покрытие PLA, компостируемый.' : 'Внутреннее покрытие PE.'}`,
          weightGrams: Math.round(volume / 30 + 4 * wallK),
          listKopecks: Math.round((2.2 + volume / 90) * wallK * (colorCode === 'PR' ? 1.15 : colorCode === 'BK' ? 1.1 : 1) * 100),
          values: { volume, wall, color, diameter, material: pla ? 'бумага + PLA' : 'бумага + PE' },
          packs: [
            { name: 'шт, кратно 12', factor: 1, min: 12, step: 12, isDefault: true },
            { name: 'коробка 50 шт', factor: 50 },
            { name: 'короб 1 000 шт', factor: 1000 },
          ],
        })
      }
    }
  }
  for (const diameter of [62, 73, 80, 90]) {
    for (const [colorCode, color] of [['WH', 'белая'], ['BK', 'чёрная']] as const) {
      for (const [typeCode, type] of [['SP', 'с носиком'], ['FL', 'плоская с клапаном']] as const) {
        out.push({
          key: 'lids',
          sku: `ECO-LID-${diameter}-${colorCode}-${typeCode}`,
          name: `Крышка ${diameter} мм ${type}, ${color}`,
          brand: 'EcoCups',
          unit: 'шт',
          profile: `Для стаканов EcoCups с диаметром верха ${diameter} мм; полистирол, не деформируется от горячего.`,
          weightGrams: 3,
          listKopecks: Math.round((1.4 + diameter / 100) * 100),
          values: { diameter, color: color === 'белая' ? 'белый' : 'чёрный', material: 'полистирол' },
          packs: [{ name: 'шт, кратно 12', factor: 1, min: 12, step: 12, isDefault: true }, { name: 'рукав 100 шт', factor: 100 }, { name: 'короб 1 000 шт', factor: 1000 }],
        })
      }
    }
  }
  for (const [code, name, material, price] of [
    ['ECO-HLD-2', 'Держатель для 2 стаканов, картон', 'картон', 9],
    ['ECO-HLD-4', 'Держатель для 4 стаканов, картон', 'картон', 14],
    ['ECO-SLV-350', 'Манжета для стакана 350–400 мл', 'картон', 3],
    ['ECO-STR-140', 'Мешалка деревянная 140 мм', 'дерево', 0.6],
    ['ECO-STR-178', 'Мешалка деревянная 178 мм', 'дерево', 0.8],
    ['ECO-SUG-5', 'Сахар порционный стик 5 г', 'бумага', 1.1],
  ] as [string, string, string, number][]) {
    out.push({
      key: 'cupacc',
      sku: code,
      name,
      brand: 'EcoCups',
      unit: 'шт',
      profile: 'Для кофе с собой.',
      weightGrams: 5,
      listKopecks: Math.round(price * 100),
      values: { material },
      packs: [{ name: 'шт, кратно 100', factor: 1, min: 100, step: 100, isDefault: true }, { name: 'короб 1 000 шт', factor: 1000 }],
    })
  }
  for (const [key, code, name, material, price] of ACCESSORIES) {
    out.push({
      key,
      sku: `ACC-${code}`,
      name,
      brand: name.includes('V60') ? 'Hario' : name.includes('Kalita') ? 'Kalita' : name.includes('Chemex') ? 'Chemex' : 'Зёрна и Листья',
      unit: 'шт',
      profile: '',
      weightGrams: 300,
      listKopecks: price * 100,
      values: { acc_material: material },
      packs: [{ name: 'шт', factor: 1, isDefault: true }, { name: 'коробка 10 шт', factor: 10 }],
    })
  }
  // Two positions that the supplier no longer sells: they stay in old orders but the catalog hides them.
  out.push({ ...out.find((d) => d.key === 'green')!, sku: 'GRN-ETH-OLD-2023', name: 'Кофе зелёный арабика Эфиопия урожай 2023 (снят с продажи)', active: false })
  const cup = out.find((d) => d.key === 'cups')!
  out.push({ ...cup, sku: 'ECO-CUP-200-SW-WH', name: 'Стакан бумажный 200 мл (снят с продажи)', values: { ...cup.values, volume: 200 }, active: false })
  return out
}

/** Stock of one product: the office shows numbers, the main warehouse a status, transit only what is on the way. */
function stockFor(rand: () => number, d: Draft, packFactor: number) {
  const r = rand()
  const packs = (n: number) => Math.round(n * packFactor * 1000)
  const main = r < 0.1 ? 0 : r < 0.25 ? packs(1 + Math.floor(rand() * 2)) : packs(5 + Math.floor(rand() * 80))
  const reserved = main > 0 && rand() < 0.3 ? Math.min(main, packs(1 + Math.floor(rand() * 3))) : 0
  const office = rand() < 0.35 ? packs(1 + Math.floor(rand() * 6)) : 0
  const transit = d.key === 'green' || rand() < 0.15 ? packs(10 + Math.floor(rand() * 40)) : 0
  return { main, reserved, office, transit }
}

/**
 * The demo catalog: categories, attributes, products with packagings, warehouses and stock, inserted in batches. Calling
 * it again on a database that already has the demo articles inserts nothing and returns the same products.
 */
export async function seedCatalog(c: Container): Promise<SeededProduct[]> {
  const drafts = buildCatalog()
  const now = c.clock.now().getTime()
  const topOf = new Map<CategoryKey, string>()
  for (const t of TREE) for (const ch of t.children) topOf.set(ch.key, t.name)
  const norms = drafts.map((d) => normalizeSku(d.sku))
  if ((await store.idsBySkuNorm(c.db, norms.slice(0, 1))).size === 0) await c.db.transaction((trx) => insertCatalog(trx, drafts, now))
  const ids = await store.idsBySkuNorm(c.db, norms)
  return drafts
    .filter((d) => d.active !== false)
    .map((d) => ({ id: ids.get(normalizeSku(d.sku))!, sku: d.sku, category: topOf.get(d.key)!, listKopecks: d.listKopecks }))
}

async function insertCatalog(db: Db, drafts: Draft[], now: number): Promise<void> {
  const rand = seededRandom(7)
  const categoryOf = new Map<CategoryKey, number>()
  const attrByCode = new Map<string, { id: number; type: string; options: Map<string, number> }>()
  for (const [ti, t] of TREE.entries()) {
    const topId = await store.insertCategory(db, { parentId: null, name: t.name, sort: ti }, now)
    for (const [ci, ch] of t.children.entries()) categoryOf.set(ch.key, await store.insertCategory(db, { parentId: topId, name: ch.name, sort: ci }, now))
    for (const [ai, a] of (ATTRIBUTES[t.name] ?? []).entries()) {
      const id = await store.insertAttribute(db, { ...a, category_id: topId, sort: ai })
      const values = a.type === 'list' ? [...new Set(drafts.map((d) => d.values[a.code]).filter((v): v is string => typeof v === 'string'))].sort((x, y) => x.localeCompare(y, 'ru')) : []
      attrByCode.set(a.code, { id, type: a.type, options: values.length ? await store.insertOptions(db, id, values) : new Map() })
    }
  }
  const ids = await store.insertProducts(
    db,
    drafts.map((d, i) => ({
      sku: d.sku,
      sku_norm: normalizeSku(d.sku),
      name: d.name,
      name_search: foldText(d.name),
      brand: d.brand,
      category_id: categoryOf.get(d.key)!,
      base_unit: d.unit,
      vat_rate: '22',
      weight_grams: d.weightGrams,
      profile: d.profile || null,
      // Ordered quantity over the last year: cups and the everyday coffees sell most.
      popularity: Math.round((d.key === 'cups' || d.key === 'lids' ? 400_000 : d.key === 'blends' ? 90_000 : 20_000) * (0.2 + rand()) * 1000) + (drafts.length - i),
      is_active: d.active !== false,
    })),
    now,
  )
  const main = await store.insertWarehouse(db, { name: 'Подольск', kind: 'main', show_mode: 'status', low_packagings: 3, sort: 1 })
  const office = await store.insertWarehouse(db, { name: 'Офис', kind: 'office', show_mode: 'qty', low_packagings: 1, sort: 2 })
  const transit = await store.insertWarehouse(db, { name: 'В пути', kind: 'transit', show_mode: 'status', low_packagings: 1, sort: 3 })
  const packs: Parameters<typeof store.insertPackagings>[1] = []
  const values: Parameters<typeof store.insertAttributeValues>[1] = []
  const stock: Parameters<typeof store.insertStock>[1] = []
  for (const d of drafts) {
    const productId = ids.get(normalizeSku(d.sku))!
    d.packs.forEach((p, sort) =>
      packs.push({
        product_id: productId,
        name: p.name,
        factor_milli: Math.round(p.factor * 1000),
        min_qty_milli: Math.round((p.min ?? 0) * 1000),
        step_milli: Math.round((p.step ?? 0) * 1000),
        is_default: !!p.isDefault,
        sort,
      }),
    )
    for (const [code, v] of Object.entries(d.values)) {
      const a = attrByCode.get(code)
      if (!a) continue
      if (a.type === 'list') values.push({ product_id: productId, attribute_id: a.id, option_id: a.options.get(String(v))! })
      else values.push({ product_id: productId, attribute_id: a.id, num_milli: Math.round(Number(v) * 1000) })
    }
    const defaultPack = d.packs.find((p) => p.isDefault) ?? d.packs[0]!
    const s = stockFor(rand, d, defaultPack.factor)
    if (s.main || s.reserved) stock.push({ warehouse_id: main, product_id: productId, on_hand_milli: s.main, reserved_milli: s.reserved })
    if (s.office) stock.push({ warehouse_id: office, product_id: productId, on_hand_milli: s.office, reserved_milli: 0 })
    if (s.transit) stock.push({ warehouse_id: transit, product_id: productId, on_hand_milli: s.transit, reserved_milli: 0 })
  }
  await store.insertPackagings(db, packs)
  await store.insertAttributeValues(db, values)
  await store.insertStock(db, stock, now)
}
