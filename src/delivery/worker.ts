/** Placeholder until the delivery engine lands. */
import type pino from 'pino';
import type { Config } from '../config.js';
import type { Database } from '../db/connect.js';

export interface Worker {
  stop(): Promise<void>;
}

export function startWorker(_options: { database: Database; config: Config; logger: pino.Logger }): Worker {
  return { stop: () => Promise.resolve() };
}
