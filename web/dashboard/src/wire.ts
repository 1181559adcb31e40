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
