import type { DeliveryState } from '../integrations/cdek/map.js'

/** One place of a delivery request: weight in grams, sizes in centimetres (CDEK's units). */
export interface PackageInput {
  weightG: number
  lengthCm: number
  widthCm: number
  heightCm: number
}

/** Who asks for a delivery: a staff member in /admin or a manager from the Bitrix24 deal tab. */
export interface DeliveryActor {
  kind: 'staff' | 'b24'
  userId: number | null
}

export interface DeliveryRequestRow {
  id: number
  order_id: number
  shipment_id: number | null
  active_key: string | null
  status: DeliveryState
  number: string
  tariff_code: number
  packages: string
  sender: string
  recipient: string
  cdek_uuid: string | null
  cdek_number: string | null
  cdek_status: string | null
  cdek_status_name: string | null
  cdek_status_at: number | null
  error: string | null
  created_by: number | null
  created_via: string
  polled_at: number | null
  created_at: number
  updated_at: number
}

export interface DeliveryStatusRow {
  id: number
  request_id: number
  code: string
  name: string
  cdek_time: string
  at: number
  city: string
  source: 'webhook' | 'poll'
  created_at: number
}

/** The recipient as it was sent: the buyer company and the order's delivery point. */
export interface Recipient {
  company: string
  name: string
  phone: string
  email: string
  address: string
  cityCode: number | null
  deliveryPoint: string
}

/** A delivery request as services, the deal tab and the order pages read it. */
export interface DeliveryInfo {
  id: number
  orderId: number
  orderNumber: string
  shipmentId: number | null
  shipmentNo: number | null
  status: DeliveryState
  statusText: string
  cdekStatus: string | null
  cdekStatusName: string | null
  cdekStatusAt: number | null
  trackNumber: string | null
  trackUrl: string | null
  error: string | null
  number: string
  packages: PackageInput[]
  recipient: Recipient
  createdAt: number
  updatedAt: number
  history: { code: string; name: string; at: number; city: string }[]
}

/** The draft the create form starts from: computed packages and what will be sent to whom. */
export interface DeliveryDraft {
  orderId: number
  orderNumber: string
  companyName: string
  shipmentId: number | null
  shipmentNo: number | null
  shipments: { id: number; no: number; plannedOn: string; status: string }[]
  packages: PackageInput[]
  warnings: string[]
  recipient: Recipient
  existing: DeliveryInfo | null
  /** Products whose packaging has no shipping sizes (they went into standard boxes). */
  noSizes: { sku: string; name: string }[]
}

export type CreateOutcome = { ok: true; request: DeliveryInfo } | { ok: false; errors: Record<string, string> }
