/**
 * Text the database cannot store is bad input, refused before any handler runs: a U+0000 (PostgreSQL
 * text and jsonb cannot hold it, so it used to surface as a 500) or a lone UTF-16 surrogate (not a
 * character; it has no UTF-8 form) anywhere in a JSON body — values and property names — the query
 * string, the path parameters or a header value answers 400 naming the field.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DomainError, type FieldError } from '../domain/errors.js';

type Location = NonNullable<FieldError['in']>;

interface BadString {
  in: Location;
  /** A JSON pointer: into the body, or `/<name>` for a query parameter, path parameter or header. */
  pointer: string;
  rule: 'nul_character' | 'lone_surrogate';
}

// With the `u` flag a surrogate pair is one code point, so `\p{Cs}` matches only a lone half.
// eslint-disable-next-line no-control-regex -- finding U+0000 is the point
const BAD_CHARACTER = /\u0000|\p{Cs}/u;

function badCharacterIn(text: string): BadString['rule'] | undefined {
  if (!BAD_CHARACTER.test(text)) return undefined;
  return text.includes('\u0000') ? 'nul_character' : 'lone_surrogate';
}

const escapePointer = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

/** The first bad string in a parsed JSON value, depth first, as a JSON pointer. */
export function findBadString(
  value: unknown,
  pointer = '',
): { pointer: string; rule: BadString['rule'] } | undefined {
  if (typeof value === 'string') {
    const rule = badCharacterIn(value);
    return rule && { pointer, rule };
  }
  if (typeof value !== 'object' || value === null || Buffer.isBuffer(value)) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findBadString(value[i], `${pointer}/${i}`);
      if (found) return found;
    }
    return undefined;
  }
  for (const [key, item] of Object.entries(value)) {
    const keyRule = badCharacterIn(key);
    // A bad property name cannot be pointed at exactly; point at its escaped spelling.
    if (keyRule)
      return { pointer: `${pointer}/${escapePointer(JSON.stringify(key).slice(1, -1))}`, rule: keyRule };
    const found = findBadString(item, `${pointer}/${escapePointer(key)}`);
    if (found) return found;
  }
  return undefined;
}

function findInRequest(request: FastifyRequest): BadString | undefined {
  const parts: [Location, unknown][] = [
    ['path', request.params],
    ['query', request.query],
    ['header', request.headers],
    ['body', request.body],
  ];
  for (const [location, value] of parts) {
    const found = findBadString(value);
    if (found) return { in: location, ...found };
  }
  return undefined;
}

const WHAT: Record<BadString['rule'], string> = {
  nul_character: 'a NUL character (U+0000)',
  lone_surrogate: 'a lone UTF-16 surrogate (half of a character pair)',
};

const WHERE: Record<Location, string> = {
  body: 'Body field',
  query: 'Query parameter',
  path: 'Path parameter',
  header: 'Header',
};

export function badStringError(found: BadString): DomainError {
  const name = found.in === 'body' ? found.pointer || '(the body)' : found.pointer.slice(1);
  const message = `${WHERE[found.in]} ${name} contains ${WHAT[found.rule]}, which text cannot hold; remove it.`;
  return new DomainError('invalid_request', message, [
    { in: found.in, pointer: found.pointer, rule: found.rule, message },
  ]);
}

/** A root hook, so every route (/v1, /x, media) checks before validation, handlers and the database. */
export function registerBadStringCheck(app: FastifyInstance): void {
  app.addHook('preValidation', (request, _reply, done) => {
    const found = findInRequest(request);
    done(found ? badStringError(found) : undefined);
  });
}
