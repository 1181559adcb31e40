import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createApiKey } from '../../src/db/api-keys.js';
import { createOrg } from '../../src/db/orgs.js';
import { createTestApp, EVERY_STEP_TEMPLATE, type TestApp } from '../helpers/app.js';
import { testDatabaseKinds } from '../helpers/database.js';

for (const kind of testDatabaseKinds()) {
  describe(`Idempotency-Key on template creation (${kind})`, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(kind);
    });
    after(() => t.close());

    function create(key: string | undefined, body: object = EVERY_STEP_TEMPLATE, apiKey?: string) {
      return t.api({
        method: 'POST',
        url: '/v1/templates',
        payload: body,
        headers: {
          ...(key === undefined ? {} : { 'idempotency-key': key }),
          ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
        },
      });
    }

    async function templateCount(): Promise<number> {
      const rows = await t.database.db
        .selectFrom('templates')
        .select('id')
        .where('org_id', '=', t.orgId)
        .execute();
      return rows.length;
    }

    it('creates one template for a key sent twice and answers the repeat as the first', async () => {
      const before = await templateCount();
      const first = await create('tpl-once');
      assert.equal(first.statusCode, 201, first.body);
      assert.equal(first.headers['idempotent-replayed'], undefined);
      const repeat = await create('tpl-once');
      assert.equal(repeat.statusCode, 201, repeat.body);
      assert.equal(repeat.headers['idempotent-replayed'], 'true');
      assert.deepEqual(repeat.json(), first.json());
      assert.equal(repeat.headers.location, `/v1/templates/${first.json<{ id: string }>().id}`);
      assert.equal(await templateCount(), before + 1);
    });

    it('creates one template when two requests with one key arrive at once', async () => {
      const before = await templateCount();
      const [a, b] = await Promise.all([create('tpl-race'), create('tpl-race')]);
      assert.equal(a.statusCode, 201, a.body);
      assert.equal(b.statusCode, 201, b.body);
      assert.equal(a.json<{ id: string }>().id, b.json<{ id: string }>().id);
      assert.equal(await templateCount(), before + 1);
    });

    it('refuses the key with another body (409) and keeps nothing of a refused request', async () => {
      assert.equal((await create('tpl-body')).statusCode, 201);
      const other = await create('tpl-body', { ...EVERY_STEP_TEMPLATE, name: 'Another' });
      assert.equal(other.statusCode, 409, other.body);
      assert.equal(other.json<{ errors: { rule: string }[] }>().errors[0]!.rule, 'idempotency_key_reused');

      const before = await templateCount();
      const invalid = await create('tpl-invalid', { ...EVERY_STEP_TEMPLATE, steps: [] });
      assert.equal(invalid.statusCode, 422, invalid.body);
      const fixed = await create('tpl-invalid');
      assert.equal(fixed.statusCode, 201, 'an error is not remembered: the key is free again');
      assert.equal(fixed.headers['idempotent-replayed'], undefined);
      assert.equal(await templateCount(), before + 1);
    });

    it('keeps keys per org, and refuses an empty or overlong key', async () => {
      const first = await create('tpl-shared');
      const other = await createOrg(t.database.db, 'Other org', 0);
      const { key } = await createApiKey(t.database.db, other.id, 'other');
      const theirs = await create('tpl-shared', EVERY_STEP_TEMPLATE, key);
      assert.equal(theirs.statusCode, 201, theirs.body);
      assert.notEqual(theirs.json<{ id: string }>().id, first.json<{ id: string }>().id);
      assert.equal(theirs.headers['idempotent-replayed'], undefined);

      assert.equal((await create('')).statusCode, 400);
      assert.equal((await create('k'.repeat(256))).statusCode, 400);
    });
  });
}
