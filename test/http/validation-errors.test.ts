/** Validation errors a person can act on: one per field, in words, saying what is allowed. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EVENT_TYPES } from '../../src/domain/events.js';
import { MAX_EXPIRES_IN_HOURS } from '../../src/domain/run.js';
import { testDatabaseKinds } from '../helpers/database.js';
import { createExecutorTestApp, WEBHOOK, type ExecutorTestApp } from '../executor/helpers.js';

interface Problem {
  status: number;
  detail: string;
  errors: { in?: string; pointer: string; rule: string; message: string }[];
}

/** Ajv's wording for schema authors, which no error may show. */
const NOISE = /anyOf|oneOf|must be null$|equal to constant|must NOT|<=|>=/;

for (const kind of testDatabaseKinds()) {
  describe(`validation errors on ${kind}`, () => {
    let t: ExecutorTestApp;
    let templateId: string;
    before(async () => {
      t = await createExecutorTestApp(kind);
      templateId = await t.createTemplate();
    });
    after(() => t.close());

    async function dispatchRefused(body: object): Promise<Problem> {
      const before = await t.database.db.selectFrom('runs').select('id').execute();
      const response = await t.api({
        method: 'POST',
        url: '/v1/runs',
        payload: { template_id: templateId, ...body },
      });
      assert.equal(response.statusCode, 400, response.body);
      const after = await t.database.db.selectFrom('runs').select('id').execute();
      assert.equal(after.length, before.length, 'nothing is written');
      const problem = response.json<Problem>();
      for (const error of problem.errors) assert.doesNotMatch(error.message, NOISE, error.message);
      return problem;
    }

    it('lists the allowed event names for an unknown one', async () => {
      const problem = await dispatchRefused({ webhook: { ...WEBHOOK, events: ['run.complete'] } });
      assert.equal(problem.errors.length, 1, JSON.stringify(problem.errors));
      const [error] = problem.errors;
      assert.equal(error!.pointer, '/webhook/events/0');
      assert.equal(error!.rule, 'enum');
      for (const name of [...EVENT_TYPES, '*']) assert.ok(error!.message.includes(`"${name}"`), name);
    });

    it('states the range of expires_in_hours, once, and that null is allowed', async () => {
      const problem = await dispatchRefused({ expires_in_hours: MAX_EXPIRES_IN_HOURS + 1 });
      assert.deepEqual(problem.errors, [
        {
          in: 'body',
          pointer: '/expires_in_hours',
          rule: 'maximum',
          message: `must be an integer from 1 to ${MAX_EXPIRES_IN_HOURS}, or null`,
        },
      ]);
      assert.match(problem.detail, /expires_in_hours must be an integer from 1 to 8760, or null/);
      const wrongType = await dispatchRefused({ expires_in_hours: '24' });
      assert.deepEqual(
        wrongType.errors.map((e) => [e.rule, e.message]),
        [['type', 'must be an integer or null']],
      );
    });

    it('gives one error per field, naming the known fields for an unknown one', async () => {
      const problem = await dispatchRefused({
        colour: 'red',
        executor_ref: 5,
        webhook: { url: WEBHOOK.url, secret: 'short' },
      });
      assert.deepEqual(
        problem.errors.map((e) => [e.pointer, e.rule]),
        [
          ['/colour', 'unknown_field'],
          ['/webhook/secret', 'minLength'],
          ['/executor_ref', 'type'],
        ],
      );
      const byPointer = Object.fromEntries(problem.errors.map((e) => [e.pointer, e.message]));
      assert.match(byPointer['/colour']!, /known fields: template_id, webhook, expires_in_hours/);
      assert.equal(byPointer['/webhook/secret'], 'must be from 16 to 256 characters long');
      assert.equal(byPointer['/executor_ref'], 'must be a string or null');
    });

    it('names query parameters as such, with the values they accept', async () => {
      const response = await t.api({ method: 'GET', url: '/v1/runs?status=done&limit=0' });
      assert.equal(response.statusCode, 400);
      const problem = response.json<Problem>();
      assert.deepEqual(
        problem.errors.map((e) => [e.in, e.pointer, e.rule]),
        [
          ['query', '/limit', 'minimum'],
          ['query', '/status', 'enum'],
        ],
      );
      assert.match(
        problem.errors[1]!.message,
        /"pending", "in_progress", "completed", "cancelled", "expired"/,
      );
      assert.match(problem.detail, /^The query string is invalid: limit must be an integer from 1 to/);
    });

    it('answers the executor API in the same words', async () => {
      const runId = await t.dispatch(templateId);
      await t.x('POST', `/x/runs/${runId}/start`, {});
      const response = await t.x('POST', `/x/runs/${runId}/cancel`, { last_step_id: 5 });
      assert.equal(response.statusCode, 400);
      assert.deepEqual(
        response.json<Problem>().errors.map((e) => [e.pointer, e.message]),
        [['/last_step_id', 'must be a string or null']],
      );
    });
  });
}
