/**
 * Credits move from one balance column per org to a few buckets per org. Every dispatch took its
 * credit from the same `orgs` row, so an org's dispatches queued on that row lock: pgbench here, 50
 * clients, the dispatch statement: 717 tps with the single row vs 2,834 tps with no debit at all.
 * Buckets let concurrent dispatches debit different rows (see src/db/credits.ts). Frozen.
 */
import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('credit_buckets')
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id'))
    .addColumn('bucket', 'integer', (c) => c.notNull())
    .addColumn('remaining', 'integer', (c) => c.notNull().check(sql`remaining >= 0`))
    .addPrimaryKeyConstraint('credit_buckets_pk', ['org_id', 'bucket'])
    .execute();
  await sql`insert into credit_buckets (org_id, bucket, remaining) select id, 0, credit_balance from orgs`.execute(
    db,
  );
  await db.schema.alterTable('orgs').dropColumn('credit_balance').execute();
}
