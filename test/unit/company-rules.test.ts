import { expect } from 'chai'
import { can, companyErrors, innKppKey, orderingBlockedReason, resolveParty, ROLES } from '../../server/companies/rules.js'
import type { Party } from '../../server/integrations/dadata/types.js'
import type { CompanyInput, Role } from '../../server/companies/types.js'
import { toParty } from '../../server/integrations/dadata/map.js'
import { SANDBOX_PARTIES } from '../../server/sandbox/dadata-fixtures.js'

const party = (o: Partial<Party>): Party => ({
  inn: '7705123452', kpp: '770501001', ogrn: '1157746123457', kind: 'legal', isBranch: false, nameShort: 'ООО "Х"', nameFull: '',
  legalForm: 'ООО', directorName: '', directorPost: '', legalAddress: 'г Москва', registryStatus: 'ACTIVE', ...o,
})

const input = (o: Partial<CompanyInput> = {}): CompanyInput => ({
  is_person: false, inn: '7707083893', kpp: '773601001', ogrn: '', name_short: 'ООО "Ромашка"', name_full: '', legal_form: '',
  director_name: '', director_post: '', legal_address: 'г Москва', postal_address: '', docs_email: '', docs_phone: '',
  edo_enabled: false, edo_operator: '', edo_participant_id: '', ...o,
})

describe('company rules', () => {
  describe('resolveParty', () => {
    const head = party({})
    const branch = party({ kpp: '781045001', isBranch: true, legalAddress: 'СПб' })

    it('picks the head office of a company with branches and offers the branches', () => {
      const o = resolveParty([branch, head], '')
      expect(o.status).to.equal('found')
      if (o.status !== 'found') return
      expect(o.party.kpp).to.equal('770501001')
      expect(o.branches.map((b) => b.kpp)).to.deep.equal(['770501001', '781045001'])
    })

    it('picks a branch by KPP and refuses an unknown KPP', () => {
      const o = resolveParty([head, branch], '781045001')
      expect(o.status === 'found' && o.party.kpp).to.equal('781045001')
      const bad = resolveParty([head, branch], '999999999')
      expect(bad).to.include({ status: 'invalid', field: 'kpp' })
    })

    for (const [state, word] of [['LIQUIDATED', 'ликвидирована'], ['LIQUIDATING', 'ликвидации'], ['BANKRUPT', 'банкротом']]) {
      it(`refuses a ${state} company`, () => {
        const o = resolveParty([party({ registryStatus: state! })], '')
        expect(o.status).to.equal('refused')
        expect(o.status === 'refused' && o.message).to.contain(word)
      })
    }

    it('says not found for an empty answer', () => {
      expect(resolveParty([], '').status).to.equal('not_found')
    })

    it('maps the sandbox ИП without KPP and with the person as director', () => {
      const ip = toParty(SANDBOX_PARTIES['773006366201']![0]!)
      expect(ip).to.include({ kind: 'ip', kpp: null, directorName: 'Петрова Анна Сергеевна', legalForm: 'ИП' })
    })
  })

  describe('companyErrors', () => {
    it('needs nothing from a private person', () => {
      expect(companyErrors(input({ is_person: true, inn: '', name_short: '' }), null)).to.deep.equal({})
    })

    it('requires manual requisites when DaData did not confirm them', () => {
      const e = companyErrors(input({ name_short: '', kpp: '', legal_address: '' }), { status: 'unavailable', message: '' })
      expect(e).to.have.keys('name_short', 'kpp', 'legal_address')
    })

    it('skips requisites DaData filled', () => {
      const e = companyErrors(input({ name_short: '', kpp: '', legal_address: '' }), { status: 'found', party: party({}), branches: [] })
      expect(e).to.deep.equal({})
    })

    it('checks the INN first and stops there', () => {
      expect(companyErrors(input({ inn: '1234567890' }), null)).to.have.keys('inn')
    })

    it('requires the EDO operator and participant id only when EDO is on', () => {
      expect(companyErrors(input({ edo_enabled: true }), null)).to.have.keys('edo_operator', 'edo_participant_id')
      expect(companyErrors(input({ edo_enabled: true, edo_operator: 'diadoc', edo_participant_id: '2BM-7707083893-773601001' }), null)).to.deep.equal({})
      expect(companyErrors(input({ edo_enabled: false, edo_operator: 'nonsense' }), null)).to.deep.equal({})
    })

    it('validates contact email and phone', () => {
      expect(companyErrors(input({ docs_email: 'not-an-email', docs_phone: '123' }), null)).to.have.keys('docs_email', 'docs_phone')
    })
  })

  it('keys legal entities by INN and KPP, ИП by INN, persons not at all', () => {
    expect(innKppKey('legal', '7707083893', '773601001')).to.equal('7707083893/773601001')
    expect(innKppKey('ip', '500100732259', null)).to.equal('500100732259/')
    expect(innKppKey('person', null, null)).to.equal(null)
  })

  describe('roles and ordering', () => {
    it('lets only owners manage members and tokens', () => {
      for (const r of ROLES) {
        expect(can(r, 'members.manage')).to.equal(r === 'owner')
        expect(can(r, 'tokens.manage')).to.equal(r === 'owner')
      }
      expect(can('accountant', 'documents.manage')).to.equal(true)
      expect(can('buyer', 'points.manage')).to.equal(true)
      expect(can('viewer', 'points.manage')).to.equal(false)
    })

    const table: [string, Role, RegExp | null][] = [
      ['verified', 'owner', null],
      ['verified', 'buyer', null],
      ['verified', 'accountant', /роль/],
      ['verified', 'viewer', /роль/],
      ['unverified', 'owner', /не подтверждена/],
      ['blocked', 'owner', /заблокирована.*: долг/],
    ]
    for (const [status, role, re] of table) {
      it(`ordering for a ${status} company, role ${role}: ${re ? 'refused' : 'allowed'}`, () => {
        const reason = orderingBlockedReason({ status: status as 'verified', blocked_reason: 'долг' }, role)
        if (re) expect(reason).to.match(re)
        else expect(reason).to.equal(null)
      })
    }
  })
})
