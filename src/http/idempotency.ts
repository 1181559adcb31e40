/**
 * The Idempotency-Key header of the POSTs that create or queue something (src/db/idempotent-responses.ts
 * keeps the answers). A repeat within 24 hours gets the first answer again, with `Idempotent-Replayed:
 * true`; the same key with another request is 409.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { IdempotentRequest, StoredAnswer } from '../db/idempotent-responses.js';
import { DomainError } from '../domain/errors.js';

const MAX_KEY_LENGTH = 255;

export const IdempotencyKeyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: MAX_KEY_LENGTH,
      description:
        'Send the same key to retry safely: within 24 hours a repeat gets the first answer again ' +
        '(with Idempotent-Replayed: true) and changes nothing. The same key with another request is 409.',
    }),
  ),
});

/** What identifies the request beside its key: method, path, mode and body. */
export function idempotentRequest(request: FastifyRequest, body: unknown): IdempotentRequest {
  const key = request.headers['idempotency-key'];
  // Checked here too: a route that attaches its validation (templates) would otherwise let it through.
  if (key !== undefined && (typeof key !== 'string' || key.length < 1 || key.length > MAX_KEY_LENGTH)) {
    throw new DomainError('invalid_request', `Idempotency-Key must be 1 to ${MAX_KEY_LENGTH} characters.`, [
      {
        pointer: '/headers/idempotency-key',
        rule: 'idempotency_key',
        message: `1 to ${MAX_KEY_LENGTH} characters`,
      },
    ]);
  }
  return {
    orgId: request.orgId,
    key,
    fingerprint: JSON.stringify([request.method, request.url, request.livemode, body ?? null]),
    now: request.server.ctx.now(),
  };
}

export function sendAnswer<T>(reply: FastifyReply, answer: StoredAnswer<T>): FastifyReply {
  if (answer.replayed) void reply.header('Idempotent-Replayed', 'true');
  return reply.code(answer.statusCode).send(answer.body);
}
