/**
 * Schema errors in words, for the request validator (Ajv, src/http/validation.ts) and the template
 * check (TypeBox, src/domain/template.ts) alike; pure, so the dashboard's editor runs it as you type.
 *
 * Validators' errors are written for schema authors: a nullable integer out of range gives three ("must
 * be <= 8760", "must be null", "must match a schema in anyOf"), an unknown event name one per allowed
 * name. `describeSchemaIssues` turns them into one finding per field, in words, saying what is allowed:
 * a union is reported as its closest branch (the one whose type matched), or as the list of what it
 * accepts; ranges and lengths are stated whole ("an integer from 1 to 8760, or null").
 *
 * The issues are Ajv's shape with `verbose` (`parentSchema` is the schema holding the keyword, and
 * `schemaPath` ends in the keyword); `fromTypeBoxErrors` brings TypeBox's errors to that shape.
 */
import type { FieldError } from './errors.js';

export interface SchemaIssue {
  keyword: string;
  instancePath: string;
  schemaPath: string;
  params: Record<string, unknown>;
  message?: string;
  parentSchema?: unknown;
}
export type SchemaFinding = Pick<FieldError, 'pointer' | 'rule' | 'message'>;
type Schema = Record<string, unknown>;

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
  null: 'null',
};

const FORMAT_WORDS: Record<string, string> = {
  'date-time': 'a date and time in RFC 3339 form, e.g. 2026-01-31T09:30:00Z',
  date: 'a date, e.g. 2026-01-31',
  email: 'an email address',
  uri: 'an absolute URL',
};

const quote = (value: unknown) => JSON.stringify(value);
const typeWords = (type: unknown) =>
  (Array.isArray(type) ? type : [type]).map((t) => TYPE_WORDS[String(t)] ?? String(t)).join(' or ');

function pointerOf(issue: SchemaIssue): string {
  const params = issue.params as { missingProperty?: string; additionalProperty?: string };
  const field = params.missingProperty ?? params.additionalProperty;
  return `${issue.instancePath}${field === undefined ? '' : `/${field}`}`;
}

/** "from 1 to 8760", "at least 1", "at most 100" with the unit, from the bounds the schema declares. */
function bounds(low: unknown, high: unknown, unit = ''): string {
  const suffix = unit ? ` ${unit}` : '';
  if (typeof low === 'number' && typeof high === 'number') return `from ${low} to ${high}${suffix}`;
  return typeof low === 'number' ? `at least ${low}${suffix}` : `at most ${String(high)}${suffix}`;
}

function describeIssue(issue: SchemaIssue): SchemaFinding {
  const pointer = pointerOf(issue);
  const schema = (issue.parentSchema ?? {}) as Schema;
  const params = issue.params;
  const rule = issue.keyword;
  const say = (message: string, named = rule): SchemaFinding => ({ pointer, rule: named, message });
  switch (rule) {
    case 'required':
      return say('is required', 'required_field');
    case 'additionalProperties': {
      const known = Object.keys(schema.properties ?? {});
      return say(
        `is not a field here${known.length ? `; known fields: ${known.join(', ')}` : ''}`,
        'unknown_field',
      );
    }
    case 'type':
      return say(`must be ${typeWords(params.type)}`);
    case 'minimum':
    case 'maximum':
      return say(`must be ${typeWords(schema.type ?? 'number')} ${bounds(schema.minimum, schema.maximum)}`);
    case 'minLength':
    case 'maxLength':
      return say(`must be ${bounds(schema.minLength, schema.maxLength, 'characters')} long`);
    case 'minItems':
    case 'maxItems':
      return say(`must have ${bounds(schema.minItems, schema.maxItems, 'items')}`);
    case 'uniqueItems':
      return say(`must not repeat an item (items ${String(params.j)} and ${String(params.i)} are the same)`);
    case 'format':
      return say(`must be ${FORMAT_WORDS[String(params.format)] ?? `a valid ${String(params.format)}`}`);
    case 'pattern':
      return say(`must match the pattern ${String(params.pattern)}`);
    case 'enum':
      return say(`must be one of ${(params.allowedValues as unknown[]).map(quote).join(', ')}`);
    case 'const':
      return say(`must be ${quote(params.allowedValue)}`);
    default:
      return say(issue.message ?? 'is invalid');
  }
}

