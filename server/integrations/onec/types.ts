/** A captured XML element: local name (namespace prefix dropped), attributes, text and children in document order. */
export interface XNode {
  name: string
  attrs: Record<string, string>
  text: string
  children: XNode[]
}

/** One unit of work the import applies: a top-level element of interest, numbered in document order. */
export type ImportItem =
  | { kind: 'group'; node: XNode }
  | { kind: 'property'; node: XNode }
  | { kind: 'product'; node: XNode }
  | { kind: 'priceType'; node: XNode }
  | { kind: 'warehouse'; node: XNode }
  | { kind: 'offer'; node: XNode }
  | { kind: 'counterparty'; node: XNode }
  | { kind: 'package'; container: 'catalog' | 'offers'; onlyChanges: boolean }

/** What an import changed; summed per file and per exchange session for `/admin/onec`. */
export interface ImportCounts {
  categories: number
  attributes: number
  productsCreated: number
  productsUpdated: number
  productsHidden: number
  priceTypes: number
  warehouses: number
  prices: number
  stockRows: number
  /** Packagings made or changed from prices given per packaging (Единица + Коэффициент). */
  packagings: number
  /** Pictures linked or unlinked. */
  images: number
  /** Companies whose pricing terms (price type, personal discount) followed a counterparty from 1C. */
  terms: number
  errors: number
}

export const emptyCounts = (): ImportCounts => ({
  categories: 0, attributes: 0, productsCreated: 0, productsUpdated: 0, productsHidden: 0, priceTypes: 0, warehouses: 0, prices: 0, stockRows: 0, packagings: 0, images: 0, terms: 0, errors: 0,
})

/** The order side of the exchange (`type=sale`), implemented in `sale.ts`. */
export interface OnecSale {
  query(sessionId: number): Promise<{ body: Buffer; contentType: string }>
  success(sessionId: number): Promise<void>
  importFile(sessionId: number, path: string, budgetMs: number): Promise<{ done: boolean; message: string }>
}
