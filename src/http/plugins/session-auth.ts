/**
 * The dashboard's way into /v1: the session cookie (`__Host-rundun_session` under https) instead of an API key (see
 * src/http/session-cookie.ts). The session gives `request.orgId` like a key does, plus the user and
 * their role. State-changing requests need the CSRF header and a same-site origin. Routes that manage
 * keys, members and invitations call `requireOwnerSession`: an API key cannot mint keys.
 */
import type { FastifyRequest } from 'fastify';
import { findSessionMember, type Role } from '../../db/sessions.js';
import { DomainError } from '../../domain/errors.js';
import { isAllowedOrigin } from '../routes/x/guard.js';
import { CSRF_HEADER, isValidCsrfToken, readSessionToken } from '../session-cookie.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** How this /v1 request authenticated. */
    authKind: 'api_key' | 'session' | null;
    /** The signed-in user (session only). */
    userId: string | null;
    /** The signed-in user's role in the org (session only). */
    role: Role | null;
  }
  interface FastifyContextConfig {
    /** A /v1 route that needs no authentication (sign-up, sign-in, invitation pages). */
    public?: boolean;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function hasSessionCookie(request: FastifyRequest): boolean {
  return readSessionToken(request) !== undefined;
}

export async function authenticateSession(request: FastifyRequest): Promise<void> {
  const ctx = request.server.ctx;
  const token = readSessionToken(request)!;
  const member = await findSessionMember(ctx.db, token, ctx.now());
  if (!member) throw new DomainError('unauthorized', 'Your session has ended. Sign in again.');
  if (!SAFE_METHODS.has(request.method)) {
    const origin = request.headers.origin;
    const crossSite =
      (origin !== undefined && !isAllowedOrigin(request, origin)) ||
      request.headers['sec-fetch-site'] === 'cross-site';
    const presented = request.headers[CSRF_HEADER];
    if (
      crossSite ||
      !isValidCsrfToken(ctx.secret, token, typeof presented === 'string' ? presented : undefined)
    ) {
      throw new DomainError(
        'forbidden',
        `A request signed in with the session cookie must send the ${CSRF_HEADER} header from /v1/auth/session.`,
      );
    }
  }
  request.authKind = 'session';
  request.orgId = member.orgId;
  request.userId = member.user.id;
  request.role = member.role;
}

/** Only an owner's dashboard session may manage keys, members and invitations. */
export function requireOwnerSession(request: FastifyRequest): void {
  if (request.authKind !== 'session') {
    throw new DomainError(
      'forbidden',
      'This needs an owner signed in to the dashboard; an API key cannot do it.',
    );
  }
  if (request.role !== 'owner') throw new DomainError('forbidden', 'Only an owner of the org can do this.');
}

export function requireSession(request: FastifyRequest): void {
  if (request.authKind !== 'session') {
    throw new DomainError('forbidden', 'This needs a dashboard session; an API key cannot do it.');
  }
}
