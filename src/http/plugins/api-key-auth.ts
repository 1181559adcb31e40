/**
 * `Authorization: Bearer rdk_live_…` for /v1. The key is hashed (SHA-256) and looked up; a missing,
 * malformed, unknown or revoked key gets the same 401 problem. The org of the key is `request.orgId`.
 * A request with no Authorization header but the dashboard's session cookie is authenticated by the
 * session instead (src/http/plugins/session-auth.ts); routes marked `config.public` need neither.
 *
 * A key found active is remembered for `API_KEY_CACHE_MS`, so a busy integration costs one lookup per
 * key every few seconds instead of one per request (on PostgreSQL at 50 connections that lookup was a
 * third of a dispatch's cost). The price: a key revoked by `rundun keys revoke` is refused by every API
 * process within those seconds rather than at once.
 *
 * Guessing. Unknown keys are not remembered (each guess is a new key), so a well-formed key that is not
 * in the cache costs a database lookup. Those lookups are limited per client address: after
 * `unknownApiKeysPerAddress` lookups of unknown keys in a minute (counted before each lookup, so a burst
 * sent at once is held to the limit too), the address gets 429 without a lookup until the
 * minute ends. The /v1 rate limit counts per key only for keys found active (`isKnown`); any other
 * request counts against its address, so guessed keys do not each get a fresh bucket.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { findActiveApiKey, touchApiKey, type ApiKey } from '../../db/api-keys.js';
import { DomainError } from '../../domain/errors.js';
import { isApiKeyFormat, sha256Hex } from '../../domain/secrets.js';
import { MINUTE_MS, RateLimiter, rateLimited } from '../rate-limiter.js';
import { authenticateSession, hasSessionCookie } from './session-auth.js';

declare module 'fastify' {
  interface FastifyRequest {
    orgId: string;
    apiKeyId: string;
    /** false for a test key: the request sees and makes test runs only. Sessions work in live mode. */
    livemode: boolean;
  }
  interface FastifyInstance {
    /** Drops a revoked key from this process's cache, so it is refused here at once. */
    forgetApiKey(keyId: string): void;
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

/** Active keys found recently, by hash; shared by the authentication hook and the /v1 rate limit. */
export class ApiKeyCache {
  readonly #keys = new Map<string, { key: ApiKey; readAt: number }>();

  constructor(private readonly now: () => Date) {}

  /** The cached key, while it is younger than API_KEY_CACHE_MS. */
  get(hash: string): ApiKey | undefined {
    const cached = this.#keys.get(hash);
    if (cached && this.now().getTime() - cached.readAt < API_KEY_CACHE_MS) return cached.key;
    if (cached) this.#keys.delete(hash);
    return undefined;
  }

  /** True when the hash is of a key found active within the cache time. */
  isKnown(hash: string): boolean {
    return this.get(hash) !== undefined;
  }

  /** Drops a key (revoked) so this process refuses it at once. */
  forget(keyId: string): void {
    for (const [hash, entry] of this.#keys) if (entry.key.id === keyId) this.#keys.delete(hash);
  }

  set(hash: string, key: ApiKey): void {
    if (this.#keys.size >= API_KEY_CACHE_SIZE) this.#keys.delete(this.#keys.keys().next().value!);
    this.#keys.set(hash, { key, readAt: this.now().getTime() });
  }
}

const UNAUTHORIZED = 'Send a valid API key as "Authorization: Bearer rdk_live_…" (or rdk_test_…).';

export function registerApiKeyAuth(app: FastifyInstance, cache: ApiKeyCache): void {
  const { db, now, config } = app.ctx;
  const guesses = new RateLimiter(config.unknownApiKeysPerAddress, MINUTE_MS);
  /** Lookups in flight by key hash: requests sent at once with one key share one lookup and one count. */
  const lookups = new Map<string, Promise<ApiKey | undefined>>();

  async function lookUp(hash: string): Promise<ApiKey | undefined> {
    try {
      const key = await findActiveApiKey(db, hash);
      if (key) cache.set(hash, key);
      return key;
    } finally {
      lookups.delete(hash);
    }
  }

  async function activeKey(request: FastifyRequest, hash: string): Promise<ApiKey | undefined> {
    const cached = cache.get(hash);
    if (cached) return cached;
    const pending = lookups.get(hash);
    if (pending) return pending;
    // Counted before the lookup, so unknown keys sent at once cannot all pass a check made before any
    // of them was counted; a key that exists gives its count back.
    const wait = guesses.hit(request.ip, now().getTime());
    if (wait > 0) throw rateLimited('Too many unknown API keys from this address; wait and retry.', wait);
    const lookup = lookUp(hash);
    lookups.set(hash, lookup);
    const key = await lookup;
    if (key) guesses.release(request.ip, now().getTime());
    return key;
  }

  app.decorate('forgetApiKey', (keyId: string) => cache.forget(keyId));
  app.decorateRequest('orgId', '');
  app.decorateRequest('apiKeyId', '');
  app.decorateRequest('livemode', true);
  app.decorateRequest('authKind', null);
  app.decorateRequest('userId', null);
  app.decorateRequest('role', null);
  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.config.public) return;
    const token = bearerToken(request);
    // No key but a dashboard session cookie: the dashboard is a client of the same API.
    if (token === undefined && hasSessionCookie(request)) return authenticateSession(request);
    const key =
      token && isApiKeyFormat(token) ? await activeKey(request, bearerTokenHash(request)!) : undefined;
    if (!key) {
      void reply.header('WWW-Authenticate', 'Bearer realm="rundun"');
      throw new DomainError('unauthorized', UNAUTHORIZED);
    }
    request.authKind = 'api_key';
    request.orgId = key.orgId;
    request.apiKeyId = key.id;
    request.livemode = key.livemode;
    const at = now();
    if (!key.lastUsedAt || at.getTime() - key.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
      key.lastUsedAt = at; // before the write, so concurrent requests do not all write it
      await touchApiKey(db, key.id, at);
    }
  });
}
