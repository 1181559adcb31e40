/**
 * The wire shapes of the dashboard's account and org-administration routes (/v1/auth, /v1/api-keys,
 * /v1/members, /v1/invitations, /v1/credits). Only TypeBox here, so the dashboard can import the
 * types without the server.
 */
import Type from 'typebox';
import { literalUnion } from '../../schemas.js';

const Timestamp = Type.String({ format: 'date-time' });
const Nullable = <T extends Type.TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
export const RoleSchema = Type.Union([Type.Literal('owner'), Type.Literal('member')]);

const Email = Type.String({ minLength: 3, maxLength: 320, pattern: '^[^\\s@]+@[^\\s@]+$' });
/** 10 characters at least (NIST 800-63B asks for 8; no composition rules). */
const NewPassword = Type.String({ minLength: 10, maxLength: 1024 });
const Password = Type.String({ minLength: 1, maxLength: 1024 });

export const SessionSchema = Type.Object({
  user: Type.Object({
    user_id: Type.String(),
    email: Type.String(),
    name: Type.Union([Type.String(), Type.Null()]),
  }),
  org: Type.Object({ org_id: Type.String(), name: Type.String() }),
  role: RoleSchema,
  csrf_token: Type.String({
    description: 'Send as X-CSRF-Token on every state-changing request made with the session cookie.',
  }),
});
export type SessionBody = Type.Static<typeof SessionSchema>;

export const SignUpBody = Type.Object(
  {
    organization_name: Type.String({ minLength: 1, maxLength: 200 }),
    name: Type.Optional(Type.String({ maxLength: 200 })),
    email: Email,
    password: NewPassword,
  },
  { additionalProperties: false },
);
export const SignInBody = Type.Object(
  { email: Type.String({ minLength: 1, maxLength: 320 }), password: Password },
  { additionalProperties: false },
);
export const PasswordBody = Type.Object(
  { current_password: Password, new_password: NewPassword },
  { additionalProperties: false },
);
export const AcceptInvitationBody = Type.Object(
  { email: Email, password: Password, name: Type.Optional(Type.String({ maxLength: 200 })) },
  { additionalProperties: false },
);
export const InvitationViewSchema = Type.Object({
  org_name: Type.String(),
  role: RoleSchema,
  email: Type.Union([Type.String(), Type.Null()]),
  state: literalUnion(['open', 'accepted', 'expired', 'revoked']),
  expires_at: Type.String({ format: 'date-time' }),
});
export type InvitationView = Type.Static<typeof InvitationViewSchema>;

export const ApiKeySchema = Type.Object({
  key_id: Type.String(),
  name: Type.String(),
  hint: Type.String({ description: "The key's prefix and last 4 characters, e.g. rdk_live_…a1B2." }),
  created_at: Timestamp,
  last_used_at: Nullable(Timestamp),
  revoked_at: Nullable(Timestamp),
  livemode: Type.Boolean({ description: 'false for a test key (rdk_test_…).' }),
});
export type ApiKeyBody = Type.Static<typeof ApiKeySchema>;

export const CreatedApiKeySchema = Type.Intersect([
  ApiKeySchema,
  Type.Object({
    api_key: Type.String({ description: 'The full key. Shown this once; only its hash is kept.' }),
  }),
]);

export const MemberSchema = Type.Object({
  user_id: Type.String(),
  email: Type.String(),
  name: Type.Union([Type.String(), Type.Null()]),
  role: RoleSchema,
  joined_at: Timestamp,
});
export type MemberBody = Type.Static<typeof MemberSchema>;

export const InvitationSchema = Type.Object({
  invitation_id: Type.String(),
  email: Type.Union([Type.String(), Type.Null()]),
  role: RoleSchema,
  created_at: Timestamp,
  expires_at: Timestamp,
});
export type InvitationBody = Type.Static<typeof InvitationSchema>;

export const CreatedInvitationSchema = Type.Intersect([
  InvitationSchema,
  Type.Object({
    link: Type.String({ description: 'The one-time link to send to the person. Shown this once.' }),
  }),
]);

export const CreditsSchema = Type.Object({
  credit_balance: Type.Integer(),
  ledger: Type.Array(
    Type.Object({
      kind: Type.Union([Type.Literal('grant'), Type.Literal('consumption')]),
      at: Type.String({
        format: 'date-time',
        description: "The grant's time, or the UTC day of the consumption.",
      }),
      amount: Type.Integer({ description: 'Credits added (positive) or used that day (negative).' }),
      runs: Type.Integer({ description: 'Runs dispatched that day (consumption only).' }),
      note: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
});
export type CreditsBody = Type.Static<typeof CreditsSchema>;
