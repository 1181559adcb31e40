/**
 * Hooks on every /x request, before the body is read or the database touched:
 *  - rate limits: per client address and per run (`executorRateLimitPerAddress`, `…PerRun` a
 *    minute), 429 with Retry-After after; a flooded run or address does not slow anyone else's;
 *  - ids in the path must look like ids (`r-<uuid>`, `s-…`), else 404 — a malformed id cannot exist;
 *  - CSRF: a state-changing request must carry a body type a cross-site form cannot send (JSON, or the
 *    route's image types, both of which a browser preflights), and an `Origin` (when present) must be
 *    PUBLIC_URL's origin or this request's own; `Sec-Fetch-Site: cross-site` is refused too. A request
 *    with no body may omit the content type (src/http/optional-body.ts); if it carries a cookie it must
 *    then send `Origin` or `Sec-Fetch-Site`, which browsers add and a cross-site page cannot forge;
 *  - answers are never cached (`Cache-Control: no-store`).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { STEP_ID_PATTERN } from '../../../domain/template.js';
import { hasNoBody } from '../../optional-body.js';
import { sendProblem } from '../../problems.js';
import { MINUTE_MS, RateLimiter, rateLimited } from '../../rate-limiter.js';

export const RUN_ID_PATTERN = /^r-[0-9a-f-]{36}$/;
const STEP_ID = new RegExp(STEP_ID_PATTERN);
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Body media types a state-changing /x route accepts; default JSON only. */
    bodyTypes?: readonly string[];
  }
}

export function mediaTypeOf(request: FastifyRequest): string {
  return (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

function refuseBodyType(request: FastifyRequest, reply: FastifyReply, accepted: readonly string[]) {
  const type = mediaTypeOf(request);
  const detail =
    type === 'image/heic' || type === 'image/heif'
      ? 'HEIC/HEIF images are not accepted: convert the photo to JPEG on the device (browsers do this when the page asks for image/jpeg) and upload image/jpeg.'
      : `Content-Type ${type || '(none)'} is not accepted here; send ${accepted.join(' or ')}.`;
  return sendProblem(reply, 'unsupported_media_type', detail);
}

export function isAllowedOrigin(request: FastifyRequest, origin: string): boolean {
  const own = `${request.protocol}://${request.host}`;
  return origin === new URL(request.server.ctx.config.publicUrl).origin || origin === own;
}

async function guardRequest(request: FastifyRequest, reply: FastifyReply, limits: Limiters) {
  void reply.header('Cache-Control', 'no-store');
  const params = (request.params ?? {}) as { run_id?: string; step_id?: string };
  if (params.run_id !== undefined && !RUN_ID_PATTERN.test(params.run_id))
    return sendProblem(reply, 'not_found', 'Run was not found.');
  limitRate(request, params.run_id, limits);
  if (params.step_id !== undefined && !STEP_ID.test(params.step_id))
    return sendProblem(reply, 'not_found', 'Step was not found.');
  if (SAFE_METHODS.has(request.method)) return;
  const origin = request.headers.origin;
  if ((origin && !isAllowedOrigin(request, origin)) || request.headers['sec-fetch-site'] === 'cross-site')
    return sendProblem(reply, 'forbidden', 'Cross-site requests are not accepted.');
  const accepted = request.routeOptions.config.bodyTypes ?? ['application/json'];
  if (accepted.includes('application/json') && !request.headers['content-type'] && hasNoBody(request)) {
    if (request.headers.cookie === undefined || origin || request.headers['sec-fetch-site']) return;
    return sendProblem(
      reply,
      'forbidden',
      'A request with a cookie and no body must send Origin or Sec-Fetch-Site (browsers do), or Content-Type: application/json.',
    );
  }
  if (!accepted.includes(mediaTypeOf(request))) return refuseBodyType(request, reply, accepted);
}

interface Limiters {
  perAddress: RateLimiter;
  perRun: RateLimiter;
}

function limitRate(request: FastifyRequest, runId: string | undefined, { perAddress, perRun }: Limiters) {
  const now = request.server.ctx.now().getTime();
  const addressWait = perAddress.hit(request.ip, now);
  if (addressWait > 0) throw rateLimited('Too many requests from this address; wait and retry.', addressWait);
  const runWait = runId === undefined ? 0 : perRun.hit(runId, now);
  if (runWait > 0) throw rateLimited('Too many requests for this checklist; wait and retry.', runWait);
}

export function registerExecutorGuard(x: FastifyInstance): void {
  const { config } = x.ctx;
  const limits: Limiters = {
    perAddress: new RateLimiter(config.executorRateLimitPerAddress, MINUTE_MS),
    perRun: new RateLimiter(config.executorRateLimitPerRun, MINUTE_MS),
  };
  x.addHook('onRequest', (request, reply) => guardRequest(request, reply, limits));
}
