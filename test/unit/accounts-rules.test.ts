import { expect } from 'chai'
import { emailError, loginThrottled, normalizeEmail, normalizePhone, passwordError } from '../../server/accounts/rules.js'
import { createPasswordHasher } from '../../server/accounts/password.js'

describe('account rules', () => {
  it('normalises Russian phone spellings', () => {
    for (const p of ['+7 (916) 123-45-67', '8 916 123 45 67', '9161234567', '79161234567']) {
      expect(normalizePhone(p)).to.equal('+79161234567')
    }
    expect(normalizePhone('12345')).to.equal(null)
    expect(normalizePhone('+1 212 555 0100 00')).to.equal(null)
  })

  it('normalises and checks emails', () => {
    expect(normalizeEmail('  Ivan@Company.RU ')).to.equal('ivan@company.ru')
    expect(emailError('ivan@company.ru')).to.equal(null)
    expect(emailError('ivan@')).to.match(/Проверьте email/)
    expect(emailError('', false)).to.equal(null)
  })

  it('asks for a long enough password and a matching repeat', () => {
    expect(passwordError('short')).to.match(/не короче 10/)
    expect(passwordError('aaaaaaaaaaaa')).to.match(/одного повторяющегося/)
    expect(passwordError('long-enough-pass', 'other')).to.match(/не совпадают/)
    expect(passwordError('long-enough-pass', 'long-enough-pass')).to.equal(null)
  })

  it('throttles at the account or the IP limit', () => {
    const limits = { maxFailuresAccount: 20, maxFailuresIp: 100 }
    expect(loginThrottled({ account: 19, ip: 99 }, limits)).to.equal(false)
    expect(loginThrottled({ account: 20, ip: 0 }, limits)).to.equal(true)
    expect(loginThrottled({ account: 0, ip: 100 }, limits)).to.equal(true)
  })

  it('hashes with scrypt and verifies; the stored string carries its parameters', async () => {
    const h = createPasswordHasher(10)
    const stored = await h.hash('пароль-с-кириллицей')
    expect(stored).to.match(/^scrypt\$1024\$8\$1\$/)
    expect(await h.verify('пароль-с-кириллицей', stored)).to.equal(true)
    expect(await h.verify('другой пароль', stored)).to.equal(false)
    expect(await h.verify('x', 'garbage')).to.equal(false)
  })

  it('uses the OWASP scrypt cost by default (N = 2^17)', async () => {
    const stored = await createPasswordHasher().hash('correct-horse-battery')
    expect(stored.startsWith('scrypt$131072$8$1$')).to.equal(true)
  })
})
