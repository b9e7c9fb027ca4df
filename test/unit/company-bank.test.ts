import { expect } from 'chai'
import {
  bankAccountErrors,
  bikError,
  correspondentKeyOk,
  groupDigits,
  keyAccount,
  normalizeBankAccount,
  settlementKeyOk,
} from '../../server/companies/bank.js'
import { can } from '../../server/companies/rules.js'

/*
 * Real public pairs: correspondent accounts of big banks at the Bank of Russia (their БИК ends in the last three digits
 * of the account), a charity fund's published settlement account at Sberbank, and accounts printed on invoices and bank
 * statements in public repositories.
 */
const CORR = [
  { bik: '044525225', corr: '30101810400000000225', bank: 'ПАО Сбербанк' },
  { bik: '044525974', corr: '30101810145250000974', bank: 'АО «ТБанк»' },
  { bik: '044525593', corr: '30101810200000000593', bank: 'АО «Альфа-Банк»' },
  { bik: '044525187', corr: '30101810700000000187', bank: 'Банк ВТБ (ПАО)' },
  { bik: '044525823', corr: '30101810200000000823', bank: '«Газпромбанк» (АО)' },
  { bik: '046577674', corr: '30101810500000000674', bank: 'Уральский банк ПАО Сбербанк, Екатеринбург' },
]
const SETTLEMENT = [
  { bik: '044525225', account: '40703810238000002575' },
  { bik: '044525225', account: '40702810238720001420' },
  { bik: '044525700', account: '40702810800001400002' },
]

const good = { bik: '044525225', account: '40703810238000002575', corr_account: '30101810400000000225', bank_name: 'ПАО Сбербанк', bank_city: 'Москва' }

describe('bank accounts: the Central Bank control key («ключевание»)', () => {
  it('accepts real correspondent accounts against their БИК', () => {
    for (const c of CORR) expect(correspondentKeyOk(c.bik, c.corr), c.bank).to.equal(true)
  })

  it('accepts real settlement accounts against their БИК', () => {
    for (const s of SETTLEMENT) expect(settlementKeyOk(s.bik, s.account), s.account).to.equal(true)
  })

  it('refuses one mistyped digit anywhere and two swapped neighbours', () => {
    const a = SETTLEMENT[0]!.account
    for (let i = 0; i < 20; i++) {
      const d = (Number(a[i]) + 1) % 10
      expect(settlementKeyOk('044525225', a.slice(0, i) + d + a.slice(i + 1)), `digit ${i}`).to.equal(false)
    }
    // 0 and 3 swapped at positions 3–4 (weights 7 and 1 → a different sum).
    expect(settlementKeyOk('044525225', '40730810238000002575')).to.equal(false)
    // The right account with another bank's БИК.
    expect(settlementKeyOk('044525974', a)).to.equal(false)
    expect(correspondentKeyOk('046577674', '30101810400000000225')).to.equal(false)
  })

  it('checks the БИК itself', () => {
    expect(bikError('')).to.equal('Укажите БИК банка')
    expect(bikError('04452522')).to.equal('БИК состоит из 9 цифр')
    expect(bikError('04452522x')).to.equal('БИК состоит только из цифр')
    expect(bikError('144525225')).to.match(/начинается с 0/)
    expect(bikError('044525225')).to.equal(null)
  })

  it('gives every field error at once, in Russian, and the key message next to the account', () => {
    expect(bankAccountErrors(good)).to.deep.equal({})
    const wrongKey = bankAccountErrors({ ...good, account: '40703810238000002576' })
    expect(wrongKey).to.deep.equal({ account: 'Расчётный счёт не сходится с БИК — проверьте цифры' })
    const wrongCorr = bankAccountErrors({ ...good, corr_account: '30101810400000000226' })
    expect(wrongCorr).to.deep.equal({ corr_account: 'Корреспондентский счёт не сходится с БИК — проверьте цифры' })
    const all = bankAccountErrors({ bik: '', account: '4070', corr_account: '40702810238720001420', bank_name: '', bank_city: '' })
    expect(all).to.deep.equal({
      bik: 'Укажите БИК банка',
      account: 'Расчётный счёт состоит из 20 цифр, а введено 4',
      corr_account: 'Корреспондентский счёт банка начинается с 301',
      bank_name: 'Укажите название банка',
      bank_city: 'Укажите город банка',
    })
    // A wrong БИК is reported once, at the БИК, not again at both accounts.
    expect(bankAccountErrors({ ...good, bik: '04452522' })).to.deep.equal({ bik: 'БИК состоит из 9 цифр' })
  })

  it('takes accounts pasted with spaces, dashes and dots', () => {
    const n = normalizeBankAccount({ ...good, account: '4070 3810-2380.0000 2575', bik: ' 044 525 225 ', bank_name: '  ПАО   Сбербанк ' })
    expect(n.account).to.equal('40703810238000002575')
    expect(n.bik).to.equal('044525225')
    expect(n.bank_name).to.equal('ПАО Сбербанк')
    expect(bankAccountErrors(n)).to.deep.equal({})
  })

  it('groups digits by four for reading and completes a test account with its key digit', () => {
    expect(groupDigits('40703810238000002575')).to.equal('4070 3810 2380 0000 2575')
    const keyed = keyAccount('044525974', '40702810000000012345')
    expect(keyed).to.have.length(20)
    expect(settlementKeyOk('044525974', keyed)).to.equal(true)
  })

  it('lets the owner and the accountant change bank accounts, not the buyer or the viewer', () => {
    expect(can('owner', 'bank.manage')).to.equal(true)
    expect(can('accountant', 'bank.manage')).to.equal(true)
    expect(can('buyer', 'bank.manage')).to.equal(false)
    expect(can('viewer', 'bank.manage')).to.equal(false)
  })

  it('accepts a budget buyer\'s treasury account (03…) with the single treasury account (40102…) as its correspondent', () => {
    // УФК по г. Москве: the pair every Moscow tax payment names since 2021.
    const treasury = { bik: '004525988', account: '03100643000000017300', corr_account: '40102810545370000003', bank_name: 'ГУ Банка России по ЦФО//УФК по г. Москве', bank_city: 'Москва' }
    expect(bankAccountErrors(treasury)).to.deep.equal({})
    expect(bankAccountErrors({ ...treasury, corr_account: '30101810400000000225' }).corr_account).to.match(/40102/)
    expect(bankAccountErrors({ ...treasury, corr_account: '40102810545370000004' }).corr_account).to.match(/не сходится с БИК/)
  })
})
