/**
 * Event envelopes are stored as `json`, not `jsonb`: jsonb reorders object keys, and a webhook body
 * should keep the documented field order and the template's order of `answers`. Nothing queries
 * inside envelopes, so jsonb's operators are not needed. Frozen.
 */
import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await sql`alter table events alter column envelope type json using envelope::json`.execute(db);
}
