/**
 * Secrets at rest: AES-256-GCM with the key's id in the stored text, so keys can rotate.
 *
 *   enc1:<key id>:<12-byte IV, base64url>:<ciphertext + 16-byte tag, base64url>
 *
 * The first key of the ring encrypts; every key decrypts its own ciphertexts. Each value is bound to
 * where it is stored (`context`, e.g. `runs.webhook_secret:<run id>`, as the GCM additional data), so a
 * ciphertext copied to another row does not decrypt there. Keys come from RUNDUN_ENCRYPTION_KEY or a
 * key file (src/secrets/key-source.ts); never from the database they protect.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export const ENCRYPTED_PREFIX = 'enc1:';
export const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

export class KeyringError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyringError';
  }
}

export interface Keyring {
  /** Id of the key that encrypts. */
  readonly currentKeyId: string;
  encrypt(plaintext: string, context: string): string;
  /** Throws KeyringError for an unknown key id or a value that does not authenticate. */
  decrypt(stored: string, context: string): string;
  /** True when `stored` is encrypted with the current key (nothing to re-encrypt). */
  isCurrent(stored: string): boolean;
}

export function isEncrypted(value: string): boolean {
  return value.startsWith(ENCRYPTED_PREFIX);
}

export function createKeyring(keys: readonly { id: string; key: Buffer }[]): Keyring {
  if (keys.length === 0) throw new KeyringError('an encryption keyring needs at least one key');
  const byId = new Map<string, Buffer>();
  for (const { id, key } of keys) {
    if (!KEY_ID_PATTERN.test(id)) throw new KeyringError(`key id "${id}" must be 1–32 of A-Z a-z 0-9 _ -`);
    if (key.length !== KEY_BYTES) throw new KeyringError(`key ${id} must be ${KEY_BYTES} bytes`);
    if (byId.has(id)) throw new KeyringError(`key id ${id} is given twice`);
    byId.set(id, key);
  }
  const currentKeyId = keys[0]!.id;
  const current = byId.get(currentKeyId)!;
  const currentPrefix = `${ENCRYPTED_PREFIX}${currentKeyId}:`;
  return {
    currentKeyId,
    encrypt(plaintext, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', current, iv);
      cipher.setAAD(Buffer.from(context));
      const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return `${currentPrefix}${iv.toString('base64url')}:${sealed.toString('base64url')}`;
    },
    decrypt(stored, context) {
      const [, keyId, iv, sealed] = stored.split(':');
      if (!isEncrypted(stored) || !keyId || !iv || !sealed)
        throw new KeyringError('the value is not an encrypted secret');
      const key = byId.get(keyId);
      if (!key) throw new KeyringError(`the secret is encrypted with key ${keyId}, which is not configured`);
      const bytes = Buffer.from(sealed, 'base64url');
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        decipher.setAAD(Buffer.from(context));
        decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
        return Buffer.concat([
          decipher.update(bytes.subarray(0, bytes.length - TAG_BYTES)),
          decipher.final(),
        ]).toString('utf8');
      } catch {
        throw new KeyringError(`the secret does not authenticate with key ${keyId}`);
      }
    },
    isCurrent: (stored) => stored.startsWith(currentPrefix),
  };
}

/** Where a run's webhook secret is stored: its ciphertext is bound to the run. */
export const webhookSecretContext = (runId: string) => `runs.webhook_secret:${runId}`;
export const INSTANCE_SECRET_CONTEXT = 'instance_settings.signing_secret';
