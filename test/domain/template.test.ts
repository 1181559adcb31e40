import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '../../src/domain/errors.js';
import { parseTemplate } from '../../src/domain/template.js';
import { EVERY_STEP_TEMPLATE } from '../helpers/app.js';

function templateErrors(input: unknown) {
  try {
    parseTemplate(input);
  } catch (error) {
    assert.ok(error instanceof DomainError);
    assert.equal(error.code, 'invalid_template');
    return error.errors;
  }
  assert.fail('the template was accepted');
}

describe('parseTemplate', () => {
  it('accepts every step type and fills in defaults', () => {
    const template = parseTemplate(EVERY_STEP_TEMPLATE);
    assert.equal(template.steps.length, 11);
    assert.deepEqual(template.settings, { allow_skip: true, identity: 'anonymous', geo: 'per_step' });
    const byId = Object.fromEntries(template.steps.map((s) => [s.id, s]));
    assert.deepEqual(byId['s-ph01']!.photos, { min: 1, max: 10 }, 'a photo step needs one photo by default');
    assert.deepEqual(byId['s-dm02']!.photos, { min: 1, max: 5 });
    assert.equal(byId['s-dm02']!.required, false, 'required defaults to false');
    assert.equal(byId['s-dt01']!.mode, 'date');
  });

  it('defaults settings and generates step and option ids that match the id pattern', () => {
    const template = parseTemplate({
      name: 'Clean',
      steps: [
        { type: 'choice', label: 'Pick', options: [{ label: 'A' }, { id: 'o-b', label: 'B' }] },
        { type: 'rating', label: 'Rate' },
      ],
    });
    assert.deepEqual(template.settings, { allow_skip: false, identity: 'anonymous', geo: 'off' });
    assert.match(template.steps[0]!.id, /^s-[a-z0-9_-]{1,40}$/);
    assert.match(template.steps[0]!.options![0]!.id, /^o-[a-z0-9_-]{1,40}$/);
    assert.equal(template.steps[0]!.options![1]!.id, 'o-b');
    assert.equal(template.steps[1]!.max, 5);
  });

  it('names the step and the rule for each broken step', () => {
    const errors = templateErrors({
      name: 'Broken',
      steps: [
        { id: 's-a', type: 'choice', label: 'No options', options: [] },
        { id: 's-b', type: 'number', label: 'Bounds', min: 10, max: 1 },
        { id: 's-c', type: 'teleport', label: 'Unknown type' },
        { id: 's-d', type: 'boolean', label: 'Photos', photos: { min: 5, max: 2 } },
        { id: 's-a', type: 'text', label: 'Duplicate id' },
        { id: 'S-Bad', type: 'text', label: 'Bad id' },
        {
          id: 's-e',
          type: 'choice',
          label: 'Dup option',
          options: [
            { id: 'o-1', label: 'x' },
            { id: 'o-1', label: 'y' },
          ],
        },
        { id: 's-f', type: 'text', label: 'Unknown field', colour: 'red' },
        { id: 's-g', type: 'rating', label: 'Rating', max: 50 },
      ],
    });
    const rules = errors.map((e) => `${e.step_id ?? e.pointer}:${e.rule}`);
    assert.deepEqual(rules, [
      's-a:min_items',
      's-b:number_bounds',
      's-c:step_type',
      's-d:photo_bounds',
      's-a:duplicate_step_id',
      'S-Bad:id_pattern',
      's-e:duplicate_option_id',
      's-f:unknown_field',
      's-g:maximum',
    ]);
    assert.ok(
      errors.every((e) => e.message.startsWith('Step ')),
      'each message names its step',
    );
  });

  it('refuses templates without steps, over 500 steps, or with unknown top-level fields', () => {
    assert.equal(templateErrors({ name: 'Empty', steps: [] })[0]!.rule, 'min_items');
    const many = Array.from({ length: 501 }, (_, i) => ({ type: 'boolean', label: `Q${i}` }));
    assert.equal(templateErrors({ name: 'Huge', steps: many })[0]!.rule, 'max_items');
    assert.equal(
      templateErrors({ name: 'X', steps: [{ type: 'boolean', label: 'a' }], extra: 1 })[0]!.rule,
      'unknown_field',
    );
    assert.equal(templateErrors({ steps: [{ type: 'boolean', label: 'a' }] })[0]!.rule, 'required_field');
    assert.equal(templateErrors([1, 2])[0]!.rule, 'type');
  });

  it('accepts exactly 500 steps', () => {
    const steps = Array.from({ length: 500 }, (_, i) => ({ type: 'boolean', label: `Q${i}` }));
    assert.equal(parseTemplate({ name: 'Max', steps }).steps.length, 500);
  });
});
