/**
 * RFC 9530 `Content-Digest`: a structured dictionary from algorithm to the digest of the content bytes.
 * Rundun sends exactly one member, `sha-256`, over the body bytes as sent.
 */
import crypto from 'node:crypto';
import { parseDictionary, type Dictionary } from 'structured-headers';
import { WebhookVerificationError } from './errors.js';

/**
 * The `Content-Digest` field value for a body: `sha-256=:<base64 SHA-256 of the bytes>:`.
 * A string body means its UTF-8 bytes.
 */
export function contentDigest(body: Uint8Array | string): string {
  return `sha-256=:${sha256(body).toString('base64')}:`;
}

/**
 * Checks a received `Content-Digest` against the body bytes. Its `sha-256` member is required and must
 * match; other algorithms are ignored (the field value is covered by the signature as a whole).
 */
export function assertContentDigestMatches(fieldValue: string, body: Uint8Array | string): void {
  let dictionary: Dictionary;
  try {
    dictionary = parseDictionary(fieldValue);
  } catch (cause) {
    throw new WebhookVerificationError(
      'malformed_content_digest',
      `Content-Digest is not a structured dictionary: ${String(cause)}`,
      { cause },
    );
  }
  // structured-headers types bare items via the DOM's BufferSource, so narrow from unknown.
  const digest: unknown = dictionary.get('sha-256')?.[0];
  if (!(digest instanceof ArrayBuffer)) {
    throw new WebhookVerificationError(
      'malformed_content_digest',
      'Content-Digest has no sha-256 byte sequence (expected `sha-256=:<base64>:`)',
    );
  }
  if (!sha256(body).equals(Buffer.from(digest))) {
    throw new WebhookVerificationError(
      'digest_mismatch',
      'Content-Digest does not match the body: pass the raw body bytes exactly as received, not re-serialized JSON',
    );
  }
}

function sha256(body: Uint8Array | string): Buffer {
  // crypto.hash (Node ≥ 20.12) skips the Hash object, several times faster for a webhook-sized body.
  if (typeof crypto.hash === 'function') return crypto.hash('sha256', body, 'buffer');
  return crypto.createHash('sha256').update(body).digest();
}
