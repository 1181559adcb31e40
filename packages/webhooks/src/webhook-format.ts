/**
 * The constants of Rundun's webhook wire format (DESIGN §5). Every delivery is a `POST` with
 *
 *   Content-Type: application/json
 *   Content-Digest: sha-256=:<base64 SHA-256 of the exact body bytes>:
 *   Signature-Input: rundun=("@method" "@target-uri" "content-type" "content-digest");created=<unix s>;keyid="<run_id>";alg="hmac-sha256";tag="rundun-webhook"
 *   Signature: rundun=:<base64 HMAC-SHA256(UTF-8 bytes of the secret, RFC 9421 signature base)>:
 *
 * Changing any of these values breaks every receiver, so they change only with a new label or tag.
 */

/** The dictionary key Rundun signs under in `Signature-Input` and `Signature`. */
export const SIGNATURE_LABEL = 'rundun';

/** The `tag` signature parameter: says the signature is meant for a Rundun webhook and nothing else. */
export const SIGNATURE_TAG = 'rundun-webhook';

/** The `alg` signature parameter. */
export const SIGNATURE_ALGORITHM = 'hmac-sha256';

/** The covered components, in the order they are signed. A verifier accepts exactly these, in this order. */
export const COVERED_COMPONENTS = ['@method', '@target-uri', 'content-type', 'content-digest'] as const;

/** Rundun always delivers with `POST`. */
export const WEBHOOK_METHOD = 'POST';

/** The media type of every delivery body. */
export const DEFAULT_CONTENT_TYPE = 'application/json';

/**
 * How far `created` may be from the receiver's clock, in either direction, before a delivery is refused.
 * Every attempt (retries and manual replays included) is signed afresh, so a genuine delivery is never older
 * than its network time plus clock skew.
 */
export const DEFAULT_TOLERANCE_SECONDS = 300;
