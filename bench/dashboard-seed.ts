/**
 * Seeds one org for bench/dashboard.ts with set-based SQL (a few INSERT … SELECT over generate_series,
 * not 70,000 API calls): RUNS runs over the last RUNS minutes (one a minute, newest first), a tenth each
 * pending, in progress, cancelled and expired and the rest completed with answers to the template's
 * non-media steps; per run DELIVERIES_PER_RUN events with one delivery each, ~5 % of them failed after
 * three attempts, the rest delivered on the first, every attempt logged with its request and response.
 * Timestamps are whole milliseconds, as the app writes them (the list cursors carry milliseconds).
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../src/db/schema.js';

export const RUNS = 10_000;
export const DELIVERIES_PER_RUN = 6;
const WEBHOOK_URL = 'https://93.184.216.34/hooks/rundun';

export async function seedDashboardData(
  db: Kysely<DB>,
  input: { orgId: string; templateId: string; now: Date },
): Promise<void> {
  const { orgId, templateId, now } = input;
  await sql`
    insert into runs (id, org_id, template_id, template_version, template, status, executor_ref, identity,
                      webhook_url, webhook_events, expires_at, created_at, started_at, finished_at, event_seq)
    select 'r-bench-' || lpad(i::text, 6, '0'), ${orgId}, ${templateId}, 1, v.definition,
           coalesce((array['pending','in_progress','cancelled','expired'])[i % 10 + 1], 'completed'),
           'booking_' || i,
           case when i % 10 = 0 then null else '{"mode":"external","name":"Bench Executor"}'::jsonb end,
           ${WEBHOOK_URL}, '["step.completed","step.skipped","run.completed","run.cancelled","run.expired"]'::jsonb,
           t.created + interval '72 hours', t.created,
           case when i % 10 = 0 then null else t.created + interval '1 minute' end,
           case when i % 10 >= 2 then t.created + interval '20 minutes' end,
           ${DELIVERIES_PER_RUN}
      from generate_series(1, ${RUNS}) as i
      cross join lateral (select date_trunc('milliseconds', ${now}::timestamptz - i * interval '1 minute') as created) t
      join template_versions v on v.template_id = ${templateId} and v.version = 1`.execute(db);

  await sql`
    insert into answers (run_id, step_id, status, answer, media_ids, geo, updated_at)
    select r.id, a.step_id, 'answered', a.answer, '[]'::jsonb,
           '{"lat":51.5072,"lng":-0.1276,"accuracy_m":8}'::jsonb, r.started_at + a.n * interval '1 minute'
      from runs r
      cross join (values
        (1, 's-od01', '42150'::jsonb), (2, 's-fu01', '"o-fu2"'), (3, 's-dm01', 'false'),
        (5, 's-nt01', '"Clean, keys at the desk"'), (6, 's-rt01', '4'), (8, 's-bc01', '"VIN1234567890"'),
        (9, 's-dt01', '"2026-03-01"'), (10, 's-in01', 'null')) as a(n, step_id, answer)
     where r.org_id = ${orgId} and r.status = 'completed'`.execute(db);

  await sql`
    insert into events (id, run_id, org_id, seq, type, envelope, created_at)
    select 'e-' || r.id || '-' || s, r.id, r.org_id, s,
           case when s < ${DELIVERIES_PER_RUN} then 'step.completed' else 'run.completed' end,
           jsonb_build_object('event', case when s < ${DELIVERIES_PER_RUN} then 'step.completed' else 'run.completed' end,
                              'run_id', r.id, 'seq', s, 'executor_ref', r.executor_ref,
                              'data', jsonb_build_object('step_id', 's-od01', 'answer', 42150)),
           r.created_at + s * interval '1 minute'
      from runs r cross join generate_series(1, ${DELIVERIES_PER_RUN}) as s
     where r.org_id = ${orgId}`.execute(db);

  await sql`
    insert into deliveries (id, event_id, run_id, org_id, seq, url, origin, status, attempt_count,
                            next_attempt_at, last_error, last_response_status, created_at, updated_at)
    select 'd-' || e.id, e.id, e.run_id, e.org_id, e.seq, ${WEBHOOK_URL}, 'https://93.184.216.34:443',
           case when failed then 'failed' else 'succeeded' end,
           case when failed then 3 else 1 end,
           e.created_at + interval '2 minutes',
           case when failed then 'HTTP 503 from the receiver' end,
           case when failed then 503 else 200 end,
           e.created_at, e.created_at + interval '2 minutes'
      from events e join runs r on r.id = e.run_id
     cross join lateral (select (hashtext(e.id) % 20 = 0) as failed) f
     where r.org_id = ${orgId}`.execute(db);

  await sql`
    insert into delivery_attempts (delivery_id, attempt, manual, started_at, duration_ms, request_headers,
                                   request_body, response_status, response_headers, response_body, error, succeeded)
    select d.id, a, false, d.created_at + a * interval '10 seconds', 40 + a,
           jsonb_build_object('content-type', 'application/json', 'content-digest', 'sha-256=:bench:',
                              'signature-input', 'rundun=("@method" "@target-uri" "content-type" "content-digest");created=1',
                              'signature', 'rundun=:bench:'),
           e.envelope::text,
           case when d.status = 'failed' then 503 else 200 end,
           '{"content-type":"text/plain"}'::jsonb,
           case when d.status = 'failed' then 'Service Unavailable' else 'ok' end,
           case when d.status = 'failed' then 'HTTP 503 from the receiver' end,
           d.status = 'succeeded'
      from deliveries d join events e on e.id = d.event_id
     cross join lateral generate_series(1, d.attempt_count) as a
     where d.run_id like 'r-bench-%'`.execute(db);
  await sql`analyze`.execute(db);
}
