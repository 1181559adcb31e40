/**
 * Org-wide reads (GET /v1/events, GET /v1/deliveries), recovery (POST /v1/deliveries/recover), test mode
 * and idempotent responses. Frozen.
 *
 * - `livemode` on api_keys, runs, events and deliveries (true for everything before this migration): a
 *   test key's runs, and their events and deliveries, are seen only by test keys and vice versa.
 * - `org_id` copied onto events and deliveries from their run, so an org's list is one index range
 *   instead of a join through every run of the org.
 * - `deliveries_org_failed_idx`: recover walks an org's failed deliveries oldest first; a partial index
 *   keeps it off the succeeded majority. The claim writes only `lease_until` and `locked_by`, outside
 *   these indexes, so it stays a HOT update (src/db/claim-deliveries.ts).
 * - `idempotent_responses`: the stored answer of a POST sent with an Idempotency-Key (templates, replay,
 *   recover); runs keep their own table (idempotency_keys), whose rows name the run.
 */
import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  for (const table of ['api_keys', 'runs', 'events', 'deliveries']) {
    await db.schema
      .alterTable(table)
      .addColumn('livemode', 'boolean', (c) => c.notNull().defaultTo(true))
      .execute();
  }
  for (const table of ['events', 'deliveries']) {
    await db.schema.alterTable(table).addColumn('org_id', 'text').execute();
    await sql`update ${sql.table(table)} t set org_id = r.org_id from runs r where r.id = t.run_id`.execute(
      db,
    );
    await db.schema
      .alterTable(table)
      .alterColumn('org_id', (c) => c.setNotNull())
      .execute();
    await db.schema
      .createIndex(`${table}_org_created_idx`)
      .on(table)
      .columns(['org_id', 'livemode', 'created_at', 'id'])
      .execute();
  }
  await db.schema
    .createIndex('deliveries_org_failed_idx')
    .on('deliveries')
    .columns(['org_id', 'livemode', 'created_at', 'id'])
    .where(sql.ref('status'), '=', 'failed')
    .execute();

  await db.schema
    .createTable('idempotent_responses')
    .addColumn('org_id', 'text', (c) => c.notNull().references('orgs.id'))
    .addColumn('key', 'text', (c) => c.notNull())
    /** SHA-256 of the method, path, mode and body, so a key reused for another request is refused. */
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('status_code', 'integer', (c) => c.notNull())
    .addColumn('body', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotent_responses_pk', ['org_id', 'key'])
    .execute();
}
