import type { Db } from '../../db/knex.js'

export interface SandboxLetter {
  id: number
  to_addr: string
  subject: string
  body: string
  created_at: number
}

/** Files a letter in the sandbox mailbox (no SMTP configured). */
export async function insertSandboxLetter(db: Db, letter: { to: string; subject: string; text: string }, now: number): Promise<void> {
  await db('sandbox_mail').insert({ to_addr: letter.to, subject: letter.subject, body: letter.text, created_at: now })
}

/** The newest letters of the sandbox mailbox. */
export function listSandboxLetters(db: Db, limit = 100): Promise<SandboxLetter[]> {
  return db('sandbox_mail').orderBy('id', 'desc').limit(limit)
}
