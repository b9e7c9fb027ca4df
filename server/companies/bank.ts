/**
 * Bank accounts of a company (банковские реквизиты): pure checks of БИК, расчётный and корреспондентский счёт with the
 * Central Bank's control key («ключевание», Положение ЦБ РФ № 579-П, приложение). No IO; the messages are shown next to
 * the field they concern.
 *
 * The key: 23 digits (3 digits of the bank + the 20-digit account) multiplied by the weights 7, 1, 3 repeating; the
 * lowest digit of the sum is 0 for a right pair. A settlement account is keyed with the last 3 digits of the БИК; a
 * correspondent account (opened at the Bank of Russia) with «0» and the 5th and 6th digits of the БИК.
 */

import type { BankAccountInput } from './types.js'

const WEIGHTS = [7, 1, 3]

/** True when the 23 digits pass the control key. */
function keyed(digits: string): boolean {
  let sum = 0
  for (let i = 0; i < digits.length; i++) sum += Number(digits[i]) * WEIGHTS[i % 3]!
  return sum % 10 === 0
}

/** Does a settlement account agree with the БИК of its bank (both already of the right length and digits only)? */
export function settlementKeyOk(bik: string, account: string): boolean {
  return keyed(bik.slice(6, 9) + account)
}

/** Does a correspondent account agree with the БИК of its bank? */
export function correspondentKeyOk(bik: string, corrAccount: string): boolean {
  return keyed(`0${bik.slice(4, 6)}${corrAccount}`)
}

/**
 * A treasury account (казначейский счёт, 03…) of a budget-funded buyer — a school, a hospital, an agency paying through the
 * Federal Treasury. Since 2021 these are assigned by the Treasury and are not keyed against the БИК of the ТОФК like a
 * bank's settlement account; their «correspondent» account is the single treasury account (ЕКС, 40102…), which is keyed as
 * usual.
 */
export function isTreasury(account: string): boolean {
  return account.startsWith('03')
}

/** БИК: 9 digits, starting with 04 (banks in Russia) or 0 in general; null when it is right. */
export function bikError(bik: string): string | null {
  if (!bik) return 'Укажите БИК банка'
  if (!/^\d+$/.test(bik)) return 'БИК состоит только из цифр'
  if (bik.length !== 9) return 'БИК состоит из 9 цифр'
  if (bik[0] !== '0') return 'БИК российского банка начинается с 0'
  return null
}

/** Only digits survive: people paste accounts with spaces, dashes and dots. */
export function digitsOnly(s: string): string {
  return s.replace(/[\s\-.]/g, '')
}

/** Cleans what the form sent: digits without separators, names trimmed. */
export function normalizeBankAccount(input: BankAccountInput): BankAccountInput {
  return {
    bik: digitsOnly(input.bik),
    account: digitsOnly(input.account),
    corr_account: digitsOnly(input.corr_account),
    bank_name: input.bank_name.trim().replace(/\s+/g, ' '),
    bank_city: input.bank_city.trim().replace(/\s+/g, ' '),
  }
}

export const BANK_LIMITS = { bank_name: 300, bank_city: 100 } as const

/**
 * Field errors of one bank account form (after `normalizeBankAccount`), every one at once. The accounts are checked
 * against the БИК only when the БИК itself is right, so a mistyped БИК is reported once, next to the БИК.
 */
export function bankAccountErrors(a: BankAccountInput): Record<string, string> {
  const errors: Record<string, string> = {}
  const bik = bikError(a.bik)
  if (bik) errors.bik = bik
  if (!a.account) errors.account = 'Укажите расчётный счёт'
  else if (!/^\d+$/.test(a.account)) errors.account = 'Расчётный счёт состоит только из цифр'
  else if (a.account.length !== 20) errors.account = `Расчётный счёт состоит из 20 цифр, а введено ${a.account.length}`
  else if (!bik && !isTreasury(a.account) && !settlementKeyOk(a.bik, a.account)) errors.account = 'Расчётный счёт не сходится с БИК — проверьте цифры'
  if (!a.corr_account) errors.corr_account = 'Укажите корреспондентский счёт банка'
  else if (!/^\d+$/.test(a.corr_account)) errors.corr_account = 'Корреспондентский счёт состоит только из цифр'
  else if (a.corr_account.length !== 20) errors.corr_account = `Корреспондентский счёт состоит из 20 цифр, а введено ${a.corr_account.length}`
  else if (isTreasury(a.account) && !a.corr_account.startsWith('40102')) errors.corr_account = 'Для казначейского счёта (03…) укажите единый казначейский счёт: он начинается с 40102'
  else if (!isTreasury(a.account) && !a.corr_account.startsWith('301')) errors.corr_account = 'Корреспондентский счёт банка начинается с 301'
  else if (!bik && !correspondentKeyOk(a.bik, a.corr_account)) errors.corr_account = 'Корреспондентский счёт не сходится с БИК — проверьте цифры'
  if (!a.bank_name) errors.bank_name = 'Укажите название банка'
  else if (a.bank_name.length > BANK_LIMITS.bank_name) errors.bank_name = 'Слишком длинное название банка'
  if (!a.bank_city) errors.bank_city = 'Укажите город банка'
  else if (a.bank_city.length > BANK_LIMITS.bank_city) errors.bank_city = 'Слишком длинное название города'
  return errors
}

/** Groups of four digits for reading an account aloud or checking it against a paper: 4070 2810 2387 2000 1420. */
export function groupDigits(s: string): string {
  return s.replace(/(\d{4})(?=\d)/g, '$1 ')
}

/** Appends the control digit (position 9 of the account) to a settlement account with any digit there: seeds and factories. */
export function keyAccount(bik: string, account: string): string {
  for (let d = 0; d <= 9; d++) {
    const candidate = account.slice(0, 8) + d + account.slice(9)
    if (settlementKeyOk(bik, candidate)) return candidate
  }
  throw new Error('no control digit fits')
}
