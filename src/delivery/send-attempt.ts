/**
 * One delivery attempt on the wire: sign the body for this attempt, POST it with undici, and describe
 * what happened. A failure is returned as data (with a non-empty `error`), never thrown.
 *
 * - Success is a 2xx whose response (headers and body) completed within the timeout (10 s by default).
 *   3xx is a failure: redirects are never followed. Only the first 16 KB of the response body are kept.
 * - Unless the server allows insecure targets, http:// is refused, IP-literal hosts (which skip DNS)
 *   must be public addresses, and names are resolved through `guardedLookup`, which refuses non-public
 *   addresses at connect time (DNS rebinding).
 */
import dns from 'node:dns';
import { EventEmitter } from 'node:events';
import net, { type LookupFunction } from 'node:net';
import { signWebhook } from '@rundun/webhooks';
import { Agent } from 'undici';
import type { ClaimedDelivery } from '../db/claim-deliveries.js';
import type { AttemptLog } from '../db/record-attempts.js';
import { deliveryBody } from '../domain/events.js';
import { AddressRefusedError, guardedLookup, isPublicAddress } from './address-guard.js';
import { parseRetryAfter } from './retry-policy.js';

export const DELIVERY_TIMEOUT_MS = 10_000;
export const RESPONSE_BODY_LOG_BYTES = 16 * 1024;
/** Larger responses are cut off rather than drained, which costs the connection. */
const RESPONSE_DRAIN_MAX_BYTES = 1024 * 1024;
export const USER_AGENT = 'Rundun-Webhooks/1';

export type AttemptResult = 'succeeded' | 'http_status' | 'timeout' | 'network_error' | 'refused';

/** A webhook URL as the sender uses it, parsed once per URL (`targetOf`). */
interface Target {
  href: string;
  origin: string;
  path: string;
  /** `refuseTarget` of the URL, with and without insecure targets allowed. */
  refused: { secure: string | null; insecure: string | null };
}

export interface DeliveryRequest {
  target: Target;
  headers: Record<string, string>;
  body: string;
}

// A run's deliveries all go to its one URL: parse it once, not on every attempt (URL parsing and its
// getters were a visible part of the sender's CPU). Cleared whole when full.
const TARGET_CACHE_SIZE = 10_000;
const targets = new Map<string, Target>();

function targetOf(rawUrl: string): Target {
  let target = targets.get(rawUrl);
  if (!target) {
    const url = new URL(rawUrl);
    target = {
      href: url.href,
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      refused: { secure: refuseTarget(url, false), insecure: refuseTarget(url, true) },
    };
    if (targets.size >= TARGET_CACHE_SIZE) targets.clear();
    targets.set(rawUrl, target);
  }
  return target;
}

export interface AttemptOutcome extends AttemptLog {
  result: AttemptResult;
  retryAfterMs: number | null;
}

/**
 * The agent every attempt of a worker goes through. `onAddress` hears what each host resolved to when
 * a connection is made (the worker counts slow origins by address: src/delivery/origin-slots.ts).
 */
export function createDeliveryAgent(options: {
  allowInsecure: boolean;
  originCap: number;
  onAddress?: (host: string, address: string) => void;
}): Agent {
  const resolve: LookupFunction = options.allowInsecure ? dns.lookup : guardedLookup;
  const lookup: LookupFunction = (hostname, lookupOptions, callback) =>
    resolve(hostname, lookupOptions, (error, address, family) => {
      const first = Array.isArray(address) ? address[0]?.address : address;
      if (!error && first) options.onAddress?.(hostname, first);
      callback(error, address, family);
    });
  return new Agent({
    connections: options.originCap,
    keepAliveTimeout: 4_000,
    // The attempt's own timer aborts first; these only bound a stuck socket.
    headersTimeout: DELIVERY_TIMEOUT_MS + 5_000,
    bodyTimeout: DELIVERY_TIMEOUT_MS + 5_000,
    connect: { timeout: DELIVERY_TIMEOUT_MS, lookup: lookup as unknown as typeof dns.lookup },
  });
}

