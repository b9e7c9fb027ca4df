import { expect } from 'chai'
import { completeInn, completeOgrn, innError, innKind, kppError, ogrnError } from '../../server/companies/requisites.js'

describe('requisites checksums (reference/dadata.md §5)', () => {
  const valid = ['7707083893', '2464235341', '500100732259', '773006366201']
  for (const inn of valid) {
    it(`accepts the reference INN ${inn}`, () => expect(innError(inn)).to.equal(null))
  }

  const bad: [string, RegExp][] = [
    ['', /Укажите ИНН/],
    ['77070838', /10 цифр .* 12 цифр/],
    ['7707083894', /контрольная цифра/],
    ['500100732258', /контрольные цифры/],
    ['77070838a3', /только из цифр/],
    ['0000000000', /одних нулей/],
    ['000000000000', /одних нулей/],
  ]
  for (const [inn, re] of bad) {
    it(`rejects INN "${inn}" with a Russian message`, () => expect(innError(inn)).to.match(re))
  }

  it('checks the length the form expects', () => {
    expect(innError('500100732259', 'legal')).to.match(/10 цифр/)
    expect(innError('7707083893', 'ip')).to.match(/12 цифр/)
    expect(innKind('7707083893')).to.equal('legal')
    expect(innKind('500100732259')).to.equal('ip')
  })

  it('validates OGRN and OGRNIP, including OGRNIP remainders 11 and 12', () => {
    expect(ogrnError('1027700132195', 'legal')).to.equal(null)
    expect(ogrnError('1112468036559', 'legal')).to.equal(null)
    expect(ogrnError('385768585948949', 'ip')).to.equal(null)
    expect(ogrnError('1027700132196', 'legal')).to.match(/контрольная цифра/)
    expect(ogrnError('102770013219', 'legal')).to.match(/13 цифр/)
    expect(ogrnError('38576858594894', 'ip')).to.match(/15 цифр/)
    // Find stems whose remainder mod 13 is 11 and 12: python-stdnum wrongly rejects those.
    for (const want of [11, 12]) {
      let stem = 30477460000000n
      while (Number(stem % 13n) !== want) stem++
      const ogrnip = completeOgrn(String(stem))
      expect(ogrnip.at(-1)).to.equal(String(want % 10))
      expect(ogrnError(ogrnip, 'ip')).to.equal(null)
    }
    expect(ogrnError('', 'legal')).to.equal(null)
  })

  it('validates KPP by shape (letters allowed in the reason code)', () => {
    expect(kppError('773601001')).to.equal(null)
    expect(kppError('7736AB001')).to.equal(null)
    expect(kppError('77360100')).to.match(/9 символов/)
    expect(kppError('7736ab001')).to.match(/9 символов/)
    expect(kppError('')).to.match(/Укажите КПП/)
  })

  it('completes check digits for generated numbers', () => {
    expect(completeInn('770708389')).to.equal('7707083893')
    expect(completeInn('5001007322')).to.equal('500100732259')
    expect(completeOgrn('102770013219')).to.equal('1027700132195')
  })
})
