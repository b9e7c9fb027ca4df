import type { Db } from '../server/db/knex.js'
import { completeInn } from '../server/companies/requisites.js'
import { foldText, normalizeSku } from '../server/catalog/rules.js'
import { seededRandom } from '../server/shared/random.js'

/*
 * The catalog benchmark's data: deterministic (a seeded generator), inserted in batches inside transactions.
 * Defaults: 100 000 products in ~200 categories, 100 price types (every product priced in the default type and in 9 others:
 * 1 000 000 price rows), 2 000 companies in 20 client groups with pinned types, discounts and turnover, 300 rules.
 */

export interface CatalogSize {
  products: number
  priceTypes: number
  companies: number
}

async function batchInsert(db: Db, table: string, rows: Record<string, unknown>[], size = 500): Promise<void> {
  for (let i = 0; i < rows.length; i += size) await db(table).insert(rows.slice(i, i + size))
}

const WORDS = ['кофе', 'арабика', 'робуста', 'эфиопия', 'колумбия', 'бразилия', 'кения', 'чай', 'пуэр', 'улун', 'стакан', 'крышка', 'бумажный', 'двойной', 'мытый', 'натуральный', 'ёмкость', 'зелёный', 'чёрный', 'сироп', 'фильтр', 'турка', 'кружка', 'молоко']
const ORIGINS = ['Эфиопия', 'Колумбия', 'Бразилия', 'Кения', 'Гватемала', 'Вьетнам', 'Индия', 'Перу', 'Руанда', 'Гондурас']
const PROCESS = ['мытая', 'натуральная', 'хани', 'анаэробная']

