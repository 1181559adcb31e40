import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { testDatabaseKinds } from '../helpers/database.js';
import { createDashboardClient, PASSWORD, signUp, type DashboardClient } from './helpers.js';

for (const kind of testDatabaseKinds()) {
  describe(`org administration over /v1 on ${kind}`, () => {
    let t: TestApp;
    let owner: DashboardClient;
    let orgId: string;
    before(async () => {
      t = await createTestApp(kind);
      owner = createDashboardClient(t.app);
      orgId = (await signUp(owner, 'owner@admin.test')).org.org_id;
    });
    after(() => t.close());

    async function invite(role: 'owner' | 'member', email: string | null = null) {
      const response = await owner.request('POST', '/v1/invitations', { email, role });
      assert.equal(response.statusCode, 201, response.body);
      return response.json<{ invitation_id: string; link: string }>();
    }

    async function join(link: string, email: string) {
      const client = createDashboardClient(t.app);
      const token = link.split('/app/invite/')[1]!;
      const response = await client.request('POST', `/v1/auth/invitations/${token}/accept`, {
        email,
        password: PASSWORD,
      });
      return { client, response };
    }

    it('creates a key shown once, lists it by prefix and last 4, and revokes it so the API refuses it at once', async () => {
      const created = await owner.request('POST', '/v1/api-keys', { name: 'Production' });
      assert.equal(created.statusCode, 201, created.body);
      const key = created.json();
      assert.match(key.api_key, /^rdk_live_[A-Za-z0-9]{32}$/);
      assert.equal(key.hint, `rdk_live_…${key.api_key.slice(-4)}`);
      const use = await t.app.inject({
        method: 'GET',
        url: '/v1/org',
        headers: { authorization: `Bearer ${key.api_key}` },
      });
      assert.equal(use.statusCode, 200);
      assert.equal(use.json().org_id, orgId);
      const list = (await owner.request('GET', '/v1/api-keys')).json().data;
      assert.equal(list.length, 1);
      assert.equal(list[0].api_key, undefined, 'never listed in full');
      assert.ok(list[0].last_used_at, 'last use recorded');
      const revoked = await owner.request('DELETE', `/v1/api-keys/${key.key_id}`);
      assert.equal(revoked.statusCode, 204);
      const refused = await t.app.inject({
        method: 'GET',
        url: '/v1/org',
        headers: { authorization: `Bearer ${key.api_key}` },
      });
      assert.equal(refused.statusCode, 401);
      assert.equal((await owner.request('DELETE', `/v1/api-keys/${key.key_id}`)).statusCode, 404);
    });

    it("answers 404 for another org's key and refuses key management to API keys and members", async () => {
      assert.equal(
        (await owner.request('DELETE', '/v1/api-keys/key-00000000-0000-4000-8000-000000000000')).statusCode,
        404,
      );
      const otherOrgKey = (
        await t.database.db
          .selectFrom('api_keys')
          .select('id')
          .where('org_id', '=', t.orgId)
          .executeTakeFirstOrThrow()
      ).id;
      assert.equal((await owner.request('DELETE', `/v1/api-keys/${otherOrgKey}`)).statusCode, 404);
      for (const [method, url, payload] of [
        ['GET', '/v1/api-keys', undefined],
        ['POST', '/v1/api-keys', { name: 'x' }],
        ['POST', '/v1/invitations', { role: 'owner' }],
      ] as const) {
        const withKey = await t.api({ method, url, ...(payload ? { payload } : {}) });
        assert.equal(withKey.statusCode, 403, `${method} ${url} with an API key`);
      }
      const { client: member, response } = await join((await invite('member')).link, 'member@admin.test');
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.json().role, 'member');
      assert.equal((await member.request('GET', '/v1/api-keys')).statusCode, 403);
      assert.equal((await member.request('POST', '/v1/api-keys', { name: 'x' })).statusCode, 403);
      assert.equal((await member.request('POST', '/v1/invitations', { role: 'owner' })).statusCode, 403);
      assert.equal(
        (await member.request('GET', '/v1/members')).statusCode,
        200,
        'members can see who is in the org',
      );
      assert.equal((await member.request('GET', '/v1/runs')).statusCode, 200, 'and browse runs');
    });

    it('an invitation for one email accepts only that email, works once, and expires', async () => {
      const forOne = await invite('member', 'only@admin.test');
      const wrong = await join(forOne.link, 'someone@admin.test');
      assert.equal(wrong.response.statusCode, 403);
      const right = await join(forOne.link, 'ONLY@admin.test');
      assert.equal(right.response.statusCode, 200, right.response.body);
      assert.equal((await join(forOne.link, 'only@admin.test')).response.statusCode, 409);

      const expiring = await invite('member');
      t.clock.advance(8 * 24 * 3600 * 1000);
      const token = expiring.link.split('/app/invite/')[1]!;
      assert.equal((await owner.request('GET', `/v1/auth/invitations/${token}`)).json().state, 'expired');
      assert.equal((await join(expiring.link, 'late@admin.test')).response.statusCode, 409);
    });

    it('lets an existing account join another org with its password, and revoked invitations stop working', async () => {
      const other = createDashboardClient(t.app);
      await signUp(other, 'elsewhere@admin.test', 'Other org');
      const invitation = await invite('member');
      const token = invitation.link.split('/app/invite/')[1]!;
      const bad = await createDashboardClient(t.app).request('POST', `/v1/auth/invitations/${token}/accept`, {
        email: 'elsewhere@admin.test',
        password: 'not the password',
      });
      assert.equal(bad.statusCode, 401);
      const good = await createDashboardClient(t.app).request(
        'POST',
        `/v1/auth/invitations/${token}/accept`,
        { email: 'elsewhere@admin.test', password: PASSWORD },
      );
      assert.equal(good.statusCode, 200, good.body);
      assert.equal(good.json().org.org_id, orgId);

      const revoked = await invite('owner');
      assert.equal(
        (await owner.request('DELETE', `/v1/invitations/${revoked.invitation_id}`)).statusCode,
        204,
      );
      assert.equal((await join(revoked.link, 'nobody@admin.test')).response.statusCode, 409);
      const open = (await owner.request('GET', '/v1/invitations')).json().data;
      assert.ok(!open.some((i: { invitation_id: string }) => i.invitation_id === revoked.invitation_id));
    });

    it('changes roles and removes members, but never the last owner', async () => {
      const members = (await owner.request('GET', '/v1/members')).json().data as {
        user_id: string;
        email: string;
        role: string;
      }[];
      const me = members.find((m) => m.email === 'owner@admin.test')!;
      const someone = members.find((m) => m.email === 'member@admin.test')!;
      assert.equal(
        (await owner.request('PATCH', `/v1/members/${me.user_id}`, { role: 'member' })).statusCode,
        409,
      );
      assert.equal((await owner.request('DELETE', `/v1/members/${me.user_id}`)).statusCode, 409);
      assert.equal(
        (await owner.request('PATCH', `/v1/members/${someone.user_id}`, { role: 'owner' })).statusCode,
        204,
      );
      assert.equal(
        (await owner.request('PATCH', `/v1/members/${someone.user_id}`, { role: 'member' })).statusCode,
        204,
      );
      const session = createDashboardClient(t.app);
      await session.request('POST', '/v1/auth/sign-in', { email: 'member@admin.test', password: PASSWORD });
      assert.equal((await session.request('GET', '/v1/org')).statusCode, 200);
      assert.equal((await owner.request('DELETE', `/v1/members/${someone.user_id}`)).statusCode, 204);
      assert.equal(
        (await session.request('GET', '/v1/org')).statusCode,
        401,
        'their session in the org ended',
      );
      assert.equal((await owner.request('DELETE', `/v1/members/${someone.user_id}`)).statusCode, 404);
    });

    it('shows the credit balance and the ledger: grants, and credits used per day', async () => {
      const template = await owner.request('POST', '/v1/templates', {
        name: 'T',
        steps: [{ id: 's-a', type: 'text', label: 'A' }],
      });
      assert.equal(template.statusCode, 201);
      for (let i = 0; i < 3; i++) {
        assert.equal(
          (await owner.request('POST', '/v1/runs', { template_id: template.json().id })).statusCode,
          201,
        );
      }
      const credits = (await owner.request('GET', '/v1/credits')).json();
      assert.equal(credits.credit_balance, t.config.signupCredits - 3);
      assert.equal(credits.ledger.length, 2);
      const [day, grant] = credits.ledger;
      assert.deepEqual(
        { kind: day.kind, amount: day.amount, runs: day.runs },
        { kind: 'consumption', amount: -3, runs: 3 },
      );
      assert.match(day.at, /T00:00:00\.000Z$/);
      assert.deepEqual(
        { kind: grant.kind, amount: grant.amount, note: grant.note },
        { kind: 'grant', amount: t.config.signupCredits, note: 'sign-up' },
      );
    });
  });
}
