import { formatRub, lineKopecks } from '../shared/money.js'
import { formatQty, milliText, stockLevel, stockText, WAREHOUSE_KINDS } from '../catalog/rules.js'
import { productUrl } from '../catalog/present.js'
import type { PricedCart } from '../pricing/types.js'
import type { CartChoices, CartLineView, CartView, CartsService } from './service.js'
import { allowedText, groupByCategory, NO_CATEGORY, positionsWord, type LineEdit } from './rules.js'
import type { CartCategoryCount, CartLineDetail, CartListRow, CartRow, CartSettingsInput, CartTypeView, NewCartInput } from './types.js'

/** The tab key of a type: its id, or 'none' for carts without a type. */
const keyOf = (typeId: number | null) => (typeId === null ? 'none' : String(typeId))
/** The name a cart without a type goes under. */
const UNTYPED = 'Обычная'

export const cartUrl = (id: number) => `/carts/${id}`

/** What a cart type promises, in one line: its price type, the packagings it sells and its warehouse. */
export function typeNote(t: CartTypeView | null): string {
  if (!t) return 'ваши обычные цены, любые упаковки'
  const parts = [
    t.price_type_name ? `цены «${t.price_type_name}»` : 'ваши обычные цены',
    t.packaging_names ? `упаковки: ${allowedText(t.packaging_names)}` : 'любые упаковки',
  ]
  if (t.warehouse_name) parts.push(`склад «${t.warehouse_name}»${t.warehouse_kind === 'transit' ? ' (в пути)' : ''}`)
  return parts.join(' · ')
}

/** The cart tabs: one per type (active ones, and switched-off ones that still have carts), then the untyped carts. */
function typeTabs(types: CartTypeView[], carts: CartListRow[], currentKey: string | null) {
  const count = (typeId: number | null) => carts.filter((c) => c.cart_type_id === typeId).length
  const shown = types.filter((t) => t.is_active || count(t.id) > 0)
  const tabs = shown.map((t) => ({ key: keyOf(t.id), id: t.id, name: t.name, inactive: !t.is_active, carts: count(t.id) }))
  if (count(null) > 0 || !shown.some((t) => t.is_active)) tabs.push({ key: 'none', id: null as unknown as number, name: UNTYPED, inactive: false, carts: count(null) })
  return tabs.map((t) => ({ ...t, url: `/cart?type=${t.key}`, current: t.key === currentKey }))
}

/** Packagings in the count the buyer types («2», «1,5»). */
function countText(line: CartLineDetail, factorMilli: number | null): string {
  return milliText(factorMilli ? Math.round((line.qty_milli * 1000) / factorMilli) : line.qty_milli)
}

/** Stock at the cart type's warehouse, as the catalog shows that warehouse. */
function stockOf(l: CartLineView, type: CartTypeView | null): { text: string; short: boolean } | null {
  if (l.availableMilli === null || !type?.warehouse_name) return null
  const mode = type.warehouse_show_mode ?? 'status'
  const level = stockLevel(l.availableMilli, type.warehouse_low_packagings ?? 3, l.packaging?.factor_milli ?? 1000)
  const text = stockText(mode, l.availableMilli, l.line.base_unit, level)
  return { text: `${type.warehouse_name}: ${text}`, short: l.availableMilli < l.line.qty_milli }
}

function presentLine(l: CartLineView, type: CartTypeView | null, typed: LineEdit | undefined) {
  const { line, packaging, price } = l
  const unit = line.base_unit
  return {
    id: line.id,
    sku: line.sku,
    name: line.product_name,
    url: productUrl(line.sku),
    packagingName: packaging?.name ?? unit,
    count: typed ? typed.text : countText(line, packaging?.factor_milli ?? null),
    comment: typed ? typed.comment : line.comment,
    error: typed?.error ?? null,
    qtyText: formatQty(line.qty_milli, unit),
    unitPrice: price.unitKopecks == null ? null : `${formatRub(price.unitKopecks)}/${unit}`,
    packPrice: price.unitKopecks == null || !packaging ? null : formatRub(lineKopecks(price.unitKopecks, packaging.factor_milli)),
    lineTotal: price.lineKopecks == null ? null : formatRub(price.lineKopecks),
    rule: price.rule?.label ?? null,
    discounts: price.discounts.map((d) => d.label),
    nextTier: price.nextTier?.text ?? null,
    inactive: !line.is_active,
    notAllowed: l.packagingAllowed ? null : `Упаковка «${packaging?.name ?? unit}» больше не продаётся в корзинах типа «${type?.name ?? ''}»: перенесите строку в другую корзину`,
    stock: stockOf(l, type),
  }
}

/** What the cart page shows, and what the forms on it were sent with when they come back with errors. */
export interface CartPageInput {
  view: CartView
  carts: CartListRow[]
  types: CartTypeView[]
  /** The type whose tab is open when the company has no cart of it (the tab's empty state). */
  typeKey: string | null
  choices: CartChoices
  canEdit: boolean
  typed?: Map<number, LineEdit>
  settings?: { form: CartSettingsInput; errors: Record<string, string> }
  newCart?: { form: NewCartInput; errors: Record<string, string> }
  transferError?: string
  selected?: number[]
}

