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
  /** The shipments of a split order (none: one shipment of everything). */
  shipments: SaleShipment[]
}

/** A shipment of a split order as 1C is told about it, so that it can name it back («Номер отгрузки на сайте»). */
export interface SaleShipment {
  no: number
  plannedOn: string
  shipped: boolean
  lines: { externalId: string | null; productId: number | null; sku: string; qtyMilli: number }[]
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

/** A `Контрагент` of a document as 1C sends it (values trimmed, '' when absent). */
export interface SaleParty {
  id: string
  name: string
  inn: string
  kpp: string
  role: string
}

/** A `Товар` line of a document: 1C's Ид (ours echoed, or 1C's nomenclature), article, name and quantity as sent. */
export interface SaleItem {
  id: string
  sku: string
  name: string
  qty: string
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
  /** `Контрагенты/Контрагент` of the document. */
  parties: SaleParty[]
  /** `Товары/Товар` of the document (for an order: its lines; for a shipment: what left the warehouse). */
  items: SaleItem[]
  /** `ПодчиненныеДокументы/ПодчиненныйДокумент`: the payments and shipments 1C made on the order, same fields. */
  children: SaleDocument[]
}

/** A payment 1C reports on an order, from the order's requisites or a payment document of its own. */
export interface OnecPayment {
  /** What makes the payment the same payment when 1C sends it again (its number and date, folded). */
  key: string
  no: string
  date: string
  /** The sum 1C sent, or null when it sent none (the order is then paid in full, as 1C's «Оплачен» means). */
  amountKopecks: number | null
  /** Who paid, when 1C says it: INN (and KPP), its counterparty Ид and name. */
  payer: { inn: string; kpp: string; id: string; name: string } | null
  /** 1C's «Оплачен»: true (the order is paid in full), false, or null when not sent. */
  paidFlag: boolean | null
  /** A sum that could not be read: reported, nothing paid. */
  badAmount?: string
  /** The payment document is marked deleted in 1C: never placed; reported when it was placed before. */
  deleted?: boolean
}

/** A shipment 1C reports on an order: its number and date, our shipment it names, and its lines when sent. */
export interface OnecShipment {
  key: string
  no: string
  date: string
  /** Our shipment number echoed by 1C («2», «000123-2»), or null. */
  ourNo: number | null
  /** Lines with quantities in thousandths of the base unit; empty when 1C sent none. */
  lines: { id: string; sku: string; name: string; qtyMilli: number }[]
  /** 1C's «Отгружен»: true means the whole order has left. */
  wholeOrder: boolean
  /** A line quantity that could not be read: reported, nothing shipped. */
  badLine?: string
  /** The shipment document is marked deleted in 1C: never shipped; reported when it was shipped before. */
  deleted?: boolean
}
