/**
 * The one place errors become `application/problem+json` (RFC 9457): `type`, `title`, `status`,
 * `detail`, and `errors[]` for validation. Domain errors map by code; Fastify's own errors (bad JSON,
 * schema validation, body too large, wrong content type, rate limit) map by their codes. A database
 * that cannot be reached is a 503 with `Retry-After`, logged once per outage (src/http/database-outage.ts).
 * Anything else is a 500 whose answer hides internals while the log keeps the cause (src/http/log-errors.ts: an
 * allowlist of fields, never a statement's parameters). Every problem carries the `request_id`.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, RetryLater, type DomainErrorCode, type FieldError } from '../domain/errors.js';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import { DATABASE_RETRY_AFTER_SECONDS, DatabaseOutageLog } from './database-outage.js';
import { describeValidationErrors } from './validation.js';

export const PROBLEM_BASE = 'https://rundun.dev/problems/';

const BY_CODE: Record<DomainErrorCode, { status: number; title: string }> = {
  not_found: { status: 404, title: 'Not found' },
  invalid_request: { status: 400, title: 'Invalid request' },
  invalid_template: { status: 422, title: 'Invalid template' },
  invalid_answer: { status: 422, title: 'Invalid answer' },
  insufficient_credits: { status: 402, title: 'Insufficient credits' },
  run_finished: { status: 409, title: 'Run finished' },
  run_expired: { status: 410, title: 'Run expired' },
  conflict: { status: 409, title: 'Conflict' },
  forbidden: { status: 403, title: 'Forbidden' },
  unauthorized: { status: 401, title: 'Unauthorized' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  rate_limited: { status: 429, title: 'Too many requests' },
  unavailable: { status: 503, title: 'Service unavailable' },
};

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  /** The request's `Request-Id`, to quote to support. */
  request_id: string;
  errors?: FieldError[];
}

export function sendProblem(
  reply: FastifyReply,
  code: DomainErrorCode | 'internal' | 'bad_json',
  detail: string,
  errors?: FieldError[],
  status?: number,
): FastifyReply {
  const known = code in BY_CODE ? BY_CODE[code as DomainErrorCode] : undefined;
  const resolvedStatus = status ?? known?.status ?? 500;
  const title =
    known?.title ?? { internal: 'Internal server error', bad_json: 'Malformed JSON' }[code as 'internal'];
  const problem: Problem = {
    type: PROBLEM_BASE + code.replace(/_/g, '-'),
    title,
    status: resolvedStatus,
    detail,
    request_id: reply.request.id,
  };
  if (errors?.length) problem.errors = errors;
  return reply.code(resolvedStatus).type('application/problem+json').send(problem);
}

/** "The request body is invalid: expires_in_hours must be …; colour is not a field here." */
function validationDetail(where: string, errors: FieldError[]): string {
  const part = { body: 'request body', querystring: 'query string', params: 'path', headers: 'headers' }[
    where
  ];
  const shown = errors.slice(0, 3).map((e) => `${e.pointer ? e.pointer.slice(1) : 'it'} ${e.message}`);
  const more = errors.length > shown.length ? `; and ${errors.length - shown.length} more` : '';
  return `The ${part ?? where} is invalid: ${shown.join('; ')}${more}.`;
}

function handleError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
  outage: DatabaseOutageLog,
): FastifyReply {
  if (error instanceof RetryLater) void reply.header('Retry-After', String(error.retryAfterSeconds));
  if (error instanceof DomainError) return sendProblem(reply, error.code, error.message, error.errors);
  if (error.validation) {
    const where = error.validationContext ?? 'request';
    const errors = describeValidationErrors(error.validation, where);
    return sendProblem(reply, 'invalid_request', validationDetail(where, errors), errors);
  }
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return sendProblem(reply, 'bad_json', 'The request body is not valid JSON.', undefined, 400);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return sendProblem(
        reply,
        'payload_too_large',
        'The request body is larger than this endpoint accepts.',
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return sendProblem(
        reply,
        'unsupported_media_type',
        `Content-Type ${request.headers['content-type'] ?? '(none)'} is not accepted here.`,
      );
  }
  if (error.statusCode === 429) return sendProblem(reply, 'rate_limited', error.message, undefined, 429);
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return sendProblem(reply, 'invalid_request', error.message, undefined, error.statusCode);
  }
  if (isDatabaseUnavailable(error)) {
    outage.record(error, request.log);
    void reply.header('Retry-After', String(DATABASE_RETRY_AFTER_SECONDS));
    return sendProblem(
      reply,
      'unavailable',
      `The service cannot reach its database just now. Retry in ${DATABASE_RETRY_AFTER_SECONDS} seconds; nothing was changed.`,
    );
  }
  request.log.error({ err: error }, 'request failed');
  return sendProblem(reply, 'internal', 'Something went wrong on our side. It has been logged.');
}

/** Sets the error and not-found handlers; returns the outage log, which /readyz shares. */
export function registerProblemHandlers(app: FastifyInstance): DatabaseOutageLog {
  const outage = new DatabaseOutageLog(() => app.ctx.now().getTime());
  app.setErrorHandler((error: FastifyError, request, reply) => handleError(error, request, reply, outage));
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, 'not_found', `No route for ${request.method} ${request.url.split('?')[0]}.`),
  );
  return outage;
}
