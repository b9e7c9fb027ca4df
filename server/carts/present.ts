import { formatRub } from '../shared/money.js'
import { formatQty } from '../catalog/rules.js'
import type { CartsService } from './service.js'

type CartView = Awaited<ReturnType<CartsService['view']>>

/** The cart page's view-model: quantities in the packaging the buyer chose, money formatted once here. */
export function presentCart(v: CartView) {
  return {
    empty: v.lines.length === 0,
    lines: v.lines.map(({ line, product, packaging, price }) => {
      const count = packaging ? line.qty_milli / packaging.factor_milli : line.qty_milli / 1000
      return {
        id: line.id,
        sku: product.sku,
        name: product.name,
        packagingName: packaging?.name ?? product.base_unit,
        count: String(Number(count.toFixed(3))).replace('.', ','),
        qtyText: formatQty(line.qty_milli, product.base_unit),
        unit: product.base_unit,
        unitPrice: price.unitKopecks == null ? null : formatRub(price.unitKopecks),
        packPrice: price.unitKopecks == null || !packaging ? null : formatRub(Math.round((price.unitKopecks * packaging.factor_milli) / 1000)),
        lineTotal: price.lineKopecks == null ? null : formatRub(price.lineKopecks),
        rule: price.rule?.label ?? null,
        discounts: price.discounts.map((d) => d.label),
        nextTier: price.nextTier?.text ?? null,
        inactive: !product.is_active,
      }
    }),
    total: formatRub(v.totalKopecks),
  }
}
