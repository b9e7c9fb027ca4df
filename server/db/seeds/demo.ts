import type { Container } from '../../main.js'
import * as companiesStore from '../../companies/store.js'
import { searchTextOf } from '../../companies/store.js'
import { keyAccount } from '../../companies/bank.js'
import { seedCatalog } from './catalog.js'
import { seedPricing } from './pricing.js'
import { seedCarts } from './carts.js'
import { seedBlends } from './blends.js'

export interface SeedResult {
  logins: { role: string; email: string; password: string }[]
}

const MANAGER = { email: 'manager@demo.local', password: 'demo-manager-2026', name: 'Смирнова Ольга Павловна' }
const BUYER = { email: 'buyer@demo.local', password: 'demo-buyer-2026', name: 'Кузнецов Дмитрий Алексеевич' }

/**
 * Demo data for a fresh database: a supplier manager, a buyer with a verified ООО and an ИП, delivery points, then the
 * catalog and its pricing. Runs only when there are no users yet, so it never touches a working database.
 */
export async function seedDemo(c: Container): Promise<SeedResult | null> {
  const [{ n }] = await c.db('users').count({ n: '*' })
  if (Number(n) > 0) return null
  const now = c.clock.now().getTime()
  const { oooId, ipId } = await c.db.transaction(async (trx) => {
    await c.accounts.createUser(trx, { full_name: MANAGER.name, email: MANAGER.email, phone: '+74951234567', password: MANAGER.password, password2: MANAGER.password }, { isStaff: true })
    const buyerId = await c.accounts.createUser(trx, { full_name: BUYER.name, email: BUYER.email, phone: '+79161234567', password: BUYER.password, password2: BUYER.password })
    const base = {
      name_full: '', legal_form: '', director_name: '', director_post: '', legal_address: '', postal_address: '', docs_email: BUYER.email,
      docs_phone: '+79161234567', edo_enabled: false, edo_operator: null, edo_participant_id: null, requisites_checked: true,
      requisites_note: 'Реквизиты получены из ЕГРЮЛ/ЕГРИП (DaData)', registry_status: 'ACTIVE', ogrn: null,
    }
    const ooo = {
      ...base, kind: 'legal' as const, inn: '7705123452', kpp: '770501001', inn_kpp_key: '7705123452/770501001', ogrn: '1157746123457',
      name_short: 'ООО "КОФЕЙНАЯ ГАВАНЬ"', name_full: 'ОБЩЕСТВО С ОГРАНИЧЕННОЙ ОТВЕТСТВЕННОСТЬЮ "КОФЕЙНАЯ ГАВАНЬ"', legal_form: 'ООО',
      director_name: 'Соколов Андрей Викторович', director_post: 'ГЕНЕРАЛЬНЫЙ ДИРЕКТОР', legal_address: '115035, г Москва, ул Садовническая, д 14 стр 2',
      postal_address: '115035, г Москва, а/я 12', edo_enabled: true, edo_operator: 'diadoc', edo_participant_id: '2BM-7705123452-770501001',
    }
    const oooId = await companiesStore.insertCompany(trx, ooo, now)
    await trx('companies').where({ id: oooId }).update({ status: 'verified', verified_at: now, search_text: searchTextOf(ooo) })
    await companiesStore.insertMember(trx, oooId, buyerId, 'owner', now)
    const ip = {
      ...base, kind: 'ip' as const, inn: '773006366201', kpp: null, inn_kpp_key: '773006366201/', ogrn: '321774600012342',
      name_short: 'ИП Петрова Анна Сергеевна', name_full: 'Индивидуальный предприниматель Петрова Анна Сергеевна', legal_form: 'ИП',
      director_name: 'Петрова Анна Сергеевна', director_post: 'Индивидуальный предприниматель', legal_address: '119021, г Москва',
    }
    const ipId = await companiesStore.insertCompany(trx, ip, now)
    await companiesStore.insertMember(trx, ipId, buyerId, 'buyer', now)
    await trx('delivery_points').insert([
      { company_id: oooId, name: 'Кофейня на Садовнической', address: 'г Москва, ул Садовническая, д 14 стр 2', contact_name: 'Елена', contact_phone: '+79035550101', working_hours: 'пн–пт 8:00–20:00, приёмка до 12:00', is_default: true, created_at: now, updated_at: now },
      { company_id: oooId, name: 'Склад в Подольске', address: 'Московская обл, г Подольск, ул Комсомольская, д 1', contact_name: 'Игорь', contact_phone: '+79035550102', working_hours: 'ежедневно 9:00–18:00', is_default: false, created_at: now, updated_at: now },
    ])
    // A made-up account number with the right control key for a real bank, so the demo card passes its own check.
    await companiesStore.insertBankAccount(
      trx,
      oooId,
      { bik: '044525225', account: keyAccount('044525225', '40702810038000012345'), corr_account: '30101810400000000225', bank_name: 'ПАО Сбербанк', bank_city: 'Москва' },
      true,
      now,
    )
    if (c.config.demoApiToken) await c.tokens.seedToken(trx, { companyId: oooId, userId: buyerId, token: c.config.demoApiToken, name: 'Демо-токен' })
    return { oooId, ipId }
  })
  const products = await seedCatalog(c)
  await seedPricing(c, products, { oooId, ipId })
  await seedCarts(c, products, { oooId })
  await seedBlends(c, products)
  return {
    logins: [
      { role: 'Менеджер поставщика (/admin):', email: MANAGER.email, password: MANAGER.password },
      { role: 'Покупатель (ООО и ИП):', email: BUYER.email, password: BUYER.password },
    ],
  }
}
