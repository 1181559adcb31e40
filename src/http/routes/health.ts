/** GET /healthz (the process answers) and GET /readyz (it can reach its database: 503 when not). */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import Type from 'typebox';
import type { DatabaseOutageLog } from '../database-outage.js';
import { literalUnion } from '../schemas.js';

const tags = ['health'];

const Readiness = (status: 'ready' | 'unavailable', description: string) =>
  Type.Object(
    { status: Type.Literal(status), database: literalUnion(['pglite', 'postgres']) },
    { description },
  );

export function registerHealthRoutes(instance: FastifyInstance, outage: DatabaseOutageLog): void {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const ctx = app.ctx;
  app.get(
    '/healthz',
    {
      schema: {
        tags,
        operationId: 'getHealth',
        summary: 'Liveness: the process answers',
        security: [],
        response: { 200: Type.Object({ status: Type.Literal('ok') }, { description: 'Alive.' }) },
      },
    },
    () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags,
        operationId: 'getReadiness',
        summary: 'Readiness: the database answers',
        security: [],
        response: {
          200: Readiness('ready', 'Ready to serve.'),
          503: Readiness('unavailable', 'The database does not answer.'),
        },
      },
    },
    async (request, reply) => {
      try {
        await sql`select 1`.execute(ctx.db);
        return { status: 'ready' as const, database: ctx.database.kind };
      } catch (error) {
        outage.record(error, request.log);
        return reply.code(503).send({ status: 'unavailable', database: ctx.database.kind });
      }
    },
  );
}
