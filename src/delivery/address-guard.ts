/**
 * The webhook address guard (SSRF). A webhook may only reach public unicast addresses over https:
 * loopback, private, link-local (incl. cloud metadata 169.254.169.254), CGNAT, multicast, reserved,
 * unspecified, and IPv6 forms that embed IPv4 (IPv4-compatible `::a.b.c.d`, 6to4, Teredo, local-use
 * NAT64 `64:ff9b:1::/48`) are refused; IPv4-mapped `::ffff:a.b.c.d` and well-known NAT64
 * `64:ff9b::/96` (DNS64 networks answer with it) are judged by the IPv4 address they carry. It is checked
 * at dispatch (the URL's host and everything it resolves to) and again at connect time through
 * `guardedLookup`, so a name that re-resolves to a private address later (DNS rebinding) is refused
 * too. Numeric host forms (`2130706433`, `0x7f.1`, `127.1`) are normalised by the WHATWG URL parser
 * before they get here. `RUNDUN_WEBHOOK_ALLOW_INSECURE=true` turns the guard off for local development.
 *
 * Lookups go through `guardedResolver`: at most DNS_MAX_CONCURRENT at once (the rest wait their turn)
 * and each answered within DNS_TIMEOUT_MS or failed with ETIMEOUT, so a nameserver that never answers
 * cannot pin libuv's thread pool (4 threads, shared with file and crypto work) or hang a dispatch.
 * At dispatch a name that does not exist is a 400; a temporary failure (timeout, SERVFAIL) is a 503
 * with Retry-After, since the same request may well succeed a moment later.
 */
import dns from 'node:dns';
import net from 'node:net';
import ipaddr from 'ipaddr.js';
import { RetryLater, type FieldError } from '../domain/errors.js';

export const DNS_TIMEOUT_MS = 5_000;
export const DNS_MAX_CONCURRENT = 16;
/** A name that does not exist, as opposed to one that could not be resolved just now. */
const NONEXISTENT_NAME_CODES = new Set(['ENOTFOUND', 'ENODATA', 'EAI_NONAME', 'EAI_NODATA', 'NXDOMAIN']);

export class AddressRefusedError extends Error {
  readonly code = 'EADDRREFUSED';
  constructor(message: string) {
    super(message);
    this.name = 'AddressRefusedError';
  }
}

const NAT64_LOCAL_USE = ipaddr.parseCIDR('64:ff9b:1::/48');

/** The IPv4 address in the last 32 bits of an IPv6 one. */
function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4 {
  const parts = address.parts;
  return new ipaddr.IPv4([parts[6]! >> 8, parts[6]! & 0xff, parts[7]! >> 8, parts[7]! & 0xff]);
}

/** True only for public unicast IPv4/IPv6 addresses. */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  const parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv4') return parsed.range() === 'unicast';
  const v6 = parsed as ipaddr.IPv6;
  // ipaddr.js reads the dotted `::a.b.c.d` (IPv4-compatible, deprecated) as `::ffff:a.b.c.d`; only the
  // written-out mapped form is mapped. `::` and `::1` are unspecified and loopback, refused below.
  const dottedCompatible = /^::(?!ffff:)[^:]*\./i.test(address);
  const compatible = v6.parts.slice(0, 6).every((part) => part === 0) && !v6.isIPv4MappedAddress();
  if (dottedCompatible || (compatible && v6.range() === 'unicast')) return false;
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address().range() === 'unicast';
  if (v6.match(NAT64_LOCAL_USE)) return false;
  if (v6.range() === 'rfc6052') return embeddedIPv4(v6).range() === 'unicast';
  return v6.range() === 'unicast';
}

type LookupAll = (
  hostname: string,
  callback: (error: NodeJS.ErrnoException | null, records: dns.LookupAddress[]) => void,
) => void;

export interface GuardedResolver {
  /** Every address of `hostname`; rejects with the lookup's error, or ETIMEOUT after the timeout. */
  resolve(hostname: string): Promise<dns.LookupAddress[]>;
}

