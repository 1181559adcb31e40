/**
 * TypeBox's validation errors in Ajv's verbose shape, so src/domain/schema-errors.ts describes both.
 * TypeBox differs in four ways: `schemaPath` names the schema holding the keyword (Ajv's ends in the
 * keyword), there is no `parentSchema` (looked up here by that path in the checked schema), `required`
 * and `additionalProperties` list all their fields in one error (Ajv: one error per field), and each
 * unknown field is reported a second time, as a `boolean` ("schema is false") error at the field.
 *
 * TypeBox stops after `maxErrors` (8 by default): a union cut short keeps its branches' errors but
 * loses its own `anyOf` error, which is then put back, so a cut union is still described as a union;
 * and the `boolean` errors, which come first and may be all there is, are read as the unknown fields.
 */
import type { SchemaIssue } from './schema-errors.js';

export interface TypeBoxError {
  keyword: string;
  schemaPath: string;
  instancePath: string;
  params: unknown;
  message: string;
}

/** The schema a `#/a/b` path names inside `root` (JSON pointer escapes undone). */
function schemaAt(root: unknown, schemaPath: string): unknown {
  let node = root;
  for (const part of schemaPath.replace(/^#\/?/, '').split('/')) {
    if (part === '') continue;
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    node = (node as Record<string, unknown> | undefined)?.[key];
  }
  return node;
}

function toIssues(error: TypeBoxError, root: unknown): SchemaIssue[] {
  const parentSchema = schemaAt(root, error.schemaPath);
  const issue = (keyword: string, params: Record<string, unknown>): SchemaIssue => ({
    keyword,
    instancePath: error.instancePath,
    schemaPath: `${error.schemaPath}/${keyword}`,
    params,
    message: error.message,
    parentSchema,
  });
  const params = (error.params ?? {}) as Record<string, unknown>;
  if (error.keyword === 'boolean') {
    // "schema is false" at /steps/0/colour: the unknown field `colour` of the object holding it.
    const cut = error.instancePath.lastIndexOf('/');
    const holder = error.schemaPath.replace(/\/additionalProperties$/, '');
    if (holder === error.schemaPath) return [];
    return [
      {
        keyword: 'additionalProperties',
        instancePath: error.instancePath.slice(0, cut),
        schemaPath: `${holder}/additionalProperties`,
        params: {
          additionalProperty: error.instancePath
            .slice(cut + 1)
            .replace(/~1/g, '/')
            .replace(/~0/g, '~'),
        },
        message: error.message,
        parentSchema: schemaAt(root, holder),
      },
    ];
  }
  if (error.keyword === 'required')
    return (params.requiredProperties as string[]).map((name) =>
      issue('required', { missingProperty: name }),
    );
  if (error.keyword === 'additionalProperties')
    return (params.additionalProperties as string[]).map((name) =>
      issue('additionalProperties', { additionalProperty: name }),
    );
  return [issue(error.keyword, params)];
}

/** Puts back the `anyOf` error of each union whose branches' errors are there without it. */
function restoreCutUnions(issues: SchemaIssue[], root: unknown): SchemaIssue[] {
  const unions = new Set(issues.filter((i) => i.keyword === 'anyOf').map((i) => i.schemaPath));
  const restored: SchemaIssue[] = [];
  for (const issue of issues) {
    const match = /^(.*)\/anyOf\/\d+\//.exec(issue.schemaPath);
    const union = match ? `${match[1]}/anyOf` : undefined;
    if (union && !unions.has(union) && !issues.some((i) => i.schemaPath === union)) {
      unions.add(union);
      const parentSchema = schemaAt(root, match![1]!);
      const instancePath = issue.instancePath;
      restored.push({ keyword: 'anyOf', instancePath, schemaPath: union, params: {}, parentSchema });
    }
  }
  return [...issues, ...restored];
}

/** TypeBox errors of a value checked against `root`, as Ajv-shaped issues. */
export function fromTypeBoxErrors(errors: Iterable<TypeBoxError>, root: unknown): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  const seen = new Set<string>();
  for (const issue of [...errors].flatMap((error) => toIssues(error, root))) {
    const key = JSON.stringify([issue.schemaPath, issue.instancePath, issue.params]);
    if (!seen.has(key)) issues.push(issue);
    seen.add(key);
  }
  return restoreCutUnions(issues, root);
}
