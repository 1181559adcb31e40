import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createApiKey } from '../../src/db/api-keys.js';
import { createOrg } from '../../src/db/orgs.js';
import { createTestApp, EVERY_STEP_TEMPLATE, type TestApp } from '../helpers/app.js';
import { testDatabaseKinds } from '../helpers/database.js';

interface Summary {
  run_id: string;
  executor_ref: string | null;
  template_id: string;
  created_at: string;
}

for (const kind of testDatabaseKinds()) {
  describe(`GET /v1/runs filters on ${kind}`, () => {
    let t: TestApp;
    let inspection: string;
    let handover: string;
    /** Dispatch order, oldest first: [ref, template, created_at]. */
    const dispatched: { id: string; ref: string; template: string; at: string }[] = [];
    const start = new Date('2026-03-01T08:00:00.000Z');

    before(async () => {
      t = await createTestApp(kind, { credits: 100 });
      t.clock.now = start;
      const create = async (name: string) =>
        (
          await t.api({ method: 'POST', url: '/v1/templates', payload: { ...EVERY_STEP_TEMPLATE, name } })
        ).json().id as string;
      inspection = await create('Inspection');
      handover = await create('Handover');
      // One run an hour; refs chosen so that LIKE's wildcards would match more than the prefix does.
      const refs = ['booking_1', 'booking_12', 'booking%1', 'bookingX1', 'flat-7', 'booking_13', 'Booking_1'];
      for (const [i, ref] of refs.entries()) {
        const template = i % 2 === 0 ? inspection : handover;
        const response = await t.api({
          method: 'POST',
          url: '/v1/runs',
          payload: { template_id: template, executor_ref: ref },
        });
        assert.equal(response.statusCode, 201, response.body);
        dispatched.push({ id: response.json().run_id, ref, template, at: t.clock.now.toISOString() });
        t.clock.advance(3600_000);
      }
    });
    after(() => t.close());

    const list = async (query: string): Promise<Summary[]> => {
      const response = await t.api({ method: 'GET', url: `/v1/runs?${query}` });
      assert.equal(response.statusCode, 200, response.body);
      return response.json().data;
    };
    const idsOf = (rows: { run_id: string }[]) => rows.map((r) => r.run_id);
    const newestFirst = (rows: typeof dispatched) => [...rows].reverse().map((r) => r.id);

    it('filters by template, newest first', async () => {
      assert.deepEqual(
        idsOf(await list(`template_id=${handover}`)),
        newestFirst(dispatched.filter((r) => r.template === handover)),
      );
      assert.deepEqual(await list('template_id=t-unknown'), []);
    });

    it('searches executor_ref by prefix, case-sensitively, with % and _ taken literally', async () => {
      const byPrefix = (prefix: string) => list(`executor_ref_prefix=${encodeURIComponent(prefix)}`);
      assert.deepEqual(
        (await byPrefix('booking_1')).map((r) => r.executor_ref),
        ['booking_13', 'booking_12', 'booking_1'],
      );
      assert.deepEqual(
        (await byPrefix('booking%')).map((r) => r.executor_ref),
        ['booking%1'],
      );
      assert.deepEqual(
        (await byPrefix('booking')).map((r) => r.executor_ref),
        ['booking_13', 'bookingX1', 'booking%1', 'booking_12', 'booking_1'],
      );
      assert.deepEqual(await byPrefix('nothing'), []);
      // The exact filter still means exact.
      assert.deepEqual(
        (await list('executor_ref=booking_1')).map((r) => r.executor_ref),
        ['booking_1'],
      );
    });

    it('filters by a creation window: since inclusive, before exclusive', async () => {
      const at = (hours: number) => new Date(start.getTime() + hours * 3600_000).toISOString();
      assert.deepEqual(
        idsOf(await list(`created_since=${at(2)}&created_before=${at(5)}`)),
        newestFirst(dispatched.slice(2, 5)),
      );
      assert.deepEqual(idsOf(await list(`created_since=${at(6)}`)), newestFirst(dispatched.slice(6)));
      assert.deepEqual(idsOf(await list(`created_before=${at(1)}`)), newestFirst(dispatched.slice(0, 1)));
      assert.deepEqual(await list(`created_since=${at(5)}&created_before=${at(5)}`), []);
    });

    it('combines every filter and pages through the result with the cursor', async () => {
      const expected = newestFirst(
        dispatched.filter((r) => r.template === inspection && r.ref.startsWith('booking')).slice(0, 4),
      );
      const query = `template_id=${inspection}&executor_ref_prefix=booking&status=pending&created_before=${new Date(start.getTime() + 7 * 3600_000).toISOString()}`;
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const url: string = `/v1/runs?${query}&limit=1${cursor ? `&cursor=${cursor}` : ''}`;
        const page = (await t.api({ method: 'GET', url })).json();
        seen.push(...idsOf(page.data));
        cursor = page.next_cursor;
        pages++;
      } while (cursor);
      assert.deepEqual(seen, expected);
      assert.equal(pages, expected.length);
      assert.deepEqual(await list(query.replace('status=pending', 'status=completed')), []);
    });

    it("never lists another org's runs, whatever the filters", async () => {
      const other = await createOrg(t.database.db, 'Other', 1);
      const { key } = await createApiKey(t.database.db, other.id);
      const response = await t.app.inject({
        method: 'GET',
        url: `/v1/runs?template_id=${inspection}&executor_ref_prefix=b`,
        headers: { authorization: `Bearer ${key}` },
      });
      assert.equal(response.statusCode, 200);
      assert.deepEqual(response.json().data, []);
    });

    it('refuses a malformed date, an empty prefix and an unknown parameter with 400 naming it', async () => {
      for (const [query, name] of [
        ['created_since=yesterday', 'created_since'],
        ['created_before=2026-03-01', 'created_before'],
        ['executor_ref_prefix=', 'executor_ref_prefix'],
        ['template=x', 'template'],
      ] as const) {
        const response = await t.api({ method: 'GET', url: `/v1/runs?${query}` });
        assert.equal(response.statusCode, 400, query);
        assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
        assert.match(response.body, new RegExp(name), query);
      }
    });
  });
}
