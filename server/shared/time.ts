/** Formatting of stored epoch-millisecond times for people; storage stays UTC. */

const cache = new Map<string, Intl.DateTimeFormat>()

function fmt(timeZone: string, withTime: boolean): Intl.DateTimeFormat {
  const key = `${timeZone}|${withTime}`
  let f = cache.get(key)
  if (!f) {
    f = new Intl.DateTimeFormat('ru-RU', {
      timeZone,
      day: '2-digit',
      month: '2-digit',
      year: 'numeric',
      ...(withTime ? { hour: '2-digit', minute: '2-digit' } : {}),
    })
    cache.set(key, f)
  }
  return f
}

/** "27.11.2026, 12:00" in the given zone (Moscow by default). */
export function formatDateTime(ms: number | null | undefined, timeZone = 'Europe/Moscow'): string {
  return ms == null ? '' : fmt(timeZone, true).format(new Date(Number(ms)))
}

/** "27.11.2026" in the given zone. */
export function formatDate(ms: number | null | undefined, timeZone = 'Europe/Moscow'): string {
  return ms == null ? '' : fmt(timeZone, false).format(new Date(Number(ms)))
}
