/**
 * Who wrote each template version: the dashboard member (session) or the API key. Both null for
 * versions written before this migration. Runs get an index on their template, for the dashboard's
 * runs count per template. Frozen.
 */
import type { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .alterTable('template_versions')
    .addColumn('created_by_user_id', 'text')
    .addColumn('created_by_key_id', 'text')
    .execute();
  await db.schema.createIndex('runs_template_idx').on('runs').column('template_id').execute();
}
