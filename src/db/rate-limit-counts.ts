/**
 * The shared counts of the /v1 rate limit (src/http/shared-rate-limit.ts): each API process adds its
 * own hits per (key, window) in one statement and reads back the totals of every process.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from './schema.js';

export interface CountIncrement {
  key: string;
  /** Epoch ms of the window's start. */
  windowStart: number;
  windowMs: number;
  add: number;
}

/** Adds each increment to its (key, window) row and answers the totals, in the order given. */
export async function addRateLimitCounts(db: Kysely<DB>, increments: CountIncrement[]): Promise<number[]> {
  if (increments.length === 0) return [];
  const { rows } = await sql<{ key: string; window_start: string; count: number }>`
    insert into rate_limit_counts as c (key, window_start, count, expires_at)
    select i.key, i.window_start, i.add, to_timestamp((i.window_start + i.window_ms) / 1000.0)
      from unnest(${increments.map((i) => i.key)}::text[], ${increments.map((i) => i.windowStart)}::bigint[],
                  ${increments.map((i) => i.windowMs)}::bigint[], ${increments.map((i) => i.add)}::int[])
           as i(key, window_start, window_ms, add)
    on conflict (key, window_start) do update set count = c.count + excluded.count
    returning c.key, c.window_start::text as window_start, c.count`.execute(db);
  const totals = new Map(rows.map((r) => [`${r.window_start} ${r.key}`, r.count]));
  return increments.map((i) => totals.get(`${i.windowStart} ${i.key}`) ?? i.add);
}

/** Deletes the rows of windows that have ended. */
export async function deleteEndedRateLimitWindows(db: Kysely<DB>, now: Date): Promise<void> {
  await db.deleteFrom('rate_limit_counts').where('expires_at', '<', now).execute();
}
