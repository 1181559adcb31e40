/**
 * Password hashes: scrypt, with its parameters in the stored string (PHC string format):
 *
 *   $scrypt$ln=17,r=8,p=1$<salt, base64>$<64-byte key, base64>
 *
 * N = 2^ln. The default, N = 2^17, r = 8, p = 1, takes 128 × N × r = 128 MiB and ~0.3 s per hash;
 * `maxmem` is raised to fit (Node's default of 32 MiB refuses it). Verification uses the parameters
 * parsed from the stored hash, so hashes made with other parameters (and the first format,
 * `scrypt$16384$8$1$<salt>$<key>`) still verify; `needsRehash` tells sign-in to store a new hash
 * under the current parameters. At most `SCRYPT_CONCURRENCY` derivations run at once per process
 * (the rest wait their turn), so a burst of sign-ins holds 2 × 128 MiB and two threads of libuv's
 * pool, not all of them.
 */
import crypto from 'node:crypto';

export interface ScryptCost {
  /** log2 of N. */
  ln: number;
  r: number;
  p: number;
}

export const DEFAULT_SCRYPT_COST: Readonly<ScryptCost> = Object.freeze({ ln: 17, r: 8, p: 1 });

const SALT_BYTES = 16;
const KEY_BYTES = 64;
/**
 * Parameters a stored hash may ask for; beyond them it is refused unverified (a hash cannot make a
 * sign-in allocate gigabytes). The memory cap allows twice the default (N = 2^18, r = 8).
 */
const LIMITS = { ln: [1, 20], r: [1, 32], p: [1, 16] } as const;
const MAX_MEMORY_BYTES = 257 * 1024 * 1024;
export const SCRYPT_CONCURRENCY = 2;

const PHC =
  /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;
const LEGACY = /^scrypt\$(\d{1,8})\$(\d{1,2})\$(\d{1,2})\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;

interface ParsedHash {
  cost: ScryptCost;
  salt: Buffer;
  key: Buffer;
  legacy: boolean;
}

function withinLimits(cost: ScryptCost): boolean {
  return (
    Object.entries(LIMITS).every(([name, [min, max]]) => {
      const value = cost[name as keyof ScryptCost];
      return Number.isInteger(value) && value >= min && value <= max;
    }) && memoryOf(cost) <= MAX_MEMORY_BYTES
  );
}

const memoryOf = (cost: ScryptCost) => 128 * cost.r * (2 ** cost.ln + cost.p);

/** The stored hash's parts, or undefined for anything that is not a hash this module made. */
export function parsePasswordHash(stored: string): ParsedHash | undefined {
  const phc = PHC.exec(stored);
  const legacy = phc ? null : LEGACY.exec(stored);
  const match = phc ?? legacy;
  if (!match) return undefined;
  const n = Number(match[1]);
  const ln = phc ? n : Math.log2(n);
  const cost = { ln, r: Number(match[2]), p: Number(match[3]) };
  if (!withinLimits(cost)) return undefined;
  const salt = Buffer.from(match[4]!, 'base64');
  const key = Buffer.from(match[5]!, 'base64');
  if (salt.length < 8 || key.length < 16) return undefined;
  return { cost, salt, key, legacy: legacy !== null };
}

export function formatPasswordHash(cost: ScryptCost, salt: Buffer, key: Buffer): string {
  const b64 = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '');
  return `$scrypt$ln=${cost.ln},r=${cost.r},p=${cost.p}$${b64(salt)}$${b64(key)}`;
}

let running = 0;
const waiting: (() => void)[] = [];

async function derive(password: string, salt: Buffer, length: number, cost: ScryptCost): Promise<Buffer> {
  if (running >= SCRYPT_CONCURRENCY) await new Promise<void>((resolve) => waiting.push(resolve));
  running += 1;
  try {
    return await new Promise<Buffer>((resolve, reject) => {
      // Looked up on the module at call time (not bound at import), so a test can observe the calls.
      crypto.scrypt(
        password,
        salt,
        length,
        { N: 2 ** cost.ln, r: cost.r, p: cost.p, maxmem: memoryOf(cost) + 16 * 1024 * 1024 },
        (error, key) => (error ? reject(error) : resolve(key)),
      );
    });
  } finally {
    running -= 1;
    waiting.shift()?.();
  }
}

export async function hashPassword(
  password: string,
  cost: ScryptCost = DEFAULT_SCRYPT_COST,
): Promise<string> {
  if (!withinLimits(cost)) throw new Error(`scrypt parameters out of range: ${JSON.stringify(cost)}`);
  const salt = crypto.randomBytes(SALT_BYTES);
  return formatPasswordHash(cost, salt, await derive(password, salt, KEY_BYTES, cost));
}

/** Whether `password` matches `stored`, derived with the parameters `stored` names. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parsePasswordHash(stored);
  if (!parsed) return false;
  const actual = await derive(password, parsed.salt, parsed.key.length, parsed.cost);
  return crypto.timingSafeEqual(actual, parsed.key);
}

/** A hash in the first format, or under other parameters than `cost`, is replaced at the next sign-in. */
export function needsRehash(stored: string, cost: ScryptCost = DEFAULT_SCRYPT_COST): boolean {
  const parsed = parsePasswordHash(stored);
  if (!parsed) return true;
  const { ln, r, p } = parsed.cost;
  return parsed.legacy || ln !== cost.ln || r !== cost.r || p !== cost.p || parsed.key.length !== KEY_BYTES;
}

const dummies = new Map<string, string>();

/**
 * A hash no password matches, under `cost`: an unknown email is verified against it, so it costs the
 * same derivation as a known one (no hashing is done to make it: salt and key are random bytes).
 */
export function dummyPasswordHash(cost: ScryptCost = DEFAULT_SCRYPT_COST): string {
  const id = `${cost.ln},${cost.r},${cost.p}`;
  let dummy = dummies.get(id);
  if (!dummy) {
    dummy = formatPasswordHash(cost, crypto.randomBytes(SALT_BYTES), crypto.randomBytes(KEY_BYTES));
    dummies.set(id, dummy);
  }
  return dummy;
}
