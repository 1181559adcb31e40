/** GET /v1/org: the key's org and its credit balance. */
import type { FastifyInstance } from 'fastify';
import { findOrg } from '../../../db/orgs.js';
import { notFound } from '../../../domain/errors.js';
import { problems } from '../../schemas.js';

export function registerOrgRoutes(app: FastifyInstance): void {
  app.get(
    '/org',
    { schema: { tags: ['org'], summary: "Your org's name and credit balance", response: problems(401) } },
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