/** The cart page's view-model: type tabs, the carts of the open type, the cart's lines by category, and its forms. */
export function presentCartPage(p: CartPageInput) {
  const { view, carts } = p
  const cart = view.cart
  const openKey = cart ? keyOf(cart.cart_type_id) : p.typeKey ?? keyOf(p.types.find((t) => t.is_active)?.id ?? null)
  const tabs = typeTabs(p.types, carts, openKey)
  const ofOpenType = carts.filter((c) => keyOf(c.cart_type_id) === openKey)
  const selected = new Set(p.selected ?? [])
  const lines = view.lines.map((l) => ({ ...presentLine(l, view.type, p.typed?.get(l.line.id)), checked: selected.has(l.line.id), top_category_id: l.line.top_category_id, top_category_name: l.line.top_category_name, top_category_sort: l.line.top_category_sort, lineKopecks: l.price.lineKopecks }))
  const groups = groupByCategory(lines).map((g) => ({ name: g.name, subtotal: formatRub(g.subtotalKopecks), positions: positionsWord(g.lines.length), lines: g.lines }))
  const settingsForm = p.settings?.form ?? (cart ? { name: cart.name, client_ref: cart.client_ref, payer_company_id: String(cart.payer_company_id ?? ''), point_id: String(cart.point_id ?? '') } : null)
  const typeName = (id: number | null) => (id === null ? UNTYPED : p.types.find((t) => t.id === id)?.name ?? UNTYPED)
  const openTypeId = openKey === 'none' ? '' : openKey
  const newForm = p.newCart?.form ?? { name: '', client_ref: '', payer_company_id: '', point_id: '', cart_type_id: openTypeId ?? '' }
  const payer = cart?.payer_company_id ? p.choices.payers.find((c) => c.id === cart.payer_company_id) : undefined
  const point = cart?.point_id ? p.choices.points.find((c) => c.id === cart.point_id) : undefined
  return {
    title: cart ? `Корзина «${cart.name}»` : 'Корзины',
    bodyClass: 'cart-page',
    tabs,
    openTypeName: tabs.find((t) => t.current)?.name ?? UNTYPED,
    openTypeNote: typeNote(p.types.find((t) => keyOf(t.id) === openKey) ?? null),
    openTypeDescription: p.types.find((t) => keyOf(t.id) === openKey)?.description ?? '',
    cartTabs: ofOpenType.map((c) => ({ id: c.id, name: c.name, url: cartUrl(c.id), current: c.id === cart?.id, positions: c.positions, clientRef: c.client_ref })),
    canEdit: p.canEdit,
    cart: cart && {
      id: cart.id,
      name: cart.name,
      url: cartUrl(cart.id),
      typeName: typeName(cart.cart_type_id),
      clientRef: cart.client_ref,
      payerName: payer?.name_short ?? null,
      pointName: point ? `${point.name}, ${point.address}` : null,
      positions: positionsWord(view.lines.length),
      empty: view.lines.length === 0,
      total: formatRub(view.totalKopecks),
      unpriced: view.lines.some((l) => l.price.unitKopecks === null),
    },
    groups,
    lineErrors: [...(p.typed?.values() ?? [])].some((e) => e.error),
    settings: settingsForm && { form: settingsForm, errors: p.settings?.errors ?? {} },
    payers: p.choices.payers.map((c) => ({ id: c.id, name: c.name_short, note: c.status === 'verified' ? '' : ' (не подтверждена)', selected: String(c.id) === settingsForm?.payer_company_id })),
    points: p.choices.points.map((pt) => ({ id: pt.id, name: `${pt.name} — ${pt.address}`, selected: String(pt.id) === settingsForm?.point_id })),
    targets: carts.filter((c) => c.id !== cart?.id).map((c) => ({ id: c.id, label: `${c.name} · ${typeName(c.cart_type_id)} · ${positionsWord(c.positions)}` })),
    transferError: p.transferError ?? null,
    newCart: {
      form: newForm,
      errors: p.newCart?.errors ?? {},
      types: p.types.filter((t) => t.is_active).map((t) => ({ id: t.id, name: t.name, note: typeNote(t), selected: String(t.id) === newForm.cart_type_id })),
    },
  }
}

type Mini = Awaited<ReturnType<CartsService['mini']>>

/** Positions per top-level category of one cart, the catalog's order, products without a category last. */
function countsOf(counts: CartCategoryCount[], cartId: number) {
  return counts
    .filter((c) => c.cart_id === cartId)
    .sort((a, b) => (a.top_category_name === null ? 1 : 0) - (b.top_category_name === null ? 1 : 0) || a.top_category_sort - b.top_category_sort)
    .map((c) => ({ name: c.top_category_name ?? NO_CATEGORY, positions: positionsWord(c.positions) }))
}

