import { pino, type Logger } from 'pino'

export type { Logger }

/** The process logger; every request and job gets a child with its own id. */
export function createLogger(level: string): Logger {
  return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime })
}
