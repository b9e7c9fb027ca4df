import { expect } from 'chai'
import { normalizeSku } from '../../server/catalog/rules.js'
import { buildCatalog } from '../../server/db/seeds/catalog.js'

describe('demo catalog data', () => {
  const data = buildCatalog()

  it('is the same on every call and has a few hundred products with unique Latin articles', () => {
    expect(JSON.stringify(buildCatalog())).to.equal(JSON.stringify(data))
    expect(data.length).to.be.within(250, 400)
    const norms = data.map((d) => normalizeSku(d.sku))
    expect(new Set(norms).size).to.equal(norms.length)
    for (const d of data) expect(d.sku, d.sku).to.match(/^[A-Z0-9][A-Za-z0-9-]+$/)
  })

  it('sells EcoCups by the piece from 12 in steps of 12, or in boxes of 50', () => {
    const cups = data.filter((d) => d.sku.startsWith('ECO-CUP') && d.active !== false)
    expect(cups.length).to.be.greaterThan(50)
    for (const c of cups) {
      expect(c.unit).to.equal('шт')
      expect(c.packs[0]).to.deep.include({ factor: 1, min: 12, step: 12, isDefault: true })
      expect(c.packs.map((p) => p.factor)).to.include(50)
    }
  })

  it('sells green coffee in sacks of 60, 30 and 10 kg and by the kilogram, with origin data', () => {
    const green = data.filter((d) => d.sku.startsWith('GRN-') && d.active !== false)
    expect(green.length).to.be.greaterThan(25)
    for (const g of green) {
      expect(g.unit).to.equal('кг')
      expect(g.packs.map((p) => p.factor)).to.deep.equal([60, 30, 10, 1])
      expect(g.values).to.include.keys('country', 'region', 'altitude', 'processing', 'variety', 'soil')
      expect(g.profile).to.have.length.greaterThan(20)
    }
    expect(data.filter((d) => d.active === false)).to.have.length(2)
    expect(new Set(data.map((d) => d.key))).to.include.members(['green', 'roasted', 'puer', 'oolong', 'black', 'greentea', 'cups', 'lids', 'filters'])
  })
})
