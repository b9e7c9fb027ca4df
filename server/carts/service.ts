import type { Db } from '../db/knex.js'
import { readVersions, type Versions } from '../db/versions.js'
import { VersionedValue } from '../shared/cache.js'
import type { Clock } from '../shared/clock.js'
import { Forbidden, NotFound, Validation } from '../shared/errors.js'
import { can } from '../companies/rules.js'
import type { MemberCompany } from '../companies/types.js'
import type { PricingService } from '../pricing/service.js'
import type { PricedLine, PriceTypeOverride } from '../pricing/types.js'
import type { PointRow } from '../points/types.js'
import * as catalogStore from '../catalog/store.js'
import { availableMilli, correctQty, normalizeSku, packagingRule } from '../catalog/rules.js'
import { packagingsToMilli } from '../shared/quantity.js'
import * as store from './store.js'
import {
  DEFAULT_CART_NAME,
  MAX_CARTS_PER_COMPANY,
  cartTextErrors,
  choosePackaging,
  copyName,
  optionalId,
  packagingAllowed,
  pickCartType,
  uniqueName,
  type LineEdit,
} from './rules.js'
import { createCartTypesAdmin } from './cart-types.js'
import type { CartLineDetail, CartListRow, CartRow, CartSettingsInput, CartTypeView, NewCartInput } from './types.js'

export type CartsService = ReturnType<typeof createCartsService>

/** A line the catalog, the quick order or the API wants added: base-unit thousandths of a product in a packaging. */
export interface LineRequest {
  productId: number
  packagingId: number | null
  qtyMilli: number
  comment?: string
}

/** A line of the buyer API: a product by id or article, base-unit thousandths; `index` is its position in the request. */
export interface ApiLineRequest {
  index: number
  productId: number | null
  sku: string
  packagingId: number | null
  qtyMilli: number
  comment: string
}

/** Where added lines go: a cart of the company, a new cart of a type (null: a cart without a type), or the current cart. */
export interface CartTarget {
  cartId?: number | null
  newCartTypeId?: number | null
}

/** A priced line of a cart as pages and the API show it. */
export interface CartLineView {
  line: CartLineDetail
  packaging: catalogStore.PackagingRow | null
  price: PricedLine
  /** Available at the cart type's warehouse (on hand − reserved), base-unit thousandths; null when the type has none. */
  availableMilli: number | null
  /** False when the cart's type no longer sells the line's packaging (staff changed the type): checkout will refuse it. */
  packagingAllowed: boolean
}

/** A cart with its lines priced for the company now, under its type's price type. */
export interface CartView {
  cart: CartRow | null
  type: CartTypeView | null
  lines: CartLineView[]
  totalKopecks: number
}

/** The people and places a cart can name: the person's companies that can pay, the company's delivery points. */
export interface CartChoices {
  payers: MemberCompany[]
  points: PointRow[]
}

/** Staff of a cart type's price type read as the label the pricing explanation shows. */
export function overrideOf(type: CartTypeView | null): PriceTypeOverride | null {
  return type?.price_type_id ? { priceTypeId: type.price_type_id, label: `корзина «${type.name}»` } : null
}

/**
 * Named carts of a company. Every company keeps any number of carts, each of a cart type (its own price type, the
 * packagings it sells, the warehouse it ships from) with a downstream client reference, a payer company and a delivery
 * point. The cart used last is the current one: the catalog adds to it by default and the mini-cart prices it. Prices are
 * never stored here: every view asks the pricing engine, with the cart type's price type as the cart's base price.
 */
