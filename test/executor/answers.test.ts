import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testDatabaseKinds } from '../helpers/database.js';
import {
  createExecutorTestApp,
  makeJpeg,
  makePng,
  type ExecutorTestApp,
  asProblem,
  asView,
  ruleOf,
} from './helpers.js';

const RULES_TEMPLATE = {
  name: 'Rules',
  settings: { geo: 'per_step' },
  steps: [
    { id: 's-bool', type: 'boolean', label: 'Bool', required: true },
    {
      id: 's-choice',
      type: 'choice',
      label: 'Choice',
      options: [
        { id: 'o-a', label: 'A' },
        { id: 'o-b', label: 'B' },
      ],
    },
    {
      id: 's-multi',
      type: 'multi_choice',
      label: 'Multi',
      min_selected: 1,
      max_selected: 2,
      options: [
        { id: 'o-1', label: '1' },
        { id: 'o-2', label: '2' },
        { id: 'o-3', label: '3' },
      ],
    },
    { id: 's-text', type: 'text', label: 'Text', required: true, max_length: 10 },
    { id: 's-num', type: 'number', label: 'Num', min: 0, max: 100, integer: true },
    { id: 's-rate', type: 'rating', label: 'Rate', max: 3 },
    { id: 's-photo', type: 'photo', label: 'Photo', photos: { min: 2, max: 3 } },
    { id: 's-sig', type: 'signature', label: 'Sign' },
    { id: 's-sigp', type: 'signature', label: 'Sign with photo', photos: { min: 0, max: 2 } },
    { id: 's-code', type: 'barcode', label: 'Code' },
    { id: 's-date', type: 'datetime', label: 'Date', mode: 'date' },
    { id: 's-dt', type: 'datetime', label: 'When', mode: 'datetime' },
    { id: 's-info', type: 'instruction', label: 'Read this' },
  ],
};

