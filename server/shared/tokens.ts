import crypto from 'node:crypto'

/** A URL-safe random secret with 256 bits of entropy (invitation links, reset links, API tokens, file names). */
export function randomToken(bytes = 32): string {
  return crypto.randomBytes(bytes).toString('base64url')
}

/** SHA-256 hex of a secret: only hashes of bearer secrets are stored, so a database leak reveals no usable link or token. */
export function sha256(text: string | Buffer): string {
  return crypto.createHash('sha256').update(text).digest('hex')
}

/** Compares two strings in constant time. */
export function safeEqual(a: string, b: string): boolean {
  const ba = Buffer.from(a)
  const bb = Buffer.from(b)
  return ba.length === bb.length && crypto.timingSafeEqual(ba, bb)
}
