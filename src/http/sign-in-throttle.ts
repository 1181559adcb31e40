/**
 * Sign-in throttling with growing delays, per email and per client address. Every attempt is counted
 * as a failure before the password is checked (atomically with the check, so a parallel burst is
 * counted one by one), and taken back when the password was right. After `free` failures in a streak,
 * the next attempt must wait `base × 2^(failures − free)` after the last failure, at most `max`; until
 * then it gets 429 with `Retry-After`, without the password being checked. A streak is forgotten once
 * its last failure is `forget` old. A right password clears its email's streak and takes its one
 * failure back from the address's (which is not cleared, so one address cannot spray many accounts
 * by signing in to its own now and then).
 *
 *   email:   3 free, then 2 s, 4 s, 8 s … at most 1 h; forgotten after 24 h without a failure
 *   address: 20 free, then 1 s, 2 s, 4 s … at most 15 min; forgotten after 1 h
 *
 * So one email takes 13 guesses in its first ~70 minutes and 1 an hour after that; one address 30 in
 * its first ~17 minutes and 4 an hour after that.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  claimSignInAttempt,
  clearSignInFailures,
  forgiveSignInAttempt,
  type ClaimKey,
  type FailureCount,
} from '../db/sign-in-failures.js';
import { normalizeEmail } from '../db/users.js';
import { sendProblem } from './problems.js';

export interface DelayRule {
  free: number;
  baseMs: number;
  maxMs: number;
  forgetMs: number;
}

const HOUR_MS = 3_600_000;

export const SIGN_IN_RULES = {
  email: { free: 3, baseMs: 2000, maxMs: HOUR_MS, forgetMs: 24 * HOUR_MS },
  ip: { free: 20, baseMs: 1000, maxMs: 15 * 60_000, forgetMs: HOUR_MS },
} as const satisfies Record<string, DelayRule>;

/** How long after its last failure a streak of `failures` must wait before the next attempt. */
export function signInDelayMs(rule: DelayRule, failures: number): number {
  if (failures < rule.free) return 0;
  return Math.min(rule.maxMs, rule.baseMs * 2 ** Math.min(failures - rule.free, 30));
}

function keysOf(request: FastifyRequest, email: string) {
  return { email: `email:${normalizeEmail(email)}`, ip: `ip:${request.ip}` };
}

function claimKey(key: string, rule: DelayRule): ClaimKey {
  return {
    key,
    forgetMs: rule.forgetMs,
    waitFor: (count: FailureCount) => signInDelayMs(rule, count.failures),
  };
}

/**
 * Counts this attempt, or sends 429 and returns true when this email or address must wait. After
 * false, the caller checks the password and calls `recordSuccessfulSignIn` when it was right or
 * `forgiveSignInAttempt` when the attempt failed for another reason than the password.
 */
export async function refuseThrottledSignIn(
  request: FastifyRequest,
  reply: FastifyReply,
  email: string,
): Promise<boolean> {
  const { db, now } = request.server.ctx;
  const keys = keysOf(request, email);
  const { waitMs } = await claimSignInAttempt(
    db,
    [claimKey(keys.email, SIGN_IN_RULES.email), claimKey(keys.ip, SIGN_IN_RULES.ip)],
    now(),
  );
  if (waitMs <= 0) return false;
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  const wait = seconds < 120 ? `${seconds} seconds` : `${Math.ceil(seconds / 60)} minutes`;
  void reply.header('Retry-After', String(seconds));
  sendProblem(
    reply,
    'rate_limited',
    `Too many failed sign-ins. Wait ${wait} and try again, or ask an owner to reset the password.`,
    undefined,
    429,
  );
  return true;
}

/** The password was right: the email's streak ends and the address's failure is taken back. */
export async function recordSuccessfulSignIn(request: FastifyRequest, email: string): Promise<void> {
  const keys = keysOf(request, email);
  await clearSignInFailures(request.server.ctx.db, keys.email);
  await forgiveSignInAttempt(request.server.ctx.db, [keys.ip]);
}

/** The attempt failed for another reason than the password (a used invitation): not a guess. */
export async function forgiveFailedSignIn(request: FastifyRequest, email: string): Promise<void> {
  const keys = keysOf(request, email);
  await forgiveSignInAttempt(request.server.ctx.db, [keys.email, keys.ip]);
}
