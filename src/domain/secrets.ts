/**
 * API keys and passwords. Keys are `rdk_live_` (or `rdk_test_` for test mode) + 32 characters
 * [A-Za-z0-9] from the CSPRNG; only their SHA-256 is stored. Passwords: see passwords.ts.
 */
import { hash, randomBytes } from 'node:crypto';

export const API_KEY_PREFIX = 'rdk_live_';
export const TEST_API_KEY_PREFIX = 'rdk_test_';
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const API_KEY_PATTERN = /^rdk_(live|test)_[A-Za-z0-9]{32}$/;

/** Uniform over the alphabet: bytes ≥ 248 (= 4 × 62) are dropped rather than folded in with modulo bias. */
export function randomAlphanumeric(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += ALPHABET[byte % 62];
    }
  }
  return out;
}

/** A live key, or with `livemode: false` a test key (`rdk_test_…`). */
export function generateApiKey(livemode = true): string {
  return (livemode ? API_KEY_PREFIX : TEST_API_KEY_PREFIX) + randomAlphanumeric(32);
}

export function isApiKeyFormat(value: string): boolean {
  return API_KEY_PATTERN.test(value);
}

export function sha256Hex(value: string | Uint8Array): string {
  return hash('sha256', value, 'hex');
}
