import type { Db } from '../server/db/knex.js'
import type { OrderStatus } from '../server/orders/types.js'

/*
 * The app's settings per portal (`b24_settings`, JSON keyed by member_id), edited on the app's settings page in Bitrix24
 * and read by the CRM sync handlers (b24-app/sync.ts) and the event handlers. What is stored is merged over the defaults
 * below, so a setting added later has a value on every portal without a migration.
 */

export interface B24Settings {
  /** The deal pipeline (`CATEGORY_ID`; 0 = the general pipeline). */
  categoryId: number
  /** Our order state → the deal stage (`STAGE_ID`; in a pipeline other than 0 the ids look like `C3:NEW`). */
  stageByStatus: Record<OrderStatus, string>
  /** A deal stage → our order state, for ONCRMDEALUPDATE (a stage not listed moves nothing). */
  statusByStage: Record<string, OrderStatus>
  /**
   * Who is responsible (`ASSIGNED_BY_ID`). `company_manager`: the company's manager — the Bitrix24 user mapped (in
   * `managers`) to the staff member who verified the company — else `defaultUserId`; `default`: always `defaultUserId`.
   */
  responsible: { rule: 'company_manager' | 'default'; defaultUserId: number; managers: Record<string, number> }
  /** Which events create what in the CRM. */
  create: {
    /** A verified company (and a requisites correction) → a CRM company with requisites. */
    companyOnVerified: boolean
    /** … and a contact for its owner. */
    contactForOwner: boolean
    /** A placed order → a deal with product rows. */
    dealOnOrder: boolean
    /** An order change (state, payment, split, merge, cancel) → the deal's stage and amount updated. */
    updateDealOnChange: boolean
    /** … and a timeline comment on the deal. */
    commentOnChange: boolean
    /** A delivery status from CDEK → a timeline comment on the deal. */
    commentOnDelivery: boolean
  }
}

export const DEFAULT_SETTINGS: B24Settings = {
  categoryId: 0,
  stageByStatus: {
    pending: 'NEW',
    awaiting_payment: 'PREPARATION',
    partly_paid: 'PREPAYMENT_INVOICE',
    paid: 'EXECUTING',
    assembling: 'EXECUTING',
    partly_shipped: 'FINAL_INVOICE',
    shipped: 'FINAL_INVOICE',
    delivered: 'FINAL_INVOICE',
    completed: 'WON',
    cancelled: 'LOSE',
  },
  statusByStage: {},
  responsible: { rule: 'company_manager', defaultUserId: 1, managers: {} },
  create: {
    companyOnVerified: true,
    contactForOwner: true,
    dealOnOrder: true,
    updateDealOnChange: true,
    commentOnChange: true,
    commentOnDelivery: true,
  },
}

/** Merges stored (possibly partial or older) settings over the defaults, one level deep per section. */
export function withDefaults(stored: Partial<B24Settings> | null | undefined): B24Settings {
  const s = stored ?? {}
  return {
    categoryId: Number.isInteger(s.categoryId) && s.categoryId! >= 0 ? s.categoryId! : DEFAULT_SETTINGS.categoryId,
    stageByStatus: { ...DEFAULT_SETTINGS.stageByStatus, ...(s.stageByStatus ?? {}) },
    statusByStage: { ...(s.statusByStage ?? DEFAULT_SETTINGS.statusByStage) },
    responsible: {
      ...DEFAULT_SETTINGS.responsible,
      ...(s.responsible ?? {}),
      managers: { ...(s.responsible?.managers ?? {}) },
    },
    create: { ...DEFAULT_SETTINGS.create, ...(s.create ?? {}) },
  }
}

/** The settings of a portal (the defaults when none were saved). */
export async function getSettings(db: Db, memberId: string): Promise<B24Settings> {
  const row = (await db('b24_settings').where({ member_id: memberId }).first()) as { value: string } | undefined
  if (!row) return withDefaults(null)
  try {
    return withDefaults(JSON.parse(row.value) as Partial<B24Settings>)
  } catch {
    return withDefaults(null)
  }
}

/** Saves the whole settings object of a portal (the settings page validates it first). */
export async function saveSettings(db: Db, memberId: string, settings: B24Settings, now: number): Promise<void> {
  const value = JSON.stringify(settings)
  await db('b24_settings').insert({ member_id: memberId, value, updated_at: now }).onConflict('member_id').merge({ value, updated_at: now })
}
