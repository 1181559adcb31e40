import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestApp } from '../helpers/app.js';
import { testDatabaseKinds } from '../helpers/database.js';
import { startReceiver } from './helpers/receiver.js';
import { appendEvent, createTemplate, dispatchRun, SAMPLE_DATA, startTestWorker } from './helpers/runs.js';

function metricValue(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

for (const kind of testDatabaseKinds()) {
  describe(`GET /metrics (${kind})`, () => {
    it('splits the queue into claimable, held back behind an earlier event of the run, and leased', async () => {
      const t = await createTestApp(kind);
      try {
        const templateId = await createTemplate(t);
        const url = 'http://127.0.0.1:9/hook';
        const ordered = await dispatchRun(t, templateId, { url });
        const leased = await dispatchRun(t, templateId, { url });
        const later = await dispatchRun(t, templateId, { url });
        const past = new Date(Date.now() - 10_000);
        await appendEvent(t.database, ordered, 'step.completed', SAMPLE_DATA['step.completed'], past);
        // Behind the first: no worker may take them until its first attempt ends.
        await appendEvent(t.database, ordered, 'step.completed', SAMPLE_DATA['step.completed'], past);
        await appendEvent(t.database, ordered, 'run.completed', SAMPLE_DATA['run.completed'], past);
        const taken = await appendEvent(t.database, leased, 'run.completed', SAMPLE_DATA['run.completed']);
        await t.database.db
          .updateTable('deliveries')
          .set({ locked_by: 'elsewhere:1:abc/1', lease_until: new Date(Date.now() + 60_000) })
          .where('event_id', '=', taken.event_id)
          .execute();
        const scheduled = await appendEvent(t.database, later, 'run.completed', SAMPLE_DATA['run.completed']);
        await t.database.db
          .updateTable('deliveries')
          .set({ next_attempt_at: new Date(Date.now() + 60_000) })
          .where('event_id', '=', scheduled.event_id)
          .execute();

        const { body } = await t.app.inject({ method: 'GET', url: '/metrics' });
        assert.equal(metricValue(body, 'rundun_delivery_queue{state="claimable"}'), 1);
        assert.equal(metricValue(body, 'rundun_delivery_queue{state="held"}'), 2);
        assert.equal(metricValue(body, 'rundun_delivery_queue{state="leased"}'), 1);
        assert.equal(metricValue(body, 'rundun_delivery_queue_due'), 1, 'only what a worker may take');
        const age = metricValue(body, 'rundun_delivery_oldest_due_age_seconds')!;
        assert.ok(age >= 9.9 && age < 60, `the claimable one's age, ${age}`);
      } finally {
        await t.close();
      }
    });

    it('shows the due queue from the database, then attempts by result and deliveries by outcome', async () => {
      const t = await createTestApp(kind, { config: { retryScheduleMs: [50, 50, 50, 50, 50] } });
      const receiver = await startReceiver();
      receiver.respond = (request) => (request.path === '/bad' ? { status: 500 } : { status: 200 });
      try {
        const templateId = await createTemplate(t);
        const good = await dispatchRun(t, templateId, { url: `${receiver.origin}/good` });
        const bad = await dispatchRun(t, templateId, { url: `${receiver.origin}/bad` });
        await appendEvent(
          t.database,
          good,
          'run.completed',
          SAMPLE_DATA['run.completed'],
          new Date(Date.now() - 5_000),
        );
        await appendEvent(t.database, bad, 'run.completed', SAMPLE_DATA['run.completed']);

        const queued = await t.app.inject({ method: 'GET', url: '/metrics' });
        assert.equal(queued.statusCode, 200);
        assert.match(String(queued.headers['content-type']), /^text\/plain/);
        assert.equal(metricValue(queued.body, 'rundun_delivery_queue_due'), 2);
        assert.ok(metricValue(queued.body, 'rundun_delivery_oldest_due_age_seconds')! >= 4.9);

        const worker = startTestWorker(t.database, t.config, { timeoutMs: 5_000 });
        try {
          await receiver.waitFor((r) => r.filter((x) => x.path === '/bad').length === 6 && r.length === 7);
          await new Promise((resolve) => setTimeout(resolve, 300));
        } finally {
          await worker.stop();
        }
        const { body } = await t.app.inject({ method: 'GET', url: '/metrics' });
        assert.equal(
          metricValue(body, 'rundun_delivery_attempts_total{result="succeeded",manual="false"}'),
          1,
        );
        assert.equal(
          metricValue(body, 'rundun_delivery_attempts_total{result="http_status",manual="false"}'),
          6,
        );
        assert.equal(metricValue(body, 'rundun_deliveries_total{outcome="succeeded"}'), 1);
        assert.equal(metricValue(body, 'rundun_deliveries_total{outcome="failed"}'), 1);
        assert.equal(
          metricValue(body, 'rundun_delivery_attempt_duration_seconds_count{result="http_status"}'),
          6,
        );
        assert.equal(metricValue(body, 'rundun_delivery_queue_due'), 0);
        assert.equal(metricValue(body, 'rundun_delivery_oldest_due_age_seconds'), 0);
        assert.equal(metricValue(body, 'rundun_delivery_in_flight'), 0);
      } finally {
        await receiver.close();
        await t.close();
      }
    });
  });
}
