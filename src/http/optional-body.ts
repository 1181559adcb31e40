/**
 * A POST whose body is optional (every field optional: cancel, submit, skip, start, replay, …) may be
 * sent with no body at all, with or without `Content-Type: application/json`, as `curl -X POST` and
 * most HTTP clients do. The JSON parser reads an empty body as no body (Fastify's own answers 400), and
 * a route whose body schema requires nothing then sees `{}`, so its defaults apply as for an explicit
 * `{}`. A route that requires fields still answers 400 naming them.
 *
 * The /x CSRF defence (src/http/routes/x/guard.ts) asks a body-less request that carries a cookie for
 * an `Origin` or `Sec-Fetch-Site` header instead of the JSON content type a cross-site form cannot send.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** True when the request carries no body bytes: no `Transfer-Encoding` and no or a zero `Content-Length`. */
export function hasNoBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] === undefined && (length === undefined || length === '0');
}

function isObjectSchema(schema: unknown): boolean {
  return typeof schema === 'object' && schema !== null && (schema as { type?: unknown }).type === 'object';
}

export function registerOptionalBodies(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body.length === 0) return done(null, undefined);
    void parseJson(request, body.toString(), done);
  });
  app.addHook('preValidation', (request, _reply, done) => {
    if (request.body === undefined && isObjectSchema(request.routeOptions.schema?.body)) request.body = {};
    done();
  });
}
