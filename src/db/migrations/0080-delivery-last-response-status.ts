/**
 * `deliveries.last_response_status`: the HTTP status of the delivery's last counted attempt (null
 * before the first, and when that attempt got no response: timeout, connection error, refused
 * address), kept beside `last_error` so the lists show it without reading the attempt log. Filled for
 * existing deliveries from their last attempt that moved them on (not `lease_lost`). Frozen.
 */
import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await sql`alter table deliveries add column last_response_status integer`.execute(db);
  await sql`
    update deliveries d
       set last_response_status = a.response_status
      from (select distinct on (delivery_id) delivery_id, response_status
              from delivery_attempts
             where not lease_lost
             order by delivery_id, attempt desc, id desc) a
     where a.delivery_id = d.id
       and a.response_status is not null`.execute(db);
}
