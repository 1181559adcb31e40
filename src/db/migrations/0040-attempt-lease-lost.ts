/**
 * `delivery_attempts.lease_lost`: the attempt was sent by a worker that no longer held the delivery's
 * lease when it recorded it (another worker had taken the delivery over), or it is the trace of a worker
 * that stopped holding a lease without recording anything (killed mid-attempt). Such a row does not move
 * the delivery on; it is there so the log never shows fewer sends than the receiver may have seen.
 * A constant default: PostgreSQL adds the column without rewriting the table. Frozen.
 */
import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await sql`alter table delivery_attempts add column lease_lost boolean not null default false`.execute(db);
}
