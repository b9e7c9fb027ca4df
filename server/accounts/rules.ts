/** Pure rules about people: input normalisation and validation with Russian messages. */

/** Lower-cased, trimmed email; the identity of an account. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase()
}

export function emailError(email: string, required = true): string | null {
  if (!email) return required ? 'Укажите email' : null
  if (email.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) return 'Проверьте email: например, ivan@company.ru'
  return null
}

/**
 * A Russian phone in any usual spelling (+7 (495) 123-45-67, 8 916 123 45 67, 9161234567) → "+79161234567"; null when it
 * cannot be a Russian number.
 */
export function normalizePhone(phone: string): string | null {
  const digits = phone.replace(/\D/g, '')
  if (digits.length === 10) return `+7${digits}`
  if (digits.length === 11 && (digits[0] === '7' || digits[0] === '8')) return `+7${digits.slice(1)}`
  return null
}

export function phoneError(phone: string, required = true): string | null {
  if (!phone) return required ? 'Укажите телефон' : null
  return normalizePhone(phone) ? null : 'Проверьте телефон: например, +7 916 123-45-67'
}

export const PASSWORD_MIN = 10

export function passwordError(password: string, repeat?: string): string | null {
  if (!password) return 'Придумайте пароль'
  if (password.length < PASSWORD_MIN) return `Пароль должен быть не короче ${PASSWORD_MIN} символов`
  if (password.length > 128) return 'Пароль должен быть не длиннее 128 символов'
  if (/^(.)\1*$/.test(password)) return 'Пароль из одного повторяющегося символа слишком простой'
  if (repeat !== undefined && repeat !== password) return 'Пароли не совпадают'
  return null
}

export function fullNameError(name: string): string | null {
  if (!name) return 'Укажите фамилию, имя и отчество'
  if (name.length > 200) return 'Слишком длинное ФИО'
  return null
}

/** Decides whether a login is throttled, from the failures counted in the window. */
export function loginThrottled(
  failures: { account: number; ip: number },
  limits: { maxFailuresAccount: number; maxFailuresIp: number },
): boolean {
  return failures.account >= limits.maxFailuresAccount || failures.ip >= limits.maxFailuresIp
}
