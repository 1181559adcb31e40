/**
 * Indexes for the runs list's filters (GET /v1/runs, the dashboard's Runs page), each newest first:
 * - executor_ref by prefix: `text_pattern_ops`, so `LIKE 'abc%'` is an index range under any collation
 *   (PostgreSQL's default `C.UTF-8` / `en_US` collations cannot use a plain btree for LIKE). It also
 *   serves the exact match, so it replaces `runs_org_ref_idx`.
 * - template: (template_id, created_at, id) — a template belongs to one org, so no org_id.
 * - status: (org_id, status, created_at, id), so a rare status is not found by walking every run.
 * Plans and figures in docs/performance.md ("Dashboard lists"). Frozen.
 */
import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await sql`create index runs_org_ref_prefix_idx on runs (org_id, executor_ref text_pattern_ops)`.execute(db);
  await db.schema.dropIndex('runs_org_ref_idx').execute();
  await db.schema
    .createIndex('runs_template_created_idx')
    .on('runs')
    .columns(['template_id', 'created_at', 'id'])
    .execute();
  await db.schema
    .createIndex('runs_org_status_created_idx')
    .on('runs')
    .columns(['org_id', 'status', 'created_at', 'id'])
    .execute();
}