/** Lookups with a timeout and a cap on how many run at once (see the top of this file). */
export function createGuardedResolver(
  options: { lookup?: LookupAll; timeoutMs?: number; maxConcurrent?: number } = {},
): GuardedResolver {
  const lookup: LookupAll =
    options.lookup ?? ((hostname, callback) => dns.lookup(hostname, { all: true, verbatim: true }, callback));
  const timeoutMs = options.timeoutMs ?? DNS_TIMEOUT_MS;
  const maxConcurrent = options.maxConcurrent ?? DNS_MAX_CONCURRENT;
  let active = 0;
  const waiting: (() => void)[] = [];
  const done = () => {
    const next = waiting.shift();
    if (next) next();
    else active--;
  };
  return {
    resolve(hostname) {
      return new Promise((resolve, reject) => {
        let settled = false;
        // The timeout counts from the call: waiting for a slot is part of it.
        const timer = setTimeout(() => {
          settled = true;
          const error: NodeJS.ErrnoException = new Error(
            `DNS lookup of ${hostname} timed out after ${timeoutMs} ms`,
          );
          error.code = 'ETIMEOUT';
          reject(error);
        }, timeoutMs);
        const start = () => {
          if (settled) return done();
          // The slot is held until the lookup itself ends: that is what pins a thread.
          lookup(hostname, (error, records) => {
            done();
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            if (error) reject(error);
            else resolve(records);
          });
        };
        if (active < maxConcurrent) {
          active++;
          start();
        } else waiting.push(start);
      });
    },
  };
}

const defaultResolver = createGuardedResolver();

function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

async function resolveAll(host: string, resolver: GuardedResolver): Promise<string[]> {
  if (net.isIP(host)) return [host];
  const records = await resolver.resolve(host);
  return records.map((record) => record.address);
}

/**
 * Checks a webhook URL at dispatch. Returns the problem's field error, or null when it may be used;
 * throws a 503 (RetryLater) when its name could not be resolved just now.
 */
export async function checkWebhookUrl(
  raw: string,
  allowInsecure: boolean,
  resolver: GuardedResolver = defaultResolver,
): Promise<FieldError | null> {
  const refuse = (rule: string, message: string): FieldError => ({ pointer: '/webhook/url', rule, message });
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return refuse('url', 'must be an absolute URL');
  }
  if (url.username || url.password) return refuse('url_credentials', 'must not contain credentials');
  if (allowInsecure)
    return url.protocol === 'https:' || url.protocol === 'http:'
      ? null
      : refuse('https', 'must be an http(s) URL');
  if (url.protocol !== 'https:') return refuse('https', 'must use https');
  const host = hostOf(url);
  let addresses: string[];
  try {
    addresses = await resolveAll(host, resolver);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (NONEXISTENT_NAME_CODES.has(code))
      return refuse('resolvable_host', `the host ${host} does not resolve`);
    throw new RetryLater(
      'unavailable',
      `The webhook host ${host} could not be resolved just now (${code || 'DNS error'}); retry the request.`,
      5,
      { cause: error },
    );
  }
  const blocked = addresses.find((address) => !isPublicAddress(address));
  if (blocked)
    return refuse('public_address', `the host ${host} is or resolves to a non-public address (${blocked})`);
  return null;
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | dns.LookupAddress[],
  family?: number,
) => void;

/**
 * A `dns.lookup` replacement for the sending socket: resolves, then refuses the connection unless every
 * address is public. Pass it as `connect: { lookup }` to undici.
 */
export function guardedLookup(hostname: string, options: dns.LookupOptions, callback: LookupCallback): void {
  defaultResolver.resolve(hostname).then(
    (records) => {
      if (options.family === 4 || options.family === 6)
        records = records.filter((record) => record.family === options.family);
      const blocked = records.find((record) => !isPublicAddress(record.address));
      if (blocked)
        return callback(
          new AddressRefusedError(`refused: ${hostname} resolves to non-public address ${blocked.address}`),
          [],
        );
      if (options.all) return callback(null, records);
      const first = records[0];
      if (!first)
        return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), []);
      callback(null, first.address, first.family);
    },
    (error: NodeJS.ErrnoException) => callback(error, []),
  );
}
