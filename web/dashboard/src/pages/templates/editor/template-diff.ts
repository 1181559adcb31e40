/**
 * What changed between two versions of a template, for people: template fields and settings that
 * differ, steps added and removed (by id), and for each step in both, the fields that changed (with
 * before and after) and whether it moved.
 */
import type { DraftStep, TemplateDraft } from './template-draft';

export interface FieldChange {
  field: string;
  before: string;
  after: string;
}

export interface TemplateDiff {
  template: FieldChange[];
  added: DraftStep[];
  removed: DraftStep[];
  changed: { step: DraftStep; moved: { from: number; to: number } | null; fields: FieldChange[] }[];
}

function show(value: unknown): string {
  if (value === undefined) return '—';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function compareFields(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  prefix = '',
): FieldChange[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  return keys
    .filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]))
    .map((key) => ({ field: `${prefix}${key}`, before: show(before[key]), after: show(after[key]) }));
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
  const changed: TemplateDiff['changed'] = [];
  newSteps.forEach((step, to) => {
    const from = oldIndex.get(step.id);
    if (from === undefined) return;
    const fields = compareFields(
      oldSteps[from] as unknown as Record<string, unknown>,
      step as unknown as Record<string, unknown>,
    );
    const moved = from !== to ? { from: from + 1, to: to + 1 } : null;
    if (fields.length || moved) changed.push({ step, moved, fields });
  });
  return {
    template,
    added: newSteps.filter((s) => !oldIndex.has(s.id)),
    removed: oldSteps.filter((s) => !newIds.has(s.id)),
    changed,
  };
}