/** The body of this attempt and its signature headers (created = now); `secret` is the decrypted one. */
export function buildDeliveryRequest(
  claim: ClaimedDelivery,
  now: Date,
  secret: string | null,
): DeliveryRequest {
  const attempt = claim.attemptCount + 1;
  const body = deliveryBody(claim.envelopeJson, attempt);
  const target = targetOf(claim.url);
  if (!secret) return { target, headers: { 'user-agent': USER_AGENT }, body };
  const signed = signWebhook({
    url: target.href,
    body,
    secret,
    keyId: claim.runId,
    created: Math.floor(now.getTime() / 1000),
  });
  return { target, headers: { ...signed, 'user-agent': USER_AGENT }, body };
}

/**
 * Builds, signs and sends one attempt of a claimed delivery. Never throws: a request that could not
 * even be built is a refused attempt with its reason.
 */
export async function attemptDelivery(
  agent: Agent,
  claim: ClaimedDelivery,
  options: {
    allowInsecure: boolean;
    timeoutMs: number;
    now: Date;
    /** The claim's webhook secret, decrypted; throws when it cannot be. */
    openSecret: (claim: ClaimedDelivery) => string | null;
  },
): Promise<AttemptOutcome> {
  let request: DeliveryRequest;
  try {
    request = buildDeliveryRequest(claim, options.now, options.openSecret(claim));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      result: 'refused',
      succeeded: false,
      startedAt: options.now,
      durationMs: 0,
      requestHeaders: {},
      requestBody: '',
      responseStatus: null,
      responseHeaders: null,
      responseBody: null,
      error: `could not build the request: ${message || 'unknown error'}`,
      retryAfterMs: null,
    };
  }
  return sendDelivery(agent, request, options);
}

/** Why this target may not be contacted, or null. Names are checked again when they resolve. */
export function refuseTarget(url: URL, allowInsecure: boolean): string | null {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `refused: ${url.protocol} is not http(s)`;
  if (allowInsecure) return null;
  if (url.protocol !== 'https:') return 'refused: webhook URLs must use https';
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (net.isIP(host) && !isPublicAddress(host)) return `refused: ${host} is not a public address`;
  return null;
}

