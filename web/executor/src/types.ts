/**
 * The shapes the executor API (/x) sends and accepts. The step and settings types mirror
 * src/domain/template.ts (the normalised template a run snapshots); they are copied, not imported,
 * because that module pulls in Node code. The wire's shared shapes (identity, position, progress, step
 * types) are @rundun/webhooks' own, and conditions come from src/domain/conditions.ts: both are pure.
 */
import type { Geo, Identity, Progress, StepType } from '@rundun/webhooks';
import type { Condition } from '../../../src/domain/conditions.js';

export type { Geo, Identity, Progress, StepType };

export interface Option {
  id: string;
  label: string;
}

export interface Step {
  id: string;
  type: StepType;
  label: string;
  description?: string;
  required: boolean;
  photos?: { min: number; max: number; required_if?: Condition };
  visible_if?: Condition;
  required_if?: Condition;
  options?: Option[];
  min_selected?: number;
  max_selected?: number;
  multiline?: boolean;
  max_length?: number;
  min?: number;
  max?: number;
  integer?: boolean;
  unit?: string;
  mode?: 'date' | 'datetime';
}

export interface TemplateSettings {
  allow_skip: boolean;
  identity: 'anonymous' | 'external' | 'member';
  geo: 'off' | 'per_step';
}

/** How the executor identifies at start; a member is the session's user, so no id is sent. */
export type IdentityInput = Exclude<Identity, { mode: 'member' }> | { mode: 'member' };

export interface Media {
  media_id: string;
  url: string;
  thumbnail_url: string;
}

export interface ServerAnswer {
  status: 'answered' | 'skipped';
  answer: unknown;
  media: Media[];
  geo: Geo | null;
}

export interface Member {
  user_id: string;
  email: string;
  name: string;
}

export type RunStatus = 'pending' | 'in_progress' | 'completed' | 'cancelled' | 'expired';

export interface RunDocument {
  run_id: string;
  status: RunStatus;
  expires_at: string | null;
  template: {
    name: string;
    description?: string;
    settings: TemplateSettings;
    steps: Step[];
  };
  identity: Identity | null;
  assigned: boolean;
  member: Member | null;
  progress: Progress;
  last_step_id: string | null;
  answers: Record<string, ServerAnswer>;
  /** false for a test run (dispatched with a test key); absent from older servers. */
  livemode?: boolean;
}

export interface ProblemDetails {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: { pointer?: string; rule?: string; message?: string; step_id?: string }[];
}

export interface UploadedMedia extends Media {
  width?: number;
  height?: number;
}
