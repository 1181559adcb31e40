import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bootstrapFirstOrg } from '../../src/db/bootstrap.js';
import { createUser } from '../../src/db/users.js';
import { SIGN_IN_RULES, signInDelayMs } from '../../src/http/sign-in-throttle.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { testDatabaseKinds } from '../helpers/database.js';
import { createDashboardClient, PASSWORD, sessionCookieOf, signUp } from './helpers.js';

for (const kind of testDatabaseKinds()) {
  describe(`dashboard accounts on ${kind}`, () => {
    let t: TestApp;
    before(async () => {
      // Behind one proxy, so X-Forwarded-Proto: https counts as TLS.
      t = await createTestApp(kind, { config: { trustProxy: 1 } });
    });
    after(() => t.close());

    it('signs up an org and its owner, with an HttpOnly SameSite=Lax session cookie that /v1 accepts', async () => {
      const client = createDashboardClient(t.app);
      const response = await client.request('POST', '/v1/auth/sign-up', {
        organization_name: 'Harbour Cleaning',
        email: 'Owner@Harbour.test',
        password: PASSWORD,
      });
      assert.equal(response.statusCode, 201, response.body);
      const body = response.json();
      assert.equal(body.role, 'owner');
      assert.equal(body.user.email, 'owner@harbour.test');
      assert.equal(body.org.name, 'Harbour Cleaning');
      const cookie = response.cookies.find((c) => c.name === 'rundun_session')!;
      assert.equal(cookie.httpOnly, true);
      assert.equal(cookie.sameSite, 'Lax');
      assert.equal(cookie.path, '/');
      assert.equal(cookie.secure, undefined, 'plain http: no Secure flag');
      const org = await client.request('GET', '/v1/org');
      assert.equal(org.statusCode, 200);
      assert.equal(org.json().org_id, body.org.org_id);
      assert.equal(org.json().credit_balance, t.config.signupCredits);
      const session = await client.request('GET', '/v1/auth/session');
      assert.equal(session.json().csrf_token, body.csrf_token);
    });

    it('marks the cookie Secure behind a TLS proxy', async () => {
      const client = createDashboardClient(t.app);
      const response = await client.request(
        'POST',
        '/v1/auth/sign-up',
        { organization_name: 'TLS org', email: 'tls@example.test', password: PASSWORD },
        { 'x-forwarded-proto': 'https' },
      );
      assert.equal(response.statusCode, 201);
      assert.equal(response.cookies.find((c) => c.name === 'rundun_session')!.secure, true);
    });

    it('refuses a second account with the same email, naming the field', async () => {
      const client = createDashboardClient(t.app);
      await signUp(client, 'twice@example.test');
      const again = await createDashboardClient(t.app).request('POST', '/v1/auth/sign-up', {
        organization_name: 'Other',
        email: 'TWICE@example.test',
        password: PASSWORD,
      });
      assert.equal(again.statusCode, 409);
      assert.equal(again.json().errors[0].pointer, '/email');
    });

    it('refuses a state-changing request made with the cookie but without the CSRF token, or cross-site', async () => {
      const client = createDashboardClient(t.app);
      await signUp(client, 'csrf@example.test');
      const template = { name: 'T', steps: [{ id: 's-a', type: 'text', label: 'A' }] };
      const noToken = await client.request('POST', '/v1/templates', template, { 'x-csrf-token': '' });
      assert.equal(noToken.statusCode, 403);
      const wrongToken = await client.request('POST', '/v1/templates', template, {
        'x-csrf-token': 'x'.repeat(43),
      });
      assert.equal(wrongToken.statusCode, 403);
      const crossSite = await client.request('POST', '/v1/templates', template, {
        origin: 'https://evil.example',
      });
      assert.equal(crossSite.statusCode, 403);
      assert.equal(
        Number(
          (
            await t.database.db
              .selectFrom('templates')
              .select((eb) => eb.fn.countAll().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        ),
        0,
      );
      const ok = await client.request('POST', '/v1/templates', template);
      assert.equal(ok.statusCode, 201, ok.body);
    });

    it('lets a user created by the CLI sign in, rotating the session token at sign-in', async () => {
      await createUser(t.database.db, {
        orgId: t.orgId,
        email: 'cli@example.test',
        password: PASSWORD,
        role: 'member',
      });
      const client = createDashboardClient(t.app);
      const first = await client.request('POST', '/v1/auth/sign-in', {
        email: 'cli@example.test',
        password: PASSWORD,
      });
      assert.equal(first.statusCode, 200, first.body);
      assert.equal(first.json().role, 'member');
      assert.equal(first.json().org.org_id, t.orgId);
      const firstCookie = client.cookie!;
      const second = await client.request('POST', '/v1/auth/sign-in', {
        email: 'cli@example.test',
        password: PASSWORD,
      });
      assert.equal(second.statusCode, 200);
      assert.notEqual(client.cookie, firstCookie, 'a new token at every sign-in');
      const old = await t.app.inject({ method: 'GET', url: '/v1/org', headers: { cookie: firstCookie } });
      assert.equal(old.statusCode, 401, 'the session presented at sign-in has ended');
      assert.equal((await client.request('GET', '/v1/org')).statusCode, 200);
    });

    it('signs out: the cookie is cleared and the session no longer works', async () => {
      const client = createDashboardClient(t.app);
      await signUp(client, 'leaver@example.test');
      const cookie = client.cookie!;
      const out = await client.request('POST', '/v1/auth/sign-out');
      assert.equal(out.statusCode, 204);
      const after = await t.app.inject({ method: 'GET', url: '/v1/org', headers: { cookie } });
      assert.equal(after.statusCode, 401);
      assert.equal(
        (await t.app.inject({ method: 'GET', url: '/v1/auth/session', headers: { cookie } })).statusCode,
        401,
      );
    });

    it('changes the password, ending the other sessions but not this one', async () => {
      const a = createDashboardClient(t.app);
      await signUp(a, 'changer@example.test');
      const b = createDashboardClient(t.app);
      await b.request('POST', '/v1/auth/sign-in', { email: 'changer@example.test', password: PASSWORD });
      const wrong = await a.request('POST', '/v1/auth/password', {
        current_password: 'nope',
        new_password: 'a new long password',
      });
      assert.equal(wrong.statusCode, 400);
      const changed = await a.request('POST', '/v1/auth/password', {
        current_password: PASSWORD,
        new_password: 'a new long password',
      });
      assert.equal(changed.statusCode, 204, changed.body);
      assert.equal((await a.request('GET', '/v1/org')).statusCode, 200);
      assert.equal((await b.request('GET', '/v1/org')).statusCode, 401);
      const old = await createDashboardClient(t.app).request('POST', '/v1/auth/sign-in', {
        email: 'changer@example.test',
        password: PASSWORD,
      });
      assert.equal(old.statusCode, 401);
      const fresh = await createDashboardClient(t.app).request('POST', '/v1/auth/sign-in', {
        email: 'changer@example.test',
        password: 'a new long password',
      });
      assert.equal(fresh.statusCode, 200);
    });

    it('throttles sign-in per email: after the limit even the right password waits, with Retry-After', async () => {
      await signUp(createDashboardClient(t.app), 'target@example.test');
      const attempt = (password: string, ip: string) =>
        t.app.inject({
          method: 'POST',
          url: '/v1/auth/sign-in',
          payload: { email: 'target@example.test', password },
          remoteAddress: ip,
        });
      for (let i = 0; i < SIGN_IN_RULES.email.free; i++) {
        assert.equal((await attempt('wrong password', `10.0.0.${i + 1}`)).statusCode, 401);
      }
      const blocked = await attempt(PASSWORD, '10.0.1.1');
      assert.equal(blocked.statusCode, 429);
      assert.ok(Number(blocked.headers['retry-after']) > 0);
      assert.equal(blocked.cookies.length, 0);
      t.clock.advance(signInDelayMs(SIGN_IN_RULES.email, SIGN_IN_RULES.email.free));
      assert.equal((await attempt(PASSWORD, '10.0.1.1')).statusCode, 200);
    });

    it('throttles sign-in per address across many emails', async () => {
      const ip = '10.9.9.9';
      for (let i = 0; i < SIGN_IN_RULES.ip.free; i++) {
        const r = await t.app.inject({
          method: 'POST',
          url: '/v1/auth/sign-in',
          payload: { email: `nobody${i}@example.test`, password: 'x' },
          remoteAddress: ip,
        });
        assert.equal(r.statusCode, 401);
      }
      const blocked = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/sign-in',
        payload: { email: 'fresh@example.test', password: 'x' },
        remoteAddress: ip,
      });
      assert.equal(blocked.statusCode, 429);
      const elsewhere = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/sign-in',
        payload: { email: 'fresh@example.test', password: 'x' },
        remoteAddress: '10.9.9.10',
      });
      assert.equal(elsewhere.statusCode, 401);
    });

    it('makes a one-time setup link beside the first key on an empty database', async () => {
      const fresh = await createTestApp(kind);
      try {
        await fresh.database.db.deleteFrom('api_keys').execute();
        await fresh.database.db.deleteFrom('credit_ledger').execute();
        await fresh.database.db.deleteFrom('credit_buckets').execute();
        await fresh.database.db.deleteFrom('orgs').execute();
        // API processes starting at once on an empty database: one of them makes the org.
        const made = (
          await Promise.all([1, 2, 3].map(() => bootstrapFirstOrg(fresh.database.db, fresh.clock.now)))
        ).filter((result) => result !== undefined);
        assert.equal(made.length, 1);
        assert.equal((await fresh.database.db.selectFrom('orgs').select('id').execute()).length, 1);
        const first = made[0]!;
        assert.match(first.apiKey, /^rdk_live_/);
        assert.match(first.testApiKey, /^rdk_test_/);
        assert.equal(await bootstrapFirstOrg(fresh.database.db, fresh.clock.now), undefined, 'only once');
        const client = createDashboardClient(fresh.app);
        const view = await client.request('GET', `/v1/auth/invitations/${first.setupToken}`);
        assert.equal(view.json().role, 'owner');
        const accepted = await client.request('POST', `/v1/auth/invitations/${first.setupToken}/accept`, {
          email: 'first@example.test',
          password: PASSWORD,
          name: 'First Owner',
        });
        assert.equal(accepted.statusCode, 200, accepted.body);
        assert.equal(accepted.json().org.org_id, first.orgId);
        assert.equal(accepted.json().role, 'owner');
        assert.ok(sessionCookieOf(accepted));
        const again = await createDashboardClient(fresh.app).request(
          'POST',
          `/v1/auth/invitations/${first.setupToken}/accept`,
          {
            email: 'second@example.test',
            password: PASSWORD,
          },
        );
        assert.equal(again.statusCode, 409, 'the link works once');
      } finally {
        await fresh.close();
      }
    });

    it('refuses sign-up when it is closed', async () => {
      const closed = await createTestApp(kind, { config: { signupEnabled: false } });
      try {
        const response = await closed.app.inject({
          method: 'POST',
          url: '/v1/auth/sign-up',
          payload: { organization_name: 'X', email: 'x@example.test', password: PASSWORD },
        });
        assert.equal(response.statusCode, 403);
      } finally {
        await closed.close();
      }
    });
  });
}
