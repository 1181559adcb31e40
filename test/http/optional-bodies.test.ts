import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createDashboardClient, signUp } from '../accounts/helpers.js';
import { testDatabaseKinds } from '../helpers/database.js';
import { asView, createExecutorTestApp, type ExecutorTestApp } from '../executor/helpers.js';

const ONE_OPTIONAL_STEP = {
  name: 'Quick note',
  settings: { allow_skip: true, identity: 'anonymous', geo: 'off' },
  steps: [{ id: 's-nt01', type: 'text', label: 'Anything to add?', required: false }],
};

const NO_BODY: { label: string; headers: Record<string, string> }[] = [
  { label: 'no Content-Type', headers: {} },
  { label: 'Content-Type: application/json', headers: { 'content-type': 'application/json' } },
];

for (const kind of testDatabaseKinds()) {
  describe(`POSTs with an optional body, sent empty, on ${kind}`, () => {
    let t: ExecutorTestApp;
    let templateId: string;
    let baseUrl: string;
    before(async () => {
      t = await createExecutorTestApp(kind);
      templateId = await t.createTemplate(ONE_OPTIONAL_STEP);
      baseUrl = await t.app.listen({ host: '127.0.0.1', port: 0 });
    });
    after(() => t.close());

    const post = (path: string, headers: Record<string, string>) =>
      fetch(baseUrl + path, { method: 'POST', headers });

    for (const { label, headers } of NO_BODY) {
      it(`starts, skips and submits a run with no body and ${label}`, async () => {
        const runId = await t.dispatch(templateId);
        assert.equal((await post(`/x/runs/${runId}/start`, headers)).status, 200);
        const skip = await post(`/x/runs/${runId}/steps/s-nt01/skip`, headers);
        assert.equal(skip.status, 200);
        assert.equal(((await skip.json()) as { status: string }).status, 'skipped');
        assert.equal((await post(`/x/runs/${runId}/submit`, headers)).status, 200);
        assert.equal(asView(await t.x('GET', `/x/runs/${runId}`)).status, 'completed');
        assert.deepEqual(await t.eventTypes(runId), ['step.skipped', 'run.completed']);
      });

      it(`exits a run, and replays its delivery through /v1, with no body and ${label}`, async () => {
        const runId = await t.dispatch(templateId);
        await post(`/x/runs/${runId}/start`, headers);
        assert.equal((await post(`/x/runs/${runId}/cancel`, headers)).status, 200);
        assert.equal(asView(await t.x('GET', `/x/runs/${runId}`)).status, 'cancelled');
        const deliveries = await t.api({ method: 'GET', url: `/v1/runs/${runId}/deliveries` });
        const last = deliveries.json<{ data: { delivery_id: string }[] }>().data.at(-1)!;
        const replay = await post(`/v1/deliveries/${last.delivery_id}/replay`, {
          authorization: `Bearer ${t.apiKey}`,
          ...headers,
        });
        assert.equal(replay.status, 202);
      });
    }

    it('refuses an executor request with a cookie and no body unless a browser header vouches for it', async () => {
      const runId = await t.dispatch(templateId);
      await post(`/x/runs/${runId}/start`, {});
      const cookie = 'rundun_session=whatever';
      const bare = await post(`/x/runs/${runId}/cancel`, { cookie });
      assert.equal(bare.status, 403);
      const crossSite = await post(`/x/runs/${runId}/cancel`, { cookie, 'sec-fetch-site': 'cross-site' });
      assert.equal(crossSite.status, 403);
      const foreign = await post(`/x/runs/${runId}/cancel`, { cookie, origin: 'https://evil.example' });
      assert.equal(foreign.status, 403);
      assert.equal(asView(await t.x('GET', `/x/runs/${runId}`)).status, 'in_progress');
      const sameOrigin = await post(`/x/runs/${runId}/cancel`, { cookie, 'sec-fetch-site': 'same-origin' });
      assert.equal(sameOrigin.status, 200);
    });

    it('still asks a dashboard session for its CSRF token on a body-less POST', async () => {
      const client = createDashboardClient(t.app);
      await signUp(client, `empty-body-${kind}@example.test`);
      const noToken = await t.app.inject({
        method: 'POST',
        url: '/v1/deliveries/d-00000000-0000-0000-0000-000000000000/replay',
        headers: { cookie: client.cookie! },
      });
      assert.equal(noToken.statusCode, 403);
      assert.match(noToken.json<{ detail: string }>().detail, /X-CSRF-Token/i);
    });

    it('still answers 400 for an empty body where fields are required, naming them', async () => {
      const response = await post('/v1/runs', {
        authorization: `Bearer ${t.apiKey}`,
        'content-type': 'application/json',
      });
      assert.equal(response.status, 400);
      const problem = (await response.json()) as { errors: { pointer: string }[] };
      assert.ok(
        problem.errors.some((e) => e.pointer === '/template_id'),
        JSON.stringify(problem),
      );
    });
  });
}
