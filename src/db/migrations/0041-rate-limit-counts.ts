/**
 * `rate_limit_counts`: the per-key request counts of the /v1 rate limit, shared by every API process
 * on the database (src/http/shared-rate-limit.ts): one row per key and fixed window. UNLOGGED: counts
 * are worth nothing after a crash, and the table is written on every batch of API requests, so its
 * writes skip the WAL (and replicas). Rows of past windows are deleted as the processes flush. Frozen.
 */
import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await sql`create unlogged table rate_limit_counts (
    key text not null,
    window_start bigint not null,
    count integer not null,
    expires_at timestamptz not null,
    primary key (key, window_start)
  )`.execute(db);
}
