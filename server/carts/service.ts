import type { Db } from '../db/knex.js'
import type { Clock } from '../shared/clock.js'
import { Forbidden, NotFound } from '../shared/errors.js'
import { can } from '../companies/rules.js'
import type { MemberCompany } from '../companies/types.js'
import type { PricingService } from '../pricing/service.js'
import * as catalogStore from '../catalog/store.js'
import { correctQty, formatQty, packagingRule } from '../catalog/rules.js'
import * as store from './store.js'
import { packagingsToMilli } from '../shared/quantity.js'

export type CartsService = ReturnType<typeof createCartsService>

/** A line the catalog or the cart page wants added or changed. */
export interface LineRequest {
  productId: number
  packagingId: number | null
  qtyMilli: number
}

/**
 * The company's cart. This first version keeps one cart per company («Основная корзина»); named carts, cart types and
 * checkout build on it. Prices are never stored here: every view asks the pricing engine.
 */
export function createCartsService(deps: { db: Db; clock: Clock; pricing: PricingService }) {
  const { db, clock, pricing } = deps
  const now = () => clock.now().getTime()

  /** The company's cart, created on first use; `q` is the caller's transaction (SQLite has a single connection). */
  async function ensureCart(q: Db, companyId: number, userId: number): Promise<store.CartRow> {
    const cart = await store.firstCart(q, companyId)
    if (cart) return cart
    await store.insertCart(q, companyId, 'Основная корзина', userId, now())
    return (await store.firstCart(q, companyId))!
  }

  return {
    /**
     * Adds lines to the company's cart in one transaction, correcting each quantity to the packaging's minimum and step.
     * Returns the corrections (shown to the buyer) and the lines that could not be added with the reason.
     */
    async addLines(member: MemberCompany, userId: number, lines: LineRequest[]) {
      if (!can(member.role, 'order.place')) throw new Forbidden('Ваша роль в компании не позволяет собирать корзину')
      const wanted = lines.filter((l) => l.qtyMilli > 0)
      const products = new Map((await catalogStore.productsByIds(db, wanted.map((l) => l.productId))).map((p) => [p.id, p]))
      const packagings = await catalogStore.packagingsOf(db, [...products.keys()])
      const notes: string[] = []
      const refused: string[] = []
      let added = 0
      await db.transaction(async (trx) => {
        const cart = await ensureCart(trx, member.id, userId)
        for (const l of wanted) {
          const product = products.get(l.productId)
          if (!product || !product.is_active) {
            refused.push('Товар больше не продаётся')
            continue
          }
          const own = packagings.filter((p) => p.product_id === product.id)
          const packaging = l.packagingId === null ? own[0] ?? null : own.find((p) => p.id === l.packagingId)
          if (l.packagingId !== null && !packaging) {
            refused.push(`${product.sku}: такой упаковки у товара нет`)
            continue
          }
          const { qtyMilli, note } = correctQty(l.qtyMilli, packagingRule(packaging), product.base_unit)
          if (note) notes.push(`${product.sku}: ${note}`)
          await store.addToLine(trx, cart.id, product.id, packaging?.id ?? null, qtyMilli, now())
          added++
        }
        await store.touchCart(trx, cart.id, now())
      })
      return { added, notes, refused }
    },

    /**
     * Adds lines given as a number of packagings (what the catalog form sends); the packaging's factor turns it into
     * base-unit thousandths, then `addLines` corrects to minimum and step.
     */
    async addCounts(member: MemberCompany, userId: number, lines: { productId: number; packagingId: number | null; countMilli: number }[]) {
      const packs = new Map((await catalogStore.packagingsOf(db, lines.map((l) => l.productId))).map((p) => [p.id, p]))
      return this.addLines(
        member,
        userId,
        lines.map((l) => {
          const p = l.packagingId === null ? undefined : packs.get(l.packagingId)
          return { productId: l.productId, packagingId: l.packagingId, qtyMilli: p && p.product_id === l.productId ? packagingsToMilli(l.countMilli, p.factor_milli) : l.countMilli }
        }),
      )
    },

    /** The cart with every line priced for the company now. */
    async view(member: MemberCompany) {
      const cart = await store.firstCart(db, member.id)
      if (!cart) return { cart: null, lines: [], totalKopecks: 0 }
      const lines = await store.listLines(db, cart.id)
      const products = new Map((await catalogStore.productsByIds(db, lines.map((l) => l.product_id))).map((p) => [p.id, p]))
      const packagings = new Map((await catalogStore.packagingsOf(db, [...products.keys()])).map((p) => [p.id, p]))
      const priced = await pricing.priceLines(member.id, lines.map((l) => ({ productId: l.product_id, qtyMilli: l.qty_milli })))
      return {
        cart,
        lines: lines.map((l, i) => {
          const product = products.get(l.product_id)!
          const packaging = l.packaging_id ? packagings.get(l.packaging_id) ?? null : null
          return { line: l, product, packaging, price: priced.lines[i]!, qtyText: formatQty(l.qty_milli, product.base_unit) }
        }),
        totalKopecks: priced.totalKopecks,
      }
    },

    /**
     * Sets a line's quantity from the number of packagings typed on the cart page, corrected to the packaging's minimum
     * and step; zero removes the line. Returns the correction note, if any.
     */
    async setCount(member: MemberCompany, lineId: number, countMilli: number): Promise<string | null> {
      if (!can(member.role, 'order.place')) throw new Forbidden()
      const cart = await store.firstCart(db, member.id)
      const line = cart && (await store.listLines(db, cart.id)).find((l) => l.id === lineId)
      if (!cart || !line) throw new NotFound('Строки нет в корзине')
      if (countMilli <= 0) {
        await store.deleteLine(db, cart.id, lineId)
        return null
      }
      const [product] = await catalogStore.productsByIds(db, [line.product_id])
      const packaging = (await catalogStore.packagingsOf(db, [line.product_id])).find((p) => p.id === line.packaging_id)
      const wanted = packaging ? packagingsToMilli(countMilli, packaging.factor_milli) : countMilli
      const { qtyMilli, note } = correctQty(wanted, packagingRule(packaging), product!.base_unit)
      await store.setLineQty(db, cart.id, lineId, qtyMilli, now())
      return note && `${product!.sku}: ${note}`
    },

    async removeLine(member: MemberCompany, lineId: number): Promise<void> {
      if (!can(member.role, 'order.place')) throw new Forbidden()
      const cart = await store.firstCart(db, member.id)
      if (!cart || !(await store.deleteLine(db, cart.id, lineId))) throw new NotFound()
    },
  }
}