/** The current cart's money per top-level category from its priced lines. */
function moneyOf(lines: CartLineDetail[], prices: PricedCart | null) {
  if (!prices) return []
  const withMoney = lines.map((l, i) => ({ ...l, lineKopecks: prices.lines[i]?.lineKopecks ?? null }))
  return groupByCategory(withMoney).map((g) => ({ name: g.name, total: formatRub(g.subtotalKopecks), positions: positionsWord(g.lines.length) }))
}

/**
 * The header's mini-cart (totals per category, no lines) and the cart choice of the catalog's «добавить в корзину»:
 * every cart grouped by type with the current one selected, then «новая корзина» of every active type.
 */
export function presentMiniCart(m: Mini) {
  const typeOf = (id: number | null) => m.types.find((t) => t.id === id) ?? null
  const typeName = (id: number | null) => typeOf(id)?.name ?? UNTYPED
  const current = m.current
  const groups = new Map<string, { label: string; options: { value: string; label: string; selected: boolean }[] }>()
  for (const c of m.carts) {
    const key = keyOf(c.cart_type_id)
    if (!groups.has(key)) groups.set(key, { label: typeName(c.cart_type_id), options: [] })
    groups.get(key)!.options.push({ value: String(c.id), label: `${c.name}${c.client_ref ? ` (${c.client_ref})` : ''} — ${positionsWord(c.positions)}`, selected: c.id === current?.id })
  }
  const active = m.types.filter((t) => t.is_active)
  const newOptions = (active.length ? active.map((t) => ({ value: `new:${t.id}`, label: `Новая корзина «${t.name}»` })) : [{ value: 'new:none', label: 'Новая корзина' }]).map((o) => ({ ...o, selected: false }))
  const positions = m.carts.reduce((s, c) => s + c.positions, 0)
  return {
    positions,
    badge: current ? (m.prices ? formatRub(m.prices.totalKopecks, false) : positionsWord(current.positions)) : null,
    current: current && {
      name: current.name,
      url: cartUrl(current.id),
      typeName: typeName(current.cart_type_id),
      total: m.prices ? formatRub(m.prices.totalKopecks) : formatRub(0),
      positions: positionsWord(current.positions),
      categories: moneyOf(m.lines, m.prices),
    },
    others: m.carts.filter((c) => c.id !== current?.id).map((c) => ({ name: c.name, url: cartUrl(c.id), typeName: typeName(c.cart_type_id), positions: positionsWord(c.positions), categories: countsOf(m.counts, c.id) })),
    choice: { groups: [...groups.values()], newOptions, none: !m.carts.length },
  }
}

/** A cart in the buyer API's lists. */
export function apiCartSummary(c: CartRow & { positions: number }, types: CartTypeView[]) {
  const t = types.find((x) => x.id === c.cart_type_id) ?? null
  return {
    id: c.id,
    name: c.name,
    type: t && { id: t.id, name: t.name },
    client_ref: c.client_ref,
    payer_company_id: c.payer_company_id,
    point_id: c.point_id,
    positions: c.positions,
    created_at: new Date(c.created_at).toISOString(),
    updated_at: new Date(c.updated_at).toISOString(),
  }
}

/** A cart in the buyer API with every line priced for the token's company now. */
export function apiCart(v: CartView) {
  const t = v.type
  return {
    ...apiCartSummary({ ...v.cart!, positions: v.lines.length }, t ? [t] : []),
    price_type: t?.price_type_id ? { id: t.price_type_id, name: t.price_type_name } : null,
    warehouse: t?.warehouse_id ? { id: t.warehouse_id, name: t.warehouse_name, kind: t.warehouse_kind, kind_text: WAREHOUSE_KINDS[t.warehouse_kind ?? ''] ?? null } : null,
    allowed_packagings: t?.packaging_names ?? null,
    lines: v.lines.map((l) => ({
      id: l.line.id,
      product_id: l.line.product_id,
      sku: l.line.sku,
      name: l.line.product_name,
      category: l.line.top_category_name,
      unit: l.line.base_unit,
      packaging: l.packaging && { id: l.packaging.id, name: l.packaging.name, factor: l.packaging.factor_milli / 1000 },
      qty: l.line.qty_milli / 1000,
      comment: l.line.comment,
      unit_price_kopecks: l.price.unitKopecks,
      line_kopecks: l.price.lineKopecks,
      rule: l.price.rule?.label ?? null,
      discounts: l.price.discounts.map((d) => d.label),
      next_tier: l.price.nextTier && {
        add_qty: l.price.nextTier.addQtyMilli / 1000,
        unit_price_kopecks: l.price.nextTier.unitKopecks,
        saving_kopecks: l.price.nextTier.savingKopecks,
        text: l.price.nextTier.text,
      },
      available: l.availableMilli === null ? null : l.availableMilli / 1000,
    })),
    total_kopecks: v.totalKopecks,
  }
}
