/**
 * @rundun/webhooks — the one implementation of Rundun's webhook wire format: the server signs with
 * `signWebhook`, receivers check with `verifyWebhook`. See docs/webhook-verification.md.
 */
export { contentDigest } from './content-digest.js';
export { WebhookVerificationError, type WebhookVerificationErrorCode } from './errors.js';
export * from './events.js';
export type { HeaderSource } from './headers.js';
export {
  createSignatureBase,
  normalizeTargetUri,
  type SignatureBase,
  type SignatureBaseInput,
  type SignatureParams,
  type SignatureParamValue,
} from './signature-base.js';
export { signWebhook, type SignWebhookOptions, type WebhookSignatureHeaders } from './sign.js';
export { verifyWebhook, type VerifyWebhookOptions } from './verify.js';
export {
  COVERED_COMPONENTS,
  DEFAULT_CONTENT_TYPE,
  DEFAULT_TOLERANCE_SECONDS,
  SIGNATURE_ALGORITHM,
  SIGNATURE_LABEL,
  SIGNATURE_TAG,
  WEBHOOK_METHOD,
} from './webhook-format.js';
