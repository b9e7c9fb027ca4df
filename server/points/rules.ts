import { normalizePhone, phoneError } from '../accounts/rules.js'
import type { PointInput } from './types.js'

/** The longest value each field accepts, matching the columns of `delivery_points`. */
export const POINT_LIMITS: Record<keyof PointInput, number> = {
  name: 200,
  address: 500,
  contact_name: 200,
  contact_phone: 32,
  working_hours: 200,
  comment: 500,
}

/**
 * Field errors of the point form with Russian messages. The contact person and phone are required because the carrier
 * calls them on the day of delivery.
 */
export function pointErrors(input: PointInput): Record<string, string> {
  const errors: Record<string, string> = {}
  if (!input.name) errors.name = 'Назовите точку, например «Склад на Садовой» или «Кофейня №2»'
  if (!input.address) errors.address = 'Укажите адрес доставки: город, улица, дом'
  else if (input.address.length < 5) errors.address = 'Адрес слишком короткий: укажите город, улицу и дом'
  if (!input.contact_name) errors.contact_name = 'Укажите, кто принимает товар'
  const phone = phoneError(input.contact_phone, true)
  if (phone) errors.contact_phone = phone
  for (const [k, max] of Object.entries(POINT_LIMITS) as [keyof PointInput, number][]) {
    if (!errors[k] && input[k].length > max) errors[k] = `Не длиннее ${max} символов`
  }
  return errors
}

/** The input as stored: the phone in the one canonical spelling. Call only after `pointErrors` found nothing. */
export function normalizePoint(input: PointInput): PointInput {
  return { ...input, contact_phone: normalizePhone(input.contact_phone) ?? input.contact_phone }
}
