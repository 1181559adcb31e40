/**
 * Inserting dispatched runs: each run takes one credit, appends its ledger row and copies its template's
 * current version, all in the statement that inserts it. When any part finds nothing (unknown or
 * archived template, no credit) the run is not inserted, and the caller asks why.
 *
 * Group commit. Dispatches that arrive while earlier ones are being written share one statement
 * (`insertRunsTakingCredits`): up to `MAX_STATEMENTS_IN_FLIGHT` statements run at once per process, and
 * whatever queues meanwhile goes in the next, up to `MAX_RUNS_PER_STATEMENT`. An idle server writes each
 * dispatch alone at once; a busy one writes tens per statement. A statement costs PostgreSQL far more
 * than a row: pgbench, the same runs, 3 rounds: ~460–570 µs of PostgreSQL CPU per run one per statement
 * (20 clients), ~190–270 at 4 per statement, ~110–170 at 10. docs/performance.md has the API's figures.
 *
 * The shared statement takes its credits from ONE bucket per org, skipping buckets held by other
 * dispatches, and gives them to that org's runs in arrival order. A run it leaves out (its bucket had
 * too few credits or every bucket was held, its template is gone, or the statement failed) is inserted
 * alone by `insertRun`, which tries the buckets it can take, then waits for one, as before. So the
 * shared statement never waits on a lock and credits are never overspent: a run is inserted exactly
 * when its credit is taken, in the same statement.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import { expandEventSubscription } from '../domain/events.js';
import { debitOneCredit } from './credits.js';
import { PREPARED } from './connect.js';
import type { DB, RunRow } from './schema.js';

export const MAX_STATEMENTS_IN_FLIGHT = 4;
export const MAX_RUNS_PER_STATEMENT = 64;

export interface NewRun {
  id: string;
  orgId: string;
  templateId: string;
  executorRef: string | null;
  assignedTo: string | null;
  /** `secret` as stored: encrypted. */
  webhook: { url: string; secret: string; events?: string[] | undefined } | undefined;
  expiresAt: Date | null;
  now: Date;
  /** false: a test run, which takes no credit (insertTestRun). */
  livemode: boolean;
}

export type InsertedRun = Pick<RunRow, 'id' | 'expires_at' | 'assigned_to' | 'livemode'>;

type Db = Kysely<DB> | Transaction<DB>;

function subscribedEvents(run: NewRun): string[] | null {
  return run.webhook ? expandEventSubscription(run.webhook.events) : null;
}

/** One run, taking a credit from a bucket no one holds, or with `waitForCredit` the first one free. */
export async function insertRunTakingCredit(
  db: Db,
  run: NewRun,
  waitForCredit: boolean,
): Promise<InsertedRun | undefined> {
  const events = subscribedEvents(run);
  const { rows } = await sql<InsertedRun>`${PREPARED}
    with template as (
      select t.id, v.version, v.definition
      from templates t
      join template_versions v on v.template_id = t.id and v.version = t.current_version
      where t.id = ${run.templateId} and t.org_id = ${run.orgId} and t.archived_at is null
    ), debit as (
      ${debitOneCredit(run.orgId, waitForCredit, sql`exists (select 1 from template)`)}
    ), ledger as (
      insert into credit_ledger (org_id, amount, reason, run_id, created_at)
      select org_id, -1, 'dispatch', ${run.id}, ${run.now} from debit
    )
    insert into runs (id, org_id, template_id, template_version, template, status, executor_ref, assigned_to,
                      webhook_url, webhook_secret, webhook_events, expires_at, created_at)
    select ${run.id}, ${run.orgId}, template.id, template.version, template.definition, 'pending',
           ${run.executorRef}, ${run.assignedTo}, ${run.webhook?.url ?? null}, ${run.webhook?.secret ?? null},
           ${events === null ? null : JSON.stringify(events)}::jsonb, ${run.expiresAt}, ${run.now}
    from template, debit
    returning id, expires_at, assigned_to, livemode`.execute(db);
  return rows[0];
}

/** A test run: the template's current version, no credit and no ledger row; undefined if refused. */
export async function insertTestRun(db: Db, run: NewRun): Promise<InsertedRun | undefined> {
  const events = subscribedEvents(run);
  const { rows } = await sql<InsertedRun>`
    insert into runs (id, org_id, template_id, template_version, template, status, executor_ref, assigned_to,
                      webhook_url, webhook_secret, webhook_events, expires_at, created_at, livemode)
    select ${run.id}, ${run.orgId}, t.id, v.version, v.definition, 'pending', ${run.executorRef},
           ${run.assignedTo}, ${run.webhook?.url ?? null}, ${run.webhook?.secret ?? null},
           ${events === null ? null : JSON.stringify(events)}::jsonb, ${run.expiresAt}, ${run.now}, false
    from templates t
    join template_versions v on v.template_id = t.id and v.version = t.current_version
    where t.id = ${run.templateId} and t.org_id = ${run.orgId} and t.archived_at is null
    returning id, expires_at, assigned_to, livemode`.execute(db);
  return rows[0];
}

