/**
 * Receiver-side verification of one delivery. The checks, in order:
 *
 * 1. Content-Type, Content-Digest, Signature-Input and Signature are present.
 * 2. Signature-Input parses (structured-headers) and has a `rundun` member covering exactly
 *    ("@method" "@target-uri" "content-type" "content-digest") with no component parameters, with an integer
 *    `created`, `tag="rundun-webhook"`, and `alg="hmac-sha256"` if `alg` is present.
 * 3. `created` is within the tolerance of now, in both directions (and `expires`, if present, has not passed).
 * 4. Signature has a `rundun` byte sequence.
 * 5. Content-Digest's sha-256 matches the body bytes.
 * 6. HMAC-SHA256 (key: UTF-8 bytes of the secret) over the signature base rebuilt from this request equals
 *    the signature, compared in constant time.
 * 7. The body is a UTF-8 JSON object naming an event.
 */
import { timingSafeEqual } from 'node:crypto';
import { isInnerList, parseDictionary, type Dictionary } from 'structured-headers';
import { assertContentDigestMatches } from './content-digest.js';
import { WebhookVerificationError } from './errors.js';
import type { WebhookEvent } from './events.js';
import { getHeader, type HeaderSource } from './headers.js';
import { hmacSha256 } from './hmac.js';
import { createSignatureBase, type SignatureParamValue } from './signature-base.js';
import { assertUnixSeconds, nowUnixSeconds } from './unix-time.js';
import {
  COVERED_COMPONENTS,
  DEFAULT_TOLERANCE_SECONDS,
  SIGNATURE_ALGORITHM,
  SIGNATURE_LABEL,
  SIGNATURE_TAG,
  WEBHOOK_METHOD,
} from './webhook-format.js';

export interface VerifyWebhookOptions {
  /** The request method as received. Default: `POST`. */
  method?: string;
  /**
   * The URL exactly as Rundun called it: the webhook URL given at dispatch. Behind a proxy or load balancer
   * use the public URL, not the one the proxy forwards to. Compared in WHATWG URL form (see
   * `normalizeTargetUri`).
   */
  url: string;
  /** The request headers: a fetch `Headers`, or a record such as Node's `req.headers`. */
  headers: HeaderSource;
  /** The raw body bytes exactly as received (a string is taken as UTF-8). Never re-serialized JSON. */
  body: Uint8Array | string;
  /** The webhook secret given at dispatch. */
  secret: string;
  /** Allowed distance between `created` and now, in seconds, both directions. Default: 300. */
  toleranceSeconds?: number;
  /** The current time in unix seconds. Default: the system clock. */
  now?: number;
}

/**
 * Verifies a Rundun webhook and returns its parsed body. Throws `WebhookVerificationError` (with a stable
 * `code`) when the request is not a genuine, fresh delivery for this secret and URL, and `TypeError` for
 * invalid options.
 */
export function verifyWebhook(options: VerifyWebhookOptions): WebhookEvent {
  const {
    method = WEBHOOK_METHOD,
    url,
    headers,
    body,
    secret,
    toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
    now = nowUnixSeconds(),
  } = options;
  if (secret.length === 0) throw new TypeError('verifyWebhook: secret must not be empty');
  if (!Number.isFinite(toleranceSeconds) || toleranceSeconds < 0) {
    throw new TypeError(
      `verifyWebhook: toleranceSeconds must be a non-negative number (got ${toleranceSeconds})`,
    );
  }
  assertUnixSeconds(now, 'verifyWebhook: now');

  const contentType = requireHeader(headers, 'content-type');
  const contentDigest = requireHeader(headers, 'content-digest');
  const { params, created, expires } = readSignatureParams(requireHeader(headers, 'signature-input'));
  assertFresh(created, expires, now, toleranceSeconds);
  const signature = readSignature(requireHeader(headers, 'signature'));
  assertContentDigestMatches(contentDigest, body);

  const { base } = createSignatureBase({
    method,
    url,
    headers: { 'content-type': contentType, 'content-digest': contentDigest },
    components: COVERED_COMPONENTS,
    params,
  });
  const expected = hmacSha256(secret, base);
  if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) {
    throw new WebhookVerificationError(
      'signature_mismatch',
      'Signature does not match: check the secret, and that the url is the one Rundun called (the public URL behind a proxy)',
    );
  }
  return parseEvent(body);
}

function requireHeader(headers: HeaderSource, name: string): string {
  const value = getHeader(headers, name);
  if (value === undefined || value === '') {
    throw new WebhookVerificationError('missing_header', `the ${name} header is missing`);
  }
  return value;
}

