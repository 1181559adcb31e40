/**
 * Two Ajv instances: bodies are checked strictly (no type coercion, unknown fields refused rather than
 * silently dropped — Fastify's default strips them), while querystrings and params coerce strings into
 * the declared numbers and booleans, as URLs only carry strings.
 *
 * `describeValidationErrors` gives Ajv's errors as one error per field, in words, saying what is allowed
 * (src/domain/schema-errors.ts, which templates' own check shares), with where in the request it is.
 */
import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import type { FieldError } from '../domain/errors.js';
import { describeSchemaIssues, type SchemaIssue } from '../domain/schema-errors.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

// `verbose` puts the failing schema on each error, so a message can state the whole range.
const common: Options = {
  allErrors: true,
  useDefaults: true,
  removeAdditional: false,
  strict: false,
  verbose: true,
};
const bodyAjv = addFormats(new Ajv({ ...common, coerceTypes: false }));
const urlAjv = addFormats(new Ajv({ ...common, coerceTypes: 'array' }));

export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? bodyAjv : urlAjv).compile(schema);

const LOCATIONS: Record<string, FieldError['in']> = {
  body: 'body',
  querystring: 'query',
  params: 'path',
  headers: 'header',
};

/** Ajv's errors for one part of the request as one error per field, first found first. */
export function describeValidationErrors(issues: readonly SchemaIssue[], httpPart: string): FieldError[] {
  const where = LOCATIONS[httpPart];
  const byPointer = new Map<string, FieldError>();
  for (const finding of describeSchemaIssues(issues)) {
    if (!byPointer.has(finding.pointer))
      byPointer.set(finding.pointer, { ...(where ? { in: where } : {}), ...finding });
  }
  return [...byPointer.values()];
}
