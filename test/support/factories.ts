import { completeInn, completeOgrn } from '../../server/companies/requisites.js'
import * as companiesStore from '../../server/companies/store.js'
import { foldText, normalizeSku } from '../../server/catalog/rules.js'
import type { CompanyKind, Role } from '../../server/companies/types.js'
import type { TestApp } from './app.js'
import { Browser } from './app.js'

let seq = 0
/** A short unique suffix for names, emails and codes (the suite shares one database). */
export const uniq = () => `${Date.now().toString(36)}${(seq++).toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`

/** A random INN with valid check digits (10 digits for a legal entity, 12 for an ИП), never one of the sandbox's. */
export function randomInn(kind: 'legal' | 'ip' = 'legal'): string {
  const len = kind === 'legal' ? 9 : 10
  let stem = String(1 + Math.floor(Math.random() * 8))
  while (stem.length < len) stem += Math.floor(Math.random() * 10)
  return completeInn(stem)
}

export function randomOgrn(kind: 'legal' | 'ip' = 'legal'): string {
  let stem = kind === 'legal' ? '1' : '3'
  while (stem.length < (kind === 'legal' ? 12 : 14)) stem += Math.floor(Math.random() * 10)
  return completeOgrn(stem)
}

export const PASSWORD = 'correct-horse-battery'

/** Creates a person (straight through the service, no HTTP) and returns their login. */
export async function createUser(app: TestApp, o: { staff?: boolean; name?: string } = {}) {
  const email = `u${uniq()}@test.local`
  const id = await app.c.db.transaction((trx) =>
    app.c.accounts.createUser(trx, { full_name: o.name ?? 'Тестов Тест Тестович', email, phone: '+79160000000', password: PASSWORD, password2: PASSWORD }, { isStaff: o.staff }),
  )
  return { id, email, password: PASSWORD }
}

/** Creates a company with the person as a member in the given role. */
export async function createCompany(
  app: TestApp,
  userId: number,
  o: { role?: Role; kind?: CompanyKind; status?: 'unverified' | 'verified' | 'blocked'; name?: string } = {},
) {
  const kind = o.kind ?? 'legal'
  const now = app.clock.now().getTime()
  const inn = kind === 'person' ? null : randomInn(kind === 'ip' ? 'ip' : 'legal')
  const kpp = kind === 'legal' ? '770101001' : null
  const row = {
    kind, inn, kpp, inn_kpp_key: kind === 'person' ? null : `${inn}/${kpp ?? ''}`, ogrn: null,
    name_short: o.name ?? `ООО "ТЕСТ ${uniq().toUpperCase()}"`, name_full: '', legal_form: kind === 'ip' ? 'ИП' : 'ООО', director_name: '',
    director_post: '', legal_address: 'г Москва', postal_address: '', docs_email: 'docs@test.local', docs_phone: '', edo_enabled: false,
    edo_operator: null, edo_participant_id: null, requisites_checked: true, requisites_note: '', registry_status: 'ACTIVE',
  }
  const id = await companiesStore.insertCompany(app.c.db, row, now)
  if (o.status && o.status !== 'unverified') await app.c.db('companies').where({ id }).update({ status: o.status })
  await companiesStore.insertMember(app.c.db, id, userId, o.role ?? 'owner', now)
  return { id, inn, kpp, name: row.name_short }
}

/** A logged-in buyer with one company (owner by default), ready to browse. */
export async function buyer(app: TestApp, o: { role?: Role; status?: 'unverified' | 'verified' | 'blocked'; kind?: CompanyKind } = {}) {
  const user = await createUser(app)
  const company = await createCompany(app, user.id, o)
  const browser = new Browser(app)
  await browser.login(user.email, user.password)
  return { user, company, browser }
}

/**
 * A product with one packaging and a price of the default price type (created on first use), straight in the database.
 * `factor` is base units per packaging; `price` kopecks per base unit.
 */
export async function createProduct(
  app: TestApp,
  o: { sku?: string; name?: string; unit?: string; factor?: number; min?: number; step?: number; price?: number; categoryId?: number | null } = {},
) {
  const db = app.c.db
  const now = app.clock.now().getTime()
  const sku = o.sku ?? `T-${uniq().toUpperCase()}`
  const name = o.name ?? `Товар ${sku}`
  const [id] = await db('products').insert({
    sku, sku_norm: normalizeSku(sku), name, name_search: foldText(name), base_unit: o.unit ?? 'шт', category_id: o.categoryId ?? null,
    created_at: now, updated_at: now,
  })
  const productId = Number(id)
  const factor = (o.factor ?? 1) * 1000
  const [pid] = await db('packagings').insert({
    product_id: productId, name: o.unit === 'кг' ? `мешок ${o.factor ?? 1} кг` : `упаковка ${o.factor ?? 1} шт`, factor_milli: factor,
    min_qty_milli: (o.min ?? 0) * 1000, step_milli: (o.step ?? 0) * 1000, is_default: true,
  })
  let type = await db('price_types').where({ is_default: true }).first()
  if (!type) {
    await db('price_types').insert({ code: 'base', name: 'Оптовая', is_default: true })
    type = await db('price_types').where({ is_default: true }).first()
  }
  await db('prices').insert({ price_type_id: type.id, product_id: productId, kopecks: o.price ?? 10_000, updated_at: now })
  return { id: productId, sku, packagingId: Number(pid), priceTypeId: type.id as number }
}

/** A logged-in supplier staff member. */
export async function staff(app: TestApp, name = 'Менеджерова Мария Ивановна') {
  const user = await createUser(app, { staff: true, name })
  const browser = new Browser(app)
  await browser.login(user.email, user.password)
  return { user, browser }
}

/** The audit rows of a company, oldest first. */
export function auditOf(app: TestApp, companyId: number) {
  return app.c.db('audit_log').where({ company_id: companyId }).orderBy('id')
}

/** A buyer-API token issued through the cabinet by the person of `b`, as an owner does it; the plain token. */
export async function issueApiToken(b: { browser: Browser }, name = 'Учётная система'): Promise<string> {
  const page = await b.browser.post('/company/api-tokens', { name })
  return /data-issued-token>([^<]+)</.exec(page.text)![1]!
}
