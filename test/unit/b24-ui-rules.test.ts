import { expect } from 'chai'
import { framedCsp, packageRowsOf, parseInstallForm, parsePackages, parsePlacementForm, sameSecret, signPlacement, stageDecision, verifyPlacement } from '../../b24-app/ui-rules.js'

describe('b24 app pages: pure rules', () => {
  it('reads the install POST as reference §2.1 shows it, and refuses what is not one', () => {
    const f = parseInstallForm({ DOMAIN: 'Xxx.Bitrix24.ru', PROTOCOL: '1', LANG: 'ru', APP_SID: 'dd8c' }, { AUTH_ID: 'ahodg', AUTH_EXPIRES: '3600', REFRESH_ID: '2lg0', SERVER_ENDPOINT: 'https://oauth.bitrix.info/rest/', APPLICATION_TOKEN: 'ec1b', APPLICATION_SCOPE: 'crm,placement', member_id: 'a223c6b3', status: 'L', PLACEMENT: 'DEFAULT' })
    expect(f).to.deep.equal({ domain: 'xxx.bitrix24.ru', protocol: 'https', memberId: 'a223c6b3', accessToken: 'ahodg', refreshToken: '2lg0', expiresInSec: 3600, serverEndpoint: 'https://oauth.bitrix.info/rest/', applicationToken: 'ec1b', scope: 'crm,placement' })
    expect(parseInstallForm({ DOMAIN: 'evil.com/x?y' }, { AUTH_ID: 'a', REFRESH_ID: 'b', member_id: 'abcd' })).to.have.property('error')
    expect(parseInstallForm({ DOMAIN: 'x.bitrix24.ru' }, { AUTH_ID: 'a', member_id: 'abcd' })).to.have.property('error')
  })

  it('reads PLACEMENT_OPTIONS as a JSON string with a string ID', () => {
    expect(parsePlacementForm({ AUTH_ID: 'a', member_id: 'abcd', PLACEMENT: 'CRM_DEAL_DETAIL_TAB', PLACEMENT_OPTIONS: '{"ID":"8061","URI":"/crm/deal/details/8061/"}' })).to.deep.equal({ memberId: 'abcd', authId: 'a', placement: 'CRM_DEAL_DETAIL_TAB', entityId: 8061 })
    expect(parsePlacementForm({ AUTH_ID: 'a', member_id: 'abcd', PLACEMENT_OPTIONS: 'not json' })!.entityId).to.equal(null)
    expect(parsePlacementForm({ member_id: 'abcd' })).to.equal(null)
  })

  it('signs placement tokens that expire and cannot be altered', () => {
    const claims = { m: 'abcd', u: '7', n: 'Ирина', a: false, p: 'CRM_DEAL_DETAIL_TAB', id: 5, exp: 2_000 }
    const t = signPlacement(claims, 'secret-1')
    expect(verifyPlacement(t, 'secret-1', 1_000)).to.deep.equal(claims)
    expect(verifyPlacement(t, 'secret-1', 2_000)).to.equal(null)
    expect(verifyPlacement(t, 'secret-2', 1_000)).to.equal(null)
    const forged = Buffer.from(JSON.stringify({ ...claims, id: 6 })).toString('base64url')
    expect(verifyPlacement(`${forged}.${t.split('.')[1]}`, 'secret-1', 1_000)).to.equal(null)
    expect(verifyPlacement(undefined, 'secret-1', 1_000)).to.equal(null)
  })

  it('compares application tokens in constant time, never matching a missing one', () => {
    expect(sameSecret('abc', 'abc')).to.equal(true)
    expect(sameSecret('abc', 'abd')).to.equal(false)
    expect(sameSecret('abc', 'abcd')).to.equal(false)
    expect(sameSecret(null, '')).to.equal(false)
  })

  it('lets only the install portal frame the page', () => {
    const csp = "default-src 'self';frame-ancestors 'self';script-src 'self'"
    expect(framedCsp(csp, 'https://x.bitrix24.ru')).to.equal("default-src 'self';script-src 'self';frame-ancestors 'self' https://x.bitrix24.ru")
  })

  it('decides what a deal stage does to the order: move, nothing (unmapped, same, our own echo) or a recorded refusal', () => {
    const mapping = { stageToStatus: { PAY: 'awaiting_payment', WON: 'completed', NEW: 'pending' }, statusToStage: { pending: 'NEW', awaiting_payment: 'PAY' } }
    expect(stageDecision('PAY', 'pending', mapping)).to.deep.equal({ kind: 'move', to: 'awaiting_payment' })
    expect(stageDecision('OTHER', 'pending', mapping).kind).to.equal('none')
    expect(stageDecision('PAY', 'awaiting_payment', mapping).kind).to.equal('none')
    expect(stageDecision('NEW', 'pending', { ...mapping, stageToStatus: { NEW: 'awaiting_payment' } })).to.deep.include({ kind: 'none', why: 'deal is where our sync put it' })
    expect(stageDecision('WON', 'pending', mapping)).to.deep.include({ kind: 'refused', to: 'completed' })
  })

  it('reads package rows: empty rows skipped, places repeated, bad numbers explained per row', () => {
    const rows = packageRowsOf({ pkg_weight: ['1500', '', 'x'], pkg_length: ['40', '', '1'], pkg_width: ['30', '', '1'], pkg_height: ['20', '', '1'], pkg_count: ['2', '', ''] })
    expect(rows).to.have.length(3)
    const bad = parsePackages(rows)
    expect(bad.packages).to.equal(null)
    expect(bad.errors[2]).to.contain('Вес')
    const ok = parsePackages(rows.slice(0, 2))
    expect(ok.packages).to.deep.equal([{ weightG: 1500, lengthCm: 40, widthCm: 30, heightCm: 20 }, { weightG: 1500, lengthCm: 40, widthCm: 30, heightCm: 20 }])
    expect(parsePackages([{ weight: '', length: '', width: '', height: '', count: '' }])).to.deep.equal({ packages: null, errors: {} })
    expect(parsePackages([{ weight: '10', length: '10', width: '10', height: '0', count: '1' }]).errors[0]).to.contain('сантиметры')
  })
})
