/** The source of the current time. Business rules take `now` as input; the composition root passes the system clock. */
export interface Clock {
  now(): Date
}

/** The real clock. */
export const systemClock: Clock = { now: () => new Date() }

/** A clock that tests move by hand. */
export function manualClock(start = new Date('2026-11-27T09:00:00Z')): Clock & { advance(ms: number): void; set(d: Date): void } {
  let t = start.getTime()
  return {
    now: () => new Date(t),
    advance(ms: number) {
      t += ms
    },
    set(d: Date) {
      t = d.getTime()
    },
  }
}
