/**
 * The RFC 9421 §2.5 signature base. For each covered component, in order, one line
 * `"<component identifier>": <component value>`, then the line
 * `"@signature-params": <inner list of the identifiers with the signature parameters>`; lines are joined
 * with a single LF and there is no trailing LF. The `@signature-params` value is also the label's member
 * value in `Signature-Input`, so both are produced here from one serialization (structured-headers).
 *
 * Supported components: the derived `@method`, `@target-uri`, `@authority`, `@scheme`, `@request-target`,
 * `@path`, `@query`, and any header field by its lowercase name. Component parameters (`;sf`, `;req`,
 * `@query-param;name=…`) are not supported: Rundun's format uses none.
 */
import {
  serializeInnerList,
  serializeItem,
  type DisplayString,
  type Item,
  type Parameters,
  type Token,
} from 'structured-headers';
import { getHeader, type HeaderSource } from './headers.js';

/**
 * A signature parameter value. RFC 9421 defines integers (`created`, `expires`) and strings (`keyid`, `alg`,
 * `nonce`, `tag`); any other structured-field bare item is accepted so that a received Signature-Input can
 * be serialized again exactly.
 */
export type SignatureParamValue =
  string | number | boolean | Token | DisplayString | Date | ArrayBuffer | ArrayBufferView;

/** Signature parameters in the order they are serialized (a `Map`, or a record in insertion order). */
export type SignatureParams =
  ReadonlyMap<string, SignatureParamValue> | Readonly<Record<string, SignatureParamValue>>;

export interface SignatureBaseInput {
  /** The request method, used as given (RFC 9421 performs no case change). Needed for `@method`. */
  method?: string;
  /**
   * The full target URI. Needed for `@target-uri` and the other URI-derived components. It is read with
   * the WHATWG URL parser: scheme and host lowercased, default port dropped, an empty path becomes `/`, the
   * fragment is removed (fragments are never sent) — the form an HTTP client puts on the wire.
   */
  url?: string;
  /** Header fields. Needed for each covered header component. */
  headers?: HeaderSource;
  /** Covered component identifiers in signing order: derived (`@method`) or lowercase field names. */
  components: readonly string[];
  /** Signature parameters (`created`, `keyid`, `alg`, `tag`, …), serialized in the order given. */
  params: SignatureParams;
}

export interface SignatureBase {
  /** The exact text to sign (UTF-8), with no trailing LF. */
  base: string;
  /** The serialized inner list with parameters: the value of `@signature-params` and of the Signature-Input member. */
  signatureParams: string;
}

/** Builds the RFC 9421 signature base; throws an `Error` naming the component when a value is unavailable. */
export function createSignatureBase(input: SignatureBaseInput): SignatureBase {
  assertUniqueLowercase(input.components);
  const lines = input.components.map(
    (component) => `${serializeItem(component, new Map())}: ${resolveComponent(component, input)}`,
  );
  const items = input.components.map((component): Item => [component, new Map<string, never>()]);
  const signatureParams = serializeInnerList([items, toParameters(input.params)]);
  lines.push(`"@signature-params": ${signatureParams}`);
  return { base: lines.join('\n'), signatureParams };
}

/** The `@target-uri` value for a URL: its WHATWG serialization without a fragment. */
export function normalizeTargetUri(url: string): string {
  const target = new URL(url);
  target.hash = '';
  return target.href;
}

function resolveComponent(component: string, input: SignatureBaseInput): string {
  if (component.startsWith('@')) return deriveComponent(component, input);
  const value = input.headers === undefined ? undefined : getHeader(input.headers, component);
  if (value === undefined) throw new Error(`covered header field "${component}" is not present`);
  return value;
}

function deriveComponent(component: string, { method, url }: SignatureBaseInput): string {
  if (component === '@method') {
    if (!method) throw new Error('"@method" is covered but no method was given');
    return method;
  }
  if (url === undefined) throw new Error(`"${component}" is covered but no url was given`);
  const target = new URL(normalizeTargetUri(url));
  switch (component) {
    case '@target-uri':
      return target.href;
    case '@authority':
      return target.host;
    case '@scheme':
      return target.protocol.slice(0, -1);
    case '@request-target':
      return `${target.pathname}${target.search}`;
    case '@path':
      return target.pathname || '/';
    case '@query':
      // RFC 9421 §2.2.7: an absent or empty query is the lone "?".
      return target.search || '?';
    default:
      throw new Error(`derived component "${component}" is not supported`);
  }
}

function assertUniqueLowercase(components: readonly string[]): void {
  const seen = new Set<string>();
  for (const component of components) {
    if (component !== component.toLowerCase()) {
      throw new Error(`component identifier "${component}" must be lowercase`);
    }
    if (seen.has(component)) throw new Error(`component "${component}" is covered twice`);
    seen.add(component);
  }
}

function toParameters(params: SignatureParams): Parameters {
  return new Map<string, SignatureParamValue>(isMap(params) ? params : Object.entries(params));
}

function isMap(params: SignatureParams): params is ReadonlyMap<string, SignatureParamValue> {
  return params instanceof Map;
}
