/**
 * Small named errors thrown by the domain and the data layer. The HTTP layer maps each `code` to a
 * problem+json answer in one table (src/http/problems.ts); nothing else catches them.
 */

export interface FieldError {
  /** Where the field is; omitted: the body. */
  in?: 'body' | 'query' | 'path' | 'header';
  /** JSON pointer into the request body, e.g. `/steps/2/options` (`/<name>` for a query parameter or header). */
  pointer: string;
  /** The rule broken, as a stable machine-readable word, e.g. `min_photos`. */
  rule: string;
  message: string;
  step_id?: string;
  /** The step's field the error is about, when it is one of several, e.g. `visible_if`. */
  field?: string;
  /** For `step_hidden`: the `visible_if` condition that hides the step. */
  condition?: unknown;
}

export type DomainErrorCode =
  | 'not_found'
  | 'invalid_request'
  | 'invalid_template'
  | 'invalid_answer'
  | 'insufficient_credits'
  | 'run_finished'
  | 'run_expired'
  | 'conflict'
  | 'forbidden'
  | 'unauthorized'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'unavailable';

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly errors: FieldError[] = [],
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'DomainError';
  }
}

export const notFound = (what: string) => new DomainError('not_found', `${what} was not found.`);

/** 429 (`rate_limited`) or 503 (`unavailable`): the HTTP layer adds `Retry-After` with these seconds. */
export class RetryLater extends DomainError {
  constructor(
    code: 'rate_limited' | 'unavailable',
    message: string,
    readonly retryAfterSeconds: number,
    options?: ErrorOptions,
  ) {
    super(code, message, [], options);
    this.name = 'RetryLater';
  }
}
