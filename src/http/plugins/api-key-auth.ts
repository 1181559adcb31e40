/**
 * `Authorization: Bearer rdk_live_…` for /v1. The key is hashed (SHA-256) and looked up; a missing,
 * malformed, unknown or revoked key gets the same 401 problem. The org of the key is `request.orgId`.
 *
 * A key found active is remembered for `API_KEY_CACHE_MS`, so a busy integration costs one lookup per
 * key every few seconds instead of one per request (on PostgreSQL at 50 connections that lookup was a
 * third of a dispatch's cost). The price: a key revoked by `rundun keys revoke` is refused by every API
 * process within those seconds rather than at once. Unknown keys are not remembered.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { findActiveApiKey, touchApiKey, type ApiKey } from '../../db/api-keys.js';
import { DomainError } from '../../domain/errors.js';
import { isApiKeyFormat, sha256Hex } from '../../domain/secrets.js';

declare module 'fastify' {
  interface FastifyRequest {
    orgId: string;
    apiKeyId: string;
  }
}

export const API_KEY_CACHE_MS = 5_000;
const API_KEY_CACHE_SIZE = 10_000;
/** `last_used_at` is written at most this often per key, so authenticating stays a read. */
const LAST_USED_RESOLUTION_MS = 60_000;

export function bearerToken(request: FastifyRequest): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  return match?.[1];
}

const tokenHashes = new WeakMap<FastifyRequest, string>();

/** SHA-256 of the bearer token, computed once per request (the rate limit keys on it too). */
export function bearerTokenHash(request: FastifyRequest): string | undefined {
  let hash = tokenHashes.get(request);
  if (hash === undefined) {
    const token = bearerToken(request);
    if (token === undefined) return undefined;
    tokenHashes.set(request, (hash = sha256Hex(token)));
  }
  return hash;
}

export function registerApiKeyAuth(app: FastifyInstance): void {
  const { db, now } = app.ctx;
  const cache = new Map<string, { key: ApiKey; readAt: number }>();

  async function activeKey(hash: string): Promise<ApiKey | undefined> {
    const cached = cache.get(hash);
    if (cached && now().getTime() - cached.readAt < API_KEY_CACHE_MS) return cached.key;
    cache.delete(hash);
    const key = await findActiveApiKey(db, hash);
    if (key) {
      if (cache.size >= API_KEY_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      cache.set(hash, { key, readAt: now().getTime() });
    }
    return key;
  }

  app.decorateRequest('orgId', '');
  app.decorateRequest('apiKeyId', '');
  app.addHook('onRequest', async (request, reply) => {
    const token = bearerToken(request);
    const key = token && isApiKeyFormat(token) ? await activeKey(bearerTokenHash(request)!) : undefined;
    if (!key) {
      void reply.header('WWW-Authenticate', 'Bearer realm="rundun"');
      throw new DomainError('unauthorized', 'Send a valid API key as "Authorization: Bearer rdk_live_…".');
    }
    request.orgId = key.orgId;
    request.apiKeyId = key.id;
    const at = now();
    if (!key.lastUsedAt || at.getTime() - key.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
      key.lastUsedAt = at; // before the write, so concurrent requests do not all write it
      await touchApiKey(db, key.id, at);
    }
  });
}
