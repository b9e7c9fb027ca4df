/** A delivery point (филиал, точка доставки) of a company, as stored. */
export interface PointRow extends PointInput {
  id: number
  company_id: number
  is_default: boolean | number
  photo_file_id: number | null
  created_at: number
  updated_at: number
}

/** What the point form sends, as typed. */
export interface PointInput {
  name: string
  address: string
  contact_name: string
  contact_phone: string
  working_hours: string
  comment: string
}
