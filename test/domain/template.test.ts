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

  it('says in words what each field accepts, at the pointer the editor shows it', () => {
    const errors = templateErrors({
      name: '',
      settings: { identity: 'nobody', geo: 1 },
      steps: [
        { id: 's-r', type: 'rating', label: 'Rate', max: 50 },
        { id: 's-d', type: 'datetime', label: 'When', mode: 'time' },
        { id: 's-t', type: 'text', label: 'Notes', colour: 'red', size: 2 },
        { id: 's-p', type: 'boolean', label: 'Photos', photos: { min: -1, max: 5, extra: true } },
        { id: 's-c', type: 'choice', label: '', options: [{ id: 'bad', label: 'A' }, { label: 3 }] },
        { type: 'teleport', label: 'Beam me up' },
        { id: 's-n', type: 'number', required: 'yes' },
      ],
    });
    assert.deepEqual(
      errors.map((e) => [e.pointer, e.rule, e.message]),
      [
        ['/name', 'min_length', 'name must be from 1 to 200 characters long'],
        ['/settings/identity', 'value', 'settings.identity must be one of "anonymous", "external", "member"'],
        ['/settings/geo', 'value', 'settings.geo must be one of "off", "per_step"'],
        ['/steps/0/max', 'maximum', 'Step s-r: max must be an integer from 2 to 10'],
        ['/steps/1/mode', 'value', 'Step s-d: mode must be one of "date", "datetime"'],
        [
          '/steps/2',
          'unknown_field',
          'Step s-t: colour, size are not fields here; known fields: type, id, label, description, ' +
            'required, photos, visible_if, required_if, multiline, max_length',
        ],
        [
          '/steps/3/photos',
          'unknown_field',
          'Step s-p: photos.extra is not a field here; known fields: min, max, required_if',
        ],
        ['/steps/3/photos/min', 'minimum', 'Step s-p: photos.min must be an integer from 0 to 20'],
        ['/steps/4/label', 'min_length', 'Step s-c: label must be from 1 to 500 characters long'],
        [
          '/steps/4/options/0/id',
          'id_pattern',
          'Step s-c: options[0].id must match the pattern ^o-[a-z0-9_-]{1,40}$',
        ],
        ['/steps/4/options/1/label', 'type', 'Step s-c: options[1].label must be a string'],
        [
          '/steps/5/type',
          'step_type',
          'Step 6: type must be one of boolean, choice, multi_choice, text, number, rating, photo, ' +
            'signature, barcode, datetime, instruction',
        ],
        ['/steps/6', 'required_field', 'Step s-n: label is required'],
        ['/steps/6/required', 'type', 'Step s-n: required must be true or false'],
      ],
    );
    for (const error of errors) assert.doesNotMatch(error.message, /Expected union value|anyOf|must be null/);
  });

  it('describes a union whole even when the schema check stops early', () => {
    // Four unknown fields and a short name use up TypeBox's error budget before `identity`'s union ends.
    const errors = templateErrors({
      name: '',
      ...{ a: 1, b: 2, c: 3, d: 4 },
      settings: { identity: 'z' },
      steps: [{ type: 'boolean', label: 'x' }],
    });
    assert.deepEqual(
      errors.map((e) => e.message),
      [
        'a, b, c, d are not fields here; known fields: name, description, settings',
        'name must be from 1 to 200 characters long',
        'settings.identity must be one of "anonymous", "external", "member"',
      ],
    );
  });

  it('refuses a step with more unknown fields than the schema check reports', () => {
    const unknown = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`f${i}`, i]));
    const errors = templateErrors({
      name: 'X',
      steps: [{ id: 's-x', type: 'boolean', label: 'a', ...unknown }],
    });
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.pointer, '/steps/0');
    assert.equal(errors[0]!.rule, 'unknown_field');
    assert.match(
      errors[0]!.message,
      /^Step s-x: f0, f1, .* are not fields here; known fields: type, id, label/,
    );
  });

  it('accepts exactly 500 steps', () => {
    const steps = Array.from({ length: 500 }, (_, i) => ({ type: 'boolean', label: `Q${i}` }));
    assert.equal(parseTemplate({ name: 'Max', steps }).steps.length, 500);
  });
});
