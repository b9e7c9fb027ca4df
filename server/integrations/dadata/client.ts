import http from 'node:http'
import https from 'node:https'
import axios, { type AxiosInstance, AxiosError } from 'axios'
import { Upstream } from '../../shared/errors.js'
import type { Logger } from '../../logger.js'
import type { DadataClient, DadataPartyResponse, DadataPartySuggestion } from './types.js'

export interface DadataClientOptions {
  url: string
  token: string
  timeoutMs: number
  retries: number
  logger: Logger
  /** Waits between retries; tests pass a no-op. */
  sleep?: (ms: number) => Promise<void>
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/**
 * The real DaData client (reference/dadata.md). One keep-alive agent, because DaData allows only 60 new connections a minute
 * per IP. Retries only 429, 5xx and network failures, with full-jitter backoff; 401/403/4xx are final (403 is usually the
 * spent daily quota), and every failure becomes an `Upstream` error whose message the form can show.
 */
export function createDadataClient(opts: DadataClientOptions): DadataClient {
  const sleep = opts.sleep ?? defaultSleep
  const http_: AxiosInstance = axios.create({
    baseURL: opts.url,
    timeout: opts.timeoutMs,
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', Authorization: `Token ${opts.token}` },
    httpAgent: new http.Agent({ keepAlive: true, maxSockets: 8 }),
    httpsAgent: new https.Agent({ keepAlive: true, maxSockets: 8 }),
    validateStatus: () => true,
  })

  async function post(path: string, body: unknown): Promise<DadataPartyResponse> {
    let lastError: Upstream | null = null
    let hintMs: number | null = null
    for (let attempt = 0; attempt <= opts.retries; attempt++) {
      // The service's own Retry-After wins over the computed full-jitter delay, but a person is waiting: cap it at 3 s.
      if (attempt > 0) await sleep(Math.min(3000, hintMs ?? Math.random() * Math.min(2000, 200 * 2 ** attempt)))
      hintMs = null
      try {
        const res = await http_.post(path, body)
        if (res.status === 200 && Array.isArray(res.data?.suggestions)) return res.data as DadataPartyResponse
        lastError = classify(res.status)
        const retryAfter = Number(res.headers['retry-after'])
        if (Number.isFinite(retryAfter) && retryAfter >= 0) hintMs = retryAfter * 1000
      } catch (err) {
        const e = err as AxiosError
        lastError = new Upstream(
          e.code === 'ECONNABORTED' || e.code === 'ETIMEDOUT' ? 'Сервис DaData не ответил вовремя' : 'Сервис DaData недоступен',
          'dadata',
          true,
        )
      }
      opts.logger.warn({ service: 'dadata', path, attempt, status: lastError.httpStatus, err: lastError.message }, 'dadata call failed')
      if (!lastError.retryable) break
    }
    throw lastError!
  }

  return {
    async findParty({ inn, kpp }): Promise<DadataPartySuggestion[]> {
      const body: Record<string, unknown> = { query: inn, count: 50 }
      if (kpp) body.kpp = kpp
      const res = await post('/findById/party', body)
      return res.suggestions
    },
  }
}

function classify(status: number): Upstream {
  if (status === 429) return new Upstream('DaData временно ограничила число запросов', 'dadata', true, status)
  if (status >= 500) return new Upstream('Сервис DaData временно не работает', 'dadata', true, status)
  if (status === 403) return new Upstream('Лимит запросов к DaData исчерпан', 'dadata', false, status)
  if (status === 401) return new Upstream('Неверный ключ DaData (ошибка настройки)', 'dadata', false, status)
  return new Upstream(`DaData отклонила запрос (HTTP ${status})`, 'dadata', false, status)
}
