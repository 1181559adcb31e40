/**
 * Dashboard accounts under /v1/auth (public routes: no key or session needed to reach them).
 *   POST /auth/sign-up                  a new org and its owner; signs in (201)
 *   POST /auth/sign-in                  email + password; throttled per email and per address
 *   POST /auth/sign-out                 ends the session
 *   GET  /auth/session                  who is signed in, their org and role, and the CSRF token
 *   POST /auth/password                 changes the password; ends the user's other sessions
 *   GET  /auth/invitations/:token       what an invitation link offers, or why it no longer works
 *   POST /auth/invitations/:token/accept  joins the org (new account, or an existing one's password); signs in
 * Every sign-in answer has the shape of GET /auth/session.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { acceptInvitation, findInvitationByToken } from '../../../db/invitations.js';
import { findOrg } from '../../../db/orgs.js';
import { findFirstMembership } from '../../../db/members.js';
import { deleteOtherSessions, findSessionMember, type Role } from '../../../db/sessions.js';
import { signUpOrg } from '../../../db/sign-up.js';
import { authenticateUser, changePassword, type User } from '../../../db/users.js';
import { DomainError } from '../../../domain/errors.js';
import { requireSession } from '../../plugins/session-auth.js';
import { noContent, problems } from '../../schemas.js';
import {
  AcceptInvitationBody,
  InvitationViewSchema,
  PasswordBody,
  SessionSchema,
  SignInBody,
  SignUpBody,
  type SessionBody,
} from './account-schemas.js';
import { csrfTokenFor, endSession, readSessionToken, startSession } from '../../session-cookie.js';
import {
  forgiveFailedSignIn,
  recordSuccessfulSignIn,
  refuseThrottledSignIn,
} from '../../sign-in-throttle.js';

const TokenParams = Type.Object({ token: Type.String({ minLength: 16, maxLength: 100 }) });

async function sessionBody(
  request: FastifyRequest,
  input: { user: User; orgId: string; role: Role; csrfToken: string },
): Promise<SessionBody> {
  const org = await findOrg(request.server.ctx.db, input.orgId);
  return {
    user: { user_id: input.user.id, email: input.user.email, name: input.user.name },
    org: { org_id: input.orgId, name: org?.name ?? '' },
    role: input.role,
    csrf_token: input.csrfToken,
  };
}

async function signInAs(
  request: FastifyRequest,
  reply: FastifyReply,
  input: { user: User; orgId: string; role: Role },
): Promise<SessionBody> {
  const csrfToken = await startSession(request, reply, { userId: input.user.id, orgId: input.orgId });
  return sessionBody(request, { ...input, csrfToken });
}

const tags = ['accounts'];

export function registerAuthRoutes(instance: FastifyInstance): void {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const ctx = app.ctx;
  const publicRoute = { public: true };

  app.post(
    '/auth/sign-up',
    {
      config: publicRoute,
      schema: {
        tags,
        operationId: 'signUp',
        summary: 'Create an org and its owner, and sign in',
        security: [],
        body: SignUpBody,
        response: { 201: SessionSchema, ...problems(400, 403, 409, 429) },
      },
    },
    async (request, reply) => {
      if (!ctx.config.signupEnabled) {
        throw new DomainError(
          'forbidden',
          'Sign-up is closed on this server. Ask an owner of your org for an invitation.',
        );
      }
      const { body } = request;
      const { user, orgId } = await signUpOrg(ctx.db, {
        orgName: body.organization_name,
        email: body.email,
        password: body.password,
        name: body.name ?? null,
        credits: ctx.config.signupCredits,
        cost: ctx.config.passwordScrypt,
      });
      return reply.code(201).send(await signInAs(request, reply, { user, orgId, role: 'owner' }));
    },
  );

  app.post(
    '/auth/sign-in',
    {
      config: publicRoute,
      schema: {
        tags,
        operationId: 'signIn',
        summary: 'Sign in to the dashboard (sets the rundun_session cookie)',
        security: [],
        body: SignInBody,
        response: { 200: SessionSchema, ...problems(400, 401, 429) },
      },
    },
    async (request, reply) => {
      const { email, password } = request.body;
      if (await refuseThrottledSignIn(request, reply, email)) return reply;
      const user = await authenticateUser(ctx.db, email, password, ctx.config.passwordScrypt);
      // Counted as a failure already (refuseThrottledSignIn); a right password takes it back.
      if (!user) throw new DomainError('unauthorized', 'The email or password is not correct.');
      await recordSuccessfulSignIn(request, email);
      const membership = await findFirstMembership(ctx.db, user.id);
      if (!membership) {
        throw new DomainError(
          'forbidden',
          'This account is not a member of any org. Ask an owner for an invitation.',
        );
      }
      return signInAs(request, reply, { user, ...membership });
    },
  );

  app.post(
    '/auth/sign-out',
    {
      config: publicRoute,
      schema: {
        tags,
        operationId: 'signOut',
        summary: 'Sign out (ends the session)',
        security: [],
        response: { 204: noContent('Signed out.'), ...problems(403) },
      },
    },
    async (request, reply) => {
      await endSession(request, reply);
      return reply.code(204).send();
    },
  );

  app.get(
    '/auth/session',
    {
      config: publicRoute,
      schema: {
        tags,
        operationId: 'getSession',
        summary: 'The signed-in user, their org and role, and the CSRF token',
        security: [],
        response: { 200: SessionSchema, ...problems(401) },
      },
    },
    async (request) => {
      const token = readSessionToken(request);
      const member = token ? await findSessionMember(ctx.db, token, ctx.now()) : undefined;
      if (!token || !member) throw new DomainError('unauthorized', 'Not signed in.');
      return sessionBody(request, { ...member, csrfToken: csrfTokenFor(ctx.secret, token) });
    },
  );

  app.post(
    '/auth/password',
    {
      schema: {
        tags,
        operationId: 'changePassword',
        summary: 'Change your password (ends your other sessions)',
        body: PasswordBody,
        response: { 204: noContent('Changed.'), ...problems(400, 401, 403) },
      },
    },
    async (request, reply) => {
      requireSession(request);
      const { body } = request;
      if (
        !(await changePassword(
          ctx.db,
          request.userId!,
          body.current_password,
          body.new_password,
          ctx.config.passwordScrypt,
        ))
      ) {
        throw new DomainError('invalid_request', 'The current password is not correct.', [
          { pointer: '/current_password', rule: 'incorrect', message: 'is not correct' },
        ]);
      }
      await deleteOtherSessions(ctx.db, request.userId!, readSessionToken(request)!);
      return reply.code(204).send();
    },
  );

  app.get(
    '/auth/invitations/:token',
    {
      config: publicRoute,
      schema: {
        tags,
        operationId: 'getInvitationByToken',
        summary: 'What an invitation link offers',
        security: [],
        params: TokenParams,
        response: { 200: InvitationViewSchema, ...problems(404) },
      },
    },
    async (request) => {
      const { token } = request.params;
      const invitation = await findInvitationByToken(ctx.db, token, ctx.now());
      if (!invitation)
        throw new DomainError(
          'not_found',
          'This invitation link is not valid. Check that you copied all of it.',
        );
      return {
        org_name: invitation.orgName,
        role: invitation.role,
        email: invitation.email,
        state: invitation.state,
        expires_at: invitation.expiresAt.toISOString(),
      };
    },
  );

  app.post(
    '/auth/invitations/:token/accept',
    {
      config: publicRoute,
      schema: {
        tags,
        operationId: 'acceptInvitation',
        summary: 'Join the org of an invitation and sign in',
        security: [],
        params: TokenParams,
        body: AcceptInvitationBody,
        response: { 200: SessionSchema, ...problems(400, 401, 403, 409, 429) },
      },
    },
    async (request, reply) => {
      const { token } = request.params;
      const { body } = request;
      if (await refuseThrottledSignIn(request, reply, body.email)) return reply;
      let accepted: Awaited<ReturnType<typeof acceptInvitation>>;
      try {
        accepted = await acceptInvitation(ctx.db, {
          token,
          ...body,
          now: ctx.now(),
          cost: ctx.config.passwordScrypt,
        });
      } catch (error) {
        // A wrong password of an existing account stays counted; any other refusal was no guess.
        if (!(error instanceof DomainError && error.code === 'unauthorized'))
          await forgiveFailedSignIn(request, body.email);
        throw error;
      }
      await recordSuccessfulSignIn(request, body.email);
      return signInAs(request, reply, accepted);
    },
  );
}
