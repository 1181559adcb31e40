/** The current time in whole unix seconds. */
export function nowUnixSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

// 1e11 s is the year 5138: a larger value is almost certainly milliseconds passed by mistake.
const MAX_UNIX_SECONDS = 1e11;

/** Throws a TypeError unless `value` is a non-negative integer that looks like unix seconds, not ms. */
export function assertUnixSeconds(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0 || value >= MAX_UNIX_SECONDS) {
    throw new TypeError(`${what} must be an integer number of unix seconds (got ${value})`);
  }
}
