/**
 * GET /metrics: Prometheus text exposition of the delivery metrics (src/delivery/metrics.ts).
 *
 * With RUNDUN_METRICS_TOKEN it answers only `Authorization: Bearer <token>` (401 otherwise); with
 * RUNDUN_METRICS_PORT it is not on the API port at all but on a listener of its own (same host), so
 * the network can keep it from the public. With neither it is open: restrict it at the network.
 */
import { timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifySchema } from 'fastify';
import type { Config } from '../../config.js';
import type { Database } from '../../db/connect.js';
import { deliveryMetricsFor } from '../../delivery/metrics.js';

const text = (description: string) => ({
  description,
  content: { 'text/plain': { schema: { type: 'string' } } },
});

const metricsSchema: FastifySchema = {
  tags: ['health'],
  operationId: 'getMetrics',
  summary: 'Delivery metrics in the Prometheus text format',
  security: [{ metricsToken: [] }, {}],
  response: {
    200: text('Prometheus text exposition (version 0.0.4).'),
    401: text('RUNDUN_METRICS_TOKEN is set and the bearer token is missing or wrong.'),
  },
};

function hasToken(header: string | undefined, token: string): boolean {
  const given = Buffer.from(/^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1] ?? '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function addMetricsRoute(app: FastifyInstance, config: Config, database: Database): void {
  app.get('/metrics', { schema: metricsSchema }, async (request, reply) => {
    if (config.metricsToken && !hasToken(request.headers.authorization, config.metricsToken))
      return reply
        .code(401)
        .header('WWW-Authenticate', 'Bearer realm="metrics"')
        .type('text/plain')
        .send('metrics need the bearer token (RUNDUN_METRICS_TOKEN)\n');
    const { registry } = deliveryMetricsFor(database);
    const text = await registry.metrics();
    return reply.type(registry.contentType).send(text);
  });
}

/** On the app, unless the metrics have a port of their own. */
export default function registerMetricsRoute(app: FastifyInstance): Promise<void> {
  const { config, database } = app.ctx;
  if (config.metricsPort === undefined) addMetricsRoute(app, config, database);
  return Promise.resolve();
}

/** The metrics' own listener on `port` (RUNDUN_METRICS_PORT). */
export async function listenForMetrics(
  config: Config,
  database: Database,
  port: number,
): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  addMetricsRoute(app, config, database);
  await app.listen({ port, host: config.host });
  return app;
}
