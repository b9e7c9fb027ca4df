import { expect } from 'chai'
import { startApp, type TestApp } from '../../support/app.js'
import { createCompany, createUser, staff } from '../../support/factories.js'
import { orderingBlockedReason } from '../../../server/companies/rules.js'
import type { CompanyStatus, Role } from '../../../server/companies/types.js'
import { companyRow } from './helpers.js'

const ROLES: Role[] = ['owner', 'buyer', 'accountant', 'viewer']
const CAN_ORDER: Record<Role, boolean> = { owner: true, buyer: true, accountant: false, viewer: false }

describe('admin: ordering is refused to blocked and unverified companies', () => {
  describe('orderingBlockedReason for every status and role', () => {
    for (const status of ['unverified', 'verified', 'blocked'] as CompanyStatus[]) {
      for (const role of ROLES) {
        it(`${status} company, ${role}`, () => {
          const reason = orderingBlockedReason({ status, blocked_reason: status === 'blocked' ? 'Долг по оплате' : '' }, role)
          if (status === 'blocked') {
            expect(reason).to.equal('Компания заблокирована поставщиком: Долг по оплате. Заказы недоступны.')
          } else if (status === 'unverified') {
            expect(reason).to.equal('Компания ещё не подтверждена менеджером. Заказы станут доступны после проверки.')
          } else if (CAN_ORDER[role]) {
            expect(reason).to.equal(null)
          } else {
            expect(reason).to.equal('Ваша роль в компании не позволяет оформлять заказы.')
          }
        })
      }
    }

    it('a block without a stored reason still refuses, without a dangling colon', () => {
      expect(orderingBlockedReason({ status: 'blocked', blocked_reason: '' }, 'owner')).to.equal('Компания заблокирована поставщиком. Заказы недоступны.')
    })
  })

  describe('after staff actions, on the stored company', () => {
    let app: TestApp
    before(async () => {
      app = await startApp()
    })
    after(() => app.close())

    it('follows verify → block → unblock for every role', async () => {
      const manager = await staff(app)
      const owner = await createUser(app)
      const company = await createCompany(app, owner.id)
      const reasons = async () => {
        const row = await companyRow(app, company.id)
        return Object.fromEntries(ROLES.map((r) => [r, orderingBlockedReason(row, r)]))
      }
      for (const r of Object.values(await reasons())) expect(r).to.contain('не подтверждена')

      await manager.browser.post(`/admin/companies/${company.id}/verify`)
      const verified = await reasons()
      for (const role of ROLES) expect(verified[role] === null, role).to.equal(CAN_ORDER[role])

      await manager.browser.post(`/admin/companies/${company.id}/block`, { reason: 'Просрочка 45 дней' })
      for (const r of Object.values(await reasons())) expect(r).to.equal('Компания заблокирована поставщиком: Просрочка 45 дней. Заказы недоступны.')

      await manager.browser.post(`/admin/companies/${company.id}/unblock`)
      const unblocked = await reasons()
      for (const role of ROLES) expect(unblocked[role] === null, role).to.equal(CAN_ORDER[role])
    })
  })
})
