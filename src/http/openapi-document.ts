/**
 * The OpenAPI document without a running server (`rundun openapi`, the lint step, the generated-client
 * test): the app is built on an empty in-memory PGlite, which building reads nothing from, and asked
 * for the document Fastify makes from the route schemas. `servers` is the config's PUBLIC_URL.
 */
import { randomBytes } from 'node:crypto';
import type { Config } from '../config.js';
import { openDatabase } from '../db/connect.js';
import { createDiskStorage } from '../media/storage.js';
import { createKeyring } from '../secrets/keyring.js';
import { createApp } from './app.js';

export async function buildOpenApiDocument(config: Config): Promise<Record<string, unknown>> {
  const database = await openDatabase({});
  try {
    const app = await createApp({
      config,
      database,
      secret: randomBytes(32).toString('hex'),
      keyring: createKeyring([{ id: 'openapi', key: randomBytes(32) }]),
      storage: createDiskStorage(config.dataDir),
    });
    await app.ready();
    const document = app.swagger() as unknown as Record<string, unknown>;
    await app.close();
    return document;
  } finally {
    await database.close();
  }
}
