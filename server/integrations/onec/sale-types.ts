/** Shapes of the 1C order exchange (type=sale): what `mode=query` writes and what 1C sends back. */

import type { OrderStatus } from '../../orders/types.js'

/** One order as `mode=query` sends it: everything the writer needs, already read from the database. */
export interface SaleOrder {
  id: number
  number: string
  /** Epoch milliseconds of placing. */
  createdAt: number
  status: OrderStatus
  totalKopecks: number
  vatKopecks: number
  pointText: string
  clientRef: string
  comment: string
  buyer: SaleCompany
  lines: SaleLine[]
  invoices: SaleInvoice[]
}

export interface SaleCompany {
  id: number
  name: string
  fullName: string
  inn: string | null
  kpp: string | null
  legalAddress: string
}

export interface SaleLine {
  /** The product's 1C Ид when the catalog came from 1C, else null (our own id is sent). */
  externalId: string | null
  productId: number | null
  sku: string
  name: string
  unit: string
  qtyMilli: number
  unitKopecks: number
  lineKopecks: number
  vatRate: string
  vatKopecks: number
}

export interface SaleInvoice {
  payer: SaleCompany
  amountKopecks: number
  paidKopecks: number
}

/** One `Документ` that 1C sends back, reduced to what the portal acts on. Values are trimmed text, '' when absent. */
export interface SaleDocument {
  /** 1C's Ид of the document (a GUID, or our number when 1C keeps it). */
  id: string
  /** Our order number as 1C knows it. */
  number: string
  date: string
  number1c: string
  date1c: string
  operation: string
  /** `ПометкаУдаления` of the document itself (element or requisite). */
  deleted: string
  sum: string
  /** Top-level `ЗначенияРеквизитов` of the document, by name as sent. */
  requisites: Record<string, string>
}
