import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testDatabaseKinds } from '../helpers/database.js';
import {
  answerEveryStep,
  createExecutorTestApp,
  makeJpeg,
  type ExecutorTestApp,
  asView,
  asWrite,
  asMedia,
  ruleOf,
} from './helpers.js';

for (const kind of testDatabaseKinds()) {
  describe(`executor run flow on ${kind}`, () => {
    let t: ExecutorTestApp;
    let templateId: string;
    before(async () => {
      t = await createExecutorTestApp(kind);
      templateId = await t.createTemplate();
    });
    after(() => t.close());

    it('shows a pending run with its template, no answers, and leaves it pending', async () => {
      const runId = await t.dispatch(templateId);
      const response = await t.x('GET', `/x/runs/${runId}`);
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.headers['cache-control'], 'no-store');
      const doc = asView(response);
      assert.equal(doc.run_id, runId);
      assert.equal(doc.status, 'pending');
      assert.equal(doc.template.name, 'Vehicle return inspection');
      assert.equal(doc.template.steps.length, 11);
      assert.deepEqual(doc.template.settings, { allow_skip: true, identity: 'anonymous', geo: 'per_step' });
      assert.equal(doc.identity, null);
      assert.equal(doc.assigned, false);
      assert.equal(doc.member, null);
      assert.deepEqual(doc.progress, { total: 11, answered: 0, skipped: 0 });
      assert.equal(doc.last_step_id, null);
      assert.deepEqual(doc.answers, {});
      assert.equal(asView(await t.x('GET', `/x/runs/${runId}`)).status, 'pending');
      assert.deepEqual(await t.eventTypes(runId), []);
    });

    it('answers 404 problems for unknown and malformed run ids and unknown steps', async () => {
      const unknown = await t.x('GET', '/x/runs/r-00000000-0000-4000-8000-000000000000');
      assert.equal(unknown.statusCode, 404);
      assert.equal(unknown.headers['content-type'], 'application/problem+json; charset=utf-8');
      assert.equal((await t.x('GET', '/x/runs/not-a-run')).statusCode, 404);
      assert.equal((await t.x('GET', `/x/runs/r-${'z'.repeat(36)}`)).statusCode, 404);
      const runId = await t.dispatch(templateId);
      await t.x('POST', `/x/runs/${runId}/start`, {});
      const step = await t.x('PUT', `/x/runs/${runId}/steps/s-nope`, { answer: true });
      assert.equal(step.statusCode, 404);
      assert.equal((await t.x('PUT', `/x/runs/${runId}/steps/BAD`, { answer: true })).statusCode, 404);
    });

    it('starts a run anonymously, then completes it: step.completed per answer and one run.completed', async () => {
      const runId = await t.dispatch(templateId, { executor_ref: 'booking_1' });
      const started = await t.x('POST', `/x/runs/${runId}/start`, { identity: { mode: 'anonymous' } });
      assert.equal(started.statusCode, 200, started.body);
      assert.equal(asView(started).status, 'in_progress');
      assert.deepEqual(asView(started).identity, { mode: 'anonymous' });
      const row = await t.database.db
        .selectFrom('runs')
        .selectAll()
        .where('id', '=', runId)
        .executeTakeFirstOrThrow();
      assert.deepEqual(row.started_at, t.clock.now);

      const media = await answerEveryStep(t, runId);
      t.clock.advance(612_000);
      const submitted = await t.x('POST', `/x/runs/${runId}/submit`, { request_id: 'submit-1' });
      assert.equal(submitted.statusCode, 200, submitted.body);
      assert.equal(asWrite(submitted).status, 'completed');
      assert.equal(asWrite(submitted).duration_seconds, 612);

      const events = await t.events(runId);
      assert.deepEqual(
        events.map((e) => e.type),
        [...Array<string>(11).fill('step.completed'), 'run.completed'],
      );
      assert.deepEqual(
        events.map((e) => e.seq),
        Array.from({ length: 12 }, (_, i) => i + 1),
      );
      const completed = events.at(-1)!.envelope as { data: Record<string, unknown>; identity: unknown };
      assert.deepEqual(completed.identity, { mode: 'anonymous' });
      const data = completed.data as {
        executor_ref: string;
        duration_seconds: number;
        progress: object;
        answers: Record<
          string,
          { answer: unknown; photos: { photo_index: number; url: string }[]; geo: unknown }
        >;
      };
      assert.equal(data.executor_ref, 'booking_1');
      assert.equal(data.duration_seconds, 612);
      assert.deepEqual(data.progress, { total: 11, answered: 11, skipped: 0 });
      assert.equal(data.answers['s-od01']!.answer, 42150);
      assert.deepEqual(data.answers['s-dm02']!.answer, ['o-dm1', 'o-dm3']);
      assert.deepEqual(data.answers['s-dm02']!.geo, { lat: 51.507, lng: -0.127, accuracy_m: 5 });
      assert.match(
        data.answers['s-dm02']!.photos[0]!.url,
        new RegExp(`^${t.config.publicUrl}/media/runs/${runId}/s-dm02/${media.damage}\\.jpg\\?exp=\\d+&sig=`),
      );
      assert.match(
        String(data.answers['s-sg01']!.answer),
        new RegExp(`/media/runs/${runId}/s-sg01/${media.signature}\\.png\\?exp=`),
      );
      assert.deepEqual(data.answers['s-sg01']!.photos, []);
      assert.equal(data.answers['s-in01']!.answer, null);

      const again = await t.x('POST', `/x/runs/${runId}/submit`, { request_id: 'submit-2' });
      assert.equal(again.statusCode, 200);
      assert.equal(asWrite(again).status, 'completed');
      assert.equal(asWrite(again).duration_seconds, 612);
      assert.equal((await t.eventTypes(runId)).length, 12, 'submitting again fires nothing');

      const doc = asView(await t.x('GET', `/x/runs/${runId}`));
      assert.equal(doc.status, 'completed');
      assert.equal(doc.last_step_id, 's-sg01');
      assert.equal(doc.answers['s-sg01']!.answer, media.signature);
      assert.equal(doc.answers['s-sg01']!.media[0]!.media_id, media.signature);
      assert.equal(doc.answers['s-ph01']!.media[0]!.media_id, media.dashboard);
      assert.match(doc.answers['s-ph01']!.media[0]!.thumbnail_url, /\.thumb\.jpg\?exp=/);
    });

    it('writes step.completed with the seed data: label, type, thumbnails as JPEG data URLs, geo, progress', async () => {
      const runId = await t.dispatch(templateId);
      await t.x('POST', `/x/runs/${runId}/start`, {});
      const upload = await t.upload(runId, 's-dm02', await makeJpeg(1600, 1200));
      const mediaId = asMedia(upload).media_id;
      const geo = { lat: 51.507, lng: -0.127, accuracy_m: 5 };
      const response = await t.x('PUT', `/x/runs/${runId}/steps/s-dm02`, {
        answer: ['o-dm1', 'o-dm3'],
        media_ids: [mediaId],
        geo,
        request_id: 'a-1',
      });
      assert.equal(response.statusCode, 200, response.body);
      assert.deepEqual(response.json(), {
        step_id: 's-dm02',
        status: 'answered',
        progress: { total: 11, answered: 1, skipped: 0 },
        replayed: false,
      });
      const [event] = await t.events(runId);
      const data = (event!.envelope as { data: Record<string, unknown> }).data;
      assert.deepEqual(Object.keys(data).sort(), [
        'answer',
        'executor_ref',
        'geo',
        'photos',
        'progress',
        'step_id',
        'step_label',
        'step_type',
      ]);
      assert.equal(data.step_label, 'Damage type');
      assert.equal(data.step_type, 'multi_choice');
      assert.deepEqual(data.answer, ['o-dm1', 'o-dm3']);
      assert.deepEqual(data.geo, geo);
      const photos = data.photos as { photo_index: number; preview: string; width: number; height: number }[];
      assert.equal(photos.length, 1);
      assert.equal(photos[0]!.photo_index, 0);
      assert.match(photos[0]!.preview, /^data:image\/jpeg;base64,\/9j\//);
      assert.deepEqual([photos[0]!.width, photos[0]!.height], [320, 240]);
    });

    it('fires again when a step is re-answered, and nothing for a retried request id', async () => {
      const runId = await t.dispatch(templateId);
      await t.x('POST', `/x/runs/${runId}/start`, {});
      const put = (answer: unknown, requestId: string) =>
        t.x('PUT', `/x/runs/${runId}/steps/s-od01`, {
          answer,
          media_ids: [],
          geo: null,
          request_id: requestId,
        });
      assert.equal((await put(100, 'r-1')).statusCode, 200);
      const retry = await put(100, 'r-1');
      assert.equal(retry.statusCode, 200);
      assert.equal(asWrite(retry).replayed, true);
      assert.deepEqual(await t.eventTypes(runId), ['step.completed']);
      assert.equal((await put(200, 'r-2')).statusCode, 200);
      assert.deepEqual(await t.eventTypes(runId), ['step.completed', 'step.completed']);
      const events = await t.events(runId);
      assert.equal((events[1]!.envelope as { data: { answer: number } }).data.answer, 200);
      assert.equal(asView(await t.x('GET', `/x/runs/${runId}`)).answers['s-od01']!.answer, 200);
    });

    it('records one answer and one event when the same write arrives five times at once', async () => {
      const runId = await t.dispatch(templateId);
      await t.x('POST', `/x/runs/${runId}/start`, {});
      const bytes = await makeJpeg(200, 150);
      const uploads = await Promise.all(
        Array.from({ length: 5 }, () => t.upload(runId, 's-ph01', bytes, { requestId: 'same-upload' })),
      );
      assert.deepEqual(new Set(uploads.map((r) => r.statusCode)), new Set([201]));
      const ids = new Set(uploads.map((r) => asMedia(r).media_id));
      assert.equal(ids.size, 1);
      const body = { answer: null, media_ids: [...ids], request_id: 'same-put' };
      const puts = await Promise.all(
        Array.from({ length: 5 }, () => t.x('PUT', `/x/runs/${runId}/steps/s-ph01`, body)),
      );
      assert.deepEqual(new Set(puts.map((r) => r.statusCode)), new Set([200]));
      assert.equal(puts.filter((r) => !asWrite(r).replayed).length, 1);
      assert.deepEqual(await t.eventTypes(runId), ['step.completed']);
      const media = await t.database.db
        .selectFrom('media')
        .select('id')
        .where('run_id', '=', runId)
        .execute();
      assert.equal(media.length, 1);
    });

    it('skips non-required steps once per request id and refuses to skip required ones', async () => {
      const runId = await t.dispatch(templateId);
      await t.x('POST', `/x/runs/${runId}/start`, {});
      const skip = await t.x('POST', `/x/runs/${runId}/steps/s-nt01/skip`, { request_id: 'skip-1' });
      assert.equal(skip.statusCode, 200, skip.body);
      assert.deepEqual(asWrite(skip).progress, { total: 11, answered: 0, skipped: 1 });
      assert.equal(
        (await t.x('POST', `/x/runs/${runId}/steps/s-nt01/skip`, { request_id: 'skip-1' })).statusCode,
        200,
      );
      assert.equal(
        (await t.x('POST', `/x/runs/${runId}/steps/s-nt01/skip`, { request_id: 'skip-2' })).statusCode,
        200,
      );
      const required = await t.x('POST', `/x/runs/${runId}/steps/s-od01/skip`, { request_id: 'skip-3' });
      assert.equal(required.statusCode, 409);
      assert.equal(ruleOf(required), 'required');
      const events = await t.events(runId);
      assert.deepEqual(
        events.map((e) => e.type),
        ['step.skipped'],
      );
      assert.deepEqual((events[0]!.envelope as { data: object }).data, {
        executor_ref: null,
        step_id: 's-nt01',
        step_label: 'Additional notes',
        step_type: 'text',
        progress: { total: 11, answered: 0, skipped: 1 },
      });
      assert.equal(asView(await t.x('GET', `/x/runs/${runId}`)).answers['s-nt01']!.status, 'skipped');
    });

    it('refuses skipping when the template does not allow it', async () => {
      const noSkip = await t.createTemplate({
        name: 'No skip',
        steps: [{ id: 's-a', type: 'text', label: 'Notes' }],
      });
      const runId = await t.dispatch(noSkip);
      await t.x('POST', `/x/runs/${runId}/start`, {});
      const response = await t.x('POST', `/x/runs/${runId}/steps/s-a/skip`, {});
      assert.equal(response.statusCode, 409);
      assert.equal(ruleOf(response), 'skip_not_allowed');
      assert.deepEqual(await t.eventTypes(runId), []);
    });
  });
}
