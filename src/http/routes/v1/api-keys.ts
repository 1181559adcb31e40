/**
 * API keys of the org (Settings → API keys). Every route needs an owner's dashboard session: an API
 * key cannot list, mint or revoke keys.
 *   GET    /v1/api-keys        name, rdk_live_…last 4, created, last used, revoked
 *   POST   /v1/api-keys        { name, mode?: live | test } → the key, in full, this once (201)
 *   DELETE /v1/api-keys/:id    revokes it: refused at once by this process, by others within
 *                              API_KEY_CACHE_MS (another org's key: 404)
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { createApiKey, listApiKeys, revokeApiKey, type ApiKey } from '../../../db/api-keys.js';
import { notFound } from '../../../domain/errors.js';
import { requireOwnerSession } from '../../plugins/session-auth.js';
import { noContent, problems } from '../../schemas.js';
import { ApiKeySchema, CreatedApiKeySchema, type ApiKeyBody } from './account-schemas.js';

const CreateApiKeyBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    mode: Type.Optional(
      Type.Union([Type.Literal('live'), Type.Literal('test')], {
        description:
          'live (default): rdk_live_…; test: rdk_test_…, whose runs take no credit and are seen only by test keys.',
      }),
    ),
  },
  { additionalProperties: false },
);

function toApiKeyBody(key: ApiKey): ApiKeyBody {
  return {
    key_id: key.id,
    name: key.name,
    hint: key.hint,
    created_at: key.createdAt.toISOString(),
    last_used_at: key.lastUsedAt?.toISOString() ?? null,
    revoked_at: key.revokedAt?.toISOString() ?? null,
    livemode: key.livemode,
  };
}

const tags = ['org administration'];

export function registerApiKeyRoutes(instance: FastifyInstance): void {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const ctx = app.ctx;
  app.get(
    '/api-keys',
    {
      schema: {
        tags,
        operationId: 'listApiKeys',
        summary: "The org's API keys (owner session)",
        response: { 200: Type.Object({ data: Type.Array(ApiKeySchema) }), ...problems(401, 403) },
      },
    },
    async (request) => {
      requireOwnerSession(request);
      return { data: (await listApiKeys(ctx.db, request.orgId)).map(toApiKeyBody) };
    },
  );

  app.post(
    '/api-keys',
    {
      schema: {
        tags,
        operationId: 'createApiKey',
        summary: 'Create an API key, shown once (owner session)',
        body: CreateApiKeyBody,
        response: { 201: CreatedApiKeySchema, ...problems(400, 401, 403) },
      },
    },
    async (request, reply) => {
      requireOwnerSession(request);
      const { name, mode } = request.body;
      const { key, apiKey } = await createApiKey(ctx.db, request.orgId, name.trim(), {
        livemode: mode !== 'test',
      });
      return reply.code(201).send({ ...toApiKeyBody(apiKey), api_key: key });
    },
  );

  app.delete(
    '/api-keys/:id',
    {
      schema: {
        tags,
        operationId: 'revokeApiKey',
        summary: 'Revoke an API key (owner session)',
        params: Type.Object({ id: Type.String({ maxLength: 100 }) }),
        response: { 204: noContent('Revoked.'), ...problems(401, 403, 404) },
      },
    },
    async (request, reply) => {
      requireOwnerSession(request);
      const { id } = request.params;
      if (!(await revokeApiKey(ctx.db, request.orgId, id, ctx.now()))) throw notFound('API key');
      app.forgetApiKey(id);
      return reply.code(204).send();
    },
  );
}
