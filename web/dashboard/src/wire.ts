/**
 * The API's answers as the dashboard reads them: type-only imports of the server's TypeBox schemas,
 * so a change on the server breaks this build instead of drifting. Nothing here reaches the bundle.
 */
import type Type from 'typebox';
import type * as Accounts from '../../../src/http/routes/v1/account-schemas';
import type { TemplateDefinition } from '../../../src/domain/template';

export type { TemplateDefinition, Step } from '../../../src/domain/template';
export type SessionBody = Type.Static<typeof Accounts.SessionSchema>;
export type InvitationView = Type.Static<typeof Accounts.InvitationViewSchema>;
export type ApiKeyBody = Type.Static<typeof Accounts.ApiKeySchema>;
export type CreatedApiKey = Type.Static<typeof Accounts.CreatedApiKeySchema>;
export type MemberBody = Type.Static<typeof Accounts.MemberSchema>;
export type InvitationBody = Type.Static<typeof Accounts.InvitationSchema>;
export type CreatedInvitation = Type.Static<typeof Accounts.CreatedInvitationSchema>;
export type CreditsBody = Type.Static<typeof Accounts.CreditsSchema>;

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

// Until the run and template routes publish their schemas (issue 10), these mirror
// toTemplateBody and toRunSummary in src/http/routes/v1/.
export type TemplateBody = TemplateDefinition & {
  id: string;
  version: number;
  archived_at: string | null;
  created_at: string;
  updated_at: string;
};
export interface RunSummary {
  run_id: string;
  status: 'pending' | 'in_progress' | 'completed' | 'cancelled' | 'expired';
  link: string;
  template_id: string;
  template_v: number;
  executor_ref: string | null;
  assigned_to: string | null;
  created_at: string;
  expires_at: string | null;
  finished_at: string | null;
}

import type { Geo, Identity, WebhookEnvelope, WebhookEventName } from '@rundun/webhooks';

export type { Geo, Identity };
export interface RunAnswer {
  status: 'answered' | 'skipped';
  answer: unknown;
  photos: {
    photo_index: number;
    url: string;
    thumbnail_url: string | null;
    width: number;
    height: number;
  }[];
  geo: Geo | null;
  answered_at: string;
}
export interface RunDocument extends RunSummary {
  identity: Identity | null;
  webhook: { url: string; events: string[] } | null;
  started_at: string | null;
  duration_seconds: number | null;
  last_step_id: string | null;
  progress: { total: number; answered: number; skipped: number };
  template: TemplateDefinition;
  answers: Record<string, RunAnswer>;
  hidden_steps?: string[];
}
/** An item of GET /v1/events: the webhook envelope without delivery_attempt (EventSchema in events.ts). */
export type EventEnvelope = Omit<
  WebhookEnvelope<WebhookEventName, Record<string, unknown>>,
  'delivery_attempt'
>;
export interface DispatchAnswer {
  run_id: string;
  link: string;
  expires_at: string | null;
  assigned_to: string | null;
  livemode: boolean;
}
export interface DeliveryAttempt {
  attempt: number;
  manual: boolean;
  started_at: string;
  duration_ms: number;
  request: { headers: Record<string, string>; body: string };
  response: { status: number; headers: Record<string, string>; body: string } | null;
  error: string | null;
  succeeded: boolean;
}
export interface DeliverySummary {
  delivery_id: string;
  event_id: string;
  event: string;
  run_id: string;
  seq: number;
  url: string;
  status: 'pending' | 'succeeded' | 'failed';
  attempt_count: number;
  next_attempt_at: string | null;
  replay_pending: boolean;
  last_error: string | null;
  /** The HTTP status of the last attempt; null before it or when it got no response. */
  last_response_status: number | null;
  created_at: string;
  updated_at: string;
}
/** A delivery with its attempt log (a run's deliveries, GET /v1/deliveries/:id). */
export interface Delivery extends DeliverySummary {
  attempts: DeliveryAttempt[];
}
