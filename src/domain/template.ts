/**
 * Templates: the checklist an org sends. `parseTemplate` validates a template document written by an
 * author and returns it normalised (ids generated, defaults filled in), so a stored version and every
 * run's snapshot say exactly what the executor saw. Each error names the step and the rule.
 */
import Type, { type TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { validateStepConditions } from './condition-validation.js';
import { ConditionSchema } from './condition-schema.js';
import type { Condition } from './conditions.js';
import { DomainError, type FieldError } from './errors.js';
import { describeSchemaIssues } from './schema-errors.js';
import { fromTypeBoxErrors } from './typebox-issues.js';
import { newOptionId, newStepId } from './ids.js';

export const STEP_TYPES = [
  'boolean',
  'choice',
  'multi_choice',
  'text',
  'number',
  'rating',
  'photo',
  'signature',
  'barcode',
  'datetime',
  'instruction',
] as const;
export type StepType = (typeof STEP_TYPES)[number];

export const MAX_STEPS = 500;
export const MAX_OPTIONS = 100;
export const MAX_PHOTOS_PER_STEP = 20;
export const STEP_ID_PATTERN = '^s-[a-z0-9_-]{1,40}$';
export const OPTION_ID_PATTERN = '^o-[a-z0-9_-]{1,40}$';

const Label = Type.String({ minLength: 1, maxLength: 500 });
const Description = Type.String({ maxLength: 5000 });

export const PhotoOverlaySchema = Type.Object(
  {
    min: Type.Integer({ minimum: 0, maximum: MAX_PHOTOS_PER_STEP, default: 0 }),
    max: Type.Integer({ minimum: 1, maximum: MAX_PHOTOS_PER_STEP, default: 10 }),
    required_if: Type.Optional({
      ...ConditionSchema,
      description:
        'While this holds, at least one photo (or `min`, if larger) is needed. May refer to this step itself.',
    }),
  },
  {
    additionalProperties: false,
    description: 'Photos attached to the step; it counts as answered once `min` are taken.',
  },
);

export const OptionSchema = Type.Object(
  {
    id: Type.Optional(Type.String({ pattern: OPTION_ID_PATTERN, description: 'Generated when omitted.' })),
    label: Label,
  },
  { additionalProperties: false },
);

const common = {
  id: Type.Optional(Type.String({ pattern: STEP_ID_PATTERN, description: 'Generated when omitted.' })),
  label: Label,
  description: Type.Optional(Description),
  required: Type.Optional(Type.Boolean({ default: false })),
  photos: Type.Optional(PhotoOverlaySchema),
  visible_if: Type.Optional({
    ...ConditionSchema,
    description: 'The step is shown (asked, counted, required) only while this holds. Earlier steps only.',
  }),
  required_if: Type.Optional({
    ...ConditionSchema,
    description: 'The step is required while this holds. Earlier steps only.',
  }),
};

function stepSchema<T extends Record<string, TSchema>>(type: StepType, extra: T) {
  return Type.Object({ type: Type.Literal(type), ...common, ...extra }, { additionalProperties: false });
}

export const STEP_SCHEMAS = {
  boolean: stepSchema('boolean', {}),
  choice: stepSchema('choice', { options: Type.Array(OptionSchema, { minItems: 1, maxItems: MAX_OPTIONS }) }),
  multi_choice: stepSchema('multi_choice', {
    options: Type.Array(OptionSchema, { minItems: 1, maxItems: MAX_OPTIONS }),
    min_selected: Type.Optional(Type.Integer({ minimum: 0 })),
    max_selected: Type.Optional(Type.Integer({ minimum: 1 })),
  }),
  text: stepSchema('text', {
    multiline: Type.Optional(Type.Boolean()),
    max_length: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
  }),
  number: stepSchema('number', {
    min: Type.Optional(Type.Number()),
    max: Type.Optional(Type.Number()),
    integer: Type.Optional(Type.Boolean()),
    unit: Type.Optional(Type.String({ minLength: 1, maxLength: 20 })),
  }),
  rating: stepSchema('rating', { max: Type.Optional(Type.Integer({ minimum: 2, maximum: 10, default: 5 })) }),
  photo: stepSchema('photo', {}),
  signature: stepSchema('signature', {}),
  barcode: stepSchema('barcode', {}),
  datetime: stepSchema('datetime', {
    mode: Type.Optional(Type.Union([Type.Literal('date'), Type.Literal('datetime')])),
  }),
  instruction: stepSchema('instruction', {}),
} as const;

export const SettingsSchema = Type.Object(
  {
    allow_skip: Type.Optional(
      Type.Boolean({ default: false, description: 'Lets the executor skip non-required steps.' }),
    ),
    identity: Type.Optional(
      Type.Union([Type.Literal('anonymous'), Type.Literal('external'), Type.Literal('member')], {
        default: 'anonymous',
        description:
          'anonymous: a name is optional; external: name required; member: sign in as a member of the org.',
      }),
    ),
    geo: Type.Optional(
      Type.Union([Type.Literal('off'), Type.Literal('per_step')], {
        default: 'off',
        description: 'per_step: the app asks for the position with each answer (never blocks when denied).',
      }),
    ),
  },
  { additionalProperties: false },
);

const templateFields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  description: Type.Optional(Description),
  settings: Type.Optional(SettingsSchema),
};

