/**
 * What changed between two versions of a template, for people: template fields and settings that
 * differ, steps added and removed (by id), and for each step in both, the fields that changed (with
 * before and after) and whether it moved.
 *
 * A step counts as moved only when it left the order the kept steps share: the longest run of steps
 * (by id) that appear in the same order in both versions stays put, and each step outside it moved.
 * So adding or removing a step moves nothing after it, and dragging one step to the front is one move,
 * not a move of every step it passed. Options are compared by id, one line each (renamed, added,
 * removed) and one line for their order; the photo overlay field by field.
 */
import type { DraftStep, TemplateDraft } from './template-draft';

export interface FieldChange {
  field: string;
  before: string;
  after: string;
}

export interface StepChange {
  step: DraftStep;
  /** 1-based positions in the earlier and the later version. */
  moved: { from: number; to: number } | null;
  fields: FieldChange[];
}

export interface TemplateDiff {
  template: FieldChange[];
  added: DraftStep[];
  removed: DraftStep[];
  changed: StepChange[];
}

type Fields = Record<string, unknown>;

function show(value: unknown): string {
  if (value === undefined) return '—';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function compareFields(before: Fields, after: Fields, prefix = ''): FieldChange[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  return keys
    .filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]))
    .map((key) => ({ field: `${prefix}${key}`, before: show(before[key]), after: show(after[key]) }));
}

function compareOptions(before: DraftStep['options'] = [], after: DraftStep['options'] = []): FieldChange[] {
  const oldLabels = new Map(before.map((o) => [o.id, o.label]));
  const newLabels = new Map(after.map((o) => [o.id, o.label]));
  const ids = [...new Set([...oldLabels.keys(), ...newLabels.keys()])];
  const changes = ids
    .filter((id) => oldLabels.get(id) !== newLabels.get(id))
    .map((id) => ({
      field: `option ${id}`,
      before: show(oldLabels.get(id)),
      after: show(newLabels.get(id)),
    }));
  const kept = (list: typeof before) => list.filter((o) => oldLabels.has(o.id) && newLabels.has(o.id));
  const order = (list: typeof before) => list.map((o) => o.label).join(', ');
  const oldKept = kept(before);
  const newKept = kept(after);
  if (oldKept.some((o, i) => o.id !== newKept[i]?.id)) {
    changes.push({ field: 'options order', before: order(oldKept), after: order(newKept) });
  }
  return changes;
}

function compareSteps(before: DraftStep, after: DraftStep): FieldChange[] {
  const { options: oldOptions, photos: oldPhotos, ...oldRest } = before;
  const { options: newOptions, photos: newPhotos, ...newRest } = after;
  const fields = compareFields(oldRest, newRest);
  fields.push(...compareOptions(oldOptions, newOptions));
  fields.push(...compareFields({ ...oldPhotos }, { ...newPhotos }, 'photos.'));
  return fields;
}

/** The ids of the longest sequence common to both lists, in order (both hold the same ids). */
function findUnmoved(before: readonly string[], after: readonly string[]): Set<string> {
  // Classic LCS table; templates hold at most a few hundred steps, so n·m is small.
  const lengths = before.map(() => after.map(() => 0));
  const at = (i: number, j: number) => (i < before.length && j < after.length ? lengths[i]![j]! : 0);
  for (let i = before.length - 1; i >= 0; i--) {
    for (let j = after.length - 1; j >= 0; j--) {
      lengths[i]![j] = before[i] === after[j] ? at(i + 1, j + 1) + 1 : Math.max(at(i + 1, j), at(i, j + 1));
    }
  }
  const unmoved = new Set<string>();
  for (let i = 0, j = 0; i < before.length && j < after.length;) {
    if (before[i] === after[j]) {
      unmoved.add(before[i]!);
      i++;
      j++;
    } else if (at(i + 1, j) >= at(i, j + 1)) i++;
    else j++;
  }
  return unmoved;
}

export function diffTemplates(before: TemplateDraft, after: TemplateDraft): TemplateDiff {
  const { steps: oldSteps, settings: oldSettings, ...oldTop } = before;
  const { steps: newSteps, settings: newSettings, ...newTop } = after;
  const template = [
    ...compareFields(oldTop, newTop),
    ...compareFields({ ...oldSettings }, { ...newSettings }, 'settings.'),
  ];
  const oldIndex = new Map(oldSteps.map((s, i) => [s.id, i]));
  const newIds = new Set(newSteps.map((s) => s.id));
  const unmoved = findUnmoved(
    oldSteps.filter((s) => newIds.has(s.id)).map((s) => s.id),
    newSteps.filter((s) => oldIndex.has(s.id)).map((s) => s.id),
  );
  const changed: StepChange[] = [];
  newSteps.forEach((step, to) => {
    const from = oldIndex.get(step.id);
    if (from === undefined) return;
    const fields = compareSteps(oldSteps[from]!, step);
    const moved = unmoved.has(step.id) ? null : { from: from + 1, to: to + 1 };
    if (fields.length || moved) changed.push({ step, moved, fields });
  });
  return {
    template,
    added: newSteps.filter((s) => !oldIndex.has(s.id)),
    removed: oldSteps.filter((s) => !newIds.has(s.id)),
    changed,
  };
}
