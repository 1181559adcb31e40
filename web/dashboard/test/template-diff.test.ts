/** The versions page's diff (src/pages/templates/editor/template-diff.ts): what changed, for people. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diffTemplates } from '../src/pages/templates/editor/template-diff';
import type { DraftStep, TemplateDraft } from '../src/pages/templates/editor/template-draft';

const step = (id: string, extra: Partial<DraftStep> = {}): DraftStep => ({
  id,
  type: 'boolean',
  label: `Step ${id}`,
  required: false,
  ...extra,
});

const template = (steps: DraftStep[], extra: Partial<TemplateDraft> = {}): TemplateDraft => ({
  name: 'Inspection',
  settings: { allow_skip: true, identity: 'anonymous', geo: 'off' },
  steps,
  ...extra,
});

const ids = (steps: readonly DraftStep[]) => steps.map((s) => s.id);
const fieldsOf = (diff: ReturnType<typeof diffTemplates>, id: string) =>
  diff.changed.find((c) => c.step.id === id)?.fields ?? [];

const choice = step('s-ch01', {
  type: 'choice',
  label: 'Fuel level',
  options: [
    { id: 'o-fu1', label: 'Empty' },
    { id: 'o-fu2', label: 'Half' },
    { id: 'o-fu3', label: 'Full' },
  ],
});

describe('template diff', () => {
  it('reports nothing between equal versions', () => {
    const one = template([step('s-a'), choice]);
    assert.deepEqual(diffTemplates(one, structuredClone(one)), {
      template: [],
      added: [],
      removed: [],
      changed: [],
    });
  });

  it('reports an added step as added, and the steps after it as neither moved nor changed', () => {
    const diff = diffTemplates(
      template([step('s-a'), step('s-b'), step('s-c')]),
      template([step('s-new'), step('s-a'), step('s-b'), step('s-c')]),
    );
    assert.deepEqual(ids(diff.added), ['s-new']);
    assert.deepEqual(diff.removed, []);
    assert.deepEqual(diff.changed, []);
  });

  it('reports a removed step as removed, and the steps after it as neither moved nor changed', () => {
    const diff = diffTemplates(
      template([step('s-a'), step('s-b'), step('s-c')]),
      template([step('s-b'), step('s-c')]),
    );
    assert.deepEqual(ids(diff.removed), ['s-a']);
    assert.deepEqual(diff.added, []);
    assert.deepEqual(diff.changed, []);
  });

  it('reports a step moved to the front as moved, not the steps it passed', () => {
    const diff = diffTemplates(
      template([step('s-a'), step('s-b'), step('s-c'), step('s-d')]),
      template([step('s-d'), step('s-a'), step('s-b'), step('s-c')]),
    );
    assert.deepEqual(diff.added, []);
    assert.deepEqual(diff.removed, []);
    assert.deepEqual(
      diff.changed.map((c) => [c.step.id, c.moved, c.fields]),
      [['s-d', { from: 4, to: 1 }, []]],
    );
  });

  it('reports a step moved down past others, and a swap of two, as one move each', () => {
    const down = diffTemplates(
      template([step('s-a'), step('s-b'), step('s-c'), step('s-d')]),
      template([step('s-b'), step('s-c'), step('s-d'), step('s-a')]),
    );
    assert.deepEqual(
      down.changed.map((c) => [c.step.id, c.moved]),
      [['s-a', { from: 1, to: 4 }]],
    );
    const swap = diffTemplates(
      template([step('s-a'), step('s-b'), step('s-c')]),
      template([step('s-a'), step('s-c'), step('s-b')]),
    );
    assert.equal(swap.changed.length, 1);
    assert.ok(swap.changed[0]!.moved);
  });

  it('reports a move beside an added and a removed step with positions in each version', () => {
    const diff = diffTemplates(
      template([step('s-a'), step('s-b'), step('s-c'), step('s-d'), step('s-e')]),
      template([step('s-d'), step('s-new'), step('s-a'), step('s-c'), step('s-e')]),
    );
    assert.deepEqual(ids(diff.added), ['s-new']);
    assert.deepEqual(ids(diff.removed), ['s-b']);
    assert.deepEqual(
      diff.changed.map((c) => [c.step.id, c.moved]),
      [['s-d', { from: 4, to: 1 }]],
    );
  });

  it('reports a moved step that also changed with its move and its fields', () => {
    const diff = diffTemplates(
      template([step('s-a'), step('s-b'), step('s-c')]),
      template([step('s-c', { label: 'Renamed' }), step('s-a'), step('s-b')]),
    );
    assert.deepEqual(diff.changed, [
      {
        step: step('s-c', { label: 'Renamed' }),
        moved: { from: 3, to: 1 },
        fields: [{ field: 'label', before: 'Step s-c', after: 'Renamed' }],
      },
    ]);
  });

  it('reports a changed label and required with before and after', () => {
    const diff = diffTemplates(
      template([step('s-a'), step('s-b')]),
      template([step('s-a', { label: 'Any damage?', required: true }), step('s-b')]),
    );
    assert.deepEqual(fieldsOf(diff, 's-a'), [
      { field: 'label', before: 'Step s-a', after: 'Any damage?' },
      { field: 'required', before: 'false', after: 'true' },
    ]);
    assert.equal(diff.changed.length, 1);
    assert.equal(diff.changed[0]!.moved, null);
  });

  it('reports options renamed, added and removed one by one, by id', () => {
    const after: DraftStep = {
      ...choice,
      options: [
        { id: 'o-fu1', label: 'Empty' },
        { id: 'o-fu3', label: 'Full tank' },
        { id: 'o-fu4', label: 'Reserve' },
      ],
    };
    const diff = diffTemplates(template([choice]), template([after]));
    assert.deepEqual(fieldsOf(diff, 's-ch01'), [
      { field: 'option o-fu2', before: 'Half', after: '—' },
      { field: 'option o-fu3', before: 'Full', after: 'Full tank' },
      { field: 'option o-fu4', before: '—', after: 'Reserve' },
    ]);
  });

  it('reports options put in another order as the order, not as renames', () => {
    const after: DraftStep = { ...choice, options: [...choice.options!].reverse() };
    const diff = diffTemplates(template([choice]), template([after]));
    assert.deepEqual(fieldsOf(diff, 's-ch01'), [
      { field: 'options order', before: 'Empty, Half, Full', after: 'Full, Half, Empty' },
    ]);
  });

  it('reports number min, max and unit changes', () => {
    const before = step('s-n', { type: 'number', label: 'Odometer', min: 0, unit: 'km' });
    const after = step('s-n', { type: 'number', label: 'Odometer', min: 10, max: 999999, unit: 'mi' });
    const diff = diffTemplates(template([before]), template([after]));
    assert.deepEqual(fieldsOf(diff, 's-n'), [
      { field: 'min', before: '0', after: '10' },
      { field: 'unit', before: 'km', after: 'mi' },
      { field: 'max', before: '—', after: '999999' },
    ]);
  });

  it('reports a photo overlay added, changed and removed field by field', () => {
    const plain = step('s-a');
    const overlay = step('s-a', { photos: { min: 1, max: 5 } });
    const more = step('s-a', {
      photos: { min: 2, max: 5, required_if: { step: 's-a', equals: true } },
    });
    assert.deepEqual(fieldsOf(diffTemplates(template([plain]), template([overlay])), 's-a'), [
      { field: 'photos.min', before: '—', after: '1' },
      { field: 'photos.max', before: '—', after: '5' },
    ]);
    assert.deepEqual(fieldsOf(diffTemplates(template([overlay]), template([more])), 's-a'), [
      { field: 'photos.min', before: '1', after: '2' },
      { field: 'photos.required_if', before: '—', after: '{"step":"s-a","equals":true}' },
    ]);
    assert.deepEqual(fieldsOf(diffTemplates(template([overlay]), template([plain])), 's-a'), [
      { field: 'photos.min', before: '1', after: '—' },
      { field: 'photos.max', before: '5', after: '—' },
    ]);
  });

  it('reports a changed type with the fields that came and went', () => {
    const before = step('s-r', { type: 'rating', max: 5 });
    const after = step('s-r', { type: 'datetime', mode: 'date' });
    assert.deepEqual(fieldsOf(diffTemplates(template([before]), template([after])), 's-r'), [
      { field: 'type', before: 'rating', after: 'datetime' },
      { field: 'max', before: '5', after: '—' },
      { field: 'mode', before: '—', after: 'date' },
    ]);
  });

  it('reports the name, description and each setting that changed', () => {
    const diff = diffTemplates(
      template([step('s-a')]),
      template([step('s-a')], {
        name: 'Vehicle return',
        description: 'At the depot',
        settings: { allow_skip: false, identity: 'external', geo: 'off' },
      }),
    );
    assert.deepEqual(diff.template, [
      { field: 'name', before: 'Inspection', after: 'Vehicle return' },
      { field: 'description', before: '—', after: 'At the depot' },
      { field: 'settings.allow_skip', before: 'true', after: 'false' },
      { field: 'settings.identity', before: 'anonymous', after: 'external' },
    ]);
    assert.deepEqual(diff.changed, []);
  });
});
