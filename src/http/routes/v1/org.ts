/** GET /v1/org: the key's org and its credit balance. */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { findOrg } from '../../../db/orgs.js';
import { notFound } from '../../../domain/errors.js';
import Type from 'typebox';
import { problems, Timestamp } from '../../schemas.js';

const OrgSchema = Type.Object({
  org_id: Type.String(),
  name: Type.String(),
  credit_balance: Type.Integer({ description: 'Runs that can still be dispatched with live keys.' }),
  created_at: Timestamp,
});

export function registerOrgRoutes(instance: FastifyInstance): void {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/org',
    {
      schema: {
        tags: ['org'],
        operationId: 'getOrg',
        summary: "Your org's name and credit balance",
        response: { 200: OrgSchema, ...problems(401) },
      },
    },
    async (request) => {
      const org = await findOrg(app.ctx.db, request.orgId);
      if (!org) throw notFound('Org');
      return {
        org_id: org.id,
        name: org.name,
        credit_balance: org.creditBalance,
        created_at: org.createdAt.toISOString(),
      };
    },
  );
}
