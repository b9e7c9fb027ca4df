import type { Container } from '../../main.js'

/** A product the catalog seed made, with its list price per base unit, for the pricing seed to derive prices from. */
export interface SeededProduct {
  id: number
  sku: string
  /** Top-level category name: «Кофе», «Чай», «Посуда», … */
  category: string
  listKopecks: number
}

/** The demo catalog: categories, attributes, products with packagings, warehouses and stock. */
export async function seedCatalog(c: Container): Promise<SeededProduct[]> {
  void c
  return []
}
