/**
 * For the maintenance jobs (src/delivery/maintenance.ts). Frozen.
 *  - wiping a final run's webhook secret looks for runs still holding one, by when they finished;
 *  - the delivery-log retention job prunes attempt bodies by age, once each (`body_pruned`).
 */
import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createIndex('runs_secret_held_finished_idx')
    .on('runs')
    .column('finished_at')
    .where(sql<boolean>`webhook_secret is not null and finished_at is not null`)
    .execute();
  await db.schema
    .alterTable('delivery_attempts')
    .addColumn('body_pruned', 'boolean', (column) => column.notNull().defaultTo(false))
    .execute();
  await db.schema
    .createIndex('delivery_attempts_body_kept_idx')
    .on('delivery_attempts')
    .column('started_at')
    .where(sql<boolean>`not body_pruned`)
    .execute();
}