const isUnion = (issue: SchemaIssue) => issue.keyword === 'anyOf' || issue.keyword === 'oneOf';

/** What a branch that failed on the value's kind expected: a constant, an enum's values or a type. */
function expectedBy(branch: SchemaIssue[], pointer: string): string[] {
  const atPointer = branch.filter((issue) => issue.instancePath === pointer);
  // A literal is checked for its type and its value: the value says more.
  const top = atPointer.find((issue) => issue.keyword !== 'type') ?? atPointer[0];
  if (!top) return [];
  const params = top.params;
  if (top.keyword === 'const') return [quote(params.allowedValue)];
  if (top.keyword === 'enum') return (params.allowedValues as unknown[]).map(quote);
  return [typeWords(params.type)];
}

/** What a union's own schema accepts, branch by branch, when each branch states it plainly. */
function expectedBySchema(union: SchemaIssue): string[] | undefined {
  const branches = ((union.parentSchema ?? {}) as Schema)[union.keyword];
  if (!Array.isArray(branches)) return undefined;
  const words = (branches as Schema[]).map((branch): string[] | undefined => {
    if ('const' in branch) return [quote(branch.const)];
    if (Array.isArray(branch.enum)) return branch.enum.map(quote);
    return branch.type === undefined ? undefined : [typeWords(branch.type)];
  });
  return words.every((word) => word !== undefined) ? words.flat() : undefined;
}

/** A union as one finding: its closest branch's own errors, or a list of what it accepts. */
function describeUnion(union: SchemaIssue, members: SchemaIssue[]): SchemaFinding[] {
  const prefix = `${union.schemaPath}/`;
  const branches = new Map<string, SchemaIssue[]>();
  for (const issue of members) {
    const index = issue.schemaPath.slice(prefix.length).split('/')[0]!;
    branches.set(index, [...(branches.get(index) ?? []), issue]);
  }
  const pointer = union.instancePath;
  const wrongKind = (issue: SchemaIssue) =>
    issue.instancePath === pointer && ['type', 'const', 'enum'].includes(issue.keyword);
  const allowsNull = [...branches.values()].some((branch) =>
    branch.some((issue) => wrongKind(issue) && (issue.params as { type?: unknown }).type === 'null'),
  );
  const closest = [...branches.values()].find((branch) => !branch.some(wrongKind));
  if (closest) {
    return describeSchemaIssues(closest).map((finding) =>
      allowsNull && finding.pointer === pointer
        ? { ...finding, message: `${finding.message}, or null` }
        : finding,
    );
  }
  const expected =
    expectedBySchema(union) ?? [...branches.values()].flatMap((branch) => expectedBy(branch, pointer));
  const onlyConstants = expected.every((word) => word.startsWith('"'));
  const message = onlyConstants
    ? `must be one of ${expected.join(', ')}`
    : `must be ${expected.join(' or ')}`;
  return [{ pointer, rule: onlyConstants ? 'enum' : 'type', message }];
}

/** Issues as findings, one per failing field and union, first found first. */
export function describeSchemaIssues(issues: readonly SchemaIssue[]): SchemaFinding[] {
  const unions = issues.filter(isUnion);
  const insideAnother = (issue: SchemaIssue) =>
    unions.some((union) => union !== issue && issue.schemaPath.startsWith(`${union.schemaPath}/`));
  const findings: SchemaFinding[] = [];
  for (const issue of issues) {
    if (insideAnother(issue)) continue;
    if (!isUnion(issue)) {
      findings.push(describeIssue(issue));
      continue;
    }
    const members = issues.filter((other) => other.schemaPath.startsWith(`${issue.schemaPath}/`));
    findings.push(...describeUnion(issue, members));
  }
  return findings;
}