/** The template document as an author writes it (the body of POST/PUT /v1/templates). */
export const TemplateInputSchema = Type.Object(
  {
    ...templateFields,
    steps: Type.Array(Type.Union(Object.values(STEP_SCHEMAS)), { minItems: 1, maxItems: MAX_STEPS }),
  },
  { additionalProperties: false },
);

export interface PhotoOverlay {
  min: number;
  max: number;
  required_if?: Condition;
}

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
  photos?: PhotoOverlay;
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

/** A validated, normalised template version. */
export interface TemplateDefinition {
  name: string;
  description?: string;
  settings: TemplateSettings;
  steps: Step[];
}

type Validator = ReturnType<typeof Compile>;

const checkTop = Compile(Type.Object(templateFields, { additionalProperties: false }));
const checkSteps = Object.fromEntries(
  Object.entries(STEP_SCHEMAS).map(([type, schema]) => [type, Compile(schema)]),
) as Record<StepType, Validator>;

/** A step as written by the author, after the schema check: ids and defaults may be missing. */
type StepInput = Omit<Step, 'id' | 'required' | 'options' | 'photos'> & {
  id?: string;
  required?: boolean;
  options?: { id?: string; label: string }[];
  photos?: { min?: number; max?: number; required_if?: Condition };
};

/** The step without its conditions, for the schema check: conditions get their own, clearer errors. */
function withoutConditions(step: Record<string, unknown>): Record<string, unknown> {
  const { visible_if: _visible, required_if: _required, ...rest } = step;
  if (typeof rest.photos === 'object' && rest.photos !== null && !Array.isArray(rest.photos)) {
    const { required_if: _photos, ...photos } = rest.photos as Record<string, unknown>;
    rest.photos = photos;
  }
  return rest;
}

// The template's rule names predate the shared describer; the dashboard and integrators read them.
const RULE_BY_KEYWORD: Record<string, string> = {
  minLength: 'min_length',
  maxLength: 'max_length',
  pattern: 'id_pattern',
  minItems: 'min_items',
  maxItems: 'max_items',
  const: 'value',
  enum: 'value',
};

/** A pointer inside the checked value as the field's name: `/photos/max` → `photos.max`. */
function fieldName(pointer: string): string {
  const parts = pointer.split('/').slice(1);
  return parts.map((part, i) => (/^\d+$/.test(part) ? `[${part}]` : `${i ? '.' : ''}${part}`)).join('');
}

/**
 * The schema's errors in words (src/domain/schema-errors.ts), each message led by `lead` and the field's
 * name. A missing or unknown field is pointed at the object holding it, where the editor shows it.
 */
