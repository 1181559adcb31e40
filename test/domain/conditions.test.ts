import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  applyStepState,
  describeCondition,
  evaluateCondition,
  evaluateSteps,
  listRequiredSteps,
  listVisibleSteps,
  type AnswersByStep,
  type Condition,
} from '../../src/domain/conditions.js';
import { parseTemplate } from '../../src/domain/template.js';

const answered = (answer: unknown) => ({ status: 'answered' as const, answer });
const skipped = { status: 'skipped' as const };

function holds(condition: Condition, answers: AnswersByStep): boolean {
  return evaluateCondition(condition, answers);
}

describe('evaluateCondition: each operator', () => {
  it('equals compares the answer exactly and is false without an answer', () => {
    const c: Condition = { step: 's-a', equals: true };
    assert.equal(holds(c, { 's-a': answered(true) }), true);
    assert.equal(holds(c, { 's-a': answered(false) }), false);
    assert.equal(holds(c, { 's-a': answered('true') }), false, 'no type coercion');
    assert.equal(holds(c, {}), false);
    assert.equal(holds(c, { 's-a': skipped }), false);
    assert.equal(holds({ step: 's-t', equals: 'Ok' }, { 's-t': answered('ok') }), false, 'case-sensitive');
  });

  it('not_equals holds for an answered step with another answer, never for a missing one', () => {
    const c: Condition = { step: 's-a', not_equals: 'o-full' };
    assert.equal(holds(c, { 's-a': answered('o-half') }), true);
    assert.equal(holds(c, { 's-a': answered('o-full') }), false);
    assert.equal(holds(c, {}), false);
    assert.equal(holds(c, { 's-a': skipped }), false);
  });

  it('in holds when the answer is one of the values', () => {
    const c: Condition = { step: 's-a', in: ['o-1', 'o-3'] };
    assert.equal(holds(c, { 's-a': answered('o-3') }), true);
    assert.equal(holds(c, { 's-a': answered('o-2') }), false);
    assert.equal(holds(c, {}), false);
    assert.equal(holds({ step: 's-n', in: [1, 2] }, { 's-n': answered(2) }), true);
  });

  it('includes holds when a multi_choice answer holds the option', () => {
    const c: Condition = { step: 's-m', includes: 'o-dent' };
    assert.equal(holds(c, { 's-m': answered(['o-scratch', 'o-dent']) }), true);
    assert.equal(holds(c, { 's-m': answered(['o-scratch']) }), false);
    assert.equal(holds(c, { 's-m': answered([]) }), false);
    assert.equal(holds(c, { 's-m': answered('o-dent') }), false, 'a single id is not a list');
    assert.equal(holds(c, {}), false);
  });

  it('gt, gte, lt, lte compare numbers and are false for a missing or non-number answer', () => {
    const at = (n: unknown) => ({ 's-n': answered(n) });
    assert.deepEqual(
      [99, 100, 101].map((n) => holds({ step: 's-n', gt: 100 }, at(n))),
      [false, false, true],
    );
    assert.deepEqual(
      [99, 100, 101].map((n) => holds({ step: 's-n', gte: 100 }, at(n))),
      [false, true, true],
    );
    assert.deepEqual(
      [99, 100, 101].map((n) => holds({ step: 's-n', lt: 100 }, at(n))),
      [true, false, false],
    );
    assert.deepEqual(
      [99, 100, 101].map((n) => holds({ step: 's-n', lte: 100 }, at(n))),
      [true, true, false],
    );
    assert.equal(holds({ step: 's-n', lt: 100 }, {}), false);
    assert.equal(holds({ step: 's-n', lt: 100 }, at('5')), false);
  });

  it('answered and skipped look only at the status', () => {
    assert.equal(holds({ step: 's-a', answered: true }, { 's-a': answered(null) }), true);
    assert.equal(holds({ step: 's-a', answered: true }, { 's-a': skipped }), false);
    assert.equal(holds({ step: 's-a', answered: true }, {}), false);
    assert.equal(holds({ step: 's-a', skipped: true }, { 's-a': skipped }), true);
    assert.equal(holds({ step: 's-a', skipped: true }, { 's-a': answered(1) }), false);
    assert.equal(holds({ step: 's-a', skipped: true }, {}), false);
  });
});

describe('evaluateCondition: combinators', () => {
  const yes: Condition = { step: 's-a', equals: true };
  const big: Condition = { step: 's-n', gt: 10 };
  const cases = [
    { a: true, n: 20 },
    { a: true, n: 5 },
    { a: false, n: 20 },
    { a: false, n: 5 },
  ];
  const at = ({ a, n }: { a: boolean; n: number }) => ({ 's-a': answered(a), 's-n': answered(n) });

  it('all holds when every part holds', () => {
    assert.deepEqual(
      cases.map((c) => holds({ all: [yes, big] }, at(c))),
      [true, false, false, false],
    );
  });

  it('any holds when one part holds', () => {
    assert.deepEqual(
      cases.map((c) => holds({ any: [yes, big] }, at(c))),
      [true, true, true, false],
    );
  });

  it('not inverts, so not(equals) holds without an answer where not_equals does not', () => {
    assert.deepEqual(
      cases.map((c) => holds({ not: yes }, at(c))),
      [false, false, true, true],
    );
    assert.equal(holds({ not: yes }, {}), true);
    assert.equal(holds({ step: 's-a', not_equals: true }, {}), false);
  });

  it('nests five levels deep', () => {
    const deep: Condition = { all: [{ any: [{ not: { not: big } }] }] };
    assert.equal(holds(deep, at({ a: true, n: 20 })), true);
    assert.equal(holds(deep, at({ a: true, n: 1 })), false);
  });
});

