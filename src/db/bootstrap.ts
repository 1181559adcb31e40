/**
 * First start: when the database has no org yet, `rundun serve` makes one with a key and some credits
 * and prints the key once, so `npm start` alone gives a working setup (on the embedded database the
 * data directory is locked by the server, so the CLI could not create one while it runs); the same
 * holds on an empty PostgreSQL database. A test key (`rdk_test_…`, runs that take no credit) comes
 * with it, for trying the integration, and a one-time setup link (an owner invitation, see
 * invitations.ts) for the first person of the dashboard.
 *
 * Several API processes may start at once on one empty PostgreSQL: the check and the creation run in
 * one transaction holding an advisory lock, so exactly one of them makes the org (and prints it).
 */
import { sql, type Kysely } from 'kysely';
import { createApiKey } from './api-keys.js';
import { createInvitation } from './invitations.js';
import { createOrg } from './orgs.js';
import type { DB } from './schema.js';

export const BOOTSTRAP_CREDITS = 100;
/** pg_advisory_xact_lock key of the first-start check (any constant no other lock uses). */
const BOOTSTRAP_LOCK = 727_100;

export async function bootstrapFirstOrg(
  db: Kysely<DB>,
  now: Date = new Date(),
): Promise<{ orgId: string; apiKey: string; testApiKey: string; setupToken: string } | undefined> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${BOOTSTRAP_LOCK})`.execute(trx);
    const existing = await trx.selectFrom('orgs').select('id').limit(1).executeTakeFirst();
    if (existing) return undefined;
    const org = await createOrg(trx, 'My org', BOOTSTRAP_CREDITS);
    const { key } = await createApiKey(trx, org.id, 'bootstrap');
    const test = await createApiKey(trx, org.id, 'bootstrap (test)', { livemode: false });
    const { token } = await createInvitation(trx, { orgId: org.id, role: 'owner', createdBy: null, now });
    return { orgId: org.id, apiKey: key, testApiKey: test.key, setupToken: token };
  });
}
