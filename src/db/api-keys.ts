/** API keys: stored as SHA-256 only; the full key leaves `createApiKey` once and is never readable again. */
import { sql, type Kysely } from 'kysely';
import { newId } from '../domain/ids.js';
import { API_KEY_PREFIX, generateApiKey, sha256Hex, TEST_API_KEY_PREFIX } from '../domain/secrets.js';
import { PREPARED } from './connect.js';
import type { ApiKeyRow, DB } from './schema.js';

export interface ApiKey {
  id: string;
  orgId: string;
  name: string;
  /** What a listing shows of the key: `rdk_live_…` + its last 4 characters. */
  hint: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  /** false for a test key (`rdk_test_…`). */
  livemode: boolean;
}

export function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    hint: `${row.livemode ? API_KEY_PREFIX : TEST_API_KEY_PREFIX}…${row.last4}`,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
    livemode: row.livemode,
  };
}

export async function createApiKey(
  db: Kysely<DB>,
  orgId: string,
  name = 'default',
  options: { livemode?: boolean } = {},
): Promise<{ key: string; apiKey: ApiKey }> {
  const livemode = options.livemode ?? true;
  const key = generateApiKey(livemode);
  const row = await db
    .insertInto('api_keys')
    .values({
      id: newId('key'),
      org_id: orgId,
      name,
      key_hash: sha256Hex(key),
      last4: key.slice(-4),
      livemode,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { key, apiKey: toApiKey(row) };
}

/** The active key with this SHA-256, if any. */
export async function findActiveApiKey(db: Kysely<DB>, keyHash: string): Promise<ApiKey | undefined> {
  const { rows } = await sql<ApiKeyRow>`${PREPARED}
    select id, org_id, name, key_hash, last4, created_at, last_used_at, revoked_at, livemode
      from api_keys where key_hash = ${keyHash} and revoked_at is null`.execute(db);
  return rows[0] && toApiKey(rows[0]);
}

export async function touchApiKey(db: Kysely<DB>, keyId: string, now: Date): Promise<void> {
  await db.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', keyId).execute();
}

export async function listApiKeys(db: Kysely<DB>, orgId: string): Promise<ApiKey[]> {
  const rows = await db
    .selectFrom('api_keys')
    .selectAll()
    .where('org_id', '=', orgId)
    .orderBy('created_at')
    .execute();
  return rows.map(toApiKey);
}

export async function revokeApiKey(
  db: Kysely<DB>,
  orgId: string,
  keyId: string,
  now: Date,
): Promise<boolean> {
  const result = await db
    .updateTable('api_keys')
    .set({ revoked_at: now })
    .where('id', '=', keyId)
    .where('org_id', '=', orgId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
