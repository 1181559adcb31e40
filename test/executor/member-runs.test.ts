/**
 * A member's run (assigned with `assign_to`, or started in member mode) is read and written only with
 * that member's session, while they are a member of the run's org: the link alone no longer reads its
 * answers and media URLs, and a removed member's session stops working at once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createOrg } from '../../src/db/orgs.js';
import { testDatabaseKinds } from '../helpers/database.js';
import { asProblem, asView, createExecutorTestApp, makeJpeg, type ExecutorTestApp } from './helpers.js';

const steps = [
  { id: 's-note', type: 'text', label: 'Note', required: true },
  { id: 's-pic', type: 'photo', label: 'Picture', photos: { min: 0, max: 2 } },
  { id: 's-more', type: 'text', label: 'More', required: false },
];

for (const kind of testDatabaseKinds()) {
  describe(`member runs on ${kind}`, () => {
    let t: ExecutorTestApp;
    let anonymousTemplate: string;
    let memberTemplate: string;
    let annId: string;
    let ann: string;
    let bob: string;
    let eve: string;
    let jpeg: Buffer;
    before(async () => {
      t = await createExecutorTestApp(kind);
      anonymousTemplate = await t.createTemplate({ name: 'Anon', steps });
      memberTemplate = await t.createTemplate({ name: 'Members', settings: { identity: 'member' }, steps });
      annId = await t.addMember('ann@example.com', 'ann password 123');
      await t.addMember('bob@example.com', 'bob password 123');
      const otherOrg = await createOrg(t.database.db, 'Other org', 0);
      await t.addMember('eve@example.com', 'eve password 123', otherOrg.id);
      ann = await t.signIn('ann@example.com', 'ann password 123');
      bob = await t.signIn('bob@example.com', 'bob password 123');
      eve = await t.signIn('eve@example.com', 'eve password 123');
      jpeg = await makeJpeg(64, 48);
    });
    after(() => t.close());

    /** Starts the run as `cookie`'s member, answers a step and uploads a photo. */
    async function work(runId: string, cookie: string): Promise<string> {
      const started = await t.x(
        'POST',
        `/x/runs/${runId}/start`,
        { identity: { mode: 'member' } },
        { cookie },
      );
      assert.equal(started.statusCode, 200, started.body);
      const note = await t.x(
        'PUT',
        `/x/runs/${runId}/steps/s-note`,
        { answer: 'gate code 4711' },
        { cookie },
      );
      assert.equal(note.statusCode, 200, note.body);
      const photo = await t.upload(runId, 's-pic', jpeg, { cookie });
      assert.equal(photo.statusCode, 201, photo.body);
      const mediaId = photo.json<{ media_id: string }>().media_id;
      const answered = await t.x('PUT', `/x/runs/${runId}/steps/s-pic`, { media_ids: [mediaId] }, { cookie });
      assert.equal(answered.statusCode, 200, answered.body);
      return mediaId;
    }

    const read = (runId: string, cookie?: string) =>
      t.x('GET', `/x/runs/${runId}`, undefined, cookie ? { cookie } : {});

    it('refuses an assigned run’s answers and media URLs without the assigned member’s session', async () => {
      const runId = await t.dispatch(anonymousTemplate, { assign_to: 'ann@example.com' });
      const pending = await read(runId);
      assert.equal(pending.statusCode, 200, 'a pending run shows its start screen (nothing answered yet)');
      assert.equal(asView(pending).assigned, true);
      const mediaId = await work(runId, ann);

      const anonymous = await read(runId);
      assert.equal(anonymous.statusCode, 401);
      assert.equal(asProblem(anonymous).type.endsWith('/unauthorized'), true, anonymous.body);
      for (const [who, cookie] of [
        ['another member', bob],
        ['a member of another org', eve],
      ] as const) {
        const refused = await read(runId, cookie);
        assert.equal(refused.statusCode, 403, who);
        assert.doesNotMatch(refused.body, /gate code|\/media\/|med-/, `${who}: no answer, no media URL`);
      }
      assert.doesNotMatch(anonymous.body, /gate code|\/media\/|med-/);

      const own = await read(runId, ann);
      assert.equal(own.statusCode, 200);
      const view = asView(own);
      assert.equal(view.answers['s-note']!.answer, 'gate code 4711');
      assert.equal(view.answers['s-pic']!.media[0]!.media_id, mediaId);
    });

    it('refuses a run started in member mode to anyone but that member, even on an anonymous template', async () => {
      const onMemberTemplate = await t.dispatch(memberTemplate);
      await work(onMemberTemplate, ann);
      const onAnonymousTemplate = await t.dispatch(anonymousTemplate);
      await work(onAnonymousTemplate, ann);
      for (const runId of [onMemberTemplate, onAnonymousTemplate]) {
        assert.equal((await read(runId)).statusCode, 401);
        assert.equal((await read(runId, bob)).statusCode, 403);
        assert.equal((await read(runId, ann)).statusCode, 200);
      }
    });

    it('still reads an anonymous run by its link alone', async () => {
      const runId = await t.dispatch(anonymousTemplate);
      assert.equal((await t.x('POST', `/x/runs/${runId}/start`, {})).statusCode, 200);
      assert.equal((await t.x('PUT', `/x/runs/${runId}/steps/s-note`, { answer: 'open' })).statusCode, 200);
      const view = await read(runId);
      assert.equal(view.statusCode, 200);
      assert.equal(asView(view).answers['s-note']!.answer, 'open');
    });

    it('stops a removed member’s session for writes and reads at once', async () => {
      const runId = await t.dispatch(anonymousTemplate, { assign_to: annId });
      await work(runId, ann);
      const dashboard = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/sign-in',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ email: 'ann@example.com', password: 'ann password 123' }),
      });
      assert.equal(dashboard.statusCode, 200, dashboard.body);
      const dashboardCookie = `rundun_session=${dashboard.cookies.find((c) => c.name === 'rundun_session')!.value}`;
      assert.equal(
        (await t.app.inject({ method: 'GET', url: '/v1/org', headers: { cookie: dashboardCookie } }))
          .statusCode,
        200,
      );

      await t.database.db.deleteFrom('memberships').where('user_id', '=', annId).execute();

      const answer = await t.x(
        'PUT',
        `/x/runs/${runId}/steps/s-more`,
        { answer: 'after removal' },
        { cookie: ann },
      );
      assert.equal(answer.statusCode, 403, answer.body);
      assert.match(asProblem(answer).detail, /no longer a member/);
      const skip = await t.x('POST', `/x/runs/${runId}/steps/s-more/skip`, {}, { cookie: ann });
      assert.equal(skip.statusCode, 403);
      const upload = await t.upload(runId, 's-pic', jpeg, { cookie: ann });
      assert.equal(upload.statusCode, 403, upload.body);
      const submit = await t.x('POST', `/x/runs/${runId}/submit`, {}, { cookie: ann });
      assert.equal(submit.statusCode, 403);
      const cancel = await t.x('POST', `/x/runs/${runId}/cancel`, {}, { cookie: ann });
      assert.equal(cancel.statusCode, 403);
      assert.equal((await read(runId, ann)).statusCode, 403);
      const org = await t.app.inject({ method: 'GET', url: '/v1/org', headers: { cookie: dashboardCookie } });
      assert.equal(org.statusCode, 401, 'the dashboard session ends with the membership too');

      assert.deepEqual(await t.eventTypes(runId), ['step.completed', 'step.completed']);
      const row = await t.database.db
        .selectFrom('runs')
        .select('status')
        .where('id', '=', runId)
        .executeTakeFirstOrThrow();
      assert.equal(row.status, 'in_progress');
    });
  });
}
