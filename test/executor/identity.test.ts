import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createOrg } from '../../src/db/orgs.js';
import { createTestApp } from '../helpers/app.js';
import { testDatabaseKinds } from '../helpers/database.js';
import { createExecutorTestApp, type ExecutorTestApp, asView, ruleOf } from './helpers.js';

const steps = [{ id: 's-a', type: 'boolean', label: 'Done?', required: true }];

for (const kind of testDatabaseKinds()) {
  describe(`executor identity and sessions on ${kind}`, () => {
    let t: ExecutorTestApp;
    let anonymousTemplate: string;
    let externalTemplate: string;
    let memberTemplate: string;
    let memberCookie: string;
    let memberId: string;
    let otherMemberCookie: string;
    let strangerCookie: string;
    before(async () => {
      t = await createExecutorTestApp(kind);
      anonymousTemplate = await t.createTemplate({ name: 'Anon', steps });
      externalTemplate = await t.createTemplate({ name: 'Ext', settings: { identity: 'external' }, steps });
      memberTemplate = await t.createTemplate({ name: 'Member', settings: { identity: 'member' }, steps });
      memberId = await t.addMember('ann@example.com', 'correct horse battery');
      await t.addMember('bob@example.com', 'bob password 123');
      const otherOrg = await createOrg(t.database.db, 'Other org', 0);
      await t.addMember('eve@example.com', 'eve password 123', otherOrg.id);
      memberCookie = await t.signIn('ann@example.com', 'correct horse battery');
      otherMemberCookie = await t.signIn('bob@example.com', 'bob password 123');
      strangerCookie = await t.signIn('eve@example.com', 'eve password 123');
    });
    after(() => t.close());

    const start = (runId: string, identity?: object, cookie?: string) =>
      t.x('POST', `/x/runs/${runId}/start`, identity ? { identity } : {}, cookie ? { cookie } : {});

    it('starts an anonymous-template run as anonymous, or as external when a name is given', async () => {
      const a = await t.dispatch(anonymousTemplate);
      assert.deepEqual(asView(await start(a)).identity, { mode: 'anonymous' });
      const b = await t.dispatch(anonymousTemplate);
      const named = await start(b, {
        mode: 'anonymous',
        name: '  Bob  ',
        email: 'bob@example.org',
        phone: '+44 20 7946 0958',
      });
      assert.equal(named.statusCode, 200, named.body);
      assert.deepEqual(asView(named).identity, {
        mode: 'external',
        name: 'Bob',
        email: 'bob@example.org',
        phone: '+44 20 7946 0958',
      });
    });

    it('requires a name on external-identity templates and checks email and phone loosely', async () => {
      const runId = await t.dispatch(externalTemplate);
      const noName = await start(runId, { mode: 'anonymous' });
      assert.equal(noName.statusCode, 400);
      assert.equal(ruleOf(noName), 'name_required');
      assert.equal(ruleOf(await start(runId, { mode: 'external', name: 'x'.repeat(201) })), 'max_length');
      assert.equal(
        ruleOf(await start(runId, { mode: 'external', name: 'Al', email: 'not-an-email' })),
        'email',
      );
      assert.equal(ruleOf(await start(runId, { mode: 'external', name: 'Al', phone: 'call me' })), 'phone');
      assert.equal(
        asView(await t.x('GET', `/x/runs/${runId}`)).status,
        'pending',
        'refused starts change nothing',
      );
      const ok = await start(runId, { mode: 'external', name: 'Al', email: '' });
      assert.deepEqual(asView(ok).identity, { mode: 'external', name: 'Al' });
    });

    it('is idempotent for the same identity and refuses a different one with 409', async () => {
      const runId = await t.dispatch(externalTemplate);
      assert.equal((await start(runId, { mode: 'external', name: 'Al' })).statusCode, 200);
      assert.equal((await start(runId, { mode: 'external', name: 'Al' })).statusCode, 200);
      const other = await start(runId, { mode: 'external', name: 'Bo' });
      assert.equal(other.statusCode, 409);
      assert.deepEqual(asView(await t.x('GET', `/x/runs/${runId}`)).identity, {
        mode: 'external',
        name: 'Al',
      });
    });

    it('requires a signed-in member of the run’s org on member-identity templates', async () => {
      const runId = await t.dispatch(memberTemplate);
      assert.equal((await start(runId, { mode: 'member' })).statusCode, 401);
      assert.equal((await start(runId, { mode: 'member' }, strangerCookie)).statusCode, 403);
      assert.equal(
        (await start(runId, { mode: 'member', user_id: 'u-someone-else' }, memberCookie)).statusCode,
        403,
      );
      const ok = await start(runId, { mode: 'member' }, memberCookie);
      assert.equal(ok.statusCode, 200, ok.body);
      assert.deepEqual(asView(ok).identity, { mode: 'member', user_id: memberId });
      assert.deepEqual(asView(ok).member, { user_id: memberId, email: 'ann@example.com', name: 'ann' });
      const anonymousWrite = await t.x('PUT', `/x/runs/${runId}/steps/s-a`, { answer: true });
      assert.equal(anonymousWrite.statusCode, 403, 'a member’s run takes writes only from that member');
      assert.equal(
        (await t.x('PUT', `/x/runs/${runId}/steps/s-a`, { answer: true }, { cookie: otherMemberCookie }))
          .statusCode,
        403,
      );
      assert.equal(
        (await t.x('PUT', `/x/runs/${runId}/steps/s-a`, { answer: true }, { cookie: memberCookie }))
          .statusCode,
        200,
      );
      const [event] = await t.events(runId);
      assert.deepEqual((event!.envelope as { identity: unknown }).identity, {
        mode: 'member',
        user_id: memberId,
      });
    });

    it('lets only the assigned member start and write an assigned run', async () => {
      const runId = await t.dispatch(anonymousTemplate, { assign_to: 'ann@example.com' });
      const view = asView(await t.x('GET', `/x/runs/${runId}`));
      assert.equal(view.assigned, true);
      assert.equal(view.member, null);
      assert.equal((await start(runId)).statusCode, 403);
      assert.equal((await start(runId, { mode: 'external', name: 'Zed' })).statusCode, 403);
      assert.equal((await start(runId, { mode: 'member' }, otherMemberCookie)).statusCode, 403);
      assert.equal((await start(runId, { mode: 'member' }, strangerCookie)).statusCode, 403);
      const ok = await start(runId, { mode: 'member' }, memberCookie);
      assert.equal(ok.statusCode, 200, ok.body);
      assert.deepEqual(asView(ok).identity, { mode: 'member', user_id: memberId });
      assert.equal((await t.x('PUT', `/x/runs/${runId}/steps/s-a`, { answer: true })).statusCode, 403);
      assert.equal(
        (await t.x('POST', `/x/runs/${runId}/cancel`, {}, { cookie: otherMemberCookie })).statusCode,
        403,
      );
      assert.equal(
        (await t.x('PUT', `/x/runs/${runId}/steps/s-a`, { answer: true }, { cookie: memberCookie }))
          .statusCode,
        200,
      );
      assert.equal(
        (await t.x('POST', `/x/runs/${runId}/submit`, {}, { cookie: memberCookie })).statusCode,
        200,
      );
      assert.deepEqual(await t.eventTypes(runId), ['step.completed', 'run.completed']);
    });

    it('signs in with an HttpOnly SameSite=Lax cookie and refuses wrong passwords and unknown emails alike', async () => {
      const ok = await t.x('POST', '/x/auth/login', {
        email: 'ANN@example.com ',
        password: 'correct horse battery',
      });
      assert.equal(ok.statusCode, 200);
      assert.deepEqual(ok.json(), { user_id: memberId, email: 'ann@example.com', name: 'ann' });
      const cookie = ok.cookies.find((c) => c.name === 'rundun_session')!;
      assert.equal(cookie.httpOnly, true);
      assert.equal(cookie.sameSite, 'Lax');
      assert.equal(cookie.path, '/');
      assert.equal(cookie.secure, undefined, 'not Secure on an http PUBLIC_URL');
      const wrong = await t.x('POST', '/x/auth/login', { email: 'ann@example.com', password: 'nope' });
      const unknown = await t.x('POST', '/x/auth/login', { email: 'nobody@example.com', password: 'nope' });
      assert.equal(wrong.statusCode, 401);
      assert.equal(unknown.statusCode, 401);
      const { request_id: _wrongId, ...wrongProblem } = wrong.json<{ request_id: string }>();
      const { request_id: _unknownId, ...unknownProblem } = unknown.json<{ request_id: string }>();
      assert.deepEqual(wrongProblem, unknownProblem, 'the same answer, but for the request id');
      assert.equal(wrong.cookies.length, 0);
    });

    it('signs out: the cookie is cleared and the session no longer counts', async () => {
      const cookie = await t.signIn('ann@example.com', 'correct horse battery');
      const runId = await t.dispatch(anonymousTemplate);
      assert.equal(
        asView(await t.x('GET', `/x/runs/${runId}`, undefined, { cookie })).member?.user_id,
        memberId,
      );
      const out = await t.x('POST', '/x/auth/logout', {}, { cookie });
      assert.equal(out.statusCode, 204);
      assert.equal(out.cookies.find((c) => c.name === 'rundun_session')!.value, '');
      assert.equal(asView(await t.x('GET', `/x/runs/${runId}`, undefined, { cookie })).member, null);
    });

    it('refuses form posts, cookie-carrying bodiless posts with no Origin and cross-site origins on state-changing requests', async () => {
      const runId = await t.dispatch(anonymousTemplate);
      const url = `/x/runs/${runId}/start`;
      const form = await t.app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'a=1',
      });
      assert.equal(form.statusCode, 415);
      const text = await t.app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': 'text/plain' },
        payload: '{}',
      });
      assert.equal(text.statusCode, 415);
      const bodiless = await t.app.inject({ method: 'POST', url, headers: { cookie: 'rundun_session=x' } });
      assert.equal(bodiless.statusCode, 403);
      const multipart = await t.app.inject({
        method: 'POST',
        url: '/x/auth/login',
        headers: { 'content-type': 'multipart/form-data; boundary=x' },
        payload: '--x--',
      });
      assert.equal(multipart.statusCode, 415);
      assert.equal((await t.x('POST', url, {}, { origin: 'https://evil.example' })).statusCode, 403);
      assert.equal((await t.x('POST', url, {}, { 'sec-fetch-site': 'cross-site' })).statusCode, 403);
      assert.equal(asView(await t.x('GET', `/x/runs/${runId}`)).status, 'pending');
      assert.equal((await t.x('POST', url, {}, { origin: t.config.publicUrl })).statusCode, 200);
    });

    it('marks the session cookie Secure when PUBLIC_URL is https', async () => {
      const secure = await createTestApp(kind, { config: { publicUrl: 'https://rundun.example.com' } });
      try {
        const { createUser } = await import('../../src/db/users.js');
        await createUser(secure.database.db, {
          orgId: secure.orgId,
          email: 'sam@example.com',
          password: 'sam password 1',
          role: 'member',
        });
        const response = await secure.app.inject({
          method: 'POST',
          url: '/x/auth/login',
          headers: { 'content-type': 'application/json', origin: 'https://rundun.example.com' },
          payload: JSON.stringify({ email: 'sam@example.com', password: 'sam password 1' }),
        });
        assert.equal(response.statusCode, 200, response.body);
        assert.equal(response.cookies[0]!.secure, true);
      } finally {
        await secure.close();
      }
    });
  });
}