/** Inserts one run, waiting for a credit when every non-empty bucket was held; undefined if refused. */
export async function insertRun(db: Db, run: NewRun): Promise<InsertedRun | undefined> {
  if (!run.livemode) return insertTestRun(db, run);
  return (await insertRunTakingCredit(db, run, false)) ?? (await insertRunTakingCredit(db, run, true));
}

/** The shared statement described above; returns the runs it inserted, in no particular order. */
export async function insertRunsTakingCredits(db: Db, runs: readonly NewRun[]): Promise<InsertedRun[]> {
  const input = runs.map((run, n) => ({
    n,
    id: run.id,
    org_id: run.orgId,
    template_id: run.templateId,
    executor_ref: run.executorRef,
    assigned_to: run.assignedTo,
    webhook_url: run.webhook?.url ?? null,
    webhook_secret: run.webhook?.secret ?? null,
    webhook_events: subscribedEvents(run),
    expires_at: run.expiresAt,
    created_at: run.now,
  }));
  const { rows } = await sql<InsertedRun>`${PREPARED}
    with input as (
      select * from json_to_recordset(${JSON.stringify(input)}::json) as i(
        n int, id text, org_id text, template_id text, executor_ref text, assigned_to text, webhook_url text,
        webhook_secret text, webhook_events jsonb, expires_at timestamptz, created_at timestamptz)
    ), wanted as (
      select i.*, v.version, v.definition, row_number() over (partition by i.org_id order by i.n) as k
      from input i
      join templates t on t.id = i.template_id and t.org_id = i.org_id and t.archived_at is null
      join template_versions v on v.template_id = t.id and v.version = t.current_version
    ), need as (
      select org_id, count(*) as runs from wanted group by org_id
    ), bucket as (
      select b.org_id, b.bucket, least(b.remaining, need.runs) as taken
      from need cross join lateral (
        select org_id, bucket, remaining from credit_buckets
        where org_id = need.org_id and remaining > 0
        order by random() limit 1 for update skip locked
      ) b
    ), debit as (
      update credit_buckets c set remaining = c.remaining - bucket.taken
      from bucket
      where c.org_id = bucket.org_id and c.bucket = bucket.bucket
      returning c.org_id, bucket.taken
    ), granted as (
      select wanted.* from wanted join debit on debit.org_id = wanted.org_id where wanted.k <= debit.taken
    ), ledger as (
      insert into credit_ledger (org_id, amount, reason, run_id, created_at)
      select org_id, -1, 'dispatch', id, created_at from granted
    )
    insert into runs (id, org_id, template_id, template_version, template, status, executor_ref, assigned_to,
                      webhook_url, webhook_secret, webhook_events, expires_at, created_at)
    select id, org_id, template_id, version, definition, 'pending', executor_ref, assigned_to, webhook_url,
           webhook_secret, webhook_events, expires_at, created_at
    from granted
    returning id, expires_at, assigned_to, livemode`.execute(db);
  return rows;
}

interface QueuedRun {
  run: NewRun;
  settle(inserted: InsertedRun | undefined): void;
}

/** The group commit described above, for one database. */
class RunInsertQueue {
  readonly #db: Kysely<DB>;
  #queued: QueuedRun[] = [];
  #inFlight = 0;
  #scheduled = false;

  constructor(db: Kysely<DB>) {
    this.#db = db;
  }

  /** The inserted run, or undefined when the shared statement left it out. Never rejects. */
  insert(run: NewRun): Promise<InsertedRun | undefined> {
    return new Promise((settle) => {
      this.#queued.push({ run, settle });
      this.#schedule();
    });
  }

  // Starting on the next turn of the event loop lets the requests read in this one share a statement.
  #schedule(): void {
    if (this.#scheduled || this.#inFlight >= MAX_STATEMENTS_IN_FLIGHT || this.#queued.length === 0) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      while (this.#inFlight < MAX_STATEMENTS_IN_FLIGHT && this.#queued.length > 0) {
        void this.#write(this.#queued.splice(0, MAX_RUNS_PER_STATEMENT));
      }
    });
  }

  async #write(batch: QueuedRun[]): Promise<void> {
    this.#inFlight++;
    let inserted = new Map<string, InsertedRun>();
    try {
      const rows = await insertRunsTakingCredits(
        this.#db,
        batch.map((queued) => queued.run),
      );
      inserted = new Map(rows.map((row) => [row.id, row]));
    } catch {
      // One bad run must not fail the others: each is inserted alone, and meets its own error there.
    } finally {
      this.#inFlight--;
      this.#schedule();
    }
    for (const queued of batch) queued.settle(inserted.get(queued.run.id));
  }
}

const queues = new WeakMap<Kysely<DB>, RunInsertQueue>();

/** Inserts a run through the group commit; undefined when it was refused (no template or credit). */
export async function insertRunSoon(db: Kysely<DB>, run: NewRun): Promise<InsertedRun | undefined> {
  if (!run.livemode) return insertTestRun(db, run);
  let queue = queues.get(db);
  if (!queue) queues.set(db, (queue = new RunInsertQueue(db)));
  return (await queue.insert(run)) ?? (await insertRun(db, run));
}
