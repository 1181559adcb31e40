/** Per-installation settings kept in the database, so every API and worker process shares them. */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from './schema.js';

/** The secret that signs media URLs: made once per installation (first start wins), then read. */
export async function ensureInstanceSecret(db: Kysely<DB>): Promise<string> {
  await db
    .insertInto('instance_settings')
    .values({ key: 'signing_secret', value: randomBytes(32).toString('base64url') })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const row = await db
    .selectFrom('instance_settings')
    .select('value')
    .where('key', '=', 'signing_secret')
    .executeTakeFirstOrThrow();
  return row.value;
}
