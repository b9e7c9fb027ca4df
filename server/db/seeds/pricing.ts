import type { Knex } from 'knex'
import type { Container } from '../../main.js'
import type { SeededProduct } from './catalog.js'
import { discounted } from '../../shared/money.js'
import * as store from '../../pricing/store.js'
import type { RuleWrite } from '../../pricing/store.js'

/**
 * A price type of the demo: its discount off the list price, and which products have a price in it (a type without a
 * price for a product does not apply to it, which the demo shows with «Кофе в офис» and the EcoCups tiers).
 */
interface DemoType {
  code: string
  name: string
  sort: number
  bp: number
  has: (p: SeededProduct) => boolean
}

const isEcoCup = (p: SeededProduct) => p.sku.toUpperCase().startsWith('ECO-CUP')

const TYPES: DemoType[] = [
  { code: 'wholesale', name: 'Оптовая', sort: 10, bp: 0, has: () => true },
  { code: 'large-wholesale', name: 'Крупный опт', sort: 20, bp: 700, has: () => true },
  { code: 'dealer', name: 'Дилер', sort: 30, bp: 1_200, has: () => true },
  { code: 'office-coffee', name: 'Кофе в офис', sort: 40, bp: 500, has: (p) => p.category === 'Кофе' || p.category === 'Чай' },
  { code: 'ecocups-36', name: 'EcoCups от 36 шт', sort: 50, bp: 500, has: isEcoCup },
  { code: 'ecocups-108', name: 'EcoCups от 108 шт', sort: 51, bp: 1_000, has: isEcoCup },
  { code: 'ecocups-252', name: 'EcoCups от 252 шт', sort: 52, bp: 1_500, has: isEcoCup },
]

const rub = (r: number) => r * 100

/** The id of a price type by code, created when missing; the supplier default stays the one already chosen, if any. */
async function ensureType(trx: Knex.Transaction, t: DemoType, hasDefault: boolean): Promise<number> {
  const existing = await store.priceTypeByCode(trx, t.code)
  if (existing) return existing.id
  return store.insertPriceType(trx, { code: t.code, name: t.name, sort: t.sort, is_default: t.code === 'wholesale' && !hasDefault })
}

/** Top-level categories by name («Кофе», «Чай», …), for category rules; empty before the catalog seed has run. */
async function topCategories(trx: Knex.Transaction): Promise<Map<string, number>> {
  const rows: { id: number; name: string }[] = await trx('categories').whereNull('parent_id').select('id', 'name')
  return new Map(rows.map((r) => [r.name, Number(r.id)]))
}

/**
 * The EcoCups tiers: one category rule per tier when the cups have a category of their own (then cups of different sizes
 * add up to a tier), otherwise one rule per cup and tier.
 */
async function ecoCupRules(trx: Knex.Transaction, cups: SeededProduct[], tiers: { pcs: number; typeId: number }[]): Promise<RuleWrite[]> {
  if (!cups.length) return []
  const rows: { id: number; category_id: number | null }[] = await trx('products').whereIn('id', cups.map((p) => p.id)).select('id', 'category_id')
  const cats = [...new Set(rows.map((r) => r.category_id))]
  const only = cats.length === 1 && cats[0] !== null ? Number(cats[0]) : null
  // The category is the cups' own when nothing else lives in it (a withdrawn cup may, it is a cup all the same).
  const [{ n }] = only === null ? [{ n: -1 }] : await trx('products').where({ category_id: only }).whereNot('sku_norm', 'like', 'ECOCUP%').count({ n: '*' })
  const rule = (tier: { pcs: number; typeId: number }, scope: { product_id: number | null; category_id: number | null }): RuleWrite => ({
    name: 'EcoCups', kind: 'qty_tier', ...scope, group_id: null, threshold: tier.pcs * 1000, unit: 'шт', price_type_id: tier.typeId, discount_bp: 0,
  })
  if (only !== null && Number(n) === 0) return tiers.map((t) => rule(t, { product_id: null, category_id: only }))
  return cups.flatMap((p) => tiers.map((t) => rule(t, { product_id: p.id, category_id: null })))
}

