import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testDatabaseKinds } from '../helpers/database.js';
import { LOGIC_TEMPLATE } from '../helpers/logic-template.js';
import {
  asMedia,
  asProblem,
  asView,
  createExecutorTestApp,
  makeJpeg,
  ruleOf,
  type ExecutorTestApp,
  type Progress,
} from './helpers.js';

for (const kind of testDatabaseKinds()) {
  describe(`conditional logic on ${kind}`, () => {
    let t: ExecutorTestApp;
    let templateId: string;
    before(async () => {
      t = await createExecutorTestApp(kind);
      templateId = await t.createTemplate(LOGIC_TEMPLATE);
    });
    after(() => t.close());

    async function startRun() {
      const runId = await t.dispatch(templateId);
      await t.x('POST', `/x/runs/${runId}/start`, {});
      return runId;
    }
    const put = (runId: string, stepId: string, body: object) =>
      t.x('PUT', `/x/runs/${runId}/steps/${stepId}`, body);
    async function answer(runId: string, stepId: string, body: object) {
      const response = await put(runId, stepId, body);
      assert.equal(response.statusCode, 200, `${stepId}: ${response.body}`);
      return response.json<{ progress: Progress }>();
    }
    async function photo(runId: string, stepId: string) {
      return asMedia(await t.upload(runId, stepId, await makeJpeg(64, 48))).media_id;
    }
    const eventData = async (runId: string) =>
      (await t.events(runId)).map((e) => ({
        type: e.type,
        data: e.envelope.data as Record<string, unknown>,
      }));

    it('stores the conditions with the template and snapshots them into the run', async () => {
      const read = await t.api({ method: 'GET', url: `/v1/templates/${templateId}` });
      const steps = read.json<{ steps: Record<string, unknown>[] }>().steps;
      assert.deepEqual(steps[2]!.visible_if, { step: 's-dm01', equals: true });
      assert.deepEqual(steps[1]!.photos, { min: 0, max: 5, required_if: { step: 's-dm01', equals: true } });
      const runId = await t.dispatch(templateId);
      const run = await t.api({ method: 'GET', url: `/v1/runs/${runId}` });
      assert.deepEqual(run.json().template.steps[3].required_if, { step: 's-od01', gt: 100000 });
    });

    it('refuses a template with a broken condition: 422 naming step, field and rule, nothing stored', async () => {
      const count = () =>
        t.database.db
          .selectFrom('templates')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .executeTakeFirstOrThrow();
      const before = await count();
      const steps = LOGIC_TEMPLATE.steps.map((s) =>
        s.id === 's-dm02' ? { ...s, visible_if: { step: 's-nt01', equals: 'x' } } : s,
      );
      const response = await t.api({
        method: 'POST',
        url: '/v1/templates',
        payload: { ...LOGIC_TEMPLATE, steps },
      });
      assert.equal(response.statusCode, 422, response.body);
      const problem = asProblem(response);
      assert.deepEqual(problem.errors, [
        {
          pointer: '/steps/2/visible_if/step',
          rule: 'condition_later_step',
          message:
            'Step s-dm02: visible_if refers to s-nt01, a later step; a condition may refer only to earlier steps',
          step_id: 's-dm02',
          field: 'visible_if',
        },
      ]);
      assert.deepEqual(await count(), before);
      const update = await t.api({
        method: 'PUT',
        url: `/v1/templates/${templateId}`,
        payload: { ...LOGIC_TEMPLATE, steps },
      });
      assert.equal(update.statusCode, 422);
    });

    it('answers 409 naming the condition for an answer or skip of a hidden step, and writes nothing', async () => {
      const runId = await startRun();
      const hidden = await put(runId, 's-dm02', { answer: ['o-dent'] });
      assert.equal(hidden.statusCode, 409, hidden.body);
      const problem = asProblem(hidden);
      assert.equal(
        problem.detail,
        'Step s-dm02 (Damage type) is hidden: it is shown only when “Any pre-existing damage?” is Yes.',
      );
      assert.deepEqual(problem.errors, [
        {
          pointer: '',
          rule: 'step_hidden',
          message: problem.detail,
          step_id: 's-dm02',
          field: 'visible_if',
          condition: { step: 's-dm01', equals: true },
        },
      ]);
      await answer(runId, 's-dm01', { answer: false });
      const skip = await t.x('POST', `/x/runs/${runId}/steps/s-dm02/skip`, {});
      assert.equal(skip.statusCode, 409);
      assert.equal(ruleOf(skip), 'step_hidden');
      assert.equal(ruleOf(await put(runId, 's-gl01', { answer: 'left' })), 'step_hidden');
      assert.deepEqual(await t.eventTypes(runId), ['step.completed']);
    });

    it('counts only visible steps in progress.total of every event, re-evaluating as answers change', async () => {
      const runId = await startRun();
      assert.deepEqual(asView(await t.x('GET', `/x/runs/${runId}`)).progress, {
        total: 3,
        answered: 0,
        skipped: 0,
      });
      await answer(runId, 's-od01', { answer: 1200 });
      const dent = await photo(runId, 's-dm01');
      await answer(runId, 's-dm01', { answer: true, media_ids: [dent] });
      await answer(runId, 's-dm02', { answer: ['o-glass'] });
      await answer(runId, 's-gl01', { answer: 'Rear left' });
      await answer(runId, 's-dm01', { answer: false });
      await t.x('POST', `/x/runs/${runId}/steps/s-nt01/skip`, {});
      const submitted = await t.x('POST', `/x/runs/${runId}/submit`, {});
      assert.equal(submitted.statusCode, 200, submitted.body);
      const events = await eventData(runId);
      assert.deepEqual(
        events.map((e) => [e.type, e.data.step_id ?? null, e.data.progress]),
        [
          ['step.completed', 's-od01', { total: 3, answered: 1, skipped: 0 }],
          ['step.completed', 's-dm01', { total: 4, answered: 2, skipped: 0 }],
          ['step.completed', 's-dm02', { total: 5, answered: 3, skipped: 0 }],
          ['step.completed', 's-gl01', { total: 5, answered: 4, skipped: 0 }],
          ['step.completed', 's-dm01', { total: 3, answered: 2, skipped: 0 }],
          ['step.skipped', 's-nt01', { total: 3, answered: 2, skipped: 1 }],
          ['run.completed', null, { total: 3, answered: 2, skipped: 1 }],
        ],
      );
    });

    it('submits without a hidden required step, and requires it once it shows', async () => {
      const runId = await startRun();
      await answer(runId, 's-od01', { answer: 1200 });
      await answer(runId, 's-dm01', { answer: true, media_ids: [await photo(runId, 's-dm01')] });
      const refused = await t.x('POST', `/x/runs/${runId}/submit`, {});
      assert.equal(refused.statusCode, 422);
      assert.deepEqual(
        asProblem(refused).errors!.map((e) => [e.step_id, e.rule]),
        [['s-dm02', 'required']],
      );
      await answer(runId, 's-dm01', { answer: false });
      const submitted = await t.x('POST', `/x/runs/${runId}/submit`, {});
      assert.equal(submitted.statusCode, 200, submitted.body);
    });

    it('enforces photos.required_if at answer time and again at submit, listing each missing step', async () => {
      const runId = await startRun();
      const noPhoto = await put(runId, 's-dm01', { answer: true });
      assert.equal(noPhoto.statusCode, 422, 'the condition looks at this very answer');
      assert.equal(ruleOf(noPhoto), 'min_photos');
      await answer(runId, 's-od01', { answer: 1200 });
      await answer(runId, 's-dm01', { answer: true, media_ids: [await photo(runId, 's-dm01')] });
      await answer(runId, 's-dm02', { answer: ['o-glass'] });
      await answer(runId, 's-nt01', { answer: 'Fine otherwise' });
      // A high reading, given afterwards, makes "Which window?" required and a photo of the notes needed.
      await answer(runId, 's-od01', { answer: 150000 });
      const refused = await t.x('POST', `/x/runs/${runId}/submit`, {});
      assert.equal(refused.statusCode, 422, refused.body);
      const errors = asProblem(refused).errors!;
      assert.deepEqual(
        errors.map((e) => [e.step_id, e.rule, (e as { field?: string }).field]),
        [
          ['s-gl01', 'required', 'required_if'],
          ['s-nt01', 'min_photos', 'photos.required_if'],
        ],
      );
      assert.equal(
        errors[1]!.message,
        'Step s-nt01 (Notes) needs at least 1 photo(s) because “Odometer reading” is more than 100000; it has 0.',
      );
      await answer(runId, 's-gl01', { answer: 'Windscreen' });
      await answer(runId, 's-nt01', { answer: 'Fine otherwise', media_ids: [await photo(runId, 's-nt01')] });
      assert.equal((await t.x('POST', `/x/runs/${runId}/submit`, {})).statusCode, 200);
    });

    it('leaves the answers of steps hidden at submit out of run.completed and GET /v1/runs/:id, marking them hidden', async () => {
      const runId = await startRun();
      await answer(runId, 's-od01', { answer: 1200 });
      await answer(runId, 's-dm01', { answer: true, media_ids: [await photo(runId, 's-dm01')] });
      await answer(runId, 's-dm02', { answer: ['o-glass'] });
      await answer(runId, 's-gl01', { answer: 'Rear left' });
      await answer(runId, 's-dm01', { answer: false });
      const open = asView(await t.x('GET', `/x/runs/${runId}`)) as ReturnType<typeof asView> & {
        hidden_steps: string[];
        required_steps: string[];
      };
      assert.deepEqual(open.hidden_steps, ['s-dm02', 's-gl01']);
      assert.deepEqual(open.required_steps, ['s-od01', 's-dm01']);
      assert.deepEqual(open.answers['s-dm02']!.answer, ['o-glass'], 'the app keeps what was given');
      assert.equal((await t.x('POST', `/x/runs/${runId}/submit`, {})).statusCode, 200);

      const completed = (await eventData(runId)).at(-1)!;
      assert.equal(completed.type, 'run.completed');
      assert.deepEqual(Object.keys(completed.data.answers as object), ['s-od01', 's-dm01']);
      assert.deepEqual(completed.data.hidden_steps, ['s-dm02', 's-gl01']);
      const sent = (await eventData(runId)).filter((e) => e.data.step_id === 's-dm02');
      assert.equal(sent.length, 1, 'the step.completed already sent stands');

      const doc = (await t.api({ method: 'GET', url: `/v1/runs/${runId}` })).json();
      assert.deepEqual(Object.keys(doc.answers), ['s-od01', 's-dm01']);
      assert.deepEqual(doc.hidden_steps, ['s-dm02', 's-gl01']);
      assert.deepEqual(doc.progress, { total: 3, answered: 2, skipped: 0 });
      assert.equal(doc.answers['s-dm01'].answer, false);
    });

    it('counts an answer again when its step shows again', async () => {
      const runId = await startRun();
      await answer(runId, 's-dm01', { answer: true, media_ids: [await photo(runId, 's-dm01')] });
      await answer(runId, 's-dm02', { answer: ['o-dent'] });
      assert.deepEqual((await answer(runId, 's-dm01', { answer: false })).progress, {
        total: 3,
        answered: 1,
        skipped: 0,
      });
      const photoId = await photo(runId, 's-dm01');
      assert.deepEqual((await answer(runId, 's-dm01', { answer: true, media_ids: [photoId] })).progress, {
        total: 4,
        answered: 2,
        skipped: 0,
      });
      const doc = (await t.api({ method: 'GET', url: `/v1/runs/${runId}` })).json();
      assert.deepEqual(doc.answers['s-dm02'].answer, ['o-dent']);
      assert.deepEqual(doc.hidden_steps, ['s-gl01'], 'no glass chosen, so no window to name');
    });

    it('leaves hidden answers out of run.cancelled too', async () => {
      const runId = await startRun();
      await answer(runId, 's-dm01', { answer: true, media_ids: [await photo(runId, 's-dm01')] });
      await answer(runId, 's-dm02', { answer: ['o-dent'] });
      await answer(runId, 's-dm01', { answer: false });
      assert.equal((await t.x('POST', `/x/runs/${runId}/cancel`, {})).statusCode, 200);
      const cancelled = (await eventData(runId)).at(-1)!;
      assert.equal(cancelled.type, 'run.cancelled');
      assert.deepEqual(Object.keys(cancelled.data.answers_so_far as object), ['s-dm01']);
      assert.deepEqual(cancelled.data.hidden_steps, ['s-dm02', 's-gl01']);
      assert.deepEqual(cancelled.data.progress, { total: 3, answered: 1, skipped: 0 });
    });
  });
}
