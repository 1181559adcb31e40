/**
 * Whether an error means the database could not be reached (refused, reset, timed out, shut down,
 * closed) rather than that a statement failed. The HTTP layer answers these 503 with `Retry-After`:
 * the same request may well succeed once the database is back. Drivers say it in different ways:
 * `pg` with socket error codes, SQLSTATE class 08 and 57P0x, and a bare message when the server drops
 * a connection; PGlite with a message once its instance is closed.
 */
import { isMarkedFromDatabase } from './error-origin.js';

/** Socket errors of a connection that could not be made or was lost. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** SQLSTATEs of a server that is going away or full: admin/crash shutdown, cannot connect now, too many connections. */
const SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);

const MESSAGES = [
  /^Connection terminated/,
  /timeout exceeded when trying to connect/,
  /^Client has encountered a connection error/,
  /^PGlite (instance )?is (already )?closed/,
];

const MAX_DEPTH = 4;

/**
 * Only an error the database client threw counts (src/db/error-origin.ts), or one it holds as its
 * cause; the same socket code from anywhere else is that thing's failure, not the database's.
 */
export function isDatabaseUnavailable(error: unknown, depth = 0, fromDatabase = false): boolean {
  if (!(error instanceof Error) || depth > MAX_DEPTH) return false;
  const inside = fromDatabase || isMarkedFromDatabase(error);
  const code = (error as { code?: unknown }).code;
  const saysUnavailable =
    (typeof code === 'string' && (SOCKET_CODES.has(code) || SQLSTATES.has(code) || code.startsWith('08'))) ||
    MESSAGES.some((pattern) => pattern.test(error.message));
  if (inside && saysUnavailable) return true;
  // A host name that resolves to several addresses fails with one error per address.
  if (
    error instanceof AggregateError &&
    error.errors.some((inner) => isDatabaseUnavailable(inner, depth + 1, inside))
  )
    return true;
  return isDatabaseUnavailable(error.cause, depth + 1, inside);
}
