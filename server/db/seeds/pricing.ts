import type { Container } from '../../main.js'
import type { SeededProduct } from './catalog.js'

/** The demo pricing: price types, prices, client groups, tier and segment rules, the demo companies' terms. */
export async function seedPricing(c: Container, products: SeededProduct[], companies: { oooId: number; ipId: number }): Promise<void> {
  void c
  void products
  void companies
}
