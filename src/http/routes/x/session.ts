/**
 * Member sign-in for the executor app: `POST /x/auth/login` sets the `rundun_session` cookie (the
 * dashboard's too: see src/http/session-cookie.ts), `POST /x/auth/logout` ends it. Only the token's
 * SHA-256 is stored. A wrong password and an unknown email get the same 401; sign-ins are throttled
 * per email and per address like the dashboard's.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { findSessionUser } from '../../../db/sessions.js';
import { authenticateUser, type User } from '../../../db/users.js';
import { DomainError } from '../../../domain/errors.js';
import { noContent, problems } from '../../schemas.js';
import { MemberSchema } from './reply-schemas.js';
import { endSession, readSessionToken, startSession } from '../../session-cookie.js';
import { recordSuccessfulSignIn, refuseThrottledSignIn } from '../../sign-in-throttle.js';

const LoginBody = Type.Object(
  {
    email: Type.String({ minLength: 1, maxLength: 320 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { additionalProperties: false },
);

/** The signed-in user of this request, or null (no cookie, unknown or expired session). */
export async function findRequestUser(request: FastifyRequest): Promise<User | null> {
  const token = readSessionToken(request);
  if (!token) return null;
  const ctx = request.server.ctx;
  return (await findSessionUser(ctx.db, token, ctx.now())) ?? null;
}

export function toMember(user: User) {
  return { user_id: user.id, email: user.email, name: user.name };
}

export function registerSessionRoutes(instance: FastifyInstance): void {
  const x = instance.withTypeProvider<TypeBoxTypeProvider>();
  const ctx = x.ctx;

  x.post(
    '/auth/login',
    {
      schema: {
        tags: ['executor'],
        operationId: 'executorSignIn',
        summary: 'Sign in as an org member (sets the rundun_session cookie)',
        security: [],
        body: LoginBody,
        response: { 200: MemberSchema, ...problems(400, 401, 415, 429) },
      },
    },
    async (request, reply) => {
      const { email, password } = request.body;
      if (await refuseThrottledSignIn(request, reply, email)) return reply;
      const user = await authenticateUser(ctx.db, email, password, ctx.config.passwordScrypt);
      // Counted as a failure already (refuseThrottledSignIn); a right password takes it back.
      if (!user) throw new DomainError('unauthorized', 'The email or password is not correct.');
      await recordSuccessfulSignIn(request, email);
      await startSession(request, reply, { userId: user.id, orgId: null });
      return toMember(user);
    },
  );

  x.post(
    '/auth/logout',
    {
      schema: {
        tags: ['executor'],
        operationId: 'executorSignOut',
        summary: 'Sign out (ends the session)',
        security: [],
        response: { 204: noContent('Signed out.'), ...problems(415) },
      },
    },
    async (request, reply) => {
      await endSession(request, reply);
      return reply.code(204).send();
    },
  );
}
