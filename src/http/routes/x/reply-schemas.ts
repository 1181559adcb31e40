/**
 * Replies of the executor API. Serialized by these schemas: a field not declared here is dropped from
 * the answer (see src/http/run-schemas.ts).
 */
import Type from 'typebox';
import {
  AnswerStatusSchema,
  AnswerValueSchema,
  GeoSchema,
  IdentitySchema,
  ProgressSchema,
  RunStatusSchema,
  StepSchema,
  TemplateSettingsSchema,
} from '../../run-schemas.js';
import { Nullable, Timestamp } from '../../schemas.js';

export const RunParamsSchema = Type.Object({
  run_id: Type.String({ description: 'The run id (the link).' }),
});
export const StepParamsSchema = Type.Object({ ...RunParamsSchema.properties, step_id: Type.String() });

export const MemberSchema = Type.Object({
  user_id: Type.String(),
  email: Type.String(),
  name: Nullable(Type.String()),
});

export const MediaViewSchema = Type.Object({
  media_id: Type.String(),
  url: Type.String({ description: 'Signed URL of the stored image; expires.' }),
  thumbnail_url: Type.String({ description: 'Signed URL of a JPEG fitting 320×240.' }),
  content_type: Type.String(),
  width: Type.Integer(),
  height: Type.Integer(),
});

export const ExecutorRunViewSchema = Type.Object(
  {
    run_id: Type.String(),
    status: RunStatusSchema,
    expires_at: Nullable(Timestamp),
    created_at: Timestamp,
    started_at: Nullable(Timestamp),
    finished_at: Nullable(Timestamp),
    template: Type.Object({
      name: Type.String(),
      description: Type.Optional(Type.String()),
      settings: TemplateSettingsSchema,
      steps: Type.Array(StepSchema),
    }),
    identity: Nullable(IdentitySchema),
    assigned: Type.Boolean({ description: 'Only the member it was assigned to may execute it.' }),
    member: Nullable(MemberSchema, { description: 'The signed-in member, if any.' }),
    progress: ProgressSchema,
    last_step_id: Nullable(Type.String()),
    answers: Type.Record(
      Type.String(),
      Type.Object({
        status: AnswerStatusSchema,
        answer: AnswerValueSchema,
        media: Type.Array(MediaViewSchema, { description: "A signature's image first, then the photos." }),
        geo: GeoSchema,
        answered_at: Timestamp,
      }),
      { description: 'By step id, hidden steps included; a signature answer is its media id.' },
    ),
    livemode: Type.Boolean({ description: 'false for a test run: the app shows a "Test run" banner.' }),
    hidden_steps: Type.Array(Type.String()),
    required_steps: Type.Array(Type.String(), { description: 'Steps required now (required_if included).' }),
    photos_required: Type.Record(Type.String(), Type.Integer(), {
      description: 'Photo minimums raised by photos.required_if, by step id.',
    }),
  },
  { description: 'What the executor app renders.' },
);

export const StepAnswerSchema = Type.Object({
  step_id: Type.String(),
  status: AnswerStatusSchema,
  progress: ProgressSchema,
  replayed: Type.Boolean({ description: 'The request_id was seen before: nothing changed.' }),
});

export const FinishAnswerSchema = Type.Object({
  run_id: Type.String(),
  status: RunStatusSchema,
  finished_at: Nullable(Timestamp),
  duration_seconds: Nullable(Type.Integer()),
  progress: ProgressSchema,
  replayed: Type.Boolean({ description: 'The run was already finished this way: nothing changed.' }),
});
