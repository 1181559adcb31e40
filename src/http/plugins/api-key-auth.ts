/**
 * `Authorization: Bearer rdk_live_…` for /v1. The key is hashed (SHA-256) and looked up; a missing,
 * malformed, unknown or revoked key gets the same 401 problem. The org of the key is `request.orgId`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { findActiveApiKey, touchApiKey } from '../../db/api-keys.js';
import { DomainError } from '../../domain/errors.js';
import { isApiKeyFormat, sha256Hex } from '../../domain/secrets.js';

declare module 'fastify' {
  interface FastifyRequest {
    orgId: string;
    apiKeyId: string;
  }
}

export function bearerToken(request: FastifyRequest): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  return match?.[1];
}

export function registerApiKeyAuth(app: FastifyInstance): void {
  app.decorateRequest('orgId', '');
  app.decorateRequest('apiKeyId', '');
  app.addHook('onRequest', async (request, reply) => {
    const token = bearerToken(request);
    const key =
      token && isApiKeyFormat(token) ? await findActiveApiKey(app.ctx.db, sha256Hex(token)) : undefined;
    if (!key) {
      void reply.header('WWW-Authenticate', 'Bearer realm="rundun"');
      throw new DomainError('unauthorized', 'Send a valid API key as "Authorization: Bearer rdk_live_…".');
    }
    request.orgId = key.orgId;
    request.apiKeyId = key.id;
    await touchApiKey(app.ctx.db, key, app.ctx.now());
  });
}