function schemaErrors(
  check: Validator,
  value: unknown,
  prefix: string,
  lead = '',
  stepId?: string,
): FieldError[] {
  const findings = describeSchemaIssues(fromTypeBoxErrors(check.Errors(value), check.Type()));
  const out: FieldError[] = [];
  const unknownAt = new Map<string, { error: FieldError; names: string[]; known: string }>();
  for (const finding of findings) {
    const onObject = finding.rule === 'required_field' || finding.rule === 'unknown_field';
    const pointer = `${prefix}${onObject ? finding.pointer.slice(0, finding.pointer.lastIndexOf('/')) : finding.pointer}`;
    const name = fieldName(finding.pointer);
    const error: FieldError = {
      pointer,
      rule: RULE_BY_KEYWORD[finding.rule] ?? finding.rule,
      message: `${lead}${name ? `${name} ` : ''}${finding.message}`,
      ...(stepId ? { step_id: stepId } : {}),
    };
    const unknown = finding.rule === 'unknown_field' ? unknownAt.get(pointer) : undefined;
    if (unknown) {
      // One error per object for its unknown fields, as the known fields are the same list.
      unknown.names.push(name);
      unknown.error.message = `${lead}${unknown.names.join(', ')} are not fields here${unknown.known}`;
      continue;
    }
    if (finding.rule === 'unknown_field') {
      const known = finding.message.slice('is not a field here'.length);
      unknownAt.set(pointer, { error, names: [name], known });
    }
    if (!out.some((e) => e.pointer === pointer && e.message === error.message)) out.push(error);
  }
  // TypeBox stops after a few errors; a value it refuses is never passed for want of words.
  if (!out.length) out.push({ pointer: prefix, rule: 'invalid', message: `${lead}is invalid` });
  return out;
}

function stepError(
  index: number,
  stepId: string | undefined,
  field: string,
  rule: string,
  message: string,
): FieldError {
  return {
    pointer: `/steps/${index}${field ? `/${field}` : ''}`,
    rule,
    message: `${stepId ? `Step ${stepId}` : `Step ${index + 1}`}: ${message}`,
    ...(stepId ? { step_id: stepId } : {}),
  };
}

/** Semantic rules a schema cannot state: bounds that must be ordered, option ids that must be unique. */
function checkStepRules(step: StepInput, index: number): FieldError[] {
  const errors: FieldError[] = [];
  const id = step.id;
  if (step.photos && (step.photos.min ?? 0) > (step.photos.max ?? 10)) {
    errors.push(stepError(index, id, 'photos', 'photo_bounds', 'photos.min must not exceed photos.max'));
  }
  if (step.type === 'number' && step.min !== undefined && step.max !== undefined && step.min > step.max) {
    errors.push(stepError(index, id, 'min', 'number_bounds', 'min must not exceed max'));
  }
  if (step.type === 'multi_choice') {
    const count = step.options?.length ?? 0;
    if (step.min_selected !== undefined && step.min_selected > count) {
      errors.push(
        stepError(
          index,
          id,
          'min_selected',
          'selection_bounds',
          'min_selected exceeds the number of options',
        ),
      );
    }
    if (
      step.max_selected !== undefined &&
      step.min_selected !== undefined &&
      step.min_selected > step.max_selected
    ) {
      errors.push(
        stepError(index, id, 'min_selected', 'selection_bounds', 'min_selected must not exceed max_selected'),
      );
    }
  }
  if (step.type === 'choice' || step.type === 'multi_choice') {
    const seen = new Set<string>();
    step.options?.forEach((option, optionIndex) => {
      if (option.id && seen.has(option.id)) {
        errors.push(
          stepError(
            index,
            id,
            `options/${optionIndex}/id`,
            'duplicate_option_id',
            `option id ${option.id} is used twice`,
          ),
        );
      }
      if (option.id) seen.add(option.id);
    });
  }
  return errors;
}

