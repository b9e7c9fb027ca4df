import type { Knex } from 'knex'
import type { Container } from '../../main.js'
import type { SeededProduct } from './catalog.js'
import { discounted } from '../../shared/money.js'
import * as pricingStore from '../../pricing/store.js'
import * as catalogStore from '../../catalog/store.js'
import * as store from '../../carts/store.js'

/**
 * The price types the cart types of the demo need: a retail type for office coffee (the highest: roasted coffee by the
 * kilogram, tea, cups and small things), a transit type and a farmer's direct contract for green coffee in bags.
 */
const TYPES = [
  { code: 'office-roast', name: 'Кофе в офис (розница)', sort: 60, bp: -2_000, has: (p: SeededProduct) => !p.sku.startsWith('GRN-') },
  { code: 'transit', name: 'Транзит (контейнер в пути)', sort: 61, bp: 1_500, has: (p: SeededProduct) => p.sku.startsWith('GRN-') },
  { code: 'farm-direct', name: 'Прямой контракт с фермером', sort: 62, bp: 1_000, has: (p: SeededProduct) => p.sku.startsWith('GRN-') },
]

const GREEN_BAGS = ['мешок 60 кг', 'мешок 30 кг']

/** The four cart types of a coffee importer; `warehouse` is a warehouse kind of the demo catalog (null: none). */
const CART_TYPES = [
  {
    name: 'Кофе в офис',
    description: 'Свежая обжарка под заказ на килограммы, чай, стаканы и мелочи для офиса',
    priceType: 'office-roast',
    packagings: ['пачка 1 кг', 'пачка 250 г', 'кг, от 1 кг', 'пакет 0,5 кг', 'шт, кратно 12', 'шт, кратно 100', 'шт', 'блин', 'кирпич'],
    // Roasted to order: no warehouse's stock stands for it.
    warehouse: null,
    sort: 10,
  },
  {
    name: 'Со склада мешками',
    description: 'Отгрузка со склада в Подольске целыми мешками и коробками по вашим оптовым ценам',
    priceType: null,
    packagings: ['мешок 60 кг', 'мешок 30 кг', 'мешок 10 кг', 'коробка 6 × 1 кг', 'коробка 5 кг', 'коробка 50 шт', 'короб 1 000 шт', 'рукав 100 шт', 'коробка 10 шт', 'упаковка 500 шт', 'коробка 20 кирпичей', 'тун 7 блинов', 'коробка 42 блина'],
    warehouse: 'main',
    sort: 20,
  },
  {
    name: 'Транзит',
    description: 'Зелёный кофе в контейнере в пути: дешевле склада, поставка через 4–6 недель',
    priceType: 'transit',
    packagings: GREEN_BAGS,
    warehouse: 'transit',
    sort: 30,
  },
  {
    name: 'От фермера',
    description: 'Прямой контракт с фермерским хозяйством: мешки под урожай, отгрузка с фермы',
    priceType: 'farm-direct',
    packagings: GREEN_BAGS,
    warehouse: 'farmer',
    sort: 40,
  },
]

const FARM = { name: 'Ферма Иргачеффе (Эфиопия)', kind: 'farmer', show_mode: 'status' as const, low_packagings: 1, sort: 4 }

async function warehouseOfKind(trx: Knex.Transaction, kind: string): Promise<number | null> {
  // The demo catalog's own warehouse of that kind first: warehouses a 1C exchange brought (with an external id) come after.
  const r = await trx('warehouses').where({ kind }).orderByRaw('CASE WHEN external_id IS NULL THEN 0 ELSE 1 END').orderBy([{ column: 'sort' }, { column: 'id' }]).first('id')
  return r ? Number(r.id) : null
}

/**
 * The demo's carts: the price types and the farmer's warehouse the cart types need (with stock of the green coffees
 * there), the four cart types, and two carts of the demo ООО (an office order for a downstream café and bags from the
 * warehouse) so the cart page and the mini-cart have something to show. Runs on an empty catalog too; a second run adds
 * nothing.
 */
