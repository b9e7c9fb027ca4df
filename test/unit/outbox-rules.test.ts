import { expect } from 'chai'
import { nextAttemptAt } from '../../server/integrations/outbox/rules.js'

describe('outbox retry policy', () => {
  const now = 1_000_000
  it('backs off with full jitter below the cap', () => {
    const max = nextAttemptAt({ now, attempts: 3, maxAttempts: 8, permanent: false, random: () => 0.999999 })!
    expect(max - now).to.be.within(39_000, 40_000)
    const min = nextAttemptAt({ now, attempts: 3, maxAttempts: 8, permanent: false, random: () => 0 })!
    expect(min - now).to.equal(1_000)
    const capped = nextAttemptAt({ now, attempts: 7, maxAttempts: 8, permanent: false, random: () => 0.999999 })!
    expect(capped - now).to.be.at.most(15 * 60_000)
  })

  it('prefers the server hint', () => {
    expect(nextAttemptAt({ now, attempts: 1, maxAttempts: 8, permanent: false, retryAfterMs: 30_000 })).to.equal(now + 30_000)
  })

  it('gives up on permanent errors and after the last attempt', () => {
    expect(nextAttemptAt({ now, attempts: 1, maxAttempts: 8, permanent: true })).to.equal(null)
    expect(nextAttemptAt({ now, attempts: 8, maxAttempts: 8, permanent: false })).to.equal(null)
  })
})
