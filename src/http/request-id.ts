/**
 * Request ids: every response carries `Request-Id`, every log line of the request has it as
 * `request_id`, and every problem body repeats it, so an integrator can quote one id to support and
 * find the request in the logs. A client may send its own `Request-Id` (its tracing id); it is kept
 * when well formed (1-128 of `A-Z a-z 0-9 . _ : -`, starting with a letter or digit), else replaced.
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';

export const REQUEST_ID_HEADER = 'request-id';
export const REQUEST_ID_LOG_LABEL = 'request_id';
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export function isWellFormedRequestId(value: unknown): value is string {
  return typeof value === 'string' && REQUEST_ID_PATTERN.test(value);
}

/** `req_` and 24 hex digits (96 random bits). */
export function generateRequestId(): string {
  return `req_${globalThis.crypto.randomUUID().replace(/-/g, '').slice(0, 24)}`;
}

/** Fastify's `genReqId`: the client's id when well formed, else a new one. */
export function requestIdFor(request: IncomingMessage): string {
  const incoming = request.headers[REQUEST_ID_HEADER];
  return isWellFormedRequestId(incoming) ? incoming : generateRequestId();
}

/** Sets `Request-Id` on every answer, errors and 404s included (a root hook reaches every route). */
export function registerRequestIdHeader(app: FastifyInstance): void {
  app.addHook('onRequest', (request, reply, done) => {
    void reply.header('Request-Id', request.id);
    done();
  });
}
