/**
 * The wire shapes of runs and templates as the API answers them (GET /v1/runs/:id, /v1/templates, the
 * executor's /x/runs/:run_id). Replies are serialized by these schemas, which write only the properties
 * they declare: a field a handler returns must be declared here, or it is dropped from the answer.
 * Conditions and answers are declared open ({}), as their grammar is checked by the domain, not here.
 */
import Type from 'typebox';
import type { Condition } from '../domain/conditions.js';
import { STEP_TYPES, type Step, type TemplateSettings } from '../domain/template.js';
import { literalUnion, Nullable, Timestamp } from './schemas.js';

export const RunStatusSchema = literalUnion(['pending', 'in_progress', 'completed', 'cancelled', 'expired']);

const ConditionOut = (description: string) =>
  Type.Unsafe<Condition>({
    description: `${description} The condition grammar is that of the template's request body.`,
  });

export const StepSchema = Type.Object({
  id: Type.String(),
  type: literalUnion(STEP_TYPES),
  label: Type.String(),
  description: Type.Optional(Type.String()),
  required: Type.Boolean(),
  photos: Type.Optional(
    Type.Object({
      min: Type.Integer(),
      max: Type.Integer(),
      required_if: Type.Optional(ConditionOut('While this holds, at least one photo is needed.')),
    }),
  ),
  visible_if: Type.Optional(ConditionOut('The step is shown only while this holds.')),
  required_if: Type.Optional(ConditionOut('The step is required while this holds.')),
  options: Type.Optional(Type.Array(Type.Object({ id: Type.String(), label: Type.String() }))),
  min_selected: Type.Optional(Type.Integer()),
  max_selected: Type.Optional(Type.Integer()),
  multiline: Type.Optional(Type.Boolean()),
  max_length: Type.Optional(Type.Integer()),
  min: Type.Optional(Type.Number()),
  max: Type.Optional(Type.Number()),
  integer: Type.Optional(Type.Boolean()),
  unit: Type.Optional(Type.String()),
  mode: Type.Optional(literalUnion(['date', 'datetime'])),
});

export const TemplateSettingsSchema = Type.Object({
  allow_skip: Type.Boolean(),
  identity: literalUnion(['anonymous', 'external', 'member']),
  geo: literalUnion(['off', 'per_step']),
});

/** True when A and B are the same type, optional fields included (mutual assignability is not enough). */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Holds<T extends true> = T;
/**
 * The reply's step and settings are the domain's Step and TemplateSettings exactly, which the apps
 * import: a field added to one and not the other fails the build instead of being dropped from the
 * answer, or typed in the apps and never sent.
 */
export type StepSchemaIsDomainStep = Holds<Same<Type.Static<typeof StepSchema>, Step>>;
export type SettingsSchemaIsDomainSettings = Holds<
  Same<Type.Static<typeof TemplateSettingsSchema>, TemplateSettings>
>;

/** A template version as stored: ids generated and defaults filled in. */
export const templateDefinitionFields = {
  name: Type.String(),
  description: Type.Optional(Type.String()),
  settings: TemplateSettingsSchema,
  steps: Type.Array(StepSchema),
};

export const TemplateDefinitionSchema = Type.Object(templateDefinitionFields);

export const TemplateSchema = Type.Object({
  id: Type.String(),
  version: Type.Integer(),
  archived_at: Nullable(Timestamp),
  created_at: Timestamp,
  updated_at: Timestamp,
  ...templateDefinitionFields,
});

export const IdentitySchema = Type.Union(
  [
    Type.Object({ mode: Type.Literal('anonymous') }),
    Type.Object({
      mode: Type.Literal('external'),
      name: Type.String(),
      email: Type.Optional(Type.String()),
      phone: Type.Optional(Type.String()),
    }),
    Type.Object({ mode: Type.Literal('member'), user_id: Type.String() }),
  ],
  { description: 'How the executor identified themselves.' },
);

export const ProgressSchema = Type.Object({
  total: Type.Integer({ description: 'Steps shown (a step hidden by its visible_if does not count).' }),
  answered: Type.Integer(),
  skipped: Type.Integer(),
});

export const GeoSchema = Nullable(
  Type.Object({
    lat: Type.Number(),
    lng: Type.Number(),
    accuracy_m: Nullable(Type.Number(), { description: 'Metres; null when the device gave none.' }),
  }),
  { description: 'Where the answer was given (settings.geo per_step); null when not asked or denied.' },
);

export const AnswerStatusSchema = literalUnion(['answered', 'skipped']);

export const AnswerValueSchema = Type.Unknown({
  description:
    'Shaped by the step type: boolean, option id, option ids, text, number, ISO date(-time), barcode, ' +
    'null for photo and instruction steps.',
});

export const RunSummarySchema = Type.Object({
  run_id: Type.String(),
  status: RunStatusSchema,
  link: Type.String({ description: 'The page the person opens to complete the run.' }),
  template_id: Type.String(),
  template_v: Type.Integer(),
  executor_ref: Nullable(Type.String()),
  assigned_to: Nullable(Type.String()),
  created_at: Timestamp,
  expires_at: Nullable(Timestamp),
  finished_at: Nullable(Timestamp),
  livemode: Type.Boolean({ description: 'false for a run dispatched with a test key.' }),
});

const RunPhotoSchema = Type.Object({
  photo_index: Type.Integer(),
  url: Type.String({ description: 'Signed URL of the full-size image; expires.' }),
  width: Type.Integer(),
  height: Type.Integer(),
  thumbnail_url: Nullable(Type.String({ description: 'Signed URL of a JPEG fitting 320×240.' })),
});

export const RunDocumentSchema = Type.Object(
  {
    ...RunSummarySchema.properties,
    identity: Nullable(IdentitySchema),
    webhook: Nullable(Type.Object({ url: Type.String(), events: Type.Array(Type.String()) })),
    started_at: Nullable(Timestamp),
    duration_seconds: Nullable(Type.Integer(), { description: 'Creation to submission; completed only.' }),
    last_step_id: Nullable(Type.String()),
    progress: ProgressSchema,
    template: TemplateDefinitionSchema,
    answers: Type.Record(
      Type.String(),
      Type.Object({
        status: AnswerStatusSchema,
        answer: AnswerValueSchema,
        photos: Type.Array(RunPhotoSchema),
        geo: GeoSchema,
        answered_at: Timestamp,
      }),
      { description: 'By step id; a signature answer is its image URL.' },
    ),
    hidden_steps: Type.Array(Type.String(), {
      description: 'Steps hidden by the answers (their visible_if does not hold).',
    }),
  },
  { description: 'The full run document.' },
);

/** The answer to POST /v1/runs. */
export const DispatchRunResponseSchema = Type.Object({
  run_id: Type.String(),
  link: Type.String({ description: 'The page the person opens to complete the run.' }),
  expires_at: Nullable(Timestamp),
  assigned_to: Nullable(Type.String()),
  livemode: Type.Boolean({ description: 'false for a run dispatched with a test key (rdk_test_…).' }),
});
