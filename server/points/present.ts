import type { PointRow } from './types.js'

/** Formats a canonical "+79161234567" as "+7 916 123-45-67" for people; other spellings are shown as stored. */
export function formatPhone(phone: string): string {
  const m = /^\+7(\d{3})(\d{3})(\d{2})(\d{2})$/.exec(phone)
  return m ? `+7 ${m[1]} ${m[2]}-${m[3]}-${m[4]}` : phone
}

/** A row of the points table. */
export function presentPoint(p: PointRow) {
  return {
    ...p,
    isDefault: !!p.is_default,
    phoneText: formatPhone(p.contact_phone),
    photoUrl: p.photo_file_id ? `/company/points/${p.id}/photo?v=${p.photo_file_id}` : null,
  }
}

/** The values of the edit form of a stored point. */
export function pointForm(p: PointRow) {
  return {
    name: p.name,
    address: p.address,
    contact_name: p.contact_name,
    contact_phone: formatPhone(p.contact_phone),
    working_hours: p.working_hours,
    comment: p.comment,
  }
}

/** What the checkout reads from `/company/points/:id.json` to fill the delivery address. */
export function pointJson(p: PointRow) {
  return {
    id: p.id,
    name: p.name,
    address: p.address,
    contact: { name: p.contact_name, phone: p.contact_phone },
    working_hours: p.working_hours,
    comment: p.comment,
    is_default: !!p.is_default,
  }
}
