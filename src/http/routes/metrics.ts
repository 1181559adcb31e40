/**
 * GET /metrics: Prometheus text exposition of the delivery metrics (src/delivery/metrics.ts).
 * Unauthenticated, like most exporters: expose it to your scraper's network only.
 */
import type { FastifyInstance } from 'fastify';
import { deliveryMetricsFor } from '../../delivery/metrics.js';

export default function registerMetricsRoute(app: FastifyInstance): Promise<void> {
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    const { registry } = deliveryMetricsFor(app.ctx.database);
    const text = await registry.metrics();
    return reply.type(registry.contentType).send(text);
  });
  return Promise.resolve();
}
