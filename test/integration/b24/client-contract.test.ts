import { expect } from 'chai'
import nock from 'nock'
import { testDb } from '../../support/hooks.js'
import { uniq } from '../../support/factories.js'
import { createLogger } from '../../../server/logger.js'
import { manualClock } from '../../../server/shared/clock.js'
import { createRateLimiter } from '../../../server/integrations/outbox/rate-limit.js'
import { DeliveryError } from '../../../server/integrations/outbox/dispatcher.js'
import { createB24Client } from '../../../b24-app/client.js'
import { findInstall, saveInstall } from '../../../b24-app/installs.js'

/*
 * Contract tests of the REST client against nock stubs shaped as reference/bitrix24.md §3–4 and §11 describe them: the SDK
 * POSTs JSON to `<client_endpoint>/<method>?bx24_…` with `auth` in the body; the refresh is a form-encoded POST to
 * `<server_endpoint without /rest/>/oauth/token/`.
 */

const PORTAL = 'https://b2b-test.bitrix24.ru'
/** A success answer as Bitrix24 shapes it (§4.1): the result and the timing block every answer carries. */
const ok = (result: unknown) => ({
  result,
  time: { start: 1764230400.1, finish: 1764230400.2, duration: 0.1, processing: 0.05, date_start: '2026-11-27T10:00:00+03:00', date_finish: '2026-11-27T10:00:00+03:00', operating: 0, operating_reset_at: 1764231000 },
})
const OAUTH = 'https://oauth.bitrix.info'

describe('b24 client: REST contract (nock)', () => {
  const db = () => testDb()
  const clock = manualClock()
  const logger = createLogger('silent')

  const made: string[] = []
  afterEach(async () => {
    // Leave no active install of a nock portal behind for other files' handlers.
    await db()('b24_installs').whereIn('member_id', made).update({ status: 'uninstalled' })
  })

  async function setup(o: { memberId?: string } = {}) {
    const memberId = o.memberId ?? `m${uniq()}`
    made.push(memberId)
    await saveInstall(
      db(),
      {
        memberId,
        domain: 'b2b-test.bitrix24.ru',
        clientEndpoint: `${PORTAL}/rest/`,
        serverEndpoint: `${OAUTH}/rest/`,
        accessToken: 'access-1',
        refreshToken: 'refresh-1',
        expiresAt: clock.now().getTime() + 3_600_000,
        applicationToken: 'app-token',
        scope: 'crm,placement,task',
      },
      clock.now().getTime(),
    )
    const client = createB24Client({
      db: db(),
      clock,
      logger,
      secret: { clientId: 'local.test', clientSecret: 'secret' },
      limiter: createRateLimiter({ db: db(), clock }),
      sleep: async (ms) => clock.advance(ms),
      timeoutMs: 500,
    })
    return { memberId, client }
  }

  it('crm.deal.add: POSTs JSON with auth in the body and returns result', async () => {
    const { memberId, client } = await setup()
    let body: any
    nock(PORTAL)
      .post(/^\/rest\/crm\.deal\.add/)
      .query(true)
      .reply(200, (_uri, b) => {
        body = b
        return ok(394)
      })
    const id = await client.call(memberId, 'crm.deal.add', { fields: { TITLE: 'Заказ B2B-1', ORIGIN_ID: 'B2B-1' }, params: { REGISTER_SONET_EVENT: 'N' } })
    expect(id).to.equal(394)
    expect(body.auth).to.equal('access-1')
    expect(body.fields.ORIGIN_ID).to.equal('B2B-1')
  })

  it('401 expired_token → form-encoded refresh → retry once; the new pair is saved', async () => {
    const { memberId, client } = await setup()
    nock(PORTAL).post(/^\/rest\/crm\.company\.add/).query(true).reply(401, { error: 'expired_token', error_description: 'The access token provided has expired.' })
    let refreshBody = ''
    nock(OAUTH)
      .post('/oauth/token/', (b) => {
        refreshBody = new URLSearchParams(b as any).toString()
        return true
      })
      .reply(200, {
        access_token: 'access-2',
        client_endpoint: `${PORTAL}/rest/`,
        domain: 'oauth.bitrix.info',
        expires: Math.floor(clock.now().getTime() / 1000) + 3600,
        expires_in: 3600,
        member_id: memberId,
        refresh_token: 'refresh-2',
        scope: 'crm,placement,task',
        server_endpoint: `${OAUTH}/rest/`,
        status: 'L',
        user_id: 1,
      })
    let retryAuth = ''
    nock(PORTAL)
      .post(/^\/rest\/crm\.company\.add/)
      .query(true)
      .reply(200, (_u, b: any) => {
        retryAuth = b.auth
        return ok(12)
      })
    expect(await client.call(memberId, 'crm.company.add', { fields: { TITLE: 'ООО Тест' } })).to.equal(12)
    expect(retryAuth).to.equal('access-2')
    expect(refreshBody).to.contain('grant_type=refresh_token').and.contain('refresh_token=refresh-1').and.contain('client_id=local.test')
    const saved = await findInstall(db(), memberId)
    expect(saved!.accessToken).to.equal('access-2')
    expect(saved!.refreshToken).to.equal('refresh-2')
    expect(nock.isDone()).to.equal(true)
  })

  it('503 QUERY_LIMIT_EXCEEDED → a rate-limited transient error with a hint', async () => {
    const { memberId, client } = await setup()
    nock(PORTAL).post(/^\/rest\/crm\.deal\.update/).query(true).reply(503, { error: 'QUERY_LIMIT_EXCEEDED', error_description: 'Too many requests' })
    const err = await client.call(memberId, 'crm.deal.update', { id: 1, fields: {} }).catch((e) => e)
    expect(err).to.be.instanceOf(DeliveryError)
    expect(err.permanent).to.equal(false)
    expect(err.rateLimited).to.equal(true)
    expect(err.retryAfterMs).to.be.greaterThan(0)
    expect(err.message).to.contain('QUERY_LIMIT_EXCEEDED')
  })

  it('401 invalid_token → permanent, no refresh, the install is marked for reinstall', async () => {
    const { memberId, client } = await setup()
    nock(PORTAL).post(/^\/rest\/crm\.deal\.get/).query(true).reply(401, { error: 'invalid_token', error_description: 'Unable to verify access token' })
    const err = await client.call(memberId, 'crm.deal.get', { id: 1 }).catch((e) => e)
    expect(err).to.be.instanceOf(DeliveryError)
    expect(err.permanent).to.equal(true)
    expect((await findInstall(db(), memberId))!.authError).to.contain('invalid_token')
    expect(nock.pendingMocks()).to.deep.equal([])
  })

  it('batch: per-command errors come back by name next to the results', async () => {
    const { memberId, client } = await setup()
    let body: any
    nock(PORTAL)
      .post(/^\/rest\/batch/)
      .query(true)
      .reply(200, (_u, b) => {
        body = b
        return ok({
          result: { a: 7 },
          result_error: { b: { error: 'ERROR_CORE', error_description: 'Not found' } },
          result_total: [],
          result_next: [],
          result_time: {},
        })
      })
    const r = await client.batch(memberId, { a: ['crm.deal.add', { fields: { TITLE: 'x' } }], b: ['crm.deal.update', { id: 999, fields: { TITLE: 'y' } }] })
    expect(body.halt).to.equal(0)
    expect(body.cmd.a).to.match(/^crm\.deal\.add\?/)
    expect(r.result).to.deep.equal({ a: 7 })
    expect(r.errors.b!.code).to.equal('ERROR_CORE')
  })
})
