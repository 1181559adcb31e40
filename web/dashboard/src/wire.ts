/**
 * The API's answers as the dashboard reads them: type-only imports of the server's TypeBox schemas,
 * so a change on the server breaks this build instead of drifting. Nothing here reaches the bundle.
 */
import type Type from 'typebox';
import type * as Accounts from '../../../src/http/routes/v1/account-schemas';
import type * as Deliveries from '../../../src/http/delivery-schemas';
import type * as Runs from '../../../src/http/run-schemas';
import type { Geo, Identity, WebhookEnvelope, WebhookEventName } from '@rundun/webhooks';

export type { TemplateDefinition, Step } from '../../../src/domain/template';
export type { Geo, Identity };
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

export type TemplateBody = Type.Static<typeof Runs.TemplateSchema>;
export type RunSummary = Type.Static<typeof Runs.RunSummarySchema>;
export type RunDocument = Type.Static<typeof Runs.RunDocumentSchema>;
export type RunAnswer = RunDocument['answers'][string];
export type DispatchAnswer = Type.Static<typeof Runs.DispatchRunResponseSchema>;
/** An item of GET /v1/events: the webhook envelope without delivery_attempt (EventSchema in events.ts). */
export type EventEnvelope = Omit<
  WebhookEnvelope<WebhookEventName, Record<string, unknown>>,
  'delivery_attempt'
>;
export type DeliveryAttempt = Type.Static<typeof Deliveries.DeliveryAttemptSchema>;
export type DeliverySummary = Type.Static<typeof Deliveries.DeliverySummarySchema>;
/** A delivery with its attempt log (a run's deliveries, GET /v1/deliveries/:id). */
export type Delivery = Type.Static<typeof Deliveries.DeliverySchema>;
