import crypto from 'node:crypto'
import { promisify } from 'node:util'

const scrypt = promisify(crypto.scrypt) as (pw: string, salt: Buffer, len: number, opts: crypto.ScryptOptions) => Promise<Buffer>

export interface PasswordHasher {
  hash(password: string): Promise<string>
  verify(password: string, stored: string): Promise<boolean>
}

/**
 * scrypt with OWASP parameters (N = 2^17, r = 8, p = 1: reference/reliability-security.md §4.6), from Node's own crypto.
 * Each hash takes 128 MiB for a moment, so at most `concurrency` run at once on this 2-core host; `logN` is lowered only by
 * the test suite. The stored string carries its parameters, so raising them later keeps old hashes verifiable.
 */
export function createPasswordHasher(logN = 17, concurrency = 2): PasswordHasher {
  let running = 0
  const waiting: (() => void)[] = []
  async function limited<T>(fn: () => Promise<T>): Promise<T> {
    if (running >= concurrency) await new Promise<void>((r) => waiting.push(r))
    running++
    try {
      return await fn()
    } finally {
      running--
      waiting.shift()?.()
    }
  }
  const derive = (pw: string, salt: Buffer, n: number, r: number, p: number) =>
    limited(() => scrypt(pw.normalize('NFKC'), salt, 32, { N: n, r, p, maxmem: 256 * n * r + 1024 * 1024 }))

  return {
    async hash(password) {
      const salt = crypto.randomBytes(16)
      const n = 2 ** logN
      const key = await derive(password, salt, n, 8, 1)
      return `scrypt$${n}$8$1$${salt.toString('base64')}$${key.toString('base64')}`
    },
    async verify(password, stored) {
      const [alg, n, r, p, salt, key] = stored.split('$')
      if (alg !== 'scrypt' || !salt || !key) return false
      const expected = Buffer.from(key, 'base64')
      const actual = await derive(password, Buffer.from(salt, 'base64'), Number(n), Number(r), Number(p))
      return actual.length === expected.length && crypto.timingSafeEqual(actual, expected)
    },
  }
}