export async function sendDelivery(
  agent: Agent,
  request: DeliveryRequest,
  options: { allowInsecure: boolean; timeoutMs: number; now: Date },
): Promise<AttemptOutcome> {
  const started = performance.now();
  const base = {
    startedAt: options.now,
    requestHeaders: request.headers,
    requestBody: request.body,
    responseStatus: null,
    responseHeaders: null,
    responseBody: null,
    retryAfterMs: null,
  };
  const elapsed = () => performance.now() - started;
  const refused =
    request.target.refused[options.allowInsecure ? 'insecure' : 'secure'] ??
    (request.headers.signature ? null : 'refused: the run has no webhook secret to sign with');
  if (refused) return { ...base, result: 'refused', succeeded: false, durationMs: elapsed(), error: refused };
  const deadline = new Deadline();
  let phase: 'headers' | 'body' = 'headers';
  const timer = setTimeout(
    () => deadline.abort(new DeliveryTimeoutError(options.timeoutMs, phase)),
    options.timeoutMs,
  );
  try {
    const response = await agent.request({
      origin: request.target.origin,
      path: request.target.path,
      method: 'POST',
      headers: request.headers,
      body: request.body,
      signal: deadline,
    });
    phase = 'body';
    const responseBody = await readLoggedBody(response.body);
    const headers = flattenHeaders(response.headers);
    const status = response.statusCode;
    const succeeded = status >= 200 && status < 300;
    return {
      ...base,
      result: succeeded ? 'succeeded' : 'http_status',
      succeeded,
      durationMs: elapsed(),
      responseStatus: status,
      responseHeaders: headers,
      responseBody,
      error: succeeded ? null : describeStatus(status, headers),
      retryAfterMs: succeeded ? null : parseRetryAfter(headers['retry-after'], options.now),
    };
  } catch (error) {
    const reason: unknown = deadline.aborted ? deadline.reason : error;
    return { ...base, ...describeFailure(reason), succeeded: false, durationMs: elapsed() };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The attempt's abort signal, in the EventEmitter form undici also accepts: an AbortController and its
 * listeners cost ~30 µs per request (measured with scratch loops at 64 concurrent requests), a quarter
 * of the send path's own CPU.
 */
class Deadline extends EventEmitter {
  aborted = false;
  reason: unknown;

  abort(reason: unknown): void {
    this.aborted = true;
    this.reason = reason;
    this.emit('abort');
  }
}

class DeliveryTimeoutError extends Error {
  constructor(timeoutMs: number, phase: 'headers' | 'body') {
    super(
      phase === 'headers'
        ? `timeout: no response within ${timeoutMs} ms`
        : `timeout: the response body did not complete within ${timeoutMs} ms`,
    );
    this.name = 'DeliveryTimeoutError';
  }
}

async function readLoggedBody(body: AsyncIterable<Buffer> & { destroy(): unknown }): Promise<string> {
  const kept: Buffer[] = [];
  let keptBytes = 0;
  let total = 0;
  for await (const chunk of body) {
    if (keptBytes < RESPONSE_BODY_LOG_BYTES) {
      const part = chunk.subarray(0, RESPONSE_BODY_LOG_BYTES - keptBytes);
      kept.push(part);
      keptBytes += part.length;
    }
    total += chunk.length;
    if (total > RESPONSE_DRAIN_MAX_BYTES) {
      body.destroy();
      break;
    }
  }
  return toStorableText(Buffer.concat(kept).toString('utf8'));
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = toStorableText(Array.isArray(value) ? value.join(', ') : value);
  }
  return flat;
}

function describeStatus(status: number, headers: Record<string, string>): string {
  if (status >= 300 && status < 400) {
    const location = headers.location ? ` to ${headers.location}` : '';
    return `HTTP ${status}: redirect${location} not followed (only 2xx counts as delivered)`;
  }
  return `HTTP ${status}: only 2xx counts as delivered`;
}

function describeFailure(error: unknown): { result: AttemptResult; error: string } {
  if (error instanceof DeliveryTimeoutError) return { result: 'timeout', error: error.message };
  const chain: unknown[] = [];
  for (let e: unknown = error; e instanceof Error && chain.length < 5; e = e.cause) chain.push(e);
  const refused = chain.find(
    (e) => e instanceof AddressRefusedError || (e as { code?: string }).code === 'EADDRREFUSED',
  );
  if (refused) return { result: 'refused', error: toStorableText((refused as Error).message) };
  const text = chain
    .map((e) => {
      const { code, message } = e as { code?: string; message: string };
      return code && !message.includes(code) ? `${code}: ${message}` : message;
    })
    .filter(Boolean)
    .join(' ← ');
  return { result: 'network_error', error: toStorableText(text || String(error) || 'request failed') };
}

/**
 * The request body as the attempt log keeps it: whole up to `maxBytes`, else its first `maxBytes`
 * with a marker saying how much was cut (a step.completed with 20 thumbnails is ~0.5 MB, and every
 * attempt would store it again).
 */
export function bodyForLog(body: string, maxBytes: number): string {
  const bytes = Buffer.byteLength(body);
  if (bytes <= maxBytes) return body;
  // Cutting the bytes may split a character; the decoder's replacement for it is harmless here.
  const kept = Buffer.from(body).subarray(0, maxBytes).toString('utf8');
  return `${kept}…[truncated: ${maxBytes} of ${bytes} bytes kept]`;
}

/** PostgreSQL text and jsonb cannot hold NUL. */
function toStorableText(text: string): string {
  return text.replaceAll('\u0000', '\uFFFD');
}
