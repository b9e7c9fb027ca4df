import type { Request } from 'express'

/** A trimmed string field of the parsed body (never undefined), cut to `max` characters. */
export function field(req: Request, name: string, max = 500): string {
  const v = (req.body as Record<string, unknown> | undefined)?.[name]
  const s = Array.isArray(v) ? v[0] : v
  return typeof s === 'string' ? s.trim().slice(0, max) : ''
}

/** A checkbox: present and not "0"/"off". */
export function checkbox(req: Request, name: string): boolean {
  const v = field(req, name)
  return v !== '' && v !== '0' && v !== 'off' && v !== 'false'
}

/** A password field exactly as typed (not trimmed: spaces are part of a password). */
export function rawField(req: Request, name: string, max = 200): string {
  const v = (req.body as Record<string, unknown> | undefined)?.[name]
  return typeof v === 'string' ? v.slice(0, max) : ''
}

/** A local path to return to after an action; anything else (other hosts, `//evil`) falls back. */
export function safeReturnTo(value: unknown, fallback = '/'): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return fallback
  return value.slice(0, 500)
}
