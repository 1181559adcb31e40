/**
 * Sign-in throttling: failed attempts are counted per email and per client address over a 15-minute
 * window; once either count reaches its limit, further attempts for that email or from that address
 * get 429 with `Retry-After` until the window ends, without the password being checked. A successful
 * sign-in clears its email's count (not the address's, so one address cannot spray many accounts).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { clearSignInFailures, readSignInFailures, recordSignInFailure } from '../db/sign-in-failures.js';
import { normalizeEmail } from '../db/users.js';
import { sendProblem } from './problems.js';

export const SIGN_IN_WINDOW_MS = 15 * 60_000;
export const SIGN_IN_FAILURES_PER_EMAIL = 5;
export const SIGN_IN_FAILURES_PER_IP = 20;

function keysOf(request: FastifyRequest, email: string) {
  return { email: `email:${normalizeEmail(email)}`, ip: `ip:${request.ip}` };
}

/** Sends 429 and returns true when this email or address has failed too often lately. */
export async function refuseThrottledSignIn(
  request: FastifyRequest,
  reply: FastifyReply,
  email: string,
): Promise<boolean> {
  const { db, now } = request.server.ctx;
  const keys = keysOf(request, email);
  const at = now();
  const counts = await readSignInFailures(db, [keys.email, keys.ip], at, SIGN_IN_WINDOW_MS);
  const limits = [
    [keys.email, SIGN_IN_FAILURES_PER_EMAIL],
    [keys.ip, SIGN_IN_FAILURES_PER_IP],
  ] as const;
  let retryAfterMs = 0;
  for (const [key, limit] of limits) {
    const count = counts.get(key);
    if (count && count.failures >= limit) {
      retryAfterMs = Math.max(
        retryAfterMs,
        count.windowStartedAt.getTime() + SIGN_IN_WINDOW_MS - at.getTime(),
      );
    }
  }
  if (retryAfterMs <= 0) return false;
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  void reply.header('Retry-After', String(seconds));
  sendProblem(
    reply,
    'rate_limited',
    `Too many failed sign-ins. Wait ${Math.ceil(seconds / 60)} minute(s) and try again, or reset the password with an owner.`,
    undefined,
    429,
  );
  return true;
}

export async function recordFailedSignIn(request: FastifyRequest, email: string): Promise<void> {
  const keys = keysOf(request, email);
  const { db, now } = request.server.ctx;
  await recordSignInFailure(db, [keys.email, keys.ip], now(), SIGN_IN_WINDOW_MS);
}

export async function recordSuccessfulSignIn(request: FastifyRequest, email: string): Promise<void> {
  await clearSignInFailures(request.server.ctx.db, keysOf(request, email).email);
}
