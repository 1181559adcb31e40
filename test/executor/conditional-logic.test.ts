import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testDatabaseKinds } from '../helpers/database.js';
import { asProblem, createExecutorTestApp, type ExecutorTestApp } from './helpers.js';

/** A return inspection with a branch: damage → damage type (+ photo), a glass follow-up, a photo on a high reading. */
export const LOGIC_TEMPLATE = {
  name: 'Return with logic',
  settings: { allow_skip: true, identity: 'anonymous', geo: 'off' },
  steps: [
    { id: 's-od01', type: 'number', label: 'Odometer reading', required: true, min: 0, unit: 'km' },
    {
      id: 's-dm01',
      type: 'boolean',
      label: 'Any pre-existing damage?',
      required: true,
      photos: { min: 0, max: 5, required_if: { step: 's-dm01', equals: true } },
    },
    {
      id: 's-dm02',
      type: 'multi_choice',
      label: 'Damage type',
      required: true,
      options: [
        { id: 'o-dent', label: 'Dent' },
        { id: 'o-glass', label: 'Broken glass' },
      ],
      visible_if: { step: 's-dm01', equals: true },
    },
    {
      id: 's-gl01',
      type: 'text',
      label: 'Which window?',
      visible_if: { step: 's-dm02', includes: 'o-glass' },
      required_if: { step: 's-od01', gt: 100000 },
    },
    { id: 's-nt01', type: 'text', label: 'Notes' },
  ],
};

for (const kind of testDatabaseKinds()) {
  describe(`conditional logic on ${kind}`, () => {
    let t: ExecutorTestApp;
    let templateId: string;
    before(async () => {
      t = await createExecutorTestApp(kind);
      templateId = await t.createTemplate(LOGIC_TEMPLATE);
    });
    after(() => t.close());

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
  });
}
