/**
 * Member sign-in for the executor app: `POST /x/auth/login` sets the `rundun_session` cookie
 * (HttpOnly, SameSite=Lax, Path=/, Secure when PUBLIC_URL is https; 30 days), `POST /x/auth/logout`
 * ends it. Only the token's SHA-256 is stored. A wrong password and an unknown email get the same 401.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import Type from 'typebox';
import {
  authenticateUser,
  createSession,
  deleteSession,
  findSessionUser,
  SESSION_TTL_MS,
  type User,
} from '../../../db/users.js';
import { DomainError } from '../../../domain/errors.js';
import { problems } from '../../schemas.js';

export const SESSION_COOKIE = 'rundun_session';

const LoginBody = Type.Object(
  {
    email: Type.String({ minLength: 1, maxLength: 320 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { additionalProperties: false },
);

/** The signed-in user of this request, or null (no cookie, unknown or expired session). */
export async function findRequestUser(request: FastifyRequest): Promise<User | null> {
  const token = request.cookies[SESSION_COOKIE];
  if (!token) return null;
  const ctx = request.server.ctx;
  return (await findSessionUser(ctx.db, token, ctx.now())) ?? null;
}

export function toMember(user: User) {
  return { user_id: user.id, email: user.email, name: user.name };
}

export function registerSessionRoutes(x: FastifyInstance): void {
  const ctx = x.ctx;
  const secure = new URL(ctx.config.publicUrl).protocol === 'https:';

  x.post(
    '/auth/login',
    {
      schema: {
        tags: ['executor'],
        summary: 'Sign in as an org member (sets the rundun_session cookie)',
        security: [],
        body: LoginBody,
        response: problems(400, 401, 415),
      },
    },
    async (request, reply) => {
      const { email, password } = request.body as Type.Static<typeof LoginBody>;
      const user = await authenticateUser(ctx.db, email, password);
      if (!user) throw new DomainError('unauthorized', 'The email or password is not correct.');
      const token = await createSession(ctx.db, user.id, ctx.now());
      void reply.setCookie(SESSION_COOKIE, token, {
        httpOnly: true,
        sameSite: 'lax',
        secure,
        path: '/',
        maxAge: Math.floor(SESSION_TTL_MS / 1000),
      });
      return toMember(user);
    },
  );

  x.post(
    '/auth/logout',
    {
      schema: {
        tags: ['executor'],
        summary: 'Sign out (ends the session)',
        security: [],
        response: problems(415),
      },
    },
    async (request, reply) => {
      const token = request.cookies[SESSION_COOKIE];
      if (token) await deleteSession(ctx.db, token);
      void reply.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'lax', secure, path: '/' });
      return reply.code(204).send();
    },
  );
}
