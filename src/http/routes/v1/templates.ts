/** /v1/templates: create, list, read (current or a version), update (new version), archive. */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import Type from 'typebox';
import {
  archiveTemplate,
  createTemplate,
  findTemplate,
  listTemplates,
  updateTemplate,
  type Template,
  type VersionAuthor,
} from '../../../db/templates.js';
import { countTemplateRuns, listTemplateVersions } from '../../../db/template-versions.js';
import { notFound } from '../../../domain/errors.js';
import { parseTemplate, TemplateInputSchema } from '../../../domain/template.js';
import { answerIdempotently } from '../../../db/idempotent-responses.js';
import { IdempotencyKeyHeaders, idempotentRequest, sendAnswer } from '../../idempotency.js';
import { TemplateSchema } from '../../run-schemas.js';
import { Nullable, PageQuerySchema, pageOf, problems, Timestamp } from '../../schemas.js';

const TemplateIdParams = Type.Object({ id: Type.String({ maxLength: 100 }) });

const TemplateListItemSchema = Type.Object({
  ...TemplateSchema.properties,
  runs_count: Type.Integer({ description: 'Runs dispatched from any version of the template.' }),
});

const TemplateVersionsSchema = Type.Object({
  data: Type.Array(
    Type.Object({
      version: Type.Integer(),
      created_at: Timestamp,
      author: Nullable(
        Type.Union([
          Type.Object({
            kind: Type.Literal('member'),
            user_id: Type.String(),
            email: Type.String(),
            name: Nullable(Type.String()),
          }),
          Type.Object({ kind: Type.Literal('api_key'), key_id: Type.String(), name: Type.String() }),
        ]),
        { description: 'Who wrote the version; null when unknown (written before authors were kept).' },
      ),
    }),
  ),
});

export function toTemplateBody(template: Template) {
  return {
    id: template.id,
    version: template.version,
    archived_at: template.archivedAt?.toISOString() ?? null,
    created_at: template.createdAt.toISOString(),
    updated_at: template.updatedAt.toISOString(),
    ...template.definition,
  };
}

/**
 * Template bodies are validated by the domain (parseTemplate) rather than by the route schema, so that a
 * broken template gets a 422 naming each step and rule. The schema still documents the shape in OpenAPI.
 */
const templateBody = {
  ...TemplateInputSchema,
  description: 'A template document. Invalid templates answer 422 naming the step and the rule.',
};
function authorOf(request: FastifyRequest): VersionAuthor {
  return request.authKind === 'session'
    ? { userId: request.userId, keyId: null }
    : { userId: null, keyId: request.apiKeyId || null };
}

const acceptAnyJson = { attachValidation: true } as const;

export function registerTemplateRoutes(instance: FastifyInstance): void {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    '/templates',
    {
      ...acceptAnyJson,
      schema: {
        tags: ['templates'],
        operationId: 'createTemplate',
        summary: 'Create a template (version 1)',
        headers: IdempotencyKeyHeaders,
        body: templateBody,
        response: { 201: TemplateSchema, ...problems(400, 401, 409, 413, 422) },
      },
    },
    async (request, reply) => {
      const definition = parseTemplate(request.body);
      const answer = await answerIdempotently(
        app.ctx.db,
        idempotentRequest(request, definition),
        async (db) => {
          const template = await createTemplate(
            db,
            request.orgId,
            definition,
            app.ctx.now(),
            authorOf(request),
          );
          return { statusCode: 201, body: toTemplateBody(template) };
        },
      );
      return sendAnswer(reply.header('Location', `/v1/templates/${answer.body.id}`), answer);
    },
  );

  app.get(
    '/templates',
    {
      schema: {
        tags: ['templates'],
        operationId: 'listTemplates',
        summary: 'List templates, newest first',
        querystring: Type.Object(
          { ...PageQuerySchema, include_archived: Type.Optional(Type.Boolean({ default: false })) },
          { additionalProperties: false },
        ),
        response: { 200: pageOf(TemplateListItemSchema), ...problems(400, 401) },
      },
    },
    async (request) => {
      const { query } = request;
      const page = await listTemplates(app.ctx.db, request.orgId, {
        cursor: query.cursor,
        limit: query.limit ?? 50,
        includeArchived: query.include_archived ?? false,
      });
      const runs = await countTemplateRuns(
        app.ctx.db,
        request.orgId,
        page.templates.map((t) => t.id),
      );
      return {
        data: page.templates.map((t) => ({ ...toTemplateBody(t), runs_count: runs.get(t.id) ?? 0 })),
        next_cursor: page.nextCursor,
      };
    },
  );

  app.get(
    '/templates/:id',
    {
      schema: {
        tags: ['templates'],
        operationId: 'getTemplate',
        summary: 'Read a template (current version)',
        params: TemplateIdParams,
        response: { 200: TemplateSchema, ...problems(401, 404) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const template = await findTemplate(app.ctx.db, request.orgId, id);
      if (!template) throw notFound('Template');
      return toTemplateBody(template);
    },
  );

  app.get(
    '/templates/:id/versions',
    {
      schema: {
        tags: ['templates'],
        operationId: 'listTemplateVersions',
        summary: 'List the versions of a template, newest first, with who wrote each and when',
        params: TemplateIdParams,
        response: { 200: TemplateVersionsSchema, ...problems(401, 404) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const versions = await listTemplateVersions(app.ctx.db, request.orgId, id);
      if (!versions) throw notFound('Template');
      return {
        data: versions.map((v) => ({
          version: v.version,
          created_at: v.createdAt.toISOString(),
          author:
            v.author?.kind === 'member'
              ? {
                  kind: 'member' as const,
                  user_id: v.author.userId,
                  email: v.author.email,
                  name: v.author.name,
                }
              : v.author?.kind === 'api_key'
                ? { kind: 'api_key' as const, key_id: v.author.keyId, name: v.author.name }
                : null,
        })),
      };
    },
  );

  app.get(
    '/templates/:id/versions/:version',
    {
      schema: {
        tags: ['templates'],
        operationId: 'getTemplateVersion',
        summary: 'Read one version of a template',
        params: Type.Object({ id: Type.String({ maxLength: 100 }), version: Type.Integer({ minimum: 1 }) }),
        response: { 200: TemplateSchema, ...problems(400, 401, 404) },
      },
    },
    async (request) => {
      const { id, version } = request.params;
      const template = await findTemplate(app.ctx.db, request.orgId, id, version);
      if (!template) throw notFound('Template version');
      return toTemplateBody(template);
    },
  );

  app.put(
    '/templates/:id',
    {
      ...acceptAnyJson,
      schema: {
        tags: ['templates'],
        operationId: 'updateTemplate',
        summary: 'Replace a template: writes version n+1',
        params: TemplateIdParams,
        body: templateBody,
        response: { 200: TemplateSchema, ...problems(400, 401, 404, 409, 422) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const definition = parseTemplate(request.body);
      const template = await updateTemplate(
        app.ctx.db,
        request.orgId,
        id,
        definition,
        app.ctx.now(),
        authorOf(request),
      );
      return toTemplateBody(template);
    },
  );

  app.delete(
    '/templates/:id',
    {
      schema: {
        tags: ['templates'],
        operationId: 'archiveTemplate',
        summary: 'Archive a template (runs keep their snapshot)',
        params: TemplateIdParams,
        response: { 200: TemplateSchema, ...problems(401, 404) },
      },
    },
    async (request) => {
      const { id } = request.params;
      return toTemplateBody(await archiveTemplate(app.ctx.db, request.orgId, id, app.ctx.now()));
    },
  );
}
