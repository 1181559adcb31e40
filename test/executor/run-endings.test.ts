import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testDatabaseKinds } from '../helpers/database.js';
import {
  answerEveryStep,
  createExecutorTestApp,
  makeJpeg,
  type ExecutorTestApp,
  asProblem,
  asView,
  asWrite,
  ruleOf,
} from './helpers.js';

for (const kind of testDatabaseKinds()) {
  describe(`executor run endings on ${kind}`, () => {
    let t: ExecutorTestApp;
    let templateId: string;
    before(async () => {
      t = await createExecutorTestApp(kind);
      templateId = await t.createTemplate();
    });
    after(() => t.close());

    it('refuses to submit while required steps are unanswered, listing them', async () => {
      const runId = await t.dispatch(templateId);
      await t.x('POST', `/x/runs/${runId}/start`, {});
      await t.x('PUT', `/x/runs/${runId}/steps/s-od01`, { answer: 1 });
      const response = await t.x('POST', `/x/runs/${runId}/submit`, {});
      assert.equal(response.statusCode, 422);
      const missing = asProblem(response).errors!.map((e) => e.step_id);
      assert.deepEqual(missing, [
        's-fu01',
        's-dm01',
        's-rt01',
        's-ph01',
        's-bc01',
        's-dt01',
        's-in01',
        's-sg01',
      ]);
      assert.equal(ruleOf(response), 'required');
      assert.equal(asView(await t.x('GET', `/x/runs/${runId}`)).status, 'in_progress');
      assert.deepEqual(await t.eventTypes(runId), ['step.completed']);
    });

    it('refuses answers before the run is started', async () => {
      const runId = await t.dispatch(templateId);
      const response = await t.x('PUT', `/x/runs/${runId}/steps/s-od01`, { answer: 1 });
      assert.equal(response.statusCode, 409);
      assert.equal(ruleOf(response), 'not_started');
      assert.equal((await t.x('POST', `/x/runs/${runId}/submit`, {})).statusCode, 409);
      assert.equal((await t.x('POST', `/x/runs/${runId}/cancel`, {})).statusCode, 409);
      assert.deepEqual(await t.eventTypes(runId), []);
    });

    it('cancels with user_exit, the last step and the answers so far, once', async () => {
      const runId = await t.dispatch(templateId);
      await t.x('POST', `/x/runs/${runId}/start`, { identity: { mode: 'external', name: 'Ann' } });
      await t.x('PUT', `/x/runs/${runId}/steps/s-od01`, { answer: 42150 });
      await t.x('PUT', `/x/runs/${runId}/steps/s-fu01`, { answer: 'o-fu2' });
      const response = await t.x('POST', `/x/runs/${runId}/cancel`, { last_step_id: 's-dm02' });
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(asWrite(response).status, 'cancelled');
      const again = await t.x('POST', `/x/runs/${runId}/cancel`, {});
      assert.equal(again.statusCode, 200);
      const events = await t.events(runId);
      assert.deepEqual(
        events.map((e) => e.type),
        ['step.completed', 'step.completed', 'run.cancelled'],
      );
      const envelope = events[2]!.envelope as { identity: unknown; data: Record<string, unknown> };
      assert.deepEqual(envelope.identity, { mode: 'external', name: 'Ann' });
      assert.deepEqual(envelope.data, {
        executor_ref: null,
        reason: 'user_exit',
        progress: { total: 11, answered: 2, skipped: 0 },
        last_step_id: 's-dm02',
        answers_so_far: {
          's-od01': { answer: 42150, photos: [], geo: null },
          's-fu01': { answer: 'o-fu2', photos: [], geo: null },
        },
        hidden_steps: [],
      });
    });

    it('refuses every write to a completed or cancelled run with 409 and changes nothing', async () => {
      const completed = await t.dispatch(templateId);
      await t.x('POST', `/x/runs/${completed}/start`, {});
      await answerEveryStep(t, completed);
      await t.x('POST', `/x/runs/${completed}/submit`, {});
      const cancelled = await t.dispatch(templateId);
      await t.x('POST', `/x/runs/${cancelled}/start`, {});
      await t.x('POST', `/x/runs/${cancelled}/cancel`, {});
      const before = { completed: await t.eventTypes(completed), cancelled: await t.eventTypes(cancelled) };
      for (const runId of [completed, cancelled]) {
        const writes = [
          await t.x('PUT', `/x/runs/${runId}/steps/s-od01`, { answer: 7, request_id: 'late' }),
          await t.x('POST', `/x/runs/${runId}/steps/s-nt01/skip`, { request_id: 'late-skip' }),
          await t.x('POST', `/x/runs/${runId}/start`, {}),
          await t.upload(runId, 's-ph01', await makeJpeg(100, 100)),
        ];
        for (const response of writes) assert.equal(response.statusCode, 409, `${runId}: ${response.body}`);
      }
      assert.equal((await t.x('POST', `/x/runs/${completed}/cancel`, {})).statusCode, 409);
      assert.equal((await t.x('POST', `/x/runs/${cancelled}/submit`, {})).statusCode, 409);
      assert.deepEqual(await t.eventTypes(completed), before.completed);
      assert.deepEqual(await t.eventTypes(cancelled), before.cancelled);
      assert.equal(asView(await t.x('GET', `/x/runs/${completed}`)).answers['s-od01']!.answer, 42150);
      assert.equal(asView(await t.x('GET', `/x/runs/${cancelled}`)).status, 'cancelled');
    });

    it('answers 410 for an expired run, writing run.expired exactly once', async () => {
      const runId = await t.dispatch(templateId, { expires_in_hours: 1 });
      await t.x('POST', `/x/runs/${runId}/start`, {});
      await t.x('PUT', `/x/runs/${runId}/steps/s-od01`, { answer: 5 });
      t.clock.advance(3600_000);
      const read = await t.x('GET', `/x/runs/${runId}`);
      assert.equal(read.statusCode, 410);
      assert.equal(asProblem(read).status, 410);
      const writes = [
        await t.x('GET', `/x/runs/${runId}`),
        await t.x('PUT', `/x/runs/${runId}/steps/s-od01`, { answer: 6 }),
        await t.x('POST', `/x/runs/${runId}/submit`, {}),
        await t.x('POST', `/x/runs/${runId}/cancel`, {}),
        await t.x('POST', `/x/runs/${runId}/start`, {}),
        await t.upload(runId, 's-ph01', await makeJpeg(100, 100)),
      ];
      for (const response of writes) assert.equal(response.statusCode, 410, response.body);
      const events = await t.events(runId);
      assert.deepEqual(
        events.map((e) => e.type),
        ['step.completed', 'run.expired'],
      );
      assert.deepEqual((events[1]!.envelope as { data: { progress: object } }).data.progress, {
        total: 11,
        answered: 1,
        skipped: 0,
      });
    });

    it('expires a due run on its first write (410) even when nobody read it first', async () => {
      const runId = await t.dispatch(templateId, { expires_in_hours: 1 });
      await t.x('POST', `/x/runs/${runId}/start`, {});
      t.clock.advance(3600_000 + 1);
      const response = await t.x('PUT', `/x/runs/${runId}/steps/s-od01`, { answer: 6 });
      assert.equal(response.statusCode, 410);
      assert.deepEqual(await t.eventTypes(runId), ['run.expired']);
      const row = await t.database.db
        .selectFrom('runs')
        .select('status')
        .where('id', '=', runId)
        .executeTakeFirstOrThrow();
      assert.equal(row.status, 'expired');
    });
  });
}
