import type { FastifyInstance } from 'fastify';

// Placeholder until the delivery engine's routes land (GET /v1/runs/:id/deliveries, POST /v1/deliveries/:id/replay).
export function registerDeliveryRoutes(_app: FastifyInstance): void {}
