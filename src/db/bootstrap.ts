/**
 * First start on the embedded database: the data directory is locked by the server, so the CLI cannot
 * create an org while it runs. When there is no org yet, the server makes one with a key and some
 * credits and prints the key once, so `npm start` alone gives a working setup; a test key (`rdk_test_…`,
 * runs that take no credit) comes with it, for trying the integration. Beside them goes a
 * one-time setup link (an owner invitation, see invitations.ts) for the first person of the dashboard.
 */
import type { Kysely } from 'kysely';
import { createApiKey } from './api-keys.js';
import { createInvitation } from './invitations.js';
import { createOrg } from './orgs.js';
import type { DB } from './schema.js';

export const BOOTSTRAP_CREDITS = 100;

export async function bootstrapFirstOrg(
  db: Kysely<DB>,
  now: Date = new Date(),
): Promise<{ orgId: string; apiKey: string; testApiKey: string; setupToken: string } | undefined> {
  const existing = await db.selectFrom('orgs').select('id').limit(1).executeTakeFirst();
  if (existing) return undefined;
  const org = await createOrg(db, 'My org', BOOTSTRAP_CREDITS);
  const { key } = await createApiKey(db, org.id, 'bootstrap');
  const test = await createApiKey(db, org.id, 'bootstrap (test)', { livemode: false });
  const { token } = await createInvitation(db, { orgId: org.id, role: 'owner', createdBy: null, now });
  return { orgId: org.id, apiKey: key, testApiKey: test.key, setupToken: token };
}