export async function seedCarts(c: Container, products: SeededProduct[], companies: { oooId: number }): Promise<void> {
  const now = c.clock.now().getTime()
  await c.db.transaction(async (trx) => {
    const typeIds = new Map<string, number>()
    for (const t of TYPES) {
      const id = (await pricingStore.priceTypeByCode(trx, t.code))?.id ?? (await pricingStore.insertPriceType(trx, { code: t.code, name: t.name, sort: t.sort }))
      typeIds.set(t.code, id)
      const wanted = products.filter(t.has)
      for (let i = 0; i < wanted.length; i += 200) {
        const chunk = wanted.slice(i, i + 200)
        const have = new Set((await trx('prices').where({ price_type_id: id }).whereIn('product_id', chunk.map((p) => p.id)).select('product_id')).map((r: { product_id: number }) => Number(r.product_id)))
        const rows = chunk.filter((p) => !have.has(p.id)).map((p) => ({ price_type_id: id, product_id: p.id, kopecks: discounted(p.listKopecks, t.bp), updated_at: now }))
        if (rows.length) await trx('prices').insert(rows)
      }
    }

    let farm = await warehouseOfKind(trx, 'farmer')
    if (farm === null && products.length) {
      farm = await catalogStore.insertWarehouse(trx, FARM)
      const green = products.filter((p) => p.sku.startsWith('GRN-'))
      await catalogStore.insertStock(trx, green.map((p, i) => ({ warehouse_id: farm!, product_id: p.id, on_hand_milli: (4 + (i % 7)) * 60_000, reserved_milli: 0 })), now)
    }

    const cartTypes = new Map<string, number>()
    for (const t of CART_TYPES) {
      const existing = await store.cartTypeByName(trx, t.name)
      const id =
        existing?.id ??
        (await store.insertCartType(
          trx,
          {
            name: t.name,
            description: t.description,
            price_type_id: t.priceType ? typeIds.get(t.priceType)! : null,
            packaging_names: t.packagings,
            warehouse_id: t.warehouse ? await warehouseOfKind(trx, t.warehouse) : null,
            sort: t.sort,
            is_active: true,
          },
          now,
        ))
      cartTypes.set(t.name, id)
    }

    if (!products.length || (await store.countCarts(trx, companies.oooId)) > 0) return
    const bySku = new Map(products.map((p) => [p.sku, p.id]))
    const points: { id: number }[] = await trx('delivery_points').where({ company_id: companies.oooId }).orderBy('id').select('id')
    /** The packaging of a product by name, for the demo lines. */
    const pack = async (productId: number, name: string) => Number((await trx('packagings').where({ product_id: productId, name }).first('id'))?.id ?? 0) || null
    const office = await store.insertCart(trx, companies.oooId, { name: 'Офис на Садовнической', cart_type_id: cartTypes.get('Кофе в офис')!, client_ref: 'Кафе «Ромашка», заказ на март', payer_company_id: null, point_id: points[0]?.id ?? null }, null, now)
    const lines: [number, string, string, number, string][] = [
      [office, 'BLD-CLASSIC', 'пачка 1 кг', 6_000, 'помол под эспрессо не нужен'],
      [office, 'RST-ETH-IRG-E', 'пачка 1 кг', 3_000, ''],
      [office, 'ACC-SCALE-01', 'шт', 2_000, ''],
      [office, 'TEA-DHP', 'пакет 0,5 кг', 1_000, ''],
      [office, 'ECO-CUP-250-DW-KR', 'шт, кратно 12', 120_000, 'с крышками'],
      [office, 'ECO-LID-80-WH-SP', 'шт, кратно 12', 120_000, ''],
    ]
    const bags = await store.insertCart(trx, companies.oooId, { name: 'Склад: мешки на апрель', cart_type_id: cartTypes.get('Со склада мешками')!, client_ref: '', payer_company_id: null, point_id: points[1]?.id ?? null }, null, now - 60_000)
    const greenSku = products.find((p) => p.sku.startsWith('GRN-ETH'))?.sku ?? products.find((p) => p.sku.startsWith('GRN-'))?.sku
    if (greenSku) lines.push([bags, greenSku, 'мешок 60 кг', 120_000, ''])
    lines.push([bags, 'ECO-CUP-350-DW-WH', 'короб 1 000 шт', 2_000_000, ''])
    for (const [cartId, sku, packName, qty, comment] of lines) {
      const productId = bySku.get(sku)
      if (!productId) continue
      await store.addToLine(trx, cartId, productId, await pack(productId, packName), qty, now, comment)
    }
  })
}
