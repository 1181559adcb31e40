import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createApiKey } from '../../src/db/api-keys.js';
import { listRunEvents } from '../../src/db/events.js';
import { createOrg } from '../../src/db/orgs.js';
import { testDatabaseKinds } from '../helpers/database.js';
import { appendEvent, SAMPLE_DATA } from '../delivery/helpers/runs.js';
import { createExecutorTestApp, type ExecutorTestApp } from '../executor/helpers.js';

interface EventBody {
  event_id: string;
  event: string;
  run_id: string;
  seq: number;
  ts: string;
  identity: { mode: string };
  data: Record<string, unknown>;
}

interface EventPage {
  data: EventBody[];
  next_cursor: string | null;
}

for (const kind of testDatabaseKinds()) {
  describe(`GET /v1/events (${kind})`, () => {
    let t: ExecutorTestApp;
    let templateId: string;
    before(async () => {
      t = await createExecutorTestApp(kind);
      templateId = await t.createTemplate();
    });
    after(() => t.close());

    async function list(query = '', apiKey?: string): Promise<EventPage> {
      const response = await t.api({
        method: 'GET',
        url: `/v1/events${query}`,
        ...(apiKey ? { headers: { authorization: `Bearer ${apiKey}` } } : {}),
      });
      assert.equal(response.statusCode, 200, response.body);
      return response.json<EventPage>();
    }

    it('lists the events the executor app caused, as stored and as webhooks carry them', async () => {
      const runId = await t.dispatch(templateId);
      await t.x('POST', `/x/runs/${runId}/start`, {});
      const put = await t.x('PUT', `/x/runs/${runId}/steps/s-od01`, {
        answer: 42150,
        media_ids: [],
        geo: null,
        request_id: 'ev-1',
      });
      assert.equal(put.statusCode, 200, put.body);
      assert.equal((await t.x('POST', `/x/runs/${runId}/cancel`, {})).statusCode, 200);

      const page = await list(`?run_id=${runId}`);
      assert.deepEqual(
        page.data.map((e) => [e.seq, e.event]),
        [
          [2, 'run.cancelled'],
          [1, 'step.completed'],
        ],
      );
      const stored = await listRunEvents(t.database.db, runId);
      assert.deepEqual([...page.data].reverse(), JSON.parse(JSON.stringify(stored)));
      assert.equal(page.data[1]!.data.answer, 42150);
      assert.deepEqual(page.data[1]!.identity, { mode: 'anonymous' });

      // Both were written at the app's (frozen) instant: seq still orders them, page by page.
      const first = await list(`?run_id=${runId}&limit=1`);
      const second = await list(`?run_id=${runId}&limit=1&cursor=${first.next_cursor}`);
      assert.deepEqual(
        [...first.data, ...second.data].map((e) => e.seq),
        [2, 1],
      );
      assert.equal(second.next_cursor, null);
    });

    it('filters by run, event name and window, newest first, a page at a time', async () => {
      const org = await createOrg(t.database.db, 'Events org', 10);
      const { key } = await createApiKey(t.database.db, org.id, 'events');
      const template = await t.api({
        method: 'POST',
        url: '/v1/templates',
        headers: { authorization: `Bearer ${key}` },
        payload: { name: 'One step', steps: [{ id: 's-1', type: 'boolean', label: 'OK?' }] },
      });
      assert.equal(template.statusCode, 201, template.body);
      const dispatch = async () => {
        const response = await t.api({
          method: 'POST',
          url: '/v1/runs',
          headers: { authorization: `Bearer ${key}` },
          payload: { template_id: template.json<{ id: string }>().id },
        });
        assert.equal(response.statusCode, 201, response.body);
        return response.json<{ run_id: string }>().run_id;
      };
      const runA = await dispatch();
      const runB = await dispatch();
      const base = Date.now() - 60 * 60_000;
      const at = (minutes: number) => new Date(base + minutes * 60_000);
      const a1 = await appendEvent(t.database, runA, 'step.completed', SAMPLE_DATA['step.completed'], at(0));
      const b1 = await appendEvent(t.database, runB, 'step.skipped', SAMPLE_DATA['step.skipped'], at(1));
      const a2 = await appendEvent(t.database, runA, 'run.completed', SAMPLE_DATA['run.completed'], at(2));
      const b2 = await appendEvent(t.database, runB, 'run.expired', SAMPLE_DATA['run.expired'], at(3));

      const ids = async (query: string) => (await list(query, key)).data.map((e) => e.event_id);
      assert.deepEqual(
        await ids(''),
        [b2, a2, b1, a1].map((e) => e.event_id),
      );
      assert.deepEqual(
        await ids(`?run_id=${runA}`),
        [a2, a1].map((e) => e.event_id),
      );
      assert.deepEqual(await ids('?event=step.skipped'), [b1.event_id]);
      const since = encodeURIComponent(at(1).toISOString());
      const until = encodeURIComponent(at(3).toISOString());
      assert.deepEqual(
        await ids(`?since=${since}&until=${until}`),
        [a2, b1].map((e) => e.event_id),
      );

      const first = await list('?limit=3', key);
      assert.equal(first.data.length, 3);
      assert.ok(first.next_cursor);
      const second = await list(`?limit=3&cursor=${first.next_cursor}`, key);
      assert.deepEqual(
        second.data.map((e) => e.event_id),
        [a1.event_id],
      );
      assert.equal(second.next_cursor, null);

      const theirs = await list(`?run_id=${runA}`);
      assert.deepEqual(theirs.data, [], "another org's events are not listed");
    });

    it('refuses unknown names, bad times, a backwards window and a foreign cursor', async () => {
      for (const query of [
        '?event=run.started',
        '?since=yesterday',
        '?since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z',
        '?cursor=nonsense',
        '?limit=0',
        '?colour=blue',
      ]) {
        const response = await t.api({ method: 'GET', url: `/v1/events${query}` });
        assert.equal(response.statusCode, 400, `${query}: ${response.body}`);
        assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
      }
    });
  });
}
