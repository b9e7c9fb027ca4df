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

describe('outbox: Retry-After and HTTP failure classes', () => {
  const now = Date.UTC(2026, 10, 27, 10, 0, 0)
  it('reads Retry-After as seconds or as an HTTP date', async () => {
    const { parseRetryAfter } = await import('../../server/integrations/outbox/rules.js')
    expect(parseRetryAfter('120', now)).to.equal(120_000)
    expect(parseRetryAfter(' 2 ', now)).to.equal(2_000)
    expect(parseRetryAfter(['7', '9'], now)).to.equal(7_000)
    expect(parseRetryAfter('Fri, 27 Nov 2026 10:01:30 GMT', now)).to.equal(90_000)
    expect(parseRetryAfter('Fri, 27 Nov 2026 09:00:00 GMT', now)).to.equal(0)
    expect(parseRetryAfter('soon', now)).to.equal(null)
    expect(parseRetryAfter('', now)).to.equal(null)
    expect(parseRetryAfter('-5', now)).to.equal(null)
    expect(parseRetryAfter(undefined, now)).to.equal(null)
  })

  it('classifies answers: rate limits, transient, permanent, and takes the hints', async () => {
    const { classifyHttpFailure } = await import('../../server/integrations/outbox/rules.js')
    expect(classifyHttpFailure({ status: 429, headers: { 'retry-after': '3' }, now })).to.deep.equal({ permanent: false, rateLimited: true, retryAfterMs: 3000 })
    expect(classifyHttpFailure({ status: 503, body: { error: 'QUERY_LIMIT_EXCEEDED' }, now })).to.deep.equal({ permanent: false, rateLimited: true, retryAfterMs: null })
    expect(classifyHttpFailure({ status: 503, body: { error: 'OVERLOAD_LIMIT' }, now })).to.include({ permanent: false, rateLimited: false })
    expect(classifyHttpFailure({ status: 500, now })).to.include({ permanent: false, rateLimited: false })
    expect(classifyHttpFailure({ status: 502, headers: { 'Retry-After': 'Fri, 27 Nov 2026 10:00:10 GMT' }, now })).to.deep.equal({ permanent: false, rateLimited: false, retryAfterMs: 10_000 })
    expect(classifyHttpFailure({ status: 408, now })).to.include({ permanent: false })
    expect(classifyHttpFailure({ status: 400, headers: { 'retry-after': '5' }, now })).to.deep.equal({ permanent: true, rateLimited: false, retryAfterMs: null })
    expect(classifyHttpFailure({ status: 403, now })).to.include({ permanent: true })
    expect(classifyHttpFailure({ code: 'ETIMEDOUT', now })).to.deep.equal({ permanent: false, rateLimited: false, retryAfterMs: null })
    expect(classifyHttpFailure({ status: 429, headers: { 'x-lognex-retry-after': '2500' }, now }).retryAfterMs).to.equal(2500)
    const op = classifyHttpFailure({ status: 429, body: { error: 'OPERATION_TIME_LIMIT', time: { operating_reset_at: now / 1000 + 60 } }, now })
    expect(op).to.deep.equal({ permanent: false, rateLimited: true, retryAfterMs: 60_000 })
  })

  it('waits out a rate limit by the hint or a short backoff, never giving up', async () => {
    const { nextThrottledAt } = await import('../../server/integrations/outbox/rules.js')
    expect(nextThrottledAt({ now, throttled: 1, retryAfterMs: 4000 })).to.equal(now + 4000)
    expect(nextThrottledAt({ now, throttled: 1, random: () => 0 })).to.equal(now + 500)
    expect(nextThrottledAt({ now, throttled: 50, random: () => 0.999999 }) - now).to.be.at.most(60_000)
  })
})
