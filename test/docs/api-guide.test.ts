import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { createApiKey } from '../../src/db/api-keys.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { appendEvent, createTemplate, dispatchRun, SAMPLE_DATA } from '../delivery/helpers/runs.js';

const run = promisify(execFile);
const hasTools = ['/usr/bin/curl', '/usr/bin/jq'].every((tool) => fs.existsSync(tool));

/** The ```sh blocks of a markdown file, in order. */
function shellBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]!);
}

describe('docs/api.md', { skip: hasTools ? false : 'curl and jq are needed to run the guide' }, () => {
  let t: TestApp;
  let url: string;
  let testApiKey: string;
  let failedRunId: string;
  before(async () => {
    // 11 credits: the run with the failed delivery below takes one, the guide starts at 10.
    t = await createTestApp('pglite', { credits: 11 });
    url = await t.app.listen({ port: 0, host: '127.0.0.1' });
    testApiKey = (await createApiKey(t.database.db, t.orgId, 'test mode', { livemode: false })).key;
    // What an outage leaves for the guide's failed-deliveries list and recover: a delivery, made ten
    // minutes ago, whose attempts all failed (no worker runs here, so it stays as set).
    failedRunId = await dispatchRun(t, await createTemplate(t), { url: 'http://127.0.0.1:9/webhooks' });
    const tenMinutesAgo = new Date(Date.now() - 600_000);
    await appendEvent(t.database, failedRunId, 'run.completed', SAMPLE_DATA['run.completed'], tenMinutesAgo);
    const delivery = await t.database.db
      .updateTable('deliveries')
      .set({ status: 'failed', attempt_count: 6, last_error: 'HTTP 500', last_response_status: 500 })
      .where('run_id', '=', failedRunId)
      .returning(['id', 'created_at'])
      .executeTakeFirstOrThrow();
    await t.database.db
      .insertInto('delivery_attempts')
      .values(
        [1, 2, 3, 4, 5, 6].map((attempt) => ({
          delivery_id: delivery.id,
          attempt,
          manual: false,
          started_at: delivery.created_at,
          duration_ms: 12,
          request_headers: JSON.stringify({ 'content-type': 'application/json' }),
          request_body: '{}',
          response_status: 500,
          response_headers: JSON.stringify({}),
          response_body: 'Internal Server Error',
          error: 'HTTP 500',
          succeeded: false,
        })),
      )
      .execute();
  });
  after(() => t.close());

  it('runs every curl example as written against a real server', async () => {
    const script = ['set -euo pipefail', ...shellBlocks(fs.readFileSync('docs/api.md', 'utf8'))].join('\n');
    const { stdout } = await run('bash', ['-c', script], {
      env: {
        ...process.env,
        RUNDUN_URL: url,
        RUNDUN_API_KEY: t.apiKey,
        RUNDUN_TEST_API_KEY: testApiKey,
      },
    });
    if (process.env.SHOW_GUIDE) console.log(stdout);
    assert.match(stdout, /"credit_balance":\s*10/);
    assert.match(stdout, /"rule":\s*"maximum"/);
    assert.match(stdout, /"version":\s*2/);
    assert.match(stdout, /"run_id":\s*"r-[0-9a-f-]{36}"/);
    assert.match(stdout, /"link":\s*"http:\/\/localhost:3000\/r\/r-/);
    assert.match(stdout, /"executor_ref":\s*"booking_12345"/);
    assert.match(stdout, /"count":\s*1/);
    assert.match(stdout, /^400$/m);
    assert.match(stdout, /"unknown_field"/);
    assert.match(stdout, /"visible_if":\s*\{\s*"step":\s*"s-dm01",\s*"equals":\s*true/);
    assert.match(stdout, /"rule":\s*"condition_later_step"/);

    // Events: the guide plays the executor, then pages the run's events one at a time.
    assert.match(stdout, /^in_progress\n1\ncompleted$/m);
    assert.match(
      stdout,
      /^\{"events":\[\{"event":"run.completed","seq":2,"livemode":true\}\],"next_cursor":true\}$/m,
    );
    assert.match(
      stdout,
      /^\{"events":\[\{"event":"step.completed","seq":1,"livemode":true\}\],"next_cursor":null\}$/m,
    );
    assert.match(stdout, /^\[\{"event":"step.completed","step_id":"s-dm01","answer":false\}\]$/m);
    // Deliveries: the failed one is listed, its run's deliveries read, and recover queues exactly it.
    assert.match(
      stdout,
      /^\[\{"event":"run.completed","status":"failed","attempt_count":6,"last_response_status":500\}\]$/m,
    );
    assert.match(
      stdout,
      /^\{"deliveries":\[\{"event":"run.completed","status":"failed","url":"http:\/\/127.0.0.1:9\/webhooks","responses":\[500,500,500,500,500,500\]\}\],"next_cursor":null\}$/m,
    );
    assert.match(stdout, /^\{"queued":1,"next_cursor":null\}$/m);
    const recovered = await t.database.db
      .selectFrom('deliveries')
      .select(['run_id', 'manual_pending'])
      .where('manual_pending', '=', true)
      .execute();
    assert.deepEqual(recovered, [{ run_id: failedRunId, manual_pending: true }]);
    // Test mode: no credit taken, livemode false, and the live key does not see the test run.
    assert.match(stdout, /^\{"before":(\d+)\}\n\{"livemode":false\}\n\{"after":\1\}$/m);
    assert.match(stdout, /^\{"status":"pending","livemode":false\}$/m);
    assert.match(stdout, /^\{"live_key_sees":404\}$/m);
    // Request ids: one is made, an incoming one is kept, and problem bodies repeat it.
    assert.match(stdout, /^request-id: req_[0-9a-f]{24}$/im);
    assert.match(stdout, /^request-id: booking_12345-sync-7$/im);
    assert.match(stdout, /^\{"status":404,"request_id":"booking_12345-sync-8"\}$/m);

    const runs = await t.database.db
      .selectFrom('runs')
      .select(['livemode', 'executor_ref'])
      .where('id', '!=', failedRunId)
      .orderBy('livemode', 'desc')
      .execute();
    assert.deepEqual(
      runs,
      [
        { livemode: true, executor_ref: 'booking_12345' },
        { livemode: false, executor_ref: 'booking_12345-test' },
      ],
      'the guide dispatched exactly one live run and one test run',
    );
    const org = await t.api({ method: 'GET', url: '/v1/org' });
    assert.equal(
      org.json<{ credit_balance: number }>().credit_balance,
      9,
      'the live run took one credit, the test run none',
    );
  });
});
