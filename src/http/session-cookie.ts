/**
 * The sign-in session cookie, shared by the dashboard (/v1 with a session) and the executor app's
 * member sign-in (/x/auth): `rundun_session`, HttpOnly, SameSite=Lax, Path=/, Secure when PUBLIC_URL
 * or the request (behind a TLS proxy: X-Forwarded-Proto) is https; 30 days. When PUBLIC_URL is https
 * the name is `__Host-rundun_session`: browsers then accept the cookie only from a secure origin,
 * with Path=/ and no Domain, so a sibling subdomain (or a network attacker over http) cannot plant a
 * session of its own choosing; the plain name is neither read nor set then. Plain http (local
 * development) keeps `rundun_session`, which browsers would refuse with the prefix. Signing in always makes a
 * new token and ends the session the browser presented (rotation, so a planted cookie is worthless).
 *
 * CSRF: a state-changing /v1 request authenticated by the cookie must carry `X-CSRF-Token`, an HMAC of
 * the session token under the instance secret that the dashboard reads from the sign-in answer or
 * `GET /v1/auth/session`. Another site can neither read it nor send a custom header without a CORS
 * preflight, which this server never grants.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createSession, deleteSession, SESSION_TTL_MS } from '../db/sessions.js';

export const SESSION_COOKIE = 'rundun_session';
export const SECURE_SESSION_COOKIE = `__Host-${SESSION_COOKIE}`;
export const CSRF_HEADER = 'x-csrf-token';

/** The session cookie's name on a server reached at `publicUrl`. */
export function sessionCookieName(publicUrl: string): string {
  return new URL(publicUrl).protocol === 'https:' ? SECURE_SESSION_COOKIE : SESSION_COOKIE;
}

/** The session token this request presents under this server's cookie name, if any. */
export function readSessionToken(request: FastifyRequest): string | undefined {
  return request.cookies?.[sessionCookieName(request.server.ctx.config.publicUrl)] || undefined;
}

export function csrfTokenFor(secret: string, sessionToken: string): string {
  return createHmac('sha256', secret).update(`csrf:${sessionToken}`).digest('base64url');
}

export function isValidCsrfToken(
  secret: string,
  sessionToken: string,
  presented: string | undefined,
): boolean {
  if (!presented) return false;
  const expected = Buffer.from(csrfTokenFor(secret, sessionToken));
  const actual = Buffer.from(presented);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

function cookieOptions(request: FastifyRequest) {
  const secure =
    new URL(request.server.ctx.config.publicUrl).protocol === 'https:' || request.protocol === 'https';
  return { httpOnly: true, sameSite: 'lax' as const, secure, path: '/' };
}

/** Opens a new session for the user (ending the one this browser presented) and sets the cookie; returns its CSRF token. */
export async function startSession(
  request: FastifyRequest,
  reply: FastifyReply,
  input: { userId: string; orgId: string | null },
): Promise<string> {
  const ctx = request.server.ctx;
  const previous = readSessionToken(request);
  if (previous) await deleteSession(ctx.db, previous);
  const token = await createSession(ctx.db, { userId: input.userId, orgId: input.orgId, now: ctx.now() });
  void reply.setCookie(sessionCookieName(ctx.config.publicUrl), token, {
    ...cookieOptions(request),
    maxAge: Math.floor(SESSION_TTL_MS / 1000),
  });
  return csrfTokenFor(ctx.secret, token);
}

export async function endSession(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const token = readSessionToken(request);
  if (token) await deleteSession(request.server.ctx.db, token);
  void reply.clearCookie(sessionCookieName(request.server.ctx.config.publicUrl), cookieOptions(request));
}
