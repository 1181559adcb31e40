/**
 * The executor's side of the server: the executor API (/x, the run id is the capability, a session
 * cookie for members), signed media (/media) and the executor app itself (/r).
 */
import cookie from '@fastify/cookie';
import type { FastifyInstance } from 'fastify';
import { createMediaStorage, type MediaStorage } from '../../../media/storage.js';
import { registerExecutorApp } from '../executor-app.js';
import { registerMediaRoutes } from '../media.js';
import { registerExecutorGuard } from './guard.js';
import { registerMediaUploadRoute } from './media-upload.js';
import { registerRunRoutes } from './runs.js';
import { registerSessionRoutes } from './session.js';
import { registerStepRoutes } from './steps.js';

export interface ExecutorRoutesOptions {
  /** Where full-size media are stored; default: the configured store (disk or S3). */
  storage?: MediaStorage;
  /** The built executor app; default web/executor/dist. */
  distDir?: string;
}

export async function registerExecutorRoutes(
  app: FastifyInstance,
  options: ExecutorRoutesOptions = {},
): Promise<void> {
  const storage = options.storage ?? createMediaStorage(app.ctx.config);
  await app.register(
    async (x) => {
      await x.register(cookie);
      registerExecutorGuard(x);
      registerSessionRoutes(x);
      registerRunRoutes(x);
      registerStepRoutes(x);
      registerMediaUploadRoute(x, storage);
    },
    { prefix: '/x' },
  );
  registerMediaRoutes(app, storage);
  registerExecutorApp(app, options.distDir ? { distDir: options.distDir } : {});
}
