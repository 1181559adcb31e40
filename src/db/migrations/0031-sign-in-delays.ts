/**
 * `sign_in_failures.last_failed_at`: sign-in delays grow with each failure and run from the last one
 * (src/http/sign-in-throttle.ts). Existing rows take their window start. Frozen.
 */
import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await sql`alter table sign_in_failures add column last_failed_at timestamptz`.execute(db);
  await sql`update sign_in_failures set last_failed_at = window_started_at`.execute(db);
  await sql`alter table sign_in_failures alter column last_failed_at set not null`.execute(db);
}
