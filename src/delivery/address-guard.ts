/**
 * The webhook address guard (SSRF). A webhook may only reach public unicast addresses over https:
 * loopback, private, link-local (incl. cloud metadata 169.254.169.254), CGNAT, multicast, reserved,
 * unspecified, and IPv6 forms that embed IPv4 (mapped, NAT64, 6to4, Teredo) are refused. It is checked
 * at dispatch (the URL's host and everything it resolves to) and again at connect time through
 * `guardedLookup`, so a name that re-resolves to a private address later (DNS rebinding) is refused
 * too. Numeric host forms (`2130706433`, `0x7f.1`, `127.1`) are normalised by the WHATWG URL parser
 * before they get here. `RUNDUN_WEBHOOK_ALLOW_INSECURE=true` turns the guard off for local development.
 */
import dns from 'node:dns';
import net from 'node:net';
import ipaddr from 'ipaddr.js';
import type { FieldError } from '../domain/errors.js';

export class AddressRefusedError extends Error {
  readonly code = 'EADDRREFUSED';
  constructor(message: string) {
    super(message);
    this.name = 'AddressRefusedError';
  }
}

/** True only for public unicast IPv4/IPv6 addresses. */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  }
  return parsed.range() === 'unicast';
}

function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

async function resolveAll(host: string): Promise<string[]> {
  if (net.isIP(host)) return [host];
  const records = await dns.promises.lookup(host, { all: true, verbatim: true });
  return records.map((record) => record.address);
}

/** Checks a webhook URL at dispatch. Returns the problem's field error, or null when it may be used. */
export async function checkWebhookUrl(raw: string, allowInsecure: boolean): Promise<FieldError | null> {
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
    addresses = await resolveAll(host);
  } catch {
    return refuse('resolvable_host', `the host ${host} does not resolve`);
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
  dns.lookup(hostname, { ...options, all: true }, (error, records) => {
    if (error) return callback(error, []);
    const blocked = records.find((record) => !isPublicAddress(record.address));
    if (blocked)
      return callback(
        new AddressRefusedError(`refused: ${hostname} resolves to non-public address ${blocked.address}`),
        [],
      );
    if (options.all) return callback(null, records);
    const first = records[0]!;
    callback(null, first.address, first.family);
  });
}
