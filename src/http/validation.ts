/**
 * Two Ajv instances: bodies are checked strictly (no type coercion, unknown fields refused rather than
 * silently dropped — Fastify's default strips them), while querystrings and params coerce strings into
 * the declared numbers and booleans, as URLs only carry strings.
 */
import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

const common: Options = { allErrors: true, useDefaults: true, removeAdditional: false, strict: false };
const bodyAjv = addFormats(new Ajv({ ...common, coerceTypes: false }));
const urlAjv = addFormats(new Ajv({ ...common, coerceTypes: 'array' }));

export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? bodyAjv : urlAjv).compile(schema);
