import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createApiKey, revokeApiKey } from '../../src/db/api-keys.js';
import { API_KEY_CACHE_MS } from '../../src/http/plugins/api-key-auth.js';
import { createOrg } from '../../src/db/orgs.js';
import { createUser } from '../../src/db/users.js';
import { createTestApp, EVERY_STEP_TEMPLATE, type TestApp } from '../helpers/app.js';
import { testDatabaseKinds } from '../helpers/database.js';

const WEBHOOK = { url: 'https://93.184.216.34/hooks/rundun', secret: 'whsec_0123456789abcdef' };

for (const kind of testDatabaseKinds()) {
  describe(`runs API on ${kind}`, () => {
    let t: TestApp;
    let templateId: string;
    before(async () => {
      t = await createTestApp(kind, { credits: 1000 });
      const created = await t.api({ method: 'POST', url: '/v1/templates', payload: EVERY_STEP_TEMPLATE });
      templateId = created.json().id;
    });
    after(() => t.close());

    const dispatch = (payload: object, headers: Record<string, string> = {}) =>
      t.api({ method: 'POST', url: '/v1/runs', payload, headers });
    const balance = async () =>
      (await t.api({ method: 'GET', url: '/v1/org' })).json().credit_balance as number;
    const countRows = async (table: 'runs' | 'events' | 'credit_ledger') =>
      Number(
        (
          await t.database.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );

    it('answers with exactly the seed fields: run_id, link, expires_at (72 h default), assigned_to', async () => {
      const response = await dispatch({
        template_id: templateId,
        webhook: WEBHOOK,
        executor_ref: 'booking_12345',
      });
      assert.equal(response.statusCode, 201, response.body);
      const body = response.json();
      assert.deepEqual(Object.keys(body).sort(), ['assigned_to', 'expires_at', 'link', 'livemode', 'run_id']);
      assert.match(body.run_id, /^r-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.equal(body.link, `${t.config.publicUrl}/r/${body.run_id}`);
      assert.equal(body.expires_at, new Date(t.clock.now.getTime() + 72 * 3600_000).toISOString());
      assert.equal(body.assigned_to, null);
    });

    it('returns the full run document with the snapshot, executor_ref and webhook without its secret', async () => {
      const { run_id } = (
        await dispatch({
          template_id: templateId,
          webhook: { ...WEBHOOK, events: ['*'] },
          executor_ref: 'b-1',
        })
      ).json();
      const response = await t.api({ method: 'GET', url: `/v1/runs/${run_id}` });
      assert.equal(response.statusCode, 200);
      const run = response.json();
      assert.equal(run.status, 'pending');
      assert.equal(run.executor_ref, 'b-1');
      assert.equal(run.template_v, 1);
      assert.equal(run.template.steps.length, 11);
      assert.deepEqual(run.progress, { total: 11, answered: 0, skipped: 0 });
      assert.deepEqual(run.webhook, {
        url: WEBHOOK.url,
        events: ['step.completed', 'step.skipped', 'run.completed', 'run.cancelled', 'run.expired'],
      });
      assert.ok(!response.body.includes(WEBHOOK.secret), 'the secret is never returned');
      assert.deepEqual(run.answers, {});
    });

    it('applies the expiry rules: hours, null never expires, out-of-range refused', async () => {
      const day = (await dispatch({ template_id: templateId, expires_in_hours: 24 })).json();
      assert.equal(day.expires_at, new Date(t.clock.now.getTime() + 24 * 3600_000).toISOString());
      const never = (await dispatch({ template_id: templateId, expires_in_hours: null })).json();
      assert.equal(never.expires_at, null);
      for (const bad of [0, 8761, 1.5, '24', -1]) {
        const response = await dispatch({ template_id: templateId, expires_in_hours: bad });
        assert.equal(response.statusCode, 400, `expires_in_hours ${JSON.stringify(bad)}`);
      }
    });

    it('refuses bad webhooks: short secret, missing url, unknown event, non-https and private hosts', async () => {
      const secure = await createTestApp(kind, { config: { webhookAllowInsecure: false } });
      try {
        const template = (
          await secure.api({ method: 'POST', url: '/v1/templates', payload: EVERY_STEP_TEMPLATE })
        ).json();
        const cases: [object, string][] = [
          [{ ...WEBHOOK, secret: 'short' }, 'minLength'],
          [{ secret: WEBHOOK.secret }, 'required_field'],
          [{ ...WEBHOOK, events: ['run.exploded'] }, ''],
          [{ ...WEBHOOK, url: 'http://93.184.216.34/hook' }, 'https'],
          [{ ...WEBHOOK, url: 'https://127.0.0.1/hook' }, 'public_address'],
          [{ ...WEBHOOK, url: 'https://10.1.2.3/hook' }, 'public_address'],
          [{ ...WEBHOOK, url: 'https://169.254.169.254/latest' }, 'public_address'],
          [{ ...WEBHOOK, url: 'https://[::ffff:127.0.0.1]/hook' }, 'public_address'],
          [{ ...WEBHOOK, url: 'https://2130706433/hook' }, 'public_address'],
          [{ ...WEBHOOK, url: 'https://user:pw@93.184.216.34/hook' }, 'url_credentials'],
          [{ ...WEBHOOK, url: 'not a url' }, 'url'],
        ];
        const runsBefore = await countRows('runs');
        for (const [webhook, rule] of cases) {
          const response = await secure.api({
            method: 'POST',
            url: '/v1/runs',
            payload: { template_id: template.id, webhook },
          });
          assert.equal(response.statusCode, 400, JSON.stringify(webhook));
          if (rule)
            assert.ok(
              response.json().errors.some((e: { rule: string }) => e.rule === rule),
              `${JSON.stringify(webhook)} → ${response.body}`,
            );
        }
        assert.equal(await countRows('runs'), runsBefore);
        const ok = await secure.api({
          method: 'POST',
          url: '/v1/runs',
          payload: { template_id: template.id, webhook: WEBHOOK },
        });
        assert.equal(ok.statusCode, 201, ok.body);
      } finally {
        await secure.close();
      }
    });

    it('consumes one credit per dispatch and answers 402 at 0 with nothing created', async () => {
      const poor = await createOrg(t.database.db, 'Poor', 1);
      const { key } = await createApiKey(t.database.db, poor.id);
      const headers = { authorization: `Bearer ${key}` };
      const template = (
        await t.app.inject({ method: 'POST', url: '/v1/templates', headers, payload: EVERY_STEP_TEMPLATE })
      ).json();
      const first = await t.app.inject({
        method: 'POST',
        url: '/v1/runs',
        headers,
        payload: { template_id: template.id },
      });
      assert.equal(first.statusCode, 201);
      const [runs, ledger] = [await countRows('runs'), await countRows('credit_ledger')];
      const second = await t.app.inject({
        method: 'POST',
        url: '/v1/runs',
        headers,
        payload: { template_id: template.id },
      });
      assert.equal(second.statusCode, 402);
      assert.equal(second.json().type, 'https://rundun.dev/problems/insufficient-credits');
      assert.equal(await countRows('runs'), runs);
      assert.equal(await countRows('credit_ledger'), ledger);
      const org = await t.app.inject({ method: 'GET', url: '/v1/org', headers });
      assert.equal(org.json().credit_balance, 0);
    });

    it('replays an Idempotency-Key: same run, one credit; a different body with the key is refused', async () => {
      const startBalance = await balance();
      const headers = { 'idempotency-key': `idem-${kind}-1` };
      const payload = { template_id: templateId, executor_ref: 'idem' };
      const first = await dispatch(payload, headers);
      const second = await dispatch(payload, headers);
      assert.equal(first.statusCode, 201);
      assert.equal(second.statusCode, 201);
      assert.equal(second.headers['idempotent-replayed'], 'true');
      assert.equal(second.json().run_id, first.json().run_id);
      assert.equal(await balance(), startBalance - 1);
      const other = await dispatch({ ...payload, executor_ref: 'changed' }, headers);
      assert.equal(other.statusCode, 409);
      assert.equal(await balance(), startBalance - 1);
    });

    it('keeps the snapshot when the template changes afterwards', async () => {
      const template = (
        await t.api({ method: 'POST', url: '/v1/templates', payload: EVERY_STEP_TEMPLATE })
      ).json();
      const { run_id } = (await dispatch({ template_id: template.id })).json();
      const before = (await t.api({ method: 'GET', url: `/v1/runs/${run_id}` })).json();
      const update = await t.api({
        method: 'PUT',
        url: `/v1/templates/${template.id}`,
        payload: { name: 'Changed', steps: [{ type: 'boolean', label: 'Only' }] },
      });
      assert.equal(update.json().version, 2);
      const afterwards = (await t.api({ method: 'GET', url: `/v1/runs/${run_id}` })).json();
      assert.deepEqual(afterwards.template, before.template);
      assert.equal(afterwards.template_v, 1);
      const newer = (await dispatch({ template_id: template.id })).json();
      const newerRun = (await t.api({ method: 'GET', url: `/v1/runs/${newer.run_id}` })).json();
      assert.equal(newerRun.template_v, 2);
      assert.equal(newerRun.template.name, 'Changed');
    });

    it('assigns a run to a member by email or user id, and refuses non-members', async () => {
      const user = await createUser(t.database.db, {
        orgId: t.orgId,
        email: `Inspector-${kind}@Example.com`,
        password: 'correct horse',
        role: 'member',
      });
      const byEmail = await dispatch({ template_id: templateId, assign_to: `inspector-${kind}@example.com` });
      assert.equal(byEmail.json().assigned_to, user.id);
      const byId = await dispatch({ template_id: templateId, assign_to: user.id });
      assert.equal(byId.json().assigned_to, user.id);
      const stranger = await dispatch({ template_id: templateId, assign_to: 'nobody@example.com' });
      assert.equal(stranger.statusCode, 400);
      assert.equal(stranger.json().errors[0].pointer, '/assign_to');
    });

    it('expires on access: status expired and run.expired written once', async () => {
      const { run_id } = (
        await dispatch({ template_id: templateId, webhook: WEBHOOK, expires_in_hours: 1 })
      ).json();
      t.clock.advance(2 * 3600_000);
      const first = await t.api({ method: 'GET', url: `/v1/runs/${run_id}` });
      assert.equal(first.json().status, 'expired');
      await t.api({ method: 'GET', url: `/v1/runs/${run_id}` });
      const events = await t.database.db
        .selectFrom('events')
        .selectAll()
        .where('run_id', '=', run_id)
        .execute();
      assert.equal(events.length, 1);
      const envelope = events[0]!.envelope as {
        event: string;
        seq: number;
        data: Record<string, unknown>;
        identity: unknown;
      };
      assert.equal(envelope.event, 'run.expired');
      assert.equal(envelope.seq, 1);
      assert.deepEqual(envelope.identity, { mode: 'anonymous' });
      assert.deepEqual(envelope.data.progress, { total: 11, answered: 0, skipped: 0 });
      assert.equal(envelope.data.executor_ref, null);
      const deliveries = await t.database.db
        .selectFrom('deliveries')
        .selectAll()
        .where('run_id', '=', run_id)
        .execute();
      assert.equal(deliveries.length, 1, 'one delivery for the subscribed webhook, in the same transaction');
    });

    it('lists runs with status and executor_ref filters and cursor pagination', async () => {
      const ref = `list-${kind}`;
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        ids.unshift((await dispatch({ template_id: templateId, executor_ref: ref })).json().run_id);
        t.clock.advance(10);
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const url: string = `/v1/runs?executor_ref=${ref}&status=pending&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
        const page = (await t.api({ method: 'GET', url })).json();
        seen.push(...page.data.map((r: { run_id: string }) => r.run_id));
        cursor = page.next_cursor;
      } while (cursor);
      assert.deepEqual(seen, ids);
      const none = (
        await t.api({ method: 'GET', url: `/v1/runs?executor_ref=${ref}&status=completed` })
      ).json();
      assert.deepEqual(none.data, []);
      const bad = await t.api({ method: 'GET', url: '/v1/runs?status=nonsense' });
      assert.equal(bad.statusCode, 400);
    });

    it("answers 404 for another org's run", async () => {
      const { run_id } = (await dispatch({ template_id: templateId })).json();
      const other = await createOrg(t.database.db, 'Nosy', 1);
      const { key } = await createApiKey(t.database.db, other.id);
      const response = await t.app.inject({
        method: 'GET',
        url: `/v1/runs/${run_id}`,
        headers: { authorization: `Bearer ${key}` },
      });
      assert.equal(response.statusCode, 404);
      const list = await t.app.inject({
        method: 'GET',
        url: '/v1/runs',
        headers: { authorization: `Bearer ${key}` },
      });
      assert.deepEqual(list.json().data, []);
    });

    it('refuses bad input with a problem and changes nothing', async () => {
      const runs = await countRows('runs');
      const startBalance = await balance();
      const json = { 'content-type': 'application/json' };
      const cases: [string, Parameters<TestApp['api']>[0], number][] = [
        [
          'malformed JSON',
          { method: 'POST', url: '/v1/runs', payload: '{"template_id":', headers: json },
          400,
        ],
        ['empty body', { method: 'POST', url: '/v1/runs', payload: '', headers: json }, 400],
        ['JSON array', { method: 'POST', url: '/v1/runs', payload: '[]', headers: json }, 400],
        [
          'unknown field',
          { method: 'POST', url: '/v1/runs', payload: { template_id: templateId, colour: 'red' } },
          400,
        ],
        ['wrong type', { method: 'POST', url: '/v1/runs', payload: { template_id: 42 } }, 400],
        ['missing template_id', { method: 'POST', url: '/v1/runs', payload: {} }, 400],
        [
          'unknown template',
          {
            method: 'POST',
            url: '/v1/runs',
            payload: { template_id: 't-00000000-0000-4000-8000-000000000000' },
          },
          404,
        ],
        [
          'executor_ref too long',
          {
            method: 'POST',
            url: '/v1/runs',
            payload: { template_id: templateId, executor_ref: 'x'.repeat(256) },
          },
          400,
        ],
        [
          'text/plain body',
          {
            method: 'POST',
            url: '/v1/runs',
            payload: 'template_id=x',
            headers: { 'content-type': 'text/plain' },
          },
          415,
        ],
        [
          'body over 1 MB',
          {
            method: 'POST',
            url: '/v1/runs',
            payload: JSON.stringify({ template_id: templateId, executor_ref: 'x'.repeat(1_100_000) }),
            headers: json,
          },
          413,
        ],
        [
          'missing key',
          {
            method: 'POST',
            url: '/v1/runs',
            payload: { template_id: templateId },
            headers: { authorization: '' },
          },
          401,
        ],
        [
          'malformed key',
          {
            method: 'POST',
            url: '/v1/runs',
            payload: { template_id: templateId },
            headers: { authorization: 'Bearer nope' },
          },
          401,
        ],
        [
          'unknown key',
          {
            method: 'POST',
            url: '/v1/runs',
            payload: { template_id: templateId },
            headers: { authorization: `Bearer rdk_live_${'a'.repeat(32)}` },
          },
          401,
        ],
      ];
      for (const [name, request, status] of cases) {
        const response = await t.api(request);
        assert.equal(response.statusCode, status, `${name}: ${response.body}`);
        assert.match(String(response.headers['content-type']), /^application\/problem\+json/, name);
        const problem = response.json();
        assert.equal(problem.status, status, name);
        assert.ok(problem.title && problem.detail && problem.type, name);
      }
      assert.equal(await countRows('runs'), runs);
      assert.equal(await balance(), startBalance);
    });

    it('refuses a revoked key within API_KEY_CACHE_MS and records last_used_at for a used one', async () => {
      const { key, apiKey } = await createApiKey(t.database.db, t.orgId, 'to revoke');
      const headers = { authorization: `Bearer ${key}` };
      assert.equal((await t.app.inject({ method: 'GET', url: '/v1/org', headers })).statusCode, 200);
      const used = await t.database.db
        .selectFrom('api_keys')
        .select('last_used_at')
        .where('id', '=', apiKey.id)
        .executeTakeFirstOrThrow();
      assert.ok(used.last_used_at);
      assert.equal(await revokeApiKey(t.database.db, t.orgId, apiKey.id, new Date()), true);
      t.clock.advance(API_KEY_CACHE_MS);
      const response = await t.app.inject({ method: 'GET', url: '/v1/org', headers });
      assert.equal(response.statusCode, 401);
      assert.equal(response.headers['www-authenticate'], 'Bearer realm="rundun"');
    });

    it('creates exactly as many runs as there are credits under 50 concurrent dispatches', async () => {
      const org = await createOrg(t.database.db, 'Rush', 10);
      const { key } = await createApiKey(t.database.db, org.id);
      const headers = { authorization: `Bearer ${key}` };
      const template = (
        await t.app.inject({ method: 'POST', url: '/v1/templates', headers, payload: EVERY_STEP_TEMPLATE })
      ).json();
      const responses = await Promise.all(
        Array.from({ length: 50 }, () =>
          t.app.inject({ method: 'POST', url: '/v1/runs', headers, payload: { template_id: template.id } }),
        ),
      );
      const statuses = responses.map((r) => r.statusCode);
      assert.equal(statuses.filter((s) => s === 201).length, 10, statuses.join(','));
      assert.equal(statuses.filter((s) => s === 402).length, 40);
      const runs = await t.database.db.selectFrom('runs').select('id').where('org_id', '=', org.id).execute();
      assert.equal(runs.length, 10);
      const final = await t.app.inject({ method: 'GET', url: '/v1/org', headers });
      assert.equal(final.json().credit_balance, 0);
    });

    it('answers each of many concurrent dispatches from several orgs with its own run or problem', async () => {
      const orgs = await Promise.all(
        [500, 3].map(async (credits) => {
          const org = await createOrg(t.database.db, `Busy ${credits}`, credits);
          const headers = { authorization: `Bearer ${(await createApiKey(t.database.db, org.id)).key}` };
          const template = await t.app.inject({
            method: 'POST',
            url: '/v1/templates',
            headers,
            payload: EVERY_STEP_TEMPLATE,
          });
          return { id: org.id, headers, templateId: template.json().id as string };
        }),
      );
      const [rich, poor] = orgs as [(typeof orgs)[0], (typeof orgs)[0]];
      const send = (org: typeof rich, payload: object) =>
        t.app.inject({ method: 'POST', url: '/v1/runs', headers: org.headers, payload });
      const [richAnswers, poorAnswers, unknown, foreign] = await Promise.all([
        Promise.all(
          Array.from({ length: 40 }, (_, i) =>
            send(rich, { template_id: rich.templateId, executor_ref: `rich-${i}`, expires_in_hours: i + 1 }),
          ),
        ),
        Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            send(poor, { template_id: poor.templateId, executor_ref: `poor-${i}` }),
          ),
        ),
        send(rich, { template_id: 't-unknown' }),
        send(rich, { template_id: poor.templateId }),
      ]);

      for (const [i, answer] of richAnswers.entries()) {
        assert.equal(answer.statusCode, 201, answer.body);
        const { run_id, expires_at } = answer.json();
        assert.equal(expires_at, new Date(t.clock.now.getTime() + (i + 1) * 3600_000).toISOString());
        const run = await t.app.inject({ method: 'GET', url: `/v1/runs/${run_id}`, headers: rich.headers });
        assert.equal(run.json().executor_ref, `rich-${i}`);
      }
      const poorStatuses = poorAnswers.map((answer) => answer.statusCode);
      assert.equal(poorStatuses.filter((status) => status === 201).length, 3, poorStatuses.join(','));
      assert.equal(poorStatuses.filter((status) => status === 402).length, 7, poorStatuses.join(','));
      assert.equal(unknown.statusCode, 404);
      assert.equal(foreign.statusCode, 404);
      const balances = await Promise.all(
        orgs.map(async (org) => {
          const answer = await t.app.inject({ method: 'GET', url: '/v1/org', headers: org.headers });
          return answer.json().credit_balance as number;
        }),
      );
      assert.deepEqual(balances, [460, 0]);
    });
  });
}

describe('rate limit', () => {
  it('answers 429 with Retry-After once a key exceeds its limit', async () => {
    const t = await createTestApp('pglite', { config: { rateLimitPerMinute: 3 } });
    try {
      const responses = [];
      for (let i = 0; i < 4; i++) responses.push(await t.api({ method: 'GET', url: '/v1/org' }));
      assert.deepEqual(
        responses.map((r) => r.statusCode),
        [200, 200, 200, 429],
      );
      const limited = responses[3]!;
      assert.ok(Number(limited.headers['retry-after']) > 0);
      assert.match(String(limited.headers['content-type']), /^application\/problem\+json/);
    } finally {
      await t.close();
    }
  });
});
