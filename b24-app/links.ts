import type { Db } from '../server/db/knex.js'

/*
 * `b24_links`: which CRM entity of a portal stands for which of ours (`company` → a CRM company, `requisite` → its
 * requisite, `contact:<companyId>` → the owner's contact, `deal` → an order's deal), so later updates know the ids without
 * a search. Written the moment an id is known; the sync handlers search by our own id (ORIGIN_ID / XML_ID) when a link is
 * missing, so a link lost to a crash is found again rather than duplicated.
 */

export type LinkEntity = 'company' | 'requisite' | 'contact' | 'deal'

/** The CRM id of our entity on a portal, or null. */
export async function findLink(db: Db, entity: LinkEntity, ourId: string | number, memberId: string): Promise<string | null> {
  const r = (await db('b24_links').where({ entity, our_id: String(ourId), member_id: memberId }).first()) as { b24_id: string } | undefined
  return r?.b24_id ?? null
}

/** CRM ids of many of our entities at once: our id → CRM id. */
export async function findLinks(db: Db, entity: LinkEntity, ourIds: (string | number)[], memberId: string): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  const ids = [...new Set(ourIds.map(String))]
  for (let i = 0; i < ids.length; i += 500) {
    const rows = (await db('b24_links')
      .where({ entity, member_id: memberId })
      .whereIn('our_id', ids.slice(i, i + 500))
      .select('our_id', 'b24_id')) as { our_id: string; b24_id: string }[]
    for (const r of rows) out.set(r.our_id, r.b24_id)
  }
  return out
}

/** Our id of a CRM entity (e.g. the order of a deal, for events and placements), or null. */
export async function ourIdOf(db: Db, entity: LinkEntity, b24Id: string | number, memberId: string): Promise<string | null> {
  const r = (await db('b24_links').where({ entity, b24_id: String(b24Id), member_id: memberId }).first()) as { our_id: string } | undefined
  return r?.our_id ?? null
}

/** Records (or corrects) a link. */
export async function saveLink(db: Db, entity: LinkEntity, ourId: string | number, memberId: string, b24Id: string | number, now: number): Promise<void> {
  await db('b24_links')
    .insert({ entity, our_id: String(ourId), member_id: memberId, b24_id: String(b24Id), created_at: now, updated_at: now })
    .onConflict(['entity', 'our_id', 'member_id'])
    .merge({ b24_id: String(b24Id), updated_at: now })
}

/** Keeps the order's own column (`orders.b24_deal_id`, shown in /admin) in step with the deal link. */
export async function setOrderDealId(db: Db, orderId: number, dealId: string | number): Promise<void> {
  await db('orders').where({ id: orderId }).update({ b24_deal_id: String(dealId) })
}
