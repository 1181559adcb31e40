/**
 * Indexes for the delivery worker's claim (src/db/claim-deliveries.ts). Frozen: later changes go into
 * new migrations.
 *
 * A delivery has work while it is `pending` or a replay was requested (`manual_pending`), whatever its
 * status. The claim walks the distinct origins with work (a skip scan on `origin`) and takes each
 * origin's oldest due rows, so it wants (origin, next_attempt_at) over exactly those rows; the worker's
 * wake-up timer and the metrics want the earliest `next_attempt_at` over the same rows.
 */
import { sql, type Kysely } from 'kysely';

// Migrations must not depend on the app's schema types, which move on.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

const HAS_WORK = sql<boolean>`status = 'pending' or manual_pending`;

export async function up(db: AnyDb): Promise<void> {
  await db.schema.dropIndex('deliveries_due_idx').execute();
  await db.schema
    .createIndex('deliveries_workable_due_idx')
    .on('deliveries')
    .column('next_attempt_at')
    .where(HAS_WORK)
    .execute();
  await db.schema
    .createIndex('deliveries_workable_origin_idx')
    .on('deliveries')
    .columns(['origin', 'next_attempt_at'])
    .where(HAS_WORK)
    .execute();
}
