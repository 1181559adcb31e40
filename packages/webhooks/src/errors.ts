/**
 * Why a webhook failed verification. Stable strings: log them, branch on them, show them to operators.
 *
 * - `missing_header`: Content-Type, Content-Digest, Signature-Input or Signature is absent.
 * - `malformed_content_digest`: Content-Digest is not a structured dictionary with a `sha-256` byte sequence.
 * - `digest_mismatch`: the body bytes do not hash to the Content-Digest (body altered, or re-serialized).
 * - `malformed_signature_input`: Signature-Input cannot be parsed, or `created` is missing or not an integer.
 * - `label_not_found`: Signature-Input or Signature has no `rundun` member.
 * - `unexpected_components`: the covered components are not exactly
 *   `("@method" "@target-uri" "content-type" "content-digest")`, in that order.
 * - `unsupported_algorithm`: `alg` is present and is not `hmac-sha256`.
 * - `unexpected_tag`: `tag` is missing or is not `rundun-webhook`.
 * - `stale_signature`: `created` is older than the tolerance (or an `expires` parameter has passed).
 * - `future_signature`: `created` is further in the future than the tolerance (a clock is wrong).
 * - `malformed_signature`: the Signature member is not a byte sequence.
 * - `signature_mismatch`: the HMAC does not match (wrong secret, wrong URL, or altered headers).
 * - `malformed_body`: the signature is valid but the body is not a UTF-8 JSON object with an `event` name.
 */
export type WebhookVerificationErrorCode =
  | 'missing_header'
  | 'malformed_content_digest'
  | 'digest_mismatch'
  | 'malformed_signature_input'
  | 'label_not_found'
  | 'unexpected_components'
  | 'unsupported_algorithm'
  | 'unexpected_tag'
  | 'stale_signature'
  | 'future_signature'
  | 'malformed_signature'
  | 'signature_mismatch'
  | 'malformed_body';

/** Thrown by `verifyWebhook` when a request is not a genuine, fresh Rundun webhook. Answer it with a 4xx. */
export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
  /** A stable machine-readable reason; see `WebhookVerificationErrorCode`. */
  readonly code: WebhookVerificationErrorCode;

  constructor(code: WebhookVerificationErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}
