import type { Container } from '../../main.js'
import type { SeededProduct } from './catalog.js'
import { recipesOf, setRecipe } from '../../stock/store.js'

/** Green coffee lost in roasting: 1 kg of roasted coffee takes 1,25 kg of green beans (20 % loss). */
const ROAST_LOSS_MILLI = 1250

/**
 * Recipes of the demo catalog: every roasted coffee (RST-…) is made from its own green coffee (GRN-… of the same origin)
 * at 20 % roasting loss, and every espresso blend (BLD-…) from two green lots, 60 % and 40 % of the roasted weight. Their
 * availability in the catalog and carts is then derived from the green stock, and an order reserves the green beans. A
 * second run changes nothing.
 */
export async function seedBlends(c: Container, products: SeededProduct[]): Promise<void> {
  const green = products.filter((p) => p.sku.startsWith('GRN-') && p.sku !== 'GRN-ETH-OLD-2023')
  if (!green.length) return
  const done = await recipesOf(c.db, products.map((p) => p.id))
  await c.db.transaction(async (trx) => {
    for (const p of products) {
      if (done.has(p.id)) continue
      if (p.sku.startsWith('RST-')) {
        const origin = p.sku.split('-').slice(1, 3).join('-')
        const lot = green.find((g) => g.sku.startsWith(`GRN-${origin}`))
        if (lot) await setRecipe(trx, p.id, [{ componentId: lot.id, perUnitMilli: ROAST_LOSS_MILLI }])
      } else if (p.sku.startsWith('BLD-')) {
        const i = products.indexOf(p)
        const a = green[i % green.length]!
        const b = green[(i * 7 + 3) % green.length]!
        if (a.id === b.id) await setRecipe(trx, p.id, [{ componentId: a.id, perUnitMilli: ROAST_LOSS_MILLI }])
        else await setRecipe(trx, p.id, [{ componentId: a.id, perUnitMilli: 750 }, { componentId: b.id, perUnitMilli: 500 }])
      }
    }
  })
}
