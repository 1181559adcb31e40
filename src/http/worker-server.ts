/**
 * The HTTP side of `rundun worker`: `/healthz` and `/metrics` on a port of its own (`--port`, else
 * RUNDUN_METRICS_PORT, else 9464), nothing else. `/metrics` is the same exposition as `serve`'s (this
 * process's attempt counters and latency, the whole queue's gauges), behind RUNDUN_METRICS_TOKEN when
 * it is set; `/healthz` is open, for load balancers and orchestrators, and answers 503 while the
 * worker stops or cannot reach the database.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import type { Database } from '../db/connect.js';
import type { Worker } from '../delivery/worker.js';
import { addMetricsRoute } from './routes/metrics.js';

export const WORKER_DEFAULT_PORT = 9464;

export async function listenForWorker(
  config: Config,
  database: Database,
  worker: Worker,
  port: number,
): Promise<{ app: FastifyInstance; port: number }> {
  const app = Fastify({ logger: false });
  app.get('/healthz', async (_request, reply) => {
    const health = worker.health();
    return reply.code(health.status === 'ok' ? 200 : 503).send({
      status: health.status,
      worker: worker.id,
      in_flight: health.inFlight,
      database_failing_since: health.failingSince?.toISOString() ?? null,
      attempts_finished: health.report.attemptsFinished,
      claims_released: health.report.claimsReleased,
      leases_lost: health.report.leasesLost,
    });
  });
  addMetricsRoute(app, config, database);
  await app.listen({ port, host: config.host });
  const address = app.server.address();
  return { app, port: typeof address === 'object' && address ? address.port : port };
}
