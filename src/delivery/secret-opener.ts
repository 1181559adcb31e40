/**
 * The worker's view of webhook secrets: a claim carries its run's secret encrypted, as stored; this
 * decrypts it, remembering recent ones (a run's deliveries share one secret, and decrypting costs
 * ~10 µs per attempt otherwise). A value from before encryption (not yet migrated) is used as it is.
 */
import type { ClaimedDelivery } from '../db/claim-deliveries.js';
import { isEncrypted, webhookSecretContext, type Keyring } from '../secrets/keyring.js';

const CACHE_SIZE = 10_000;

export class SecretOpener {
  readonly #opened = new Map<string, string>();

  constructor(private readonly keyring: Keyring) {}

  /** The claim's secret in clear, or null when the run has none; throws when it cannot be decrypted. */
  readonly open = (claim: Pick<ClaimedDelivery, 'runId' | 'secret'>): string | null => {
    const stored = claim.secret;
    if (!stored || !isEncrypted(stored)) return stored;
    let secret = this.#opened.get(stored);
    if (secret === undefined) {
      secret = this.keyring.decrypt(stored, webhookSecretContext(claim.runId));
      if (this.#opened.size >= CACHE_SIZE) this.#opened.clear();
      this.#opened.set(stored, secret);
    }
    return secret;
  };
}
