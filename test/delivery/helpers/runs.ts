/** Dispatching runs with a webhook and writing their events through the real outbox. */
import pino from 'pino';
import type { Config } from '../../../src/config.js';
import type { Database } from '../../../src/db/connect.js';
import { appendRunEvent } from '../../../src/db/events.js';
import { findRunRow } from '../../../src/db/runs.js';
import { startWorker, type Worker, type WorkerOptions } from '../../../src/delivery/worker.js';
import type { EventData, EventEnvelope, EventType } from '../../../src/domain/events.js';
import { EVERY_STEP_TEMPLATE, type TestApp } from '../../helpers/app.js';
import { TEST_KEYRING } from '../../helpers/keyring.js';

export const WEBHOOK_SECRET = 'whsec_test-secret-0123456789';

export async function createTemplate(t: TestApp): Promise<string> {
  const response = await t.api({ method: 'POST', url: '/v1/templates', payload: EVERY_STEP_TEMPLATE });
  if (response.statusCode !== 201) throw new Error(`template: ${response.statusCode} ${response.body}`);
  return response.json<{ id: string }>().id;
}

export async function dispatchRun(
  t: TestApp,
  templateId: string,
  webhook: { url: string; secret?: string; events?: string[] },
  extra: Record<string, unknown> = {},
): Promise<string> {
  const response = await t.api({
    method: 'POST',
    url: '/v1/runs',
    payload: {
      template_id: templateId,
      webhook: { secret: WEBHOOK_SECRET, ...webhook },
      executor_ref: 'booking-42',
      ...extra,
    },
  });
  if (response.statusCode !== 201) throw new Error(`dispatch: ${response.statusCode} ${response.body}`);
  return response.json<{ run_id: string }>().run_id;
}

/** Writes one event of the run (and its delivery) in a transaction, as a state change would. */
export async function appendEvent<Type extends EventType>(
  database: Pick<Database, 'db'>,
  runId: string,
  type: Type,
  data: EventData[Type],
  now = new Date(),
): Promise<EventEnvelope> {
  return database.db.transaction().execute(async (trx) => {
    const run = await findRunRow(trx, runId, { forUpdate: true });
    if (!run) throw new Error(`no run ${runId}`);
    return appendRunEvent(trx, run, { type, data, now });
  });
}

export const PROGRESS = { total: 11, answered: 1, skipped: 0 };

/** One `data` of each event, as the server would write it (typed by @rundun/webhooks' payloads). */
export const SAMPLE_DATA: { [Type in EventType]: EventData[Type] } = {
  'step.completed': {
    step_id: 's-od01',
    step_label: 'Odometer reading',
    step_type: 'number',
    answer: 42150,
    photos: [],
    geo: null,
    progress: PROGRESS,
  },
  'step.skipped': {
    step_id: 's-nt01',
    step_label: 'Additional notes',
    step_type: 'text',
    progress: PROGRESS,
  },
  'run.completed': { duration_seconds: 612, progress: PROGRESS, answers: {}, hidden_steps: [] },
  'run.cancelled': {
    reason: 'user_exit',
    progress: PROGRESS,
    last_step_id: 's-fu01',
    answers_so_far: {},
    hidden_steps: [],
  },
  'run.expired': { expired_at: new Date().toISOString(), progress: PROGRESS },
};

export const testLogger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** A worker on the test's database with fast polling; stop it in the test's cleanup. */
export function startTestWorker(
  database: Database,
  config: Config,
  options: Partial<Omit<WorkerOptions, 'database' | 'config' | 'logger' | 'keyring'>> = {},
): Worker {
  return startWorker({
    database,
    config,
    logger: testLogger,
    keyring: TEST_KEYRING,
    pollIntervalMs: 200,
    ...options,
  });
}
