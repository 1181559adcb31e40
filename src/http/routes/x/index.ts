import type { FastifyInstance } from 'fastify';

// Placeholder until the executor API lands (/x, /r, /media).
export async function registerExecutorRoutes(_app: FastifyInstance): Promise<void> {}
