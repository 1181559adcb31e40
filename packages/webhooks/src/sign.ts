import { contentDigest } from './content-digest.js';
import { hmacSha256 } from './hmac.js';
import { serializeItem } from 'structured-headers';
import { normalizeTargetUri } from './signature-base.js';
import { assertUnixSeconds, nowUnixSeconds } from './unix-time.js';
import {
  COVERED_COMPONENTS,
  DEFAULT_CONTENT_TYPE,
  SIGNATURE_ALGORITHM,
  SIGNATURE_LABEL,
  SIGNATURE_TAG,
  WEBHOOK_METHOD,
} from './webhook-format.js';

export interface SignWebhookOptions {
  /**
   * The receiver URL the request is sent to. It is signed as `@target-uri` in its WHATWG URL form (see
   * `normalizeTargetUri`), so send the request to that same URL.
   */
  url: string;
  /** The exact body bytes that will be sent. A string means its UTF-8 bytes. */
  body: Uint8Array | string;
  /** The run's webhook secret; the HMAC key is the UTF-8 bytes of the whole string. Must not be empty. */
  secret: string;
  /** The `keyid` parameter: the run id (`r-…`). Must not be empty. */
  keyId: string;
  /** The `created` parameter, in unix seconds. Default: now. */
  created?: number;
  /** The `Content-Type` value, which is signed. Default: `application/json`. */
  contentType?: string;
}

/**
 * The four headers that make a delivery verifiable; set them on the request exactly as returned. A type
 * alias, not an interface, so that it is assignable to `Record<string, string>` and fetch's `HeadersInit`.
 */
export type WebhookSignatureHeaders = {
  'content-type': string;
  'content-digest': string;
  'signature-input': string;
  signature: string;
};

// What never changes in `@signature-params`, serialized once: the covered components (plain tokens, so
// quoting is all their serialization needs) and the `alg` and `tag` parameters. The base below is what
// `createSignatureBase` builds for these components (test/sign.test.ts pins it, and verifyWebhook, which
// uses the builder, accepts it), written out because a worker signs every attempt and the general
// builder cost several times more.
const COMPONENT_LIST = `(${COVERED_COMPONENTS.map((component) => `"${component}"`).join(' ')})`;
const FIXED_PARAMS = `;alg=${serializeString(SIGNATURE_ALGORITHM)};tag=${serializeString(SIGNATURE_TAG)}`;

/** An sf-string: plain printable ASCII needs only quotes; anything else goes through the library. */
function serializeString(value: string): string {
  return /^[\x20\x21\x23-\x5B\x5D-\x7E]*$/.test(value) ? `"${value}"` : serializeItem(value, new Map());
}

// A sender signs many deliveries to one URL in a row: remember the last normalization.
let lastUrl: string | undefined;
let lastNormalized = '';
function lastTargetUri(url: string): string {
  if (url !== lastUrl) {
    lastNormalized = normalizeTargetUri(url);
    lastUrl = url;
  }
  return lastNormalized;
}

/**
 * Signs one webhook delivery (method `POST`): computes `Content-Digest` (sha-256 of the body), then
 * HMAC-SHA256 over the RFC 9421 signature base of `("@method" "@target-uri" "content-type" "content-digest")`
 * with parameters `created`, `keyid`, `alg="hmac-sha256"`, `tag="rundun-webhook"` under the label `rundun`.
 * Sign every attempt afresh so `created` is current.
 */
export function signWebhook(options: SignWebhookOptions): WebhookSignatureHeaders {
  const {
    url,
    body,
    secret,
    keyId,
    created = nowUnixSeconds(),
    contentType = DEFAULT_CONTENT_TYPE,
  } = options;
  if (secret.length === 0) throw new TypeError('signWebhook: secret must not be empty');
  if (keyId.length === 0) throw new TypeError('signWebhook: keyId must not be empty');
  assertUnixSeconds(created, 'signWebhook: created');

  const signedHeaders = { 'content-type': contentType.trim(), 'content-digest': contentDigest(body) };
  const keyIdParam = `;keyid=${serializeString(keyId)}`;
  const signatureParams = `${COMPONENT_LIST};created=${created}${keyIdParam}${FIXED_PARAMS}`;
  const values: Record<(typeof COVERED_COMPONENTS)[number], string> = {
    '@method': WEBHOOK_METHOD,
    '@target-uri': lastTargetUri(url),
    ...signedHeaders,
  };
  const lines = COVERED_COMPONENTS.map((component) => `"${component}": ${values[component]}`);
  const base = `${lines.join('\n')}\n"@signature-params": ${signatureParams}`;
  const signature = hmacSha256(secret, base).toString('base64');
  return {
    ...signedHeaders,
    'signature-input': `${SIGNATURE_LABEL}=${signatureParams}`,
    signature: `${SIGNATURE_LABEL}=:${signature}:`,
  };
}
