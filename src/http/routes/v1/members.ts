/**
 * Members and invitations (Settings → Members). Reading the member list needs any session or key;
 * every change needs an owner's dashboard session.
 *   GET    /v1/members                 user, email, name, role, joined
 *   PATCH  /v1/members/:user_id        { role } (the last owner cannot step down)
 *   DELETE /v1/members/:user_id        removes them from the org and ends their sessions in it
 *   GET    /v1/invitations             open invitations
 *   POST   /v1/invitations             { email?, role } → a one-time link that expires (201)
 *   DELETE /v1/invitations/:id         revokes an open invitation
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import {
  createInvitation,
  listOpenInvitations,
  revokeInvitation,
  type Invitation,
} from '../../../db/invitations.js';
import { listMembers, removeMember, setMemberRole } from '../../../db/members.js';
import { notFound } from '../../../domain/errors.js';
import { requireOwnerSession } from '../../plugins/session-auth.js';
import { noContent, problems } from '../../schemas.js';
import {
  CreatedInvitationSchema,
  InvitationSchema,
  MemberSchema,
  RoleSchema,
  type InvitationBody,
} from './account-schemas.js';

const CreateInvitationBody = Type.Object(
  {
    email: Type.Optional(
      Type.Union(
        [Type.String({ minLength: 3, maxLength: 320, pattern: '^[^\\s@]+@[^\\s@]+$' }), Type.Null()],
        { description: 'Only this email may accept; omitted: whoever has the link.' },
      ),
    ),
    role: RoleSchema,
  },
  { additionalProperties: false },
);
const UserParams = Type.Object({ user_id: Type.String({ maxLength: 100 }) });
const IdParams = Type.Object({ id: Type.String({ maxLength: 100 }) });

function toInvitationBody(invitation: Invitation): InvitationBody {
  return {
    invitation_id: invitation.id,
    email: invitation.email,
    role: invitation.role,
    created_at: invitation.createdAt.toISOString(),
    expires_at: invitation.expiresAt.toISOString(),
  };
}

const tags = ['org administration'];

export function registerMemberRoutes(instance: FastifyInstance): void {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const ctx = app.ctx;

  app.get(
    '/members',
    {
      schema: {
        tags,
        operationId: 'listMembers',
        summary: "The org's members and their roles",
        response: { 200: Type.Object({ data: Type.Array(MemberSchema) }), ...problems(401) },
      },
    },
    async (request) => ({
      data: (await listMembers(ctx.db, request.orgId)).map((m) => ({
        user_id: m.userId,
        email: m.email,
        name: m.name,
        role: m.role,
        joined_at: m.joinedAt.toISOString(),
      })),
    }),
  );

  app.patch(
    '/members/:user_id',
    {
      schema: {
        tags,
        operationId: 'setMemberRole',
        summary: "Change a member's role (owner session)",
        params: UserParams,
        body: Type.Object({ role: RoleSchema }, { additionalProperties: false }),
        response: { 204: noContent('The role is changed.'), ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      requireOwnerSession(request);
      const { user_id } = request.params;
      const { role } = request.body;
      if (!(await setMemberRole(ctx.db, request.orgId, user_id, role))) throw notFound('Member');
      return reply.code(204).send();
    },
  );

  app.delete(
    '/members/:user_id',
    {
      schema: {
        tags,
        operationId: 'removeMember',
        summary: 'Remove a member from the org (owner session)',
        params: UserParams,
        response: { 204: noContent('Removed.'), ...problems(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      requireOwnerSession(request);
      const { user_id } = request.params;
      if (!(await removeMember(ctx.db, request.orgId, user_id))) throw notFound('Member');
      return reply.code(204).send();
    },
  );

  app.get(
    '/invitations',
    {
      schema: {
        tags,
        operationId: 'listInvitations',
        summary: 'Open invitations (owner session)',
        response: { 200: Type.Object({ data: Type.Array(InvitationSchema) }), ...problems(401, 403) },
      },
    },
    async (request) => {
      requireOwnerSession(request);
      return { data: (await listOpenInvitations(ctx.db, request.orgId, ctx.now())).map(toInvitationBody) };
    },
  );

  app.post(
    '/invitations',
    {
      schema: {
        tags,
        operationId: 'createInvitation',
        summary: 'Invite someone by a one-time link that expires in 7 days (owner session)',
        body: CreateInvitationBody,
        response: { 201: CreatedInvitationSchema, ...problems(400, 401, 403) },
      },
    },
    async (request, reply) => {
      requireOwnerSession(request);
      const { body } = request;
      const { token, invitation } = await createInvitation(ctx.db, {
        orgId: request.orgId,
        email: body.email ?? null,
        role: body.role,
        createdBy: request.userId,
        now: ctx.now(),
      });
      return reply
        .code(201)
        .send({ ...toInvitationBody(invitation), link: invitationLink(ctx.config.publicUrl, token) });
    },
  );

  app.delete(
    '/invitations/:id',
    {
      schema: {
        tags,
        operationId: 'revokeInvitation',
        summary: 'Revoke an open invitation (owner session)',
        params: IdParams,
        response: { 204: noContent('Revoked.'), ...problems(401, 403, 404) },
      },
    },
    async (request, reply) => {
      requireOwnerSession(request);
      const { id } = request.params;
      if (!(await revokeInvitation(ctx.db, request.orgId, id, ctx.now()))) throw notFound('Invitation');
      return reply.code(204).send();
    },
  );
}

export function invitationLink(publicUrl: string, token: string): string {
  return `${publicUrl}/app/invite/${token}`;
}