const INSPECTION = parseTemplate({
  name: 'Inspection',
  settings: { allow_skip: true },
  steps: [
    { id: 's-dm01', type: 'boolean', label: 'Any damage?', required: true },
    {
      id: 's-dm02',
      type: 'multi_choice',
      label: 'Damage type',
      required: true,
      options: [
        { id: 'o-dent', label: 'Dent' },
        { id: 'o-glass', label: 'Glass' },
      ],
      visible_if: { step: 's-dm01', equals: true },
    },
    {
      id: 's-gl01',
      type: 'text',
      label: 'Which window?',
      visible_if: { step: 's-dm02', includes: 'o-glass' },
      required_if: { step: 's-dm01', answered: true },
    },
    {
      id: 's-od01',
      type: 'number',
      label: 'Odometer',
      photos: { min: 0, max: 3, required_if: { step: 's-od01', gt: 100000 } },
    },
    {
      id: 's-nt01',
      type: 'text',
      label: 'Notes',
      photos: { min: 2, max: 4, required_if: { step: 's-dm01', equals: true } },
    },
  ],
});

describe('evaluateSteps', () => {
  it('shows a step only while visible_if holds, and then applies its required', () => {
    const hidden = listVisibleSteps(INSPECTION.steps, { 's-dm01': answered(false) }).map((s) => s.id);
    assert.deepEqual(hidden, ['s-dm01', 's-od01', 's-nt01']);
    const shown = listVisibleSteps(INSPECTION.steps, { 's-dm01': answered(true) }).map((s) => s.id);
    assert.deepEqual(shown, ['s-dm01', 's-dm02', 's-od01', 's-nt01']);
    assert.deepEqual(
      listRequiredSteps(INSPECTION.steps, { 's-dm01': answered(false) }).map((s) => s.id),
      ['s-dm01'],
      'a hidden required step is not required',
    );
  });

  it('treats a hidden step’s answer as no answer for the steps after it', () => {
    const answers = { 's-dm01': answered(false), 's-dm02': answered(['o-glass']) };
    const states = evaluateSteps(INSPECTION.steps, answers);
    assert.equal(states[1]!.visible, false);
    assert.equal(states[2]!.visible, false, 'depends on a hidden step, so hidden too');
    const shown = evaluateSteps(INSPECTION.steps, { ...answers, 's-dm01': answered(true) });
    assert.equal(shown[2]!.visible, true);
    assert.equal(shown[2]!.required, true, 'required_if holds');
    assert.equal(shown[2]!.requiredByCondition, true);
  });

  it('photos.required_if raises the photo minimum to 1 (or keeps a larger min) and may use its own step', () => {
    const low = evaluateSteps(INSPECTION.steps, { 's-od01': answered(5000) })[3]!;
    assert.equal(low.photosMin, 0);
    assert.equal(low.photosRequiredByCondition, false);
    const high = evaluateSteps(INSPECTION.steps, { 's-od01': answered(150000) })[3]!;
    assert.equal(high.photosMin, 1);
    assert.equal(high.photosRequiredByCondition, true);
    const notes = evaluateSteps(INSPECTION.steps, { 's-dm01': answered(true) })[4]!;
    assert.equal(notes.photosMin, 2, 'min is larger than 1, so min stands while the condition holds');
    const noDamage = evaluateSteps(INSPECTION.steps, { 's-dm01': answered(false) })[4]!;
    assert.equal(noDamage.photosMin, 0, 'and no photo is needed while it does not');
    const unconditional = evaluateSteps(
      parseTemplate({
        name: 'P',
        steps: [{ id: 's-p', type: 'text', label: 'T', photos: { min: 2, max: 3 } }],
      }).steps,
      {},
    )[0]!;
    assert.equal(unconditional.photosMin, 2, 'without required_if, min always applies');
  });

  it('applyStepState gives the step its evaluated required and photos.min', () => {
    const state = evaluateSteps(INSPECTION.steps, { 's-od01': answered(150000) })[3]!;
    const step = applyStepState(INSPECTION.steps[3]!, state);
    assert.equal(step.photos!.min, 1);
    assert.equal(step.required, false);
  });

  it('describes a condition in words for people', () => {
    assert.equal(
      describeCondition(INSPECTION.steps[1]!.visible_if!, INSPECTION.steps),
      '“Any damage?” is Yes',
    );
    assert.equal(
      describeCondition(
        { any: [{ step: 's-dm02', includes: 'o-glass' }, { not: { step: 's-od01', lte: 10 } }] },
        INSPECTION.steps,
      ),
      '“Damage type” includes “Glass” or not “Odometer” is at most 10',
    );
  });
});