export function createCartsService(deps: {
  db: Db
  clock: Clock
  pricing: PricingService
  points: { listForCompany(companyId: number): Promise<PointRow[]>; findForCompany(companyId: number, id: number): Promise<PointRow | undefined> }
  companies: { listForUser(userId: number): Promise<MemberCompany[]>; forMember(userId: number, companyId: number): Promise<MemberCompany | undefined> }
}) {
  const { db, clock, pricing, points, companies } = deps
  // Every cart type, for the header of every page: cached with the catalog's data version (`db/versions.ts`).
  const allTypes = new VersionedValue<CartTypeView[]>()
  const now = () => clock.now().getTime()

  function requireOrder(member: MemberCompany): void {
    if (!can(member.role, 'order.place')) throw new Forbidden('Ваша роль в компании не позволяет собирать корзины')
  }

  /** The company's cart or 404; `q` is the caller's transaction when there is one (SQLite has a single connection). */
  async function cartOf(q: Db, member: MemberCompany, cartId: number): Promise<CartRow> {
    const cart = await store.findCart(q, member.id, cartId)
    if (!cart) throw new NotFound('Корзина не найдена')
    return cart
  }

  async function typeOf(q: Db, typeId: number | null): Promise<CartTypeView | null> {
    return typeId === null ? null : (await store.findCartType(q, typeId)) ?? null
  }

  /** Whether the person may name this company as a cart's payer: one of their companies where they may order. */
  function payerRefusal(c: MemberCompany | undefined): string | null {
    if (!c) return 'Выберите плательщика из своих компаний'
    if (!can(c.role, 'order.place')) return `В компании «${c.name_short}» ваша роль не позволяет оформлять заказы`
    if (c.status === 'blocked') return `Компания «${c.name_short}» заблокирована поставщиком и не может быть плательщиком`
    return null
  }

  /**
   * Checks the settings form: the name, the client reference, the payer (one of the person's companies where they may
   * order, asked of the database, never of the form) and the delivery point (one of the company's). Throws `Validation`
   * with every problem at once.
   */
  async function settingsOf(member: MemberCompany, userId: number, input: CartSettingsInput): Promise<Omit<store.CartWrite, 'cart_type_id'>> {
    const errors = cartTextErrors(input)
    const payerId = optionalId(input.payer_company_id)
    const pointId = optionalId(input.point_id)
    if (payerId === undefined) errors.payer_company_id = 'Выберите плательщика из списка'
    else if (payerId !== null) {
      const refusal = payerRefusal(payerId === member.id ? member : await companies.forMember(userId, payerId))
      if (refusal) errors.payer_company_id = refusal
    }
    if (pointId === undefined || (pointId !== null && !(await points.findForCompany(member.id, pointId)))) {
      errors.point_id = 'Выберите точку доставки из списка точек компании'
    }
    if (Object.keys(errors).length) throw new Validation('cart settings', errors)
    return { name: input.name.trim(), client_ref: input.client_ref.trim(), payer_company_id: payerId ?? null, point_id: pointId ?? null }
  }

  /** The active type a new cart gets when none is chosen: the first in the supplier's order, or none when there are none. */
  async function defaultTypeId(q: Db): Promise<number | null> {
    return (await store.listCartTypes(q))[0]?.id ?? null
  }

  /** A new cart of a type, named after it («Транзит», «Транзит 2»…); refuses past the per-company limit. */
  async function createNamed(q: Db, member: MemberCompany, userId: number, typeId: number | null): Promise<CartRow> {
    if ((await store.countCarts(q, member.id)) >= MAX_CARTS_PER_COMPANY) {
      throw new Validation(`У компании уже ${MAX_CARTS_PER_COMPANY} корзин: удалите ненужные`, { cart: `Не больше ${MAX_CARTS_PER_COMPANY} корзин` })
    }
    const type = await typeOf(q, typeId)
    const name = uniqueName(type ? type.name : DEFAULT_CART_NAME, await store.cartNames(q, member.id))
    const id = await store.insertCart(q, member.id, { name, cart_type_id: type?.id ?? null, client_ref: '', payer_company_id: null, point_id: null }, userId, now())
    return (await store.findCart(q, member.id, id))!
  }

  /**
   * The cart lines are added to: the chosen one, a new one of the chosen type, or the current one. The first cart of a
   * company is made of the type that sells the lines' packagings (`pickCartType`); `packNames` holds them per line.
   */
  async function targetOf(q: Db, member: MemberCompany, userId: number, t: CartTarget, packNames: string[][]): Promise<CartRow> {
    if (t.cartId) return cartOf(q, member, t.cartId)
    if (t.newCartTypeId !== undefined) {
      if (t.newCartTypeId !== null && !(await store.findCartType(q, t.newCartTypeId))?.is_active) throw new NotFound('Такого типа корзины нет')
      return createNamed(q, member, userId, t.newCartTypeId)
    }
    return (await store.lastUsedCart(q, member.id)) ?? createNamed(q, member, userId, pickCartType(await store.listCartTypes(q), packNames))
  }

  /** Lines of a cart priced for the company under the cart type's price type, with stock at the type's warehouse. */
  async function priced(member: MemberCompany, cart: CartRow, type: CartTypeView | null): Promise<CartView> {
    const lines = await store.lineDetails(db, cart.id)
    const productIds = [...new Set(lines.map((l) => l.product_id))]
    const [packs, stock, prices] = await Promise.all([
      catalogStore.packagingsOf(db, productIds),
      type?.warehouse_id ? catalogStore.stockOf(db, productIds) : Promise.resolve([]),
      pricing.priceLines(member.id, lines.map((l) => ({ productId: l.product_id, qtyMilli: l.qty_milli })), undefined, { priceTypeOverride: overrideOf(type) }),
    ])
    const packById = new Map(packs.map((p) => [p.id, p]))
    const availableOf = new Map(stock.filter((s) => s.warehouse_id === type?.warehouse_id).map((s) => [s.product_id, availableMilli(s.on_hand_milli, s.reserved_milli)]))
    return {
      cart,
      type,
      lines: lines.map((line, i) => {
        const packaging = line.packaging_id === null ? null : packById.get(line.packaging_id) ?? null
        return {
          line,
          packaging,
          price: prices.lines[i]!,
          availableMilli: type?.warehouse_id ? availableOf.get(line.product_id) ?? 0 : null,
          packagingAllowed: packagingAllowed(type?.packaging_names ?? null, packaging?.name ?? '') || (!packaging && !type?.packaging_names),
        }
      }),
      totalKopecks: prices.totalKopecks,
    }
  }

  /**
   * Adds lines in one transaction to the target cart (see `CartTarget`), correcting each quantity to the packaging's
   * minimum and step and checking the packaging against the cart's type. Returns the cart, how many lines went in, the
   * corrections and the refusals (with the reason), all in Russian.
   */
  async function addLines(member: MemberCompany, userId: number, lines: LineRequest[], target: CartTarget = {}) {
    requireOrder(member)
    const wanted = lines.filter((l) => l.qtyMilli > 0)
    const products = new Map((await catalogStore.productsByIds(db, wanted.map((l) => l.productId))).map((p) => [p.id, p]))
    const packagings = await catalogStore.packagingsOf(db, [...products.keys()])
    const notes: string[] = []
    const refused: string[] = []
    let added = 0
    const packNames = wanted.map((l) => packagings.filter((p) => p.product_id === l.productId && (l.packagingId === null || p.id === l.packagingId)).map((p) => p.name))
    const cart = await db.transaction(async (trx) => {
      const cart = await targetOf(trx, member, userId, target, packNames)
      const type = await typeOf(trx, cart.cart_type_id)
      for (const l of wanted) {
        const product = products.get(l.productId)
        if (!product || !product.is_active) {
          refused.push(product ? `${product.sku}: товар больше не продаётся` : 'Товар больше не продаётся')
          continue
        }
        const own = packagings.filter((p) => p.product_id === product.id)
        const { packaging, error } = choosePackaging(own, l.packagingId, type?.packaging_names ?? null, type?.name ?? '')
        if (error) {
          refused.push(`${product.sku}: ${error}`)
          continue
        }
        const { qtyMilli, note } = correctQty(l.qtyMilli, packagingRule(packaging), product.base_unit)
        if (note) notes.push(`${product.sku}: ${note}`)
        await store.addToLine(trx, cart.id, product.id, packaging?.id ?? null, qtyMilli, now(), (l.comment ?? '').trim().slice(0, 500))
        added++
      }
      await store.touchCart(trx, cart.id, now())
      return cart
    })
    return { cartId: cart.id, cartName: cart.name, added, notes, refused }
  }

  /**
   * Saves the quantities (in packagings, corrected to minimum and step; zero removes the line) and comments typed on the
   * cart page, in one transaction. Lines of other carts are ignored. Returns the corrections.
   */
  async function saveLines(member: MemberCompany, cartId: number, edits: LineEdit[]): Promise<string[]> {
    requireOrder(member)
    const cart = await cartOf(db, member, cartId)
    const lines = new Map((await store.listLines(db, cart.id)).map((l) => [l.id, l]))
    const mine = edits.filter((e) => lines.has(e.lineId) && !e.error)
    const productIds = [...new Set(mine.map((e) => lines.get(e.lineId)!.product_id))]
    const [products, packs] = await Promise.all([catalogStore.productsByIds(db, productIds), catalogStore.packagingsOf(db, productIds)])
    const productOf = new Map(products.map((p) => [p.id, p]))
    const packOf = new Map(packs.map((p) => [p.id, p]))
    const notes: string[] = []
    await db.transaction(async (trx) => {
      for (const e of mine) {
        const line = lines.get(e.lineId)!
        if (e.countMilli === 0) {
          await store.deleteLine(trx, cart.id, line.id)
          continue
        }
        const patch: { qty_milli?: number; comment?: string } = {}
        if (e.countMilli !== null) {
          const product = productOf.get(line.product_id)!
          const packaging = line.packaging_id === null ? undefined : packOf.get(line.packaging_id)
          const wantedMilli = packaging ? packagingsToMilli(e.countMilli, packaging.factor_milli) : e.countMilli
          const { qtyMilli, note } = correctQty(wantedMilli, packagingRule(packaging), product.base_unit)
          if (note) notes.push(`${product.sku}: ${note}`)
          if (qtyMilli !== line.qty_milli) patch.qty_milli = qtyMilli
        }
        if (e.comment !== line.comment) patch.comment = e.comment
        if (Object.keys(patch).length) await store.updateLine(trx, cart.id, line.id, patch, now())
      }
      await store.touchCart(trx, cart.id, now())
    })
    return notes
  }

  async function viewOf(member: MemberCompany, cartId: number | null, markUsed: boolean): Promise<CartView> {
    const cart = cartId ? await cartOf(db, member, cartId) : await store.lastUsedCart(db, member.id)
    if (!cart) return { cart: null, type: null, lines: [], totalKopecks: 0 }
    if (markUsed) await store.markUsed(db, cart.id, now())
    return priced(member, cart, await typeOf(db, cart.cart_type_id))
  }

  async function choicesOf(member: MemberCompany, userId: number): Promise<CartChoices> {
    const [mine, pts] = await Promise.all([companies.listForUser(userId), points.listForCompany(member.id)])
    return { payers: mine.filter((c) => payerRefusal(c) === null), points: pts }
  }

  return {
    /** Staff settings of cart types (`/admin/cart-types`). */
    typesAdmin: createCartTypesAdmin({ db, clock }),

    /** Cart types in the supplier's order: the active ones, or every one with `all`. */
    types: (o: { all?: boolean } = {}) => store.listCartTypes(db, o),

    /**
     * What the cart page shows: the chosen cart (by id, or the latest of a type, or the current one) priced, every cart of
     * the company, every cart type, and the payers and points its settings form offers. A type without carts opens empty.
     */
    async page(member: MemberCompany, userId: number, sel: { cartId?: number; typeId?: number | null; markUsed?: boolean } = {}) {
      let cartId = sel.cartId ?? null
      if (!cartId && sel.typeId !== undefined) cartId = (await store.lastUsedCart(db, member.id, { typeId: sel.typeId }))?.id ?? null
      const view: CartView =
        cartId || sel.typeId === undefined ? await viewOf(member, cartId, !!sel.markUsed || sel.typeId !== undefined) : { cart: null, type: null, lines: [], totalKopecks: 0 }
      const [carts, types, choices] = await Promise.all([store.listCarts(db, member.id), store.listCartTypes(db, { all: true }), choicesOf(member, userId)])
      return { view, carts, types, choices, canEdit: can(member.role, 'order.place') }
    },

    /** The company's carts with their number of lines and their type. */
    list: (member: MemberCompany): Promise<CartListRow[]> => store.listCarts(db, member.id),

    /** The company's cart (404 for a cart of another company). */
    get: (member: MemberCompany, cartId: number) => cartOf(db, member, cartId),

    /** The person's companies that can pay for a cart and the company's delivery points, for the settings form. */
    choices: choicesOf,

    addLines,

    /**
     * Adds lines given as a number of packagings (what the catalog form sends); the packaging's factor turns it into
     * base-unit thousandths, then `addLines` corrects to minimum and step.
     */
    async addCounts(member: MemberCompany, userId: number, lines: { productId: number; packagingId: number | null; countMilli: number }[], target: CartTarget = {}) {
      const packs = new Map((await catalogStore.packagingsOf(db, lines.map((l) => l.productId))).map((p) => [p.id, p]))
      return addLines(
        member,
        userId,
        lines.map((l) => {
          const p = l.packagingId === null ? undefined : packs.get(l.packagingId)
          return { productId: l.productId, packagingId: l.packagingId, qtyMilli: p && p.product_id === l.productId ? packagingsToMilli(l.countMilli, p.factor_milli) : l.countMilli }
        }),
        target,
      )
    },

    /**
     * Adds the buyer API's lines to one of the company's carts: articles are looked up (case, spaces and dashes do not
     * matter), then `addLines` corrects and checks each line. Unknown articles are refused by their position.
     */
    async addApiLines(member: MemberCompany, userId: number, cartId: number, lines: ApiLineRequest[]) {
      const norms = lines.filter((l) => !l.productId).map((l) => normalizeSku(l.sku))
      const ids = norms.length ? await catalogStore.idsBySkuNorm(db, norms) : new Map<string, number>()
      const refused: string[] = []
      const known: LineRequest[] = []
      for (const l of lines) {
        const productId = l.productId ?? ids.get(normalizeSku(l.sku))
        if (!productId) refused.push(`Строка ${l.index}: нет товара с артикулом «${l.sku}»`)
        else known.push({ productId, packagingId: l.packagingId, qtyMilli: l.qtyMilli, comment: l.comment })
      }
      const result = await addLines(member, userId, known, { cartId })
      return { ...result, refused: [...refused, ...result.refused] }
    },

    /**
     * A cart with every line priced for the company now: the given one (404 when it is not the company's), else the
     * current one; `cart` is null when the company has no cart yet. `markUsed` makes it the current cart.
     */
    async view(member: MemberCompany, cartId?: number | null, o: { markUsed?: boolean } = {}): Promise<CartView> {
      return viewOf(member, cartId ?? null, !!o.markUsed)
    },

    /** The latest cart of a type (null: carts without a type), or undefined when the company has none of it. */
    lastOfType: (member: MemberCompany, typeId: number | null) => store.lastUsedCart(db, member.id, { typeId }),

    /** Creates a named cart of an active type ('' in the form: the default type); returns its id. Throws `Validation`. */
    async create(member: MemberCompany, userId: number, input: NewCartInput): Promise<number> {
      requireOrder(member)
      const typeId = optionalId(input.cart_type_id)
      const type = typeId ? await store.findCartType(db, typeId) : undefined
      let errors: Record<string, string> = {}
      let settings: Awaited<ReturnType<typeof settingsOf>> | null = null
      try {
        settings = await settingsOf(member, userId, input)
      } catch (e) {
        if (!(e instanceof Validation)) throw e
        errors = { ...e.fields }
      }
      if (typeId === undefined || (typeId !== null && !type?.is_active)) errors.cart_type_id = 'Выберите тип корзины из списка'
      if ((await store.countCarts(db, member.id)) >= MAX_CARTS_PER_COMPANY) errors.name = `У компании уже ${MAX_CARTS_PER_COMPANY} корзин: удалите ненужные`
      if (Object.keys(errors).length || !settings) throw new Validation('new cart', errors)
      const cartTypeId = typeId === null ? await defaultTypeId(db) : typeId!
      return store.insertCart(db, member.id, { ...settings, cart_type_id: cartTypeId }, userId, now())
    },

    /** Renames a cart and sets its client reference, payer and delivery point. Throws `Validation` or `NotFound`. */
    async updateSettings(member: MemberCompany, userId: number, cartId: number, input: CartSettingsInput): Promise<void> {
      requireOrder(member)
      await cartOf(db, member, cartId)
      await store.updateCart(db, member.id, cartId, await settingsOf(member, userId, input), now())
    },

    /** A copy of a cart with every line, named «… (копия)»; returns the new cart's id. */
    async copy(member: MemberCompany, userId: number, cartId: number): Promise<number> {
      requireOrder(member)
      return db.transaction(async (trx) => {
        const cart = await cartOf(trx, member, cartId)
        if ((await store.countCarts(trx, member.id)) >= MAX_CARTS_PER_COMPANY) throw new Validation(`У компании уже ${MAX_CARTS_PER_COMPANY} корзин: удалите ненужные`)
        const name = copyName(cart.name, await store.cartNames(trx, member.id))
        const id = await store.insertCart(trx, member.id, { name, cart_type_id: cart.cart_type_id, client_ref: cart.client_ref, payer_company_id: cart.payer_company_id, point_id: cart.point_id }, userId, now())
        for (const l of await store.listLines(trx, cart.id)) await store.addToLine(trx, id, l.product_id, l.packaging_id, l.qty_milli, now(), l.comment)
        return id
      })
    },

    /** Removes every line of a cart; returns how many went. */
    async clear(member: MemberCompany, cartId: number): Promise<number> {
      requireOrder(member)
      await cartOf(db, member, cartId)
      const n = await store.clearLines(db, cartId)
      await store.touchCart(db, cartId, now())
      return n
    },

    /** Deletes a cart with its lines; returns its name. */
    async remove(member: MemberCompany, cartId: number): Promise<string> {
      requireOrder(member)
      const cart = await cartOf(db, member, cartId)
      await store.deleteCart(db, member.id, cartId)
      return cart.name
    },

    saveLines,

    /**
     * Moves or copies the chosen lines to another cart of the company. A line merges into the target's line of the same
     * product and packaging (quantities add up, comments join). A packaging the target's type does not sell stays where
     * it is, with the reason. Returns how many lines went and the refusals.
     */
    async transfer(member: MemberCompany, fromCartId: number, lineIds: number[], toCartId: number, mode: 'move' | 'copy') {
      requireOrder(member)
      return db.transaction(async (trx) => {
        const from = await cartOf(trx, member, fromCartId)
        const to = await cartOf(trx, member, toCartId)
        if (from.id === to.id) throw new Validation('same cart', { to_cart: 'Выберите другую корзину' })
        const toType = await typeOf(trx, to.cart_type_id)
        const wanted = new Set(lineIds)
        const lines = (await store.listLines(trx, from.id)).filter((l) => wanted.has(l.id))
        const productIds = [...new Set(lines.map((l) => l.product_id))]
        const skuOf = new Map((await catalogStore.productsByIds(trx, productIds)).map((p) => [p.id, p.sku]))
        const packOf = new Map((await catalogStore.packagingsOf(trx, productIds)).map((p) => [p.id, p]))
        const refused: string[] = []
        let done = 0
        for (const l of lines) {
          const pack = l.packaging_id === null ? null : packOf.get(l.packaging_id) ?? null
          const allowed = toType?.packaging_names ?? null
          if (pack ? !packagingAllowed(allowed, pack.name) : allowed !== null) {
            refused.push(`${skuOf.get(l.product_id) ?? ''}: упаковка «${pack?.name ?? 'без упаковки'}» не продаётся в корзине «${to.name}»${toType ? ` (тип «${toType.name}»)` : ''}`)
            continue
          }
          await store.addToLine(trx, to.id, l.product_id, l.packaging_id, l.qty_milli, now(), l.comment)
          if (mode === 'move') await store.deleteLine(trx, from.id, l.id)
          done++
        }
        await store.touchCart(trx, from.id, now())
        if (done) await store.touchCart(trx, to.id, now())
        return { done, refused, toName: to.name }
      })
    },

    /**
     * Sets a line's quantity from the number of packagings typed, corrected to the packaging's minimum and step; zero
     * removes the line. Returns the line's cart and the correction note, if any.
     */
    async setCount(member: MemberCompany, lineId: number, countMilli: number): Promise<{ cartId: number; note: string | null }> {
      requireOrder(member)
      const line = await store.findLineOfCompany(db, member.id, lineId)
      if (!line) throw new NotFound('Строки нет в корзине')
      const notes = await saveLines(member, line.cart_id, [{ lineId, text: '', countMilli, comment: line.comment, error: null }])
      return { cartId: line.cart_id, note: notes[0] ?? null }
    },

    /** Removes one line of one of the company's carts; returns its cart. */
    async removeLine(member: MemberCompany, lineId: number): Promise<number> {
      requireOrder(member)
      const line = await store.findLineOfCompany(db, member.id, lineId)
      if (!line || !(await store.deleteLine(db, line.cart_id, lineId))) throw new NotFound('Строки нет в корзине')
      return line.cart_id
    },

    /**
     * The mini-cart of the header: every cart with its lines counted per top-level category (one grouped query), and the
     * current cart's money per category (its lines priced, no other cart's). Empty carts cost nothing beyond the list.
     * `versions`: the data versions the request already read, if any.
     */
    async mini(member: MemberCompany, versions?: Versions) {
      const v = versions ?? (await readVersions(db))
      const [carts, types] = await Promise.all([store.listCarts(db, member.id), allTypes.get(v.catalog, () => store.listCartTypes(db, { all: true }))])
      const current = carts.reduce<CartListRow | null>((best, c) => (!best || c.last_used_at > best.last_used_at || (c.last_used_at === best.last_used_at && c.id > best.id) ? c : best), null)
      if (!carts.some((c) => c.positions > 0)) return { carts, current, types, counts: [], lines: [], prices: null }
      const type = types.find((t) => t.id === current?.cart_type_id) ?? null
      const [counts, lines] = await Promise.all([store.categoryCounts(db, member.id), current && current.positions > 0 ? store.lineDetails(db, current.id) : Promise.resolve([])])
      const prices = lines.length
        ? await pricing.priceLines(member.id, lines.map((l) => ({ productId: l.product_id, qtyMilli: l.qty_milli })), v, { priceTypeOverride: overrideOf(type) })
        : null
      return { carts, current, types, counts, lines, prices }
    },
  }
}
