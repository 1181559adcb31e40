/**
 * Request headers as receivers hold them: a fetch `Headers` object, or a plain record such as Node's
 * `IncomingMessage.headers` (any key case; repeated fields as arrays).
 */
export type HeaderSource = Headers | Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * The value of one header field as RFC 9421 §2.1 covers it: each field line trimmed, repeated lines joined
 * with ", ". `undefined` when the field is absent.
 */
export function getHeader(headers: HeaderSource, name: string): string | undefined {
  const wanted = name.toLowerCase();
  if (isFetchHeaders(headers)) return headers.get(wanted) ?? undefined;
  const values: string[] = [];
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    if (typeof value === 'string') values.push(value);
    else values.push(...value);
  }
  return values.length === 0 ? undefined : values.map((value) => value.trim()).join(', ');
}

// Duck-typed rather than `instanceof Headers`: undici's own Headers class is a different constructor.
function isFetchHeaders(headers: HeaderSource): headers is Headers {
  const candidate = headers as Partial<Headers>;
  return typeof candidate.get === 'function' && typeof candidate.forEach === 'function';
}
