/**
 * The small error hierarchy of the application. Services throw these; `http/errors.ts` maps them to a status and a Russian
 * page once. Expected business outcomes (a wrong INN, a duplicate company) are returned as values instead.
 */
export class AppError extends Error {
  readonly status: number = 500
  constructor(message: string, readonly details?: unknown) {
    super(message)
    this.name = new.target.name
  }
}

/** The object does not exist, or it belongs to another company: both look the same to the caller. */
export class NotFound extends AppError {
  override readonly status = 404
  constructor(message = 'Страница не найдена') {
    super(message)
  }
}

/** The person is known but their role does not allow the action. */
export class Forbidden extends AppError {
  override readonly status = 403
  constructor(message = 'Недостаточно прав для этого действия') {
    super(message)
  }
}

/** Input that cannot be processed; `fields` maps a form field to a Russian message. */
export class Validation extends AppError {
  override readonly status = 422
  constructor(message: string, readonly fields: Record<string, string> = {}) {
    super(message)
  }
}

/** The action conflicts with the current state (a duplicate, a stale form). */
export class Conflict extends AppError {
  override readonly status = 409
}

/** An outside service failed; `retryable` tells the caller whether a later attempt may succeed. */
export class Upstream extends AppError {
  override readonly status = 502
  constructor(message: string, readonly service: string, readonly retryable: boolean, readonly httpStatus?: number) {
    super(message)
  }
}
