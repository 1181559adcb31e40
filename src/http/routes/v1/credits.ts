/** GET /v1/credits: the balance and the ledger (each grant; credits used per UTC day), newest first. */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { listCreditLedger } from '../../../db/credit-ledger.js';
import { readCreditBalance } from '../../../db/credits.js';
import { problems } from '../../schemas.js';
import { CreditsSchema } from './account-schemas.js';

export function registerCreditRoutes(instance: FastifyInstance): void {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const ctx = app.ctx;
  app.get(
    '/credits',
    {
      schema: {
        tags: ['org'],
        operationId: 'getCredits',
        summary: 'Credit balance and ledger',
        querystring: Type.Object(
          { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 366, default: 90 })) },
          { additionalProperties: false },
        ),
        response: { 200: CreditsSchema, ...problems(401) },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 90;
      const [balance, ledger] = await Promise.all([
        readCreditBalance(ctx.db, request.orgId),
        listCreditLedger(ctx.db, request.orgId, limit),
      ]);
      return {
        credit_balance: balance,
        ledger: ledger.map((e) => ({
          kind: e.kind,
          at: e.at.toISOString(),
          amount: e.amount,
          runs: e.runs,
          note: e.note,
        })),
      };
    },
  );
}
