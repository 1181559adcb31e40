/**
 * The condition grammar as a JSON Schema, for the OpenAPI document. Conditions are checked by
 * condition-validation.ts (whose errors name the step, the field and the rule), not by this schema;
 * nested conditions are described one level deep here, as JSON Schema cannot state the depth limit.
 */
import Type from 'typebox';
import type { Condition } from './conditions.js';

const scalar = { type: ['boolean', 'number', 'string'] };
const nested = {
  type: 'object',
  description: 'A condition: a leaf or a combinator (nesting depth ≤ 5, ≤ 50 leaves in all).',
};

const leaf = {
  type: 'object',
  description:
    'A leaf: "step" (an earlier step id) and exactly one operator. Comparisons are false while that step has no answer.',
  required: ['step'],
  minProperties: 2,
  maxProperties: 2,
  additionalProperties: false,
  properties: {
    step: { type: 'string', pattern: '^s-[a-z0-9_-]{1,40}$' },
    equals: {
      ...scalar,
      description: 'boolean, choice (option id), text, barcode, number, rating, datetime',
    },
    not_equals: { ...scalar, description: 'Answered, and not this value.' },
    in: { type: 'array', items: scalar, minItems: 1, maxItems: 100 },
    includes: { type: 'string', description: 'multi_choice: the answer holds this option id.' },
    gt: { type: 'number', description: 'number, rating' },
    gte: { type: 'number' },
    lt: { type: 'number' },
    lte: { type: 'number' },
    answered: { const: true },
    skipped: { const: true },
  },
};

const combinator = (key: 'all' | 'any' | 'not') => ({
  type: 'object',
  required: [key],
  additionalProperties: false,
  properties: { [key]: key === 'not' ? nested : { type: 'array', items: nested, minItems: 1 } },
});

export const ConditionSchema = Type.Unsafe<Condition>({
  anyOf: [leaf, combinator('all'), combinator('any'), combinator('not')],
});
