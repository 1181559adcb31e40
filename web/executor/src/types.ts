/**
 * The shapes the executor API (/x) sends and accepts, as type-only imports of the server's own
 * definitions, so a change on the server breaks this build instead of drifting; nothing here reaches
 * the bundle. The template's steps and settings are src/domain/template.ts's; what /x answers is the
 * Static of the TypeBox schema each route serializes its reply with (src/http/routes/x/reply-schemas.ts);
 * what the app sends is checked against the route's body schema where it is sent (api.ts). The wire's
 * shared shapes (identity, position, progress, step types) are @rundun/webhooks' own.
 */
import type Type from 'typebox';
import type { Geo, Identity, Progress, StepType } from '@rundun/webhooks';
import type * as Reply from '../../../src/http/routes/x/reply-schemas.js';
import type * as Body from '../../../src/http/routes/x/schemas.js';
import type { ProblemBody } from '../../../src/http/schemas.js';

export type { Option, Step, TemplateSettings } from '../../../src/domain/template.js';
export type { Geo, Identity, Progress, StepType };

/** GET /x/runs/:id and start: what the app renders. */
export type RunDocument = Type.Static<typeof Reply.ExecutorRunViewSchema>;
export type RunStatus = RunDocument['status'];
/** An answer as the server holds it, by step id in `RunDocument.answers`. */
export type ServerAnswer = RunDocument['answers'][string];
/** A stored image: a signature's, or a photo's (the upload's answer). */
export type Media = Type.Static<typeof Reply.MediaViewSchema>;
export type UploadedMedia = Media;
/** The signed-in member (login's answer, and `RunDocument.member`). */
export type Member = Type.Static<typeof Reply.MemberSchema>;
/** PUT /x/runs/:id/steps/:step_id and its skip. */
export type StepAnswer = Type.Static<typeof Reply.StepAnswerSchema>;
/** Submit and cancel. */
export type FinishAnswer = Type.Static<typeof Reply.FinishAnswerSchema>;

/** The bodies the routes accept, for `satisfies` checks where the app sends them. */
export type StartBody = Type.Static<typeof Body.StartBody>;
export type AnswerBodyAccepted = Type.Static<typeof Body.AnswerBody>;
export type SkipBody = Type.Static<typeof Body.SkipBody>;
export type SubmitBody = Type.Static<typeof Body.SubmitBody>;
export type CancelBody = Type.Static<typeof Body.CancelBody>;

/**
 * How the executor identifies at start: narrower than what start accepts (api.ts checks it fits). A
 * member is the session's user, so no id is sent.
 */
export type IdentityInput = Exclude<Identity, { mode: 'member' }> | { mode: 'member' };

/**
 * A failed answer's body. Every field may be missing: the app also reads answers that are not the
 * server's problem+json (a proxy's error page, a cut connection) and makes one up for them.
 */
export type ProblemDetails = Partial<ProblemBody>;
