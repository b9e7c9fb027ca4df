/** CDEK API v2 shapes the portal sends and reads (reference/cdek.md); only the fields the portal uses. */

export interface CdekPhone {
  number: string
}

export interface CdekContact {
  company?: string
  name: string
  email?: string
  phones: CdekPhone[]
}

export interface CdekLocation {
  code?: number
  city?: string
  address: string
}

export interface CdekItem {
  name: string
  ware_key: string
  payment: { value: number }
  cost: number
  weight: number
  amount: number
}

export interface CdekPackage {
  number: string
  weight: number
  length: number
  width: number
  height: number
  items?: CdekItem[]
}

/** `POST /v2/orders` body. `shipment_point` XOR `from_location`; `delivery_point` XOR `to_location`. */
export interface CdekOrderRequest {
  type: number
  number: string
  tariff_code: number
  comment?: string
  shipment_point?: string
  from_location?: CdekLocation
  delivery_point?: string
  to_location?: CdekLocation
  sender: CdekContact
  recipient: CdekContact
  packages: CdekPackage[]
}

export interface CdekProblem {
  code?: string
  message?: string
}

/** One request (CREATE, UPDATE, …) CDEK processes asynchronously: ACCEPTED → WAITING → SUCCESSFUL | INVALID. */
export interface CdekRequestInfo {
  request_uuid?: string
  type?: string
  state: 'ACCEPTED' | 'WAITING' | 'SUCCESSFUL' | 'INVALID' | string
  date_time?: string
  errors?: CdekProblem[]
  warnings?: CdekProblem[]
}

export interface CdekStatus {
  code: string
  name?: string
  date_time: string
  reason_code?: string
  city?: string
}

export interface CdekOrderEntity {
  uuid: string
  cdek_number?: string
  number?: string
  tariff_code?: number
  statuses?: CdekStatus[]
}

/** The answer of create and get: `{entity, requests}`. */
export interface CdekEntityResponse<E> {
  entity?: E
  requests?: CdekRequestInfo[]
}

/** The `ORDER_STATUS` webhook body. CDEK has sent the status as `status_code` and as `code`. */
export interface CdekOrderStatusHook {
  type: string
  date_time?: string
  uuid: string
  attributes?: {
    is_return?: boolean
    cdek_number?: string
    number?: string
    status_code?: string
    code?: string
    status_reason_code?: string
    status_date_time?: string
    city_name?: string
    city_code?: string
  }
}

/** What the portal asks of CDEK. Every method throws `CdekError` (a DeliveryError) on failure. */
export interface CdekClient {
  createOrder(body: CdekOrderRequest): Promise<{ uuid: string | null; request: CdekRequestInfo | null }>
  getOrder(uuid: string): Promise<CdekEntityResponse<CdekOrderEntity>>
  /** The order with our own number (`GET /v2/orders?im_number=`), or null: the search before a create. */
  findByNumber(number: string): Promise<CdekOrderEntity | null>
  subscribeWebhook(url: string, type?: string): Promise<string | null>
  /** The webhook subscriptions of the account (`GET /v2/webhooks`). */
  listWebhooks(): Promise<CdekWebhook[]>
}

/** One webhook subscription: CDEK keeps one per `type`, a new url replaces the old one (reference/cdek.md §5). */
export interface CdekWebhook {
  uuid: string
  url: string
  type: string
}
