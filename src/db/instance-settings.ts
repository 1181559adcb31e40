/** Per-installation settings kept in the database, so every API and worker process shares them. */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { INSTANCE_SECRET_CONTEXT, isEncrypted, type Keyring } from '../secrets/keyring.js';
import type { DB } from './schema.js';

/**
 * The secret that signs media URLs: made once per installation (first start wins), then read. It is
 * stored encrypted like the webhook secrets; one stored in clear (before encryption) or under an older
 * key is encrypted with the current key here.
 */
export async function ensureInstanceSecret(db: Kysely<DB>, keyring: Keyring): Promise<string> {
  const fresh = randomBytes(32).toString('base64url');
  await db
    .insertInto('instance_settings')
    .values({ key: 'signing_secret', value: keyring.encrypt(fresh, INSTANCE_SECRET_CONTEXT) })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const { value } = await db
    .selectFrom('instance_settings')
    .select('value')
    .where('key', '=', 'signing_secret')
    .executeTakeFirstOrThrow();
  const secret = isEncrypted(value) ? keyring.decrypt(value, INSTANCE_SECRET_CONTEXT) : value;
  if (!keyring.isCurrent(value))
    await db
      .updateTable('instance_settings')
      .set({ value: keyring.encrypt(secret, INSTANCE_SECRET_CONTEXT) })
      .where('key', '=', 'signing_secret')
      .where('value', '=', value)
      .execute();
  return secret;
}
