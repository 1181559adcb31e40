import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createApiKey } from '../../src/db/api-keys.js';
import { createOrg } from '../../src/db/orgs.js';
import { createTestApp, EVERY_STEP_TEMPLATE, type TestApp } from '../helpers/app.js';
import { testDatabaseKinds } from '../helpers/database.js';
import { createDashboardClient, signUp } from '../accounts/helpers.js';

for (const kind of testDatabaseKinds()) {
  describe(`templates API on ${kind}`, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(kind);
    });
    after(() => t.close());

    async function create(body: unknown = EVERY_STEP_TEMPLATE) {
      const response = await t.api({ method: 'POST', url: '/v1/templates', payload: body as object });
      assert.equal(response.statusCode, 201, response.body);
      return response.json<{ id: string; version: number; steps: { id: string }[] }>();
    }

    it('creates version 1 and reads it back normalised', async () => {
      const created = await create();
      assert.match(created.id, /^t-[0-9a-f-]{36}$/);
      assert.equal(created.version, 1);
      const read = await t.api({ method: 'GET', url: `/v1/templates/${created.id}` });
      assert.equal(read.statusCode, 200);
      assert.deepEqual(read.json(), created);
    });

    it('writes a new version on update and keeps the old one readable', async () => {
      const created = await create();
      const changed = {
        ...EVERY_STEP_TEMPLATE,
        name: 'Renamed',
        steps: EVERY_STEP_TEMPLATE.steps.slice(0, 2),
      };
      const updated = await t.api({ method: 'PUT', url: `/v1/templates/${created.id}`, payload: changed });
      assert.equal(updated.statusCode, 200, updated.body);
      assert.equal(updated.json().version, 2);
      assert.equal(updated.json().name, 'Renamed');
      const v1 = await t.api({ method: 'GET', url: `/v1/templates/${created.id}/versions/1` });
      assert.equal(v1.json().name, EVERY_STEP_TEMPLATE.name);
      assert.equal(v1.json().steps.length, 11);
      const current = await t.api({ method: 'GET', url: `/v1/templates/${created.id}` });
      assert.equal(current.json().version, 2);
      const missing = await t.api({ method: 'GET', url: `/v1/templates/${created.id}/versions/3` });
      assert.equal(missing.statusCode, 404);
    });

    it('answers 422 naming the step and the rule, and stores nothing', async () => {
      const before = await t.database.db
        .selectFrom('templates')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      const response = await t.api({
        method: 'POST',
        url: '/v1/templates',
        payload: { name: 'Bad', steps: [{ id: 's-x', type: 'rating', label: 'Rate', max: 99 }] },
      });
      assert.equal(response.statusCode, 422);
      assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
      const problem = response.json();
      assert.equal(problem.status, 422);
      assert.deepEqual(
        problem.errors.map((e: { step_id: string; rule: string }) => [e.step_id, e.rule]),
        [['s-x', 'maximum']],
      );
      assert.deepEqual(problem.errors, [
        {
          pointer: '/steps/0/max',
          rule: 'maximum',
          message: 'Step s-x: max must be an integer from 2 to 10',
          step_id: 's-x',
        },
      ]);
      const afterCount = await t.database.db
        .selectFrom('templates')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      assert.equal(Number(afterCount.n), Number(before.n));
    });

    it('answers a new version with several mistakes 422, each in words with what is allowed', async () => {
      const created = await create({ name: 'Fine', steps: [{ type: 'boolean', label: 'Done?' }] });
      const response = await t.api({
        method: 'PUT',
        url: `/v1/templates/${created.id}`,
        payload: {
          name: 'Broken',
          settings: { identity: 'everyone' },
          steps: [
            { id: 's-a', type: 'slider', label: 'Slide' },
            { id: 's-b', type: 'rating', label: 'Rate', max: 1 },
            { id: 's-c', type: 'boolean', label: 'Done?', hint: 'tap' },
          ],
        },
      });
      assert.equal(response.statusCode, 422, response.body);
      const problem = response.json<{ errors: { pointer: string; message: string }[] }>();
      assert.deepEqual(
        problem.errors.map((e) => [e.pointer, e.message]),
        [
          ['/settings/identity', 'settings.identity must be one of "anonymous", "external", "member"'],
          [
            '/steps/0/type',
            'Step s-a: type must be one of boolean, choice, multi_choice, text, number, rating, photo, ' +
              'signature, barcode, datetime, instruction',
          ],
          ['/steps/1/max', 'Step s-b: max must be an integer from 2 to 10'],
          [
            '/steps/2',
            'Step s-c: hint is not a field here; known fields: type, id, label, description, required, ' +
              'photos, visible_if, required_if',
          ],
        ],
      );
      for (const error of problem.errors)
        assert.doesNotMatch(error.message, /Expected union value|anyOf|must be null/, error.message);
      const current = await t.api({ method: 'GET', url: `/v1/templates/${created.id}` });
      assert.equal(current.json().version, 1, 'nothing was stored');
    });

    it('archives: hidden from the list, readable, refuses updates and dispatch', async () => {
      const created = await create({ name: 'To archive', steps: [{ type: 'boolean', label: 'Done?' }] });
      const archived = await t.api({ method: 'DELETE', url: `/v1/templates/${created.id}` });
      assert.equal(archived.statusCode, 200);
      assert.ok(archived.json().archived_at);
      const list = await t.api({ method: 'GET', url: '/v1/templates?limit=200' });
      assert.ok(!list.json().data.some((x: { id: string }) => x.id === created.id));
      const listAll = await t.api({ method: 'GET', url: '/v1/templates?limit=200&include_archived=true' });
      assert.ok(listAll.json().data.some((x: { id: string }) => x.id === created.id));
      const update = await t.api({
        method: 'PUT',
        url: `/v1/templates/${created.id}`,
        payload: { name: 'x', steps: [{ type: 'boolean', label: 'y' }] },
      });
      assert.equal(update.statusCode, 409);
      const dispatch = await t.api({ method: 'POST', url: '/v1/runs', payload: { template_id: created.id } });
      assert.equal(dispatch.statusCode, 409);
    });

    it('paginates the list with a cursor, newest first, without repeats', async () => {
      for (let i = 0; i < 5; i++) {
        await create({ name: `Page ${i}`, steps: [{ type: 'boolean', label: 'ok' }] });
        t.clock.advance(1000);
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = cursor ? `&cursor=${cursor}` : '';
        const page = await t.api({ method: 'GET', url: `/v1/templates?limit=2${query}` });
        assert.equal(page.statusCode, 200);
        const body = page.json<{ data: { id: string; created_at: string }[]; next_cursor: string | null }>();
        assert.ok(body.data.length <= 2);
        seen.push(...body.data.map((x) => x.id));
        cursor = body.next_cursor;
      } while (cursor);
      assert.equal(new Set(seen).size, seen.length);
      const all = await t.api({ method: 'GET', url: '/v1/templates?limit=200' });
      assert.deepEqual(
        seen,
        all.json().data.map((x: { id: string }) => x.id),
      );
      const bad = await t.api({ method: 'GET', url: '/v1/templates?cursor=zzz' });
      assert.equal(bad.statusCode, 400);
    });

    it("answers 404 for another org's template on every route", async () => {
      const other = await createOrg(t.database.db, 'Other', 5);
      const { key } = await createApiKey(t.database.db, other.id);
      const created = await create();
      const headers = { authorization: `Bearer ${key}` };
      for (const [method, url] of [
        ['GET', `/v1/templates/${created.id}`],
        ['GET', `/v1/templates/${created.id}/versions/1`],
        ['PUT', `/v1/templates/${created.id}`],
        ['DELETE', `/v1/templates/${created.id}`],
      ] as const) {
        const response = await t.app.inject({
          method,
          url,
          headers,
          ...(method === 'PUT' ? { payload: EVERY_STEP_TEMPLATE } : {}),
        });
        assert.equal(response.statusCode, 404, `${method} ${url}`);
      }
      const dispatch = await t.app.inject({
        method: 'POST',
        url: '/v1/runs',
        headers,
        payload: { template_id: created.id },
      });
      assert.equal(dispatch.statusCode, 404);
      const read = await t.api({ method: 'GET', url: `/v1/templates/${created.id}` });
      assert.equal(read.json().version, 1, 'the owner still sees it unchanged');
    });

    it('lists versions newest first with the API key or member who wrote each, and counts runs in the list', async () => {
      const created = await create();
      await t.api({
        method: 'PUT',
        url: `/v1/templates/${created.id}`,
        payload: { ...EVERY_STEP_TEMPLATE, name: 'Second' },
      });
      const client = createDashboardClient(t.app);
      const owner = await signUp(client, 'versions-owner@example.com', 'Versions org');
      const own = await client.request('POST', '/v1/templates', {
        name: 'Mine',
        steps: [{ type: 'text', label: 'Note' }],
      });
      assert.equal(own.statusCode, 201, own.body);
      const ownId = own.json<{ id: string }>().id;
      await client.request('PUT', `/v1/templates/${ownId}`, {
        name: 'Mine 2',
        steps: [{ type: 'text', label: 'Note' }],
      });
      const ownVersions = await client.request('GET', `/v1/templates/${ownId}/versions`);
      assert.deepEqual(
        ownVersions
          .json<{ data: { version: number; author: unknown }[] }>()
          .data.map((v) => [v.version, v.author]),
        [2, 1].map((v) => [
          v,
          {
            kind: 'member',
            user_id: owner.user.user_id,
            email: 'versions-owner@example.com',
            name: 'Olga Owner',
          },
        ]),
      );
      const keyVersions = await t.api({ method: 'GET', url: `/v1/templates/${created.id}/versions` });
      const data = keyVersions.json<{ data: { version: number; author: { kind: string; name: string } }[] }>()
        .data;
      assert.deepEqual(
        data.map((v) => [v.version, v.author.kind, v.author.name]),
        [
          [2, 'api_key', 'test'],
          [1, 'api_key', 'test'],
        ],
      );
      const other = await client.request('GET', `/v1/templates/${created.id}/versions`);
      assert.equal(other.statusCode, 404);

      const dispatched = await t.api({
        method: 'POST',
        url: '/v1/runs',
        payload: { template_id: created.id },
      });
      assert.equal(dispatched.statusCode, 201, dispatched.body);
      const list = await t.api({ method: 'GET', url: '/v1/templates?limit=100' });
      const counts = new Map(
        list.json<{ data: { id: string; runs_count: number }[] }>().data.map((x) => [x.id, x.runs_count]),
      );
      assert.equal(counts.get(created.id), 1);
      assert.ok([...counts.values()].every((n) => Number.isInteger(n)));
    });
  });
}
