import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateStepConditions } from '../../src/domain/condition-validation.js';
import { DomainError, type FieldError } from '../../src/domain/errors.js';
import { parseTemplate } from '../../src/domain/template.js';

const BASE_STEPS = [
  { id: 's-ok', type: 'boolean', label: 'All fine?', required: true },
  {
    id: 's-fuel',
    type: 'choice',
    label: 'Fuel',
    options: [
      { id: 'o-empty', label: 'Empty' },
      { id: 'o-full', label: 'Full' },
    ],
  },
  { id: 's-kinds', type: 'multi_choice', label: 'Kinds', options: [{ id: 'o-dent', label: 'Dent' }] },
  { id: 's-km', type: 'number', label: 'Odometer' },
  { id: 's-day', type: 'datetime', label: 'Day', mode: 'date' },
  { id: 's-sig', type: 'signature', label: 'Sign' },
];

/** The errors of a template whose last step carries `extra` (conditions and the like). */
function refusals(extra: Record<string, unknown>, settings: Record<string, unknown> = { allow_skip: true }) {
  const steps = [...BASE_STEPS, { id: 's-last', type: 'text', label: 'Last', ...extra }];
  try {
    parseTemplate({ name: 'Logic', settings, steps });
  } catch (error) {
    assert.ok(error instanceof DomainError);
    assert.equal(error.code, 'invalid_template');
    return error.errors;
  }
  assert.fail('the template was accepted');
}

function only(errors: FieldError[]) {
  assert.equal(errors.length, 1, JSON.stringify(errors));
  return errors[0]! as FieldError & { field?: string };
}