function parseHeaderDictionary(
  value: string,
  header: string,
  code: 'malformed_signature_input' | 'malformed_signature',
): Dictionary {
  try {
    return parseDictionary(value);
  } catch (cause) {
    throw new WebhookVerificationError(code, `${header} is not a structured dictionary: ${String(cause)}`, {
      cause,
    });
  }
}

interface ReceivedSignatureParams {
  /** All parameters in received order, to serialize `@signature-params` again. */
  params: Map<string, SignatureParamValue>;
  created: number;
  expires: number | undefined;
}

/**
 * Checks the `rundun` member of Signature-Input. structured-headers types its bare items through the DOM's
 * `BufferSource`, which is `any` without the DOM lib, so every value is narrowed from `unknown` here.
 */
function readSignatureParams(fieldValue: string): ReceivedSignatureParams {
  const dictionary = parseHeaderDictionary(fieldValue, 'Signature-Input', 'malformed_signature_input');
  const member = dictionary.get(SIGNATURE_LABEL);
  if (member === undefined) {
    throw new WebhookVerificationError(
      'label_not_found',
      `Signature-Input has no "${SIGNATURE_LABEL}" signature`,
    );
  }
  if (!isInnerList(member)) {
    throw new WebhookVerificationError(
      'malformed_signature_input',
      `Signature-Input "${SIGNATURE_LABEL}" is not an inner list of components`,
    );
  }
  const covered = member[0].map((item): unknown => (item[1].size === 0 ? item[0] : null));
  const expected: readonly unknown[] = COVERED_COMPONENTS;
  if (covered.length !== expected.length || covered.some((name, index) => name !== expected[index])) {
    throw new WebhookVerificationError(
      'unexpected_components',
      `Signature-Input must cover exactly ("@method" "@target-uri" "content-type" "content-digest"), got ${fieldValue}`,
    );
  }
  const params = new Map<string, SignatureParamValue>();
  for (const [key, value] of member[1]) params.set(key, value as SignatureParamValue);
  const created = params.get('created');
  const expires = params.get('expires');
  if (!isInteger(created) || (expires !== undefined && !isInteger(expires))) {
    throw new WebhookVerificationError(
      'malformed_signature_input',
      'Signature-Input needs an integer created parameter (and expires, if present, must be an integer)',
    );
  }
  if (params.has('alg') && params.get('alg') !== SIGNATURE_ALGORITHM) {
    throw new WebhookVerificationError(
      'unsupported_algorithm',
      `Signature-Input alg must be "${SIGNATURE_ALGORITHM}"`,
    );
  }
  if (params.get('tag') !== SIGNATURE_TAG) {
    throw new WebhookVerificationError('unexpected_tag', `Signature-Input tag must be "${SIGNATURE_TAG}"`);
  }
  return { params, created, expires };
}

function isInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}

function assertFresh(
  created: number,
  expires: number | undefined,
  now: number,
  toleranceSeconds: number,
): void {
  const age = now - created;
  if (age > toleranceSeconds) {
    throw new WebhookVerificationError(
      'stale_signature',
      `signature created ${age} s ago, beyond the ${toleranceSeconds} s tolerance (replayed request, or a wrong clock)`,
    );
  }
  if (-age > toleranceSeconds) {
    throw new WebhookVerificationError(
      'future_signature',
      `signature created ${-age} s in the future, beyond the ${toleranceSeconds} s tolerance (a clock is wrong)`,
    );
  }
  if (expires !== undefined && now > expires) {
    throw new WebhookVerificationError('stale_signature', `signature expired ${now - expires} s ago`);
  }
}

function readSignature(fieldValue: string): Buffer {
  const member = parseHeaderDictionary(fieldValue, 'Signature', 'malformed_signature').get(SIGNATURE_LABEL);
  if (member === undefined) {
    throw new WebhookVerificationError('label_not_found', `Signature has no "${SIGNATURE_LABEL}" member`);
  }
  const value: unknown = member[0];
  if (!(value instanceof ArrayBuffer)) {
    throw new WebhookVerificationError(
      'malformed_signature',
      `Signature "${SIGNATURE_LABEL}" is not a byte sequence`,
    );
  }
  return Buffer.from(value);
}

function parseEvent(body: Uint8Array | string): WebhookEvent {
  let parsed: unknown;
  try {
    const text = typeof body === 'string' ? body : new TextDecoder('utf-8', { fatal: true }).decode(body);
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new WebhookVerificationError('malformed_body', `the body is not UTF-8 JSON: ${String(cause)}`, {
      cause,
    });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !('event' in parsed)) {
    throw new WebhookVerificationError('malformed_body', 'the body is not a Rundun event envelope');
  }
  return parsed as WebhookEvent;
}