/**
 * The demo pricing: seven price types with prices derived from the list price, three client groups, the EcoCups tiers from
 * 36 / 108 / 252 pcs, an order-sum tier, three turnover segments, a positions rule, a coffee tier in kilograms, a tea
 * discount, and the terms of the demo ООО (a group and a personal discount) and ИП (a pinned EcoCups tier). It runs on an
 * empty catalog too: the rules that need products or categories are then left out. Running it again adds only what is
 * missing.
 */
export async function seedPricing(c: Container, products: SeededProduct[], companies: { oooId: number; ipId: number }): Promise<void> {
  const now = c.clock.now().getTime()
  await c.db.transaction(async (trx) => {
    const hasDefault = (await store.listPriceTypes(trx)).some((t) => t.is_default)
    const typeIds = new Map<string, number>()
    for (const t of TYPES) typeIds.set(t.code, await ensureType(trx, t, hasDefault))
    const id = (code: string) => typeIds.get(code)!

    for (const t of TYPES) {
      const wanted = products.filter(t.has)
      for (let i = 0; i < wanted.length; i += 200) {
        const chunk = wanted.slice(i, i + 200)
        const existing = new Set(
          (await trx('prices').where({ price_type_id: id(t.code) }).whereIn('product_id', chunk.map((p) => p.id)).select('product_id')).map((r: { product_id: number }) => Number(r.product_id)),
        )
        const rows = chunk.filter((p) => !existing.has(p.id)).map((p) => ({ price_type_id: id(t.code), product_id: p.id, kopecks: discounted(p.listKopecks, t.bp), updated_at: now }))
        if (rows.length) await trx('prices').insert(rows)
      }
    }

    const groups = new Map<string, number>()
    for (const [name, code] of [['Дилеры', 'dealer'], ['Кофейни', 'office-coffee'], ['Крупный опт', 'large-wholesale']] as const) {
      groups.set(name, (await store.groupByName(trx, name))?.id ?? (await store.insertGroup(trx, { name, default_price_type_id: id(code) })))
    }

    const cats = await topCategories(trx)
    const all = { product_id: null, category_id: null, group_id: null, threshold: 0, unit: '', price_type_id: null, discount_bp: 0 }
    const rules: RuleWrite[] = [
      ...(await ecoCupRules(trx, products.filter(isEcoCup), [
        { pcs: 36, typeId: id('ecocups-36') },
        { pcs: 108, typeId: id('ecocups-108') },
        { pcs: 252, typeId: id('ecocups-252') },
      ])),
      { ...all, name: 'Большой заказ', kind: 'sum_tier', threshold: rub(100_000), discount_bp: 300 },
      { ...all, name: 'Сегмент «до 500 000 ₽»', kind: 'turnover', threshold: 0, price_type_id: id('wholesale') },
      { ...all, name: 'Сегмент «до 1 000 000 ₽»', kind: 'turnover', threshold: rub(500_000), price_type_id: id('large-wholesale') },
      { ...all, name: 'Сегмент «от 1 000 000 ₽»', kind: 'turnover', threshold: rub(1_000_000), price_type_id: id('dealer') },
      { ...all, name: 'Широкий заказ', kind: 'positions', threshold: 15, discount_bp: 200, group_id: groups.get('Кофейни')! },
    ]
    const coffee = cats.get('Кофе')
    if (coffee) rules.push({ ...all, name: 'Кофе мешками', kind: 'qty_tier', category_id: coffee, threshold: 30_000, unit: 'кг', price_type_id: id('large-wholesale') })
    const tea = cats.get('Чай')
    if (tea) rules.push({ ...all, name: 'Неделя чая', kind: 'category_discount', category_id: tea, discount_bp: 500 })
    for (const r of rules) if (!(await store.sameRuleExists(trx, r))) await store.insertRule(trx, r, now)

    await store.setCompanyGroups(trx, companies.oooId, [groups.get('Кофейни')!])
    await store.saveTerms(trx, companies.oooId, { pinned_price_type_id: null, discount_bp: 200, turnover_12m_kopecks: rub(640_000) }, now)
    await store.saveTerms(trx, companies.ipId, { pinned_price_type_id: id('ecocups-36'), discount_bp: 0, turnover_12m_kopecks: rub(180_000) }, now)
  })
}
