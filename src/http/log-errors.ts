/**
 * How an error reaches the log: an allowlist of fields, never the whole object. Database drivers hang
 * the failing statement's text and parameters on their errors (pg's `where`, PGlite's `query` and
 * `params`, Kysely's `parameters`), and a parameter can be a webhook secret or an answer; pino's
 * standard serializer would print every enumerable property. What is kept says what failed and where:
 * the class, message, code, the PostgreSQL condition fields that name schema objects (never values),
 * the stack, and the same for the `cause` chain.
 */

/** PostgreSQL error fields that name the failing rule or object, never a value. */
const DATABASE_FIELDS = ['severity', 'routine', 'constraint', 'table', 'column', 'schema'] as const;
const MAX_CAUSE_DEPTH = 3;

export interface LoggedError {
  type: string;
  message: string;
  code?: string;
  statusCode?: number;
  stack?: string;
  cause?: LoggedError;
  [field: string]: unknown;
}

function pickString(source: Record<string, unknown>, field: string): string | undefined {
  const value = source[field];
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

export function serializeError(error: unknown, depth = 0): LoggedError {
  if (!(error instanceof Error)) return { type: typeof error, message: 'a non-Error value was thrown' };
  const source = error as unknown as Record<string, unknown>;
  const logged: LoggedError = { type: error.constructor?.name ?? error.name, message: error.message };
  const code = pickString(source, 'code');
  if (code !== undefined) logged.code = code;
  if (typeof source.statusCode === 'number') logged.statusCode = source.statusCode;
  for (const field of DATABASE_FIELDS) {
    const value = pickString(source, field);
    if (value !== undefined) logged[field] = value;
  }
  if (error.stack) logged.stack = error.stack;
  if (error.cause !== undefined && depth < MAX_CAUSE_DEPTH)
    logged.cause = serializeError(error.cause, depth + 1);
  return logged;
}