function normaliseStep(step: StepInput, stepIds: Set<string>): Step {
  const { id, required, photos, options, ...rest } = step;
  const normalised: Step = {
    ...(rest as Omit<Step, 'id' | 'required'>),
    id: id ?? newStepId(stepIds),
    required: required ?? false,
  };
  stepIds.add(normalised.id);
  if (options) {
    const optionIds = new Set(options.flatMap((o) => (o.id ? [o.id] : [])));
    normalised.options = options.map((o) => {
      const optionId = o.id ?? newOptionId(optionIds);
      optionIds.add(optionId);
      return { id: optionId, label: o.label };
    });
  }
  const photosRule = photos?.required_if ? { required_if: photos.required_if } : {};
  if (step.type === 'photo')
    normalised.photos = { min: photos?.min ?? 1, max: photos?.max ?? 10, ...photosRule };
  else if (photos) normalised.photos = { min: photos.min ?? 0, max: photos.max ?? 10, ...photosRule };
  if (step.type === 'rating') normalised.max = step.max ?? 5;
  if (step.type === 'datetime') normalised.mode = step.mode ?? 'date';
  return normalised;
}

/** Validates an author's template document; throws `invalid_template` naming each step and rule. */
export function parseTemplate(input: unknown): TemplateDefinition {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new DomainError('invalid_template', 'The template must be a JSON object.', [
      { pointer: '', rule: 'type', message: 'must be an object' },
    ]);
  }
  const body = input as Record<string, unknown>;
  const errors: FieldError[] = [];
  const { steps, ...top } = body;
  if (!checkTop.Check(top)) errors.push(...schemaErrors(checkTop, top, ''));
  if (!Array.isArray(steps)) {
    errors.push({
      pointer: '/steps',
      rule: steps === undefined ? 'required_field' : 'type',
      message: 'steps must be an array of steps',
    });
  } else if (steps.length === 0 || steps.length > MAX_STEPS) {
    errors.push({
      pointer: '/steps',
      rule: steps.length ? 'max_items' : 'min_items',
      message: `a template has 1 to ${MAX_STEPS} steps`,
    });
  } else {
    const seenIds = new Set<string>();
    steps.forEach((raw: unknown, index) => {
      const step = raw as Record<string, unknown> | null;
      const stepId = typeof step?.id === 'string' ? step.id : undefined;
      const type = step?.type as StepType | undefined;
      if (typeof step !== 'object' || step === null || !type || !STEP_TYPES.includes(type)) {
        errors.push(
          stepError(index, stepId, 'type', 'step_type', `type must be one of ${STEP_TYPES.join(', ')}`),
        );
        return;
      }
      if (stepId && seenIds.has(stepId))
        errors.push(stepError(index, stepId, 'id', 'duplicate_step_id', `step id ${stepId} is used twice`));
      if (stepId) seenIds.add(stepId);
      const check = checkSteps[type];
      const plain = withoutConditions(step);
      if (!check.Check(plain)) {
        const lead = `${stepId ? `Step ${stepId}` : `Step ${index + 1}`}: `;
        errors.push(...schemaErrors(check, plain, `/steps/${index}`, lead, stepId));
        return;
      }
      errors.push(...checkStepRules(step as StepInput, index));
    });
    const allowSkip = (top.settings as { allow_skip?: unknown } | undefined)?.allow_skip === true;
    const typed = steps.filter((s: unknown): s is StepInput => {
      const type = (s as { type?: unknown } | null)?.type;
      return STEP_TYPES.includes(type as StepType);
    });
    if (typed.length === steps.length) errors.push(...validateStepConditions(typed, allowSkip));
  }
  if (errors.length) throw new DomainError('invalid_template', 'The template is invalid.', errors);

  const stepIds = new Set((steps as StepInput[]).flatMap((s) => (s.id ? [s.id] : [])));
  const settings = (top.settings ?? {}) as Partial<TemplateSettings>;
  return {
    name: top.name as string,
    ...(typeof top.description === 'string' ? { description: top.description } : {}),
    settings: {
      allow_skip: settings.allow_skip ?? false,
      identity: settings.identity ?? 'anonymous',
      geo: settings.geo ?? 'off',
    },
    steps: (steps as StepInput[]).map((step) => normaliseStep(step, stepIds)),
  };
}

export function findStep(template: TemplateDefinition, stepId: string): Step | undefined {
  return template.steps.find((step) => step.id === stepId);
}