for (const kind of testDatabaseKinds()) {
  describe(`executor answer validation on ${kind}`, () => {
    let t: ExecutorTestApp;
    let runId: string;
    let otherRunId: string;
    before(async () => {
      t = await createExecutorTestApp(kind);
      const templateId = await t.createTemplate(RULES_TEMPLATE);
      runId = await t.dispatch(templateId);
      otherRunId = await t.dispatch(templateId);
      await t.x('POST', `/x/runs/${runId}/start`, {});
      await t.x('POST', `/x/runs/${otherRunId}/start`, {});
    });
    after(() => t.close());

    const put = (stepId: string, body: object) => t.x('PUT', `/x/runs/${runId}/steps/${stepId}`, body);
    const upload = async (stepId: string, png = false, run = runId) =>
      (
        await t.upload(run, stepId, png ? await makePng() : await makeJpeg(64, 48), {
          type: png ? 'image/png' : 'image/jpeg',
        })
      ).json<{
        media_id: string;
      }>().media_id;

    async function assertRefused(stepId: string, body: object, rule: string) {
      const response = await put(stepId, body);
      assert.equal(response.statusCode, 422, `${stepId} ${JSON.stringify(body)}: ${response.body}`);
      assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
      const problem = asProblem(response);
      assert.equal(problem.title, 'Invalid answer');
      const rules = problem.errors!.map((e) => e.rule);
      assert.ok(rules.includes(rule), `${stepId}: expected rule ${rule}, got ${rules.join(', ')}`);
      assert.ok(problem.errors!.every((e) => e.step_id === stepId));
      assert.match(problem.detail, new RegExp(stepId));
    }

    it('refuses wrong types for every step type, naming the step and the rule', async () => {
      const cases: [string, unknown, string][] = [
        ['s-bool', 'yes', 'type'],
        ['s-bool', null, 'type'],
        ['s-choice', ['o-a'], 'type'],
        ['s-multi', 'o-1', 'type'],
        ['s-text', 42, 'type'],
        ['s-num', '42', 'type'],
        ['s-rate', 2.5, 'type'],
        ['s-code', 123, 'type'],
        ['s-date', 20260510, 'date_format'],
        ['s-photo', 'a photo', 'must_be_null'],
        ['s-info', true, 'must_be_null'],
        ['s-sig', 7, 'type'],
      ];
      for (const [stepId, answer, rule] of cases) await assertRefused(stepId, { answer }, rule);
    });

    it('refuses unknown options and selections outside min/max_selected', async () => {
      await assertRefused('s-choice', { answer: 'o-zz' }, 'unknown_option');
      await assertRefused('s-multi', { answer: ['o-1', 'o-zz'] }, 'unknown_option');
      await assertRefused('s-multi', { answer: [] }, 'min_selected');
      await assertRefused('s-multi', { answer: ['o-1', 'o-2', 'o-3'] }, 'max_selected');
      await assertRefused('s-multi', { answer: ['o-1', 'o-1'] }, 'duplicate_option');
    });

    it('refuses numbers, ratings and text outside their bounds', async () => {
      await assertRefused('s-num', { answer: -1 }, 'minimum');
      await assertRefused('s-num', { answer: 101 }, 'maximum');
      await assertRefused('s-num', { answer: 1.5 }, 'integer');
      await assertRefused('s-rate', { answer: 0 }, 'rating_range');
      await assertRefused('s-rate', { answer: 4 }, 'rating_range');
      await assertRefused('s-text', { answer: 'x'.repeat(11) }, 'max_length');
      await assertRefused('s-text', { answer: '   ' }, 'required');
      await assertRefused('s-code', { answer: '' }, 'required');
    });

    it('checks dates per mode: calendar dates, and date-times with a zone', async () => {
      await assertRefused('s-date', { answer: '2026-02-30' }, 'date_format');
      await assertRefused('s-date', { answer: '2026-05-10T14:00:00Z' }, 'date_format');
      await assertRefused('s-dt', { answer: '2026-05-10' }, 'datetime_format');
      await assertRefused('s-dt', { answer: '2026-05-10T14:00:00' }, 'datetime_format');
      assert.equal((await put('s-date', { answer: '2024-02-29' })).statusCode, 200);
      assert.equal((await put('s-dt', { answer: '2026-05-10T14:00:00Z' })).statusCode, 200);
      assert.equal((await put('s-dt', { answer: '2026-05-10T14:00+02:00' })).statusCode, 200);
    });

    it('counts photos against the overlay: too few, too many, duplicates, and media of another run', async () => {
      const [a, b, c, d] = [
        await upload('s-photo'),
        await upload('s-photo'),
        await upload('s-photo'),
        await upload('s-photo'),
      ];
      await assertRefused('s-photo', { answer: null, media_ids: [a] }, 'min_photos');
      await assertRefused('s-photo', { answer: null, media_ids: [a, b, c, d] }, 'max_photos');
      await assertRefused('s-photo', { answer: null, media_ids: [a, a] }, 'duplicate_media');
      const foreign = await upload('s-photo', false, otherRunId);
      await assertRefused('s-photo', { answer: null, media_ids: [a, foreign] }, 'unknown_media');
      const otherStep = await upload('s-sigp');
      await assertRefused('s-photo', { answer: null, media_ids: [a, otherStep] }, 'unknown_media');
      await assertRefused('s-bool', { answer: true, media_ids: [a] }, 'max_photos');
      assert.equal((await put('s-photo', { answer: null, media_ids: [a, b] })).statusCode, 200);
    });

    it('takes a signature only as a PNG media id uploaded to the same step of the same run', async () => {
      const jpegOnSigStep = await upload('s-sigp');
      await assertRefused('s-sigp', { answer: jpegOnSigStep }, 'signature_png');
      await assertRefused('s-sig', { answer: 'med-00000000-0000-4000-8000-000000000000' }, 'unknown_media');
      const otherRunSig = await upload('s-sig', true, otherRunId);
      await assertRefused('s-sig', { answer: otherRunSig }, 'unknown_media');
      const signature = await upload('s-sig', true);
      const ok = await put('s-sig', { answer: signature, media_ids: [signature] });
      assert.equal(ok.statusCode, 200, ok.body);
      const events = await t.events(runId);
      const data = (events.at(-1)!.envelope as { data: { answer: string; photos: unknown[] } }).data;
      assert.match(data.answer, new RegExp(`/media/runs/${runId}/s-sig/${signature}\\.png\\?exp=`));
      assert.deepEqual(data.photos, [], 'the signature is the answer, not a photo');
    });

    it('checks geo: latitude, longitude and accuracy ranges, no other fields', async () => {
      await assertRefused('s-bool', { answer: true, geo: { lat: 91, lng: 0, accuracy_m: 1 } }, 'geo');
      await assertRefused('s-bool', { answer: true, geo: { lat: 0, lng: -181, accuracy_m: 1 } }, 'geo');
      await assertRefused('s-bool', { answer: true, geo: { lat: 0, lng: 0, accuracy_m: -1 } }, 'geo');
      await assertRefused('s-bool', { answer: true, geo: { lat: 0, lng: 0, accuracy_m: 1, alt: 3 } }, 'geo');
      await assertRefused('s-bool', { answer: true, geo: [1, 2] }, 'geo');
      const ok = await put('s-bool', { answer: true, geo: { lat: -33.9, lng: 151.2, accuracy_m: 12.5 } });
      assert.equal(ok.statusCode, 200);
      const doc = asView(await t.x('GET', `/x/runs/${runId}`));
      assert.deepEqual(doc.answers['s-bool']!.geo, { lat: -33.9, lng: 151.2, accuracy_m: 12.5 });
    });

    it('answers 400 for malformed JSON, unknown fields and bad request ids, writing nothing', async () => {
      const before = (await t.events(runId)).length;
      const malformed = await t.app.inject({
        method: 'PUT',
        url: `/x/runs/${runId}/steps/s-bool`,
        headers: { 'content-type': 'application/json' },
        payload: '{"answer": tru',
      });
      assert.equal(malformed.statusCode, 400);
      assert.equal(malformed.headers['content-type'], 'application/problem+json; charset=utf-8');
      const unknown = await put('s-bool', { answer: true, extra: 1 });
      assert.equal(unknown.statusCode, 400);
      assert.equal(ruleOf(unknown), 'unknown_field');
      assert.equal((await put('s-bool', { answer: true, request_id: 'has space' })).statusCode, 400);
      assert.equal((await put('s-bool', { answer: true, media_ids: 'm' })).statusCode, 400);
      assert.equal((await t.events(runId)).length, before);
    });

    it('drops geo when the template does not ask for positions', async () => {
      const templateId = await t.createTemplate({
        name: 'No geo',
        steps: [{ id: 's-x', type: 'boolean', label: 'X' }],
      });
      const run = await t.dispatch(templateId);
      await t.x('POST', `/x/runs/${run}/start`, {});
      await t.x('PUT', `/x/runs/${run}/steps/s-x`, { answer: false, geo: { lat: 1, lng: 2, accuracy_m: 3 } });
      const [event] = await t.events(run);
      assert.equal((event!.envelope as { data: { geo: unknown } }).data.geo, null);
      assert.equal(asView(await t.x('GET', `/x/runs/${run}`)).answers['s-x']!.geo, null);
    });
  });
}