describe('template validation of conditions', () => {
  it('accepts every operator where it fits and keeps the conditions in the normalised template', () => {
    const visible = {
      all: [
        { step: 's-ok', equals: false },
        {
          any: [
            { step: 's-fuel', in: ['o-empty'] },
            { step: 's-fuel', not_equals: 'o-full' },
          ],
        },
        { step: 's-kinds', includes: 'o-dent' },
        { not: { step: 's-km', gte: 100 } },
        { step: 's-km', lt: 5 },
        { step: 's-day', equals: '2026-05-10' },
        { step: 's-sig', answered: true },
        { step: 's-fuel', skipped: true },
      ],
    };
    const template = parseTemplate({
      name: 'Logic',
      settings: { allow_skip: true },
      steps: [
        ...BASE_STEPS,
        {
          id: 's-last',
          type: 'text',
          label: 'Last',
          visible_if: visible,
          required_if: { step: 's-km', gt: 1 },
          photos: { min: 0, max: 2, required_if: { step: 's-last', equals: 'dented' } },
        },
      ],
    });
    const last = template.steps.at(-1)!;
    assert.deepEqual(last.visible_if, visible);
    assert.deepEqual(last.required_if, { step: 's-km', gt: 1 });
    assert.deepEqual(last.photos, { min: 0, max: 2, required_if: { step: 's-last', equals: 'dented' } });
    assert.equal(template.steps[0]!.visible_if, undefined, 'steps without logic are unchanged');
  });

  it('refuses a reference to an unknown step, naming step, field and rule', () => {
    const error = only(refusals({ visible_if: { step: 's-nope', equals: true } }));
    assert.equal(error.rule, 'condition_unknown_step');
    assert.equal(error.step_id, 's-last');
    assert.equal(error.field, 'visible_if');
    assert.equal(error.pointer, '/steps/6/visible_if/step');
    assert.match(error.message, /^Step s-last: visible_if refers to s-nope/);
  });

  it('refuses a reference to a later step or to the step itself', () => {
    const errors = (() => {
      try {
        parseTemplate({
          name: 'Order',
          steps: [
            { id: 's-a', type: 'boolean', label: 'A', visible_if: { step: 's-b', equals: true } },
            { id: 's-b', type: 'boolean', label: 'B', required_if: { step: 's-b', answered: true } },
          ],
        });
      } catch (error) {
        return (error as DomainError).errors;
      }
      assert.fail('accepted');
    })();
    assert.deepEqual(
      errors.map((e) => [e.step_id, (e as { field?: string }).field, e.rule]),
      [
        ['s-a', 'visible_if', 'condition_later_step'],
        ['s-b', 'required_if', 'condition_later_step'],
      ],
    );
  });

  it('lets photos.required_if refer to its own step but not to a later one', () => {
    const own = parseTemplate({
      name: 'Own',
      steps: [
        {
          id: 's-a',
          type: 'boolean',
          label: 'A',
          photos: { min: 0, max: 1, required_if: { step: 's-a', equals: true } },
        },
      ],
    });
    assert.ok(own.steps[0]!.photos!.required_if);
    const error = only(
      (() => {
        try {
          parseTemplate({
            name: 'Later',
            steps: [
              {
                id: 's-a',
                type: 'boolean',
                label: 'A',
                photos: { min: 0, max: 1, required_if: { step: 's-b', equals: true } },
              },
              { id: 's-b', type: 'boolean', label: 'B' },
            ],
          });
        } catch (e) {
          return (e as DomainError).errors;
        }
        assert.fail('accepted');
      })(),
    );
    assert.equal(error.rule, 'condition_later_step');
    assert.equal(error.field, 'photos.required_if');
    assert.equal(error.pointer, '/steps/0/photos/required_if/step');
  });

  it('refuses an operator that does not fit the step type', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ step: 's-ok', gt: 1 }, 'boolean'],
      [{ step: 's-fuel', includes: 'o-full' }, 'choice'],
      [{ step: 's-kinds', equals: 'o-dent' }, 'multi_choice'],
      [{ step: 's-day', lt: 3 }, 'datetime'],
      [{ step: 's-sig', equals: 'x' }, 'signature'],
    ];
    for (const [condition, type] of cases) {
      const error = only(refusals({ visible_if: condition }));
      assert.equal(error.rule, 'condition_operator', type);
      assert.match(error.message, new RegExp(`a ${type} step`));
    }
  });

  it('refuses skipped: true when the step can never be skipped', () => {
    assert.equal(only(refusals({ visible_if: { step: 's-ok', skipped: true } })).rule, 'condition_operator');
    const error = only(refusals({ visible_if: { step: 's-fuel', skipped: true } }, { allow_skip: false }));
    assert.equal(error.rule, 'condition_operator');
    assert.match(error.message, /allow_skip is off/);
  });

  it('refuses an unknown option id', () => {
    const choice = only(refusals({ visible_if: { step: 's-fuel', equals: 'o-half' } }));
    assert.equal(choice.rule, 'condition_unknown_option');
    const listed = only(refusals({ required_if: { step: 's-fuel', in: ['o-full', 'o-half'] } }));
    assert.equal(listed.rule, 'condition_unknown_option');
    assert.equal(listed.pointer, '/steps/6/required_if/in/1');
    assert.equal(
      only(refusals({ visible_if: { step: 's-kinds', includes: 'o-scratch' } })).rule,
      'condition_unknown_option',
    );
  });

  it('refuses a value of the wrong type', () => {
    const cases = [
      { step: 's-ok', equals: 'yes' },
      { step: 's-km', equals: '10' },
      { step: 's-km', gt: '10' },
      { step: 's-day', equals: '10 May' },
      { step: 's-km', in: [] },
      { step: 's-sig', answered: false },
    ];
    for (const condition of cases)
      assert.equal(
        only(refusals({ visible_if: condition })).rule,
        'condition_value',
        JSON.stringify(condition),
      );
  });

  it('refuses malformed conditions', () => {
    const cases = [
      'yes',
      { step: 's-ok' },
      { step: 's-ok', equals: true, not_equals: false },
      { step: 's-ok', matches: 'x' },
      { all: [] },
      { any: { step: 's-ok', equals: true } },
      { all: [{ step: 's-ok', equals: true }], any: [] },
      { step: 5, equals: true },
    ];
    for (const condition of cases)
      assert.equal(
        only(refusals({ visible_if: condition })).rule,
        'condition_shape',
        JSON.stringify(condition),
      );
  });

  it('refuses nesting deeper than 5 levels', () => {
    const leaf = { step: 's-ok', equals: true };
    const five = { not: { not: { not: { not: leaf } } } };
    assert.ok(
      parseTemplate({
        name: 'D',
        steps: [...BASE_STEPS, { id: 's-l', type: 'text', label: 'L', visible_if: five }],
      }),
    );
    const error = only(refusals({ visible_if: { not: five } }));
    assert.equal(error.rule, 'condition_depth');
    assert.equal(error.pointer, '/steps/6/visible_if/not/not/not/not/not');
  });

  it('refuses more than 50 leaves in one condition', () => {
    const leaves = (n: number) => ({
      any: Array.from({ length: n }, (_, i) => ({ step: 's-km', equals: i })),
    });
    assert.ok(
      parseTemplate({
        name: 'S',
        steps: [...BASE_STEPS, { id: 's-l', type: 'text', label: 'L', visible_if: leaves(50) }],
      }),
    );
    const error = only(refusals({ visible_if: leaves(51) }));
    assert.equal(error.rule, 'condition_size');
    assert.equal(error.field, 'visible_if');
  });

  it('runs on its own for the editor, over normalised steps', () => {
    const template = parseTemplate({ name: 'Editor', steps: BASE_STEPS });
    const steps = [
      ...template.steps,
      { id: 's-x', type: 'text' as const, required: false, visible_if: { step: 's-km', gt: 'a' } },
    ];
    const errors = validateStepConditions(steps, template.settings.allow_skip);
    assert.deepEqual(
      errors.map((e) => [e.step_id, e.field, e.rule, e.pointer]),
      [['s-x', 'visible_if', 'condition_value', '/steps/6/visible_if/gt']],
    );
  });
});
