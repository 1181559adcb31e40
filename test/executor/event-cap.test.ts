/** A re-answer loop stops at the run's event cap with a clear 409; the run can still be submitted. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testDatabaseKinds } from '../helpers/database.js';
import { asProblem, createExecutorTestApp, ruleOf, type ExecutorTestApp } from './helpers.js';

const TEMPLATE = {
  name: 'Loop',
  settings: { allow_skip: true },
  steps: [
    { id: 's-no', type: 'number', label: 'A number', required: true },
    { id: 's-tx', type: 'text', label: 'Notes' },
  ],
};

for (const kind of testDatabaseKinds()) {
  describe(`event cap per run on ${kind}`, () => {
    let t: ExecutorTestApp;
    before(async () => {
      t = await createExecutorTestApp(kind, { maxEventsPerRun: 10 });
    });
    after(() => t.close());

    it('refuses answers and skips past the cap and still writes the run’s end', async () => {
      const runId = await t.dispatch(await t.createTemplate(TEMPLATE));
      await t.x('POST', `/x/runs/${runId}/start`, {});
      const statuses: number[] = [];
      for (let i = 0; i < 14; i++) {
        const response = await t.x('PUT', `/x/runs/${runId}/steps/s-no`, { answer: i, request_id: `q${i}` });
        statuses.push(response.statusCode);
      }
      assert.deepEqual(statuses, [...Array<number>(10).fill(200), 409, 409, 409, 409]);
      const refused = await t.x('POST', `/x/runs/${runId}/steps/s-tx/skip`, { request_id: 'skip' });
      assert.equal(refused.statusCode, 409);
      assert.equal(ruleOf(refused), 'max_events');
      assert.match(asProblem(refused).detail, /10 answers and skips/);
      const submitted = await t.x('POST', `/x/runs/${runId}/submit`, {});
      assert.equal(submitted.statusCode, 200, submitted.body);
      const types = await t.eventTypes(runId);
      assert.equal(types.filter((type) => type === 'step.completed').length, 10);
      assert.equal(types.at(-1), 'run.completed');
    });
  });
}
