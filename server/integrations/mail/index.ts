import nodemailer from 'nodemailer'
import type { Db } from '../../db/knex.js'
import type { Clock } from '../../shared/clock.js'
import { enqueue } from '../outbox/store.js'
import { insertSandboxLetter } from './store.js'
import { DeliveryError, type OutboxHandler } from '../outbox/dispatcher.js'

export const MAIL_TOPIC = 'mail.send'

export interface MailMessage {
  to: string
  subject: string
  text: string
}

/**
 * Queues an email in the caller's transaction. It is sent by the outbox dispatcher, never inside the request, so a slow or
 * failing mail server neither delays the person nor loses the message. `key` makes the intent idempotent.
 */
export async function queueMail(db: Db, now: number, key: string, msg: MailMessage): Promise<void> {
  await enqueue(db, { topic: MAIL_TOPIC, key: `mail:${key}`, payload: msg, now })
}

/**
 * The outbox handler that delivers mail: through SMTP when `SMTP_URL` is set, otherwise into the sandbox mailbox shown at
 * `/sandbox/mail`.
 */
export function createMailHandler(deps: { db: Db; clock: Clock; smtpUrl: string | null; from: string }): OutboxHandler {
  if (!deps.smtpUrl) {
    return async (msg: MailMessage) => {
      await insertSandboxLetter(deps.db, msg, deps.clock.now().getTime())
      return null
    }
  }
  const transport = nodemailer.createTransport(deps.smtpUrl)
  return async (msg: MailMessage) => {
    try {
      const info = await transport.sendMail({ from: deps.from, to: msg.to, subject: msg.subject, text: msg.text })
      return info.messageId ?? null
    } catch (err) {
      const e = err as { responseCode?: number; message: string }
      // 5xx SMTP replies (bad mailbox, rejected sender) will not get better by retrying.
      throw new DeliveryError(e.message, (e.responseCode ?? 0) >= 500)
    }
  }
}
