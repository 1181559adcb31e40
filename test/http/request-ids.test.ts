/** Request ids: on every answer, honoured when the client sends a well-formed one, in problems and logs. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createConfig } from '../../src/config.js';
import { serializeError } from '../../src/http/log-errors.js';
import { createLogger } from '../../src/http/server.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { captureLogLines } from '../helpers/logs.js';

const GENERATED = /^req_[0-9a-f]{24}$/;

describe('request ids', () => {
  let t: TestApp;
  const { lines, stream } = captureLogLines();
  before(async () => {
    t = await createTestApp('pglite', {
      loggerInstance: createLogger(createConfig({ logLevel: 'info' }), stream),
    });
  });
  after(() => t.close());

  it('puts a new Request-Id on every answer: success, problem, unknown route, executor API', async () => {
    const answers = await Promise.all([
      t.api({ method: 'GET', url: '/v1/org' }),
      t.api({ method: 'GET', url: '/v1/runs/r-nope' }),
      t.app.inject({ method: 'GET', url: '/v1/org' }),
      t.app.inject({ method: 'GET', url: '/no/such/route' }),
      t.app.inject({ method: 'GET', url: '/x/runs/not-a-run-id' }),
      t.app.inject({ method: 'GET', url: '/healthz' }),
    ]);
    const ids = answers.map((answer) => String(answer.headers['request-id']));
    for (const id of ids) assert.match(id, GENERATED);
    assert.equal(new Set(ids).size, ids.length, 'each request gets its own id');
  });

  it('repeats the id in every problem body', async () => {
    for (const answer of [
      await t.api({ method: 'GET', url: '/v1/runs/r-nope' }),
      await t.app.inject({ method: 'GET', url: '/v1/org' }),
      await t.app.inject({ method: 'GET', url: '/nowhere' }),
      await t.api({ method: 'POST', url: '/v1/runs', payload: {} }),
      await t.app.inject({ method: 'GET', url: '/x/runs/r-00000000-0000-4000-8000-000000000000' }),
    ]) {
      assert.equal(answer.headers['content-type'], 'application/problem+json; charset=utf-8');
      assert.equal(
        answer.json<{ request_id: string }>().request_id,
        answer.headers['request-id'],
        answer.body,
      );
    }
  });

  it('keeps a well-formed incoming Request-Id and replaces a malformed one', async () => {
    const kept = await t.api({
      method: 'GET',
      url: '/v1/org',
      headers: { 'request-id': 'trace-4bf92f3577b34da6.a3ce:929d' },
    });
    assert.equal(kept.headers['request-id'], 'trace-4bf92f3577b34da6.a3ce:929d');
    for (const malformed of ['has space', 'x'.repeat(129), '-leading-dash', 'quote"d', 'ünï']) {
      const replaced = await t.api({ method: 'GET', url: '/v1/org', headers: { 'request-id': malformed } });
      assert.match(String(replaced.headers['request-id']), GENERATED, malformed);
    }
  });

  it('labels every log line of a request with its id', async () => {
    lines.length = 0;
    const answer = await t.api({
      method: 'GET',
      url: '/v1/runs/r-nope',
      headers: { 'request-id': 'support-ticket-42' },
    });
    assert.equal(answer.statusCode, 404);
    const ofRequest = lines.filter((line) => line.req !== undefined || line.res !== undefined);
    assert.ok(ofRequest.length >= 2, JSON.stringify(lines));
    for (const line of lines) assert.equal(line.request_id, 'support-ticket-42', JSON.stringify(line));
  });
});

describe('logged errors', () => {
  it('keep an allowlist of fields: never SQL text, parameters or detail values', () => {
    const cause = Object.assign(new Error('duplicate key value violates unique constraint "runs_pkey"'), {
      code: '23505',
      constraint: 'runs_pkey',
      table: 'runs',
      detail: 'Key (id)=(whsec_secret-in-detail) already exists.',
      where: 'unnamed portal parameter $8 = whsec_secret-in-where',
      query: 'insert into runs values ($1)',
      params: ['whsec_secret-in-params'],
    });
    const error = Object.assign(new Error('failed query', { cause }), {
      parameters: ['whsec_secret-in-parameters'],
      sql: 'insert into runs values ($1)',
    });
    const logged = serializeError(error);
    const text = JSON.stringify(logged);
    assert.ok(!text.includes('whsec_'), text);
    assert.ok(!text.includes('insert into'), text);
    assert.equal(logged.message, 'failed query');
    assert.equal(logged.cause?.code, '23505');
    assert.equal(logged.cause?.constraint, 'runs_pkey');
    assert.equal(logged.cause?.table, 'runs');
  });
});
