/**
 * The run state machine.
 *
 *   pending ──start──▶ in_progress ──submit──▶ completed
 *      │                   │ └──────exit────▶ cancelled
 *      └──── expires_at passes (either state) ─▶ expired
 *
 * completed, cancelled and expired are final: every write is refused and nothing recorded changes.
 * Expiry is noticed on access (executor or API) and by the worker's sweeper; whichever comes first
 * moves the run to expired and writes `run.expired` once.
 */
import type { RunStatus } from '../db/schema.js';
import { DomainError } from './errors.js';
import type { Progress } from './events.js';
import { evaluateRunSteps, type LogicAnswer } from './run-logic.js';
import type { TemplateDefinition } from './template.js';

export const DEFAULT_EXPIRES_IN_HOURS = 72;
export const MAX_EXPIRES_IN_HOURS = 8760;

export const FINAL_STATUSES: readonly RunStatus[] = ['completed', 'cancelled', 'expired'];

export function isFinal(status: RunStatus): boolean {
  return FINAL_STATUSES.includes(status);
}

/** True when an open run's deadline has passed: it must move to expired before anything else. */
export function isDueToExpire(run: { status: RunStatus; expiresAt: Date | null }, now: Date): boolean {
  return !isFinal(run.status) && run.expiresAt !== null && run.expiresAt.getTime() <= now.getTime();
}

/** `undefined` → the default; `null` → never expires. */
export function computeExpiresAt(createdAt: Date, expiresInHours: number | null | undefined): Date | null {
  if (expiresInHours === null) return null;
  return new Date(createdAt.getTime() + (expiresInHours ?? DEFAULT_EXPIRES_IN_HOURS) * 3_600_000);
}

export function assertWritable(status: RunStatus): void {
  if (status === 'expired')
    throw new DomainError('run_expired', 'This run has expired; its link no longer accepts answers.');
  if (isFinal(status))
    throw new DomainError('run_finished', `This run is ${status}; it no longer accepts changes.`);
}

/** Counts the visible steps only: a step hidden by its `visible_if` is not part of the run's progress. */
export function computeProgress(template: TemplateDefinition, answers: readonly LogicAnswer[]): Progress {
  const states = evaluateRunSteps(template, answers);
  let answered = 0;
  let skipped = 0;
  for (const answer of answers) {
    if (!states.get(answer.stepId)?.visible) continue;
    if (answer.status === 'answered') answered++;
    else skipped++;
  }
  const total = template.steps.filter((step) => states.get(step.id)!.visible).length;
  return { total, answered, skipped };
}
