/**
 * How a run's answers are shown outside: in `run.completed` / `run.cancelled` events and in
 * `GET /v1/runs/:id`. Photos become URLs (full size); a signature's answer (a media id inside) becomes its URL.
 */
import type { Answer, Geo, StepAnswer } from '@rundun/webhooks';
import { listHiddenSteps } from './run-logic.js';
import type { Step, TemplateDefinition } from './template.js';

export type { Geo };

export interface AnswerRecord {
  stepId: string;
  status: 'answered' | 'skipped';
  answer: unknown;
  mediaIds: string[];
  geo: Geo | null;
  updatedAt: Date;
}

export interface MediaRecord {
  id: string;
  runId: string;
  stepId: string;
  contentType: string;
  width: number;
  height: number;
}

export type MediaUrlFor = (media: MediaRecord) => string;

/** One step's answer as receivers and the API see it: @rundun/webhooks' `StepAnswer`. */
export type AnswerView = StepAnswer;

export function viewAnswer(
  step: Step | undefined,
  record: AnswerRecord,
  media: ReadonlyMap<string, MediaRecord>,
  urlFor: MediaUrlFor,
): AnswerView {
  const photos = record.mediaIds.flatMap((id, index) => {
    const item = media.get(id);
    return item ? [{ photo_index: index, url: urlFor(item), width: item.width, height: item.height }] : [];
  });
  // Stored as validated against the step (src/domain/answers.ts), so it has the wire's shape.
  let answer = record.answer as Answer;
  if (step?.type === 'signature' && typeof answer === 'string') {
    const signature = media.get(answer);
    answer = signature ? urlFor(signature) : null;
  }
  return { answer, photos, geo: record.geo };
}

/**
 * The answered steps, keyed by step id, in template order. The answer of a step hidden by the answers
 * (its `visible_if` no longer holds) is left out: `hidden_steps` lists those steps.
 */
export function buildAnswerMap(
  template: TemplateDefinition,
  answers: readonly AnswerRecord[],
  media: readonly MediaRecord[],
  urlFor: MediaUrlFor,
): Record<string, AnswerView> {
  const byStep = new Map(answers.map((a) => [a.stepId, a]));
  const mediaById = new Map(media.map((m) => [m.id, m]));
  const hidden = new Set(listHiddenSteps(template, answers));
  const map: Record<string, AnswerView> = {};
  for (const step of template.steps) {
    const record = byStep.get(step.id);
    if (record?.status === 'answered' && !hidden.has(step.id))
      map[step.id] = viewAnswer(step, record, mediaById, urlFor);
  }
  return map;
}