/** Builds the whole data set into an empty, migrated database; returns ids the bench needs. */
export async function generateCatalog(db: Db, size: CatalogSize): Promise<{ companyIds: number[]; categoryIds: number[]; priceTypeIds: number[] }> {
  const rand = seededRandom(42)
  const pick = <T>(a: T[]) => a[Math.floor(rand() * a.length)]!
  const now = Date.now()

  const categoryIds: number[] = []
  await db.transaction(async (trx) => {
    for (let top = 0; top < 10; top++) {
      const [topId] = await trx('categories').insert({ name: `Раздел ${top + 1}`, path: '/', depth: 0, sort: top, created_at: now, updated_at: now })
      await trx('categories').where({ id: topId }).update({ path: `/${topId}/` })
      for (let sub = 0; sub < 19; sub++) {
        const [subId] = await trx('categories').insert({ parent_id: topId, name: `Подраздел ${top + 1}.${sub + 1}`, path: '/', depth: 1, sort: sub, created_at: now, updated_at: now })
        await trx('categories').where({ id: subId }).update({ path: `/${topId}/${subId}/` })
        categoryIds.push(Number(subId))
      }
    }
    const [originId] = await trx('attributes').insert({ code: 'origin', name: 'Страна', type: 'list', filterable: true, key: true, sort: 1 })
    const [procId] = await trx('attributes').insert({ code: 'process', name: 'Обработка', type: 'list', filterable: true, key: true, sort: 2 })
    const [altId] = await trx('attributes').insert({ code: 'altitude', name: 'Высота', type: 'number', unit: 'м', filterable: true, key: false, sort: 3 })
    for (const [i, v] of ORIGINS.entries()) await trx('attribute_options').insert({ attribute_id: originId, value: v, sort: i })
    for (const [i, v] of PROCESS.entries()) await trx('attribute_options').insert({ attribute_id: procId, value: v, sort: i })
    await trx('warehouses').insert([
      { name: 'Основной склад', kind: 'main', show_mode: 'status', sort: 1 },
      { name: 'Офис', kind: 'office', show_mode: 'qty', sort: 2 },
    ])
    for (let t = 0; t < size.priceTypes; t++) {
      await trx('price_types').insert({ code: `pt${t}`, name: t === 0 ? 'Оптовая' : `Тип цен ${t}`, is_default: t === 0, sort: t })
    }
  })
  const originOpts: { id: number }[] = await db('attribute_options').join('attributes', 'attributes.id', 'attribute_options.attribute_id').where('attributes.code', 'origin').select('attribute_options.id')
  const procOpts: { id: number }[] = await db('attribute_options').join('attributes', 'attributes.id', 'attribute_options.attribute_id').where('attributes.code', 'process').select('attribute_options.id')
  const attrs: { id: number; code: string }[] = await db('attributes').select('id', 'code')
  const attrId = (code: string) => attrs.find((a) => a.code === code)!.id
  const priceTypeIds: number[] = (await db('price_types').orderBy('id').select('id')).map((r: { id: number }) => r.id)
  const warehouseIds: number[] = (await db('warehouses').orderBy('id').select('id')).map((r: { id: number }) => r.id)

  const CHUNK = 5_000
  for (let start = 0; start < size.products; start += CHUNK) {
    const n = Math.min(CHUNK, size.products - start)
    await db.transaction(async (trx) => {
      const products = []
      for (let i = 0; i < n; i++) {
        const k = start + i
        const sku = `${['KF', 'CH', 'EC', 'AC'][k % 4]}-${String(k).padStart(6, '0')}`
        const name = `${pick(WORDS)} ${pick(WORDS)} ${pick(ORIGINS)} ${k}`
        products.push({
          sku, sku_norm: normalizeSku(sku), name, name_search: foldText(name), brand: pick(['Зёрна', 'Листья', 'EcoCups']),
          category_id: categoryIds[k % categoryIds.length], base_unit: k % 4 === 2 ? 'шт' : 'кг', vat_rate: k % 4 === 2 ? '22' : '10',
          weight_grams: 1000, popularity: Math.floor(rand() * 1_000_000), is_active: true, created_at: now, updated_at: now,
        })
      }
      await batchInsert(trx, 'products', products)
      const rows: { id: number; sku: string }[] = await trx('products').whereIn('sku', products.map((p) => p.sku)).select('id', 'sku')
      const packs = []
      const stock = []
      const prices = []
      const pattrs = []
      for (const r of rows) {
        const base = 20_000 + Math.floor(rand() * 300_000)
        packs.push({ product_id: r.id, name: 'мешок 30 кг', factor_milli: 30_000, min_qty_milli: 0, step_milli: 0, is_default: true, sort: 1 })
        packs.push({ product_id: r.id, name: '1 кг', factor_milli: 1_000, min_qty_milli: 0, step_milli: 0, is_default: false, sort: 2 })
        for (const w of warehouseIds) stock.push({ warehouse_id: w, product_id: r.id, on_hand_milli: Math.floor(rand() * 500) * 1000, reserved_milli: 0, updated_at: now })
        prices.push({ price_type_id: priceTypeIds[0], product_id: r.id, kopecks: base, updated_at: now })
        const others = new Set<number>()
        while (others.size < Math.min(9, priceTypeIds.length - 1)) others.add(priceTypeIds[1 + Math.floor(rand() * (priceTypeIds.length - 1))]!)
        for (const t of others) prices.push({ price_type_id: t, product_id: r.id, kopecks: Math.round(base * (0.7 + rand() * 0.25)), updated_at: now })
        pattrs.push({ product_id: r.id, attribute_id: attrId('origin'), option_id: pick(originOpts).id })
        pattrs.push({ product_id: r.id, attribute_id: attrId('process'), option_id: pick(procOpts).id })
        pattrs.push({ product_id: r.id, attribute_id: attrId('altitude'), num_milli: (800 + Math.floor(rand() * 1400)) * 1000 })
      }
      await batchInsert(trx, 'packagings', packs)
      await batchInsert(trx, 'stock', stock)
      await batchInsert(trx, 'prices', prices)
      await batchInsert(trx, 'product_attributes', pattrs)
    })
  }

  const companyIds: number[] = []
  await db.transaction(async (trx) => {
    for (let g = 0; g < 20; g++) await trx('client_groups').insert({ name: `Группа ${g + 1}`, default_price_type_id: priceTypeIds[g % priceTypeIds.length] })
    const groups: number[] = (await trx('client_groups').orderBy('id').select('id')).map((r: { id: number }) => r.id)
    const companies = []
    for (let i = 0; i < size.companies; i++) {
      const inn = completeInn(String(300000000 + i * 7))
      companies.push({
        kind: 'legal', inn, kpp: '770101001', inn_kpp_key: `${inn}/770101001`, name_short: `ООО "КЛИЕНТ ${i}"`, search_text: `ооо клиент ${i} ${inn}`,
        status: 'verified', requisites_checked: true, created_at: now, updated_at: now,
      })
    }
    await batchInsert(trx, 'companies', companies)
    const ids: number[] = (await trx('companies').whereIn('inn', companies.map((c) => c.inn)).orderBy('id').select('id')).map((r: { id: number }) => r.id)
    companyIds.push(...ids)
    await batchInsert(trx, 'company_groups', ids.flatMap((id, i) => [{ company_id: id, group_id: groups[i % groups.length] }, ...(i % 3 === 0 ? [{ company_id: id, group_id: groups[(i + 7) % groups.length] }] : [])]))
    await batchInsert(trx, 'company_pricing', ids.map((id, i) => ({
      company_id: id, pinned_price_type_id: i % 10 === 0 ? priceTypeIds[5] : null, discount_bp: (i % 5) * 100,
      turnover_12m_kopecks: (i % 7) * 30_000_000, updated_at: now,
    })))
    const rules = []
    for (let r = 0; r < 300; r++) {
      const kind = ['qty_tier', 'qty_tier', 'sum_tier', 'turnover', 'positions', 'category_discount'][r % 6]!
      rules.push({
        name: `Правило ${r + 1}`, kind, category_id: kind === 'qty_tier' || kind === 'category_discount' ? categoryIds[r % categoryIds.length] : null,
        group_id: r % 4 === 0 ? groups[r % groups.length] : null,
        threshold: kind === 'qty_tier' ? (30 + (r % 5) * 30) * 1000 : kind === 'sum_tier' ? (50_000 + r * 1000) * 100 : kind === 'turnover' ? (r % 3) * 50_000_000 : kind === 'positions' ? 10 + (r % 20) : 0,
        price_type_id: kind === 'category_discount' ? null : priceTypeIds[1 + (r % (priceTypeIds.length - 1))], discount_bp: kind === 'category_discount' ? 300 : 0,
        is_active: true, created_at: now, updated_at: now,
      })
    }
    await batchInsert(trx, 'pricing_rules', rules)
  })
  return { companyIds, categoryIds, priceTypeIds }
}
