/**
 * `rundun serve`: opens the database, migrates, listens, and (unless --no-worker) runs the delivery
 * worker in the same process. SIGINT/SIGTERM stop accepting requests, let in-flight ones and the
 * worker's current attempts finish, then close the database.
 */
import pino from 'pino';
import type { Config } from '../config.js';
import { BOOTSTRAP_CREDITS, bootstrapFirstOrg } from '../db/bootstrap.js';
import { openDatabase, type Database } from '../db/connect.js';
import { ensureInstanceSecret } from '../db/instance-settings.js';
import { migrateToLatest } from '../db/migrate.js';
import { sealStoredSecrets } from '../db/webhook-secrets.js';
import { startWorker, type Worker } from '../delivery/worker.js';
import { loadKeyring } from '../secrets/key-source.js';
import type { Keyring } from '../secrets/keyring.js';
import { createApp } from './app.js';
import { invitationLink } from './routes/v1/members.js';

/** The process's one logger, shared by the HTTP app and the worker. Secrets and keys never reach it. */
export function createLogger(config: Config): pino.Logger {
  return pino({
    level: config.logLevel,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', '*.secret', '*.webhook_secret', '*.api_key'],
      censor: '[redacted]',
    },
    serializers: {
      // Media URLs carry their signature in the query string: keep it out of the logs.
      req: (req: { method: string; url: string; ip?: string }) => ({
        method: req.method,
        url: req.url.split('?')[0],
        ip: req.ip,
      }),
    },
  });
}

export async function openConfiguredDatabase(config: Config): Promise<Database> {
  return openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
}

/**
 * The keyring of secrets at rest, after migrations: webhook secrets stored in clear or under an older
 * key are encrypted with the current one.
 */
export async function openSecrets(config: Config, database: Database, logger: pino.Logger): Promise<Keyring> {
  const { keyring, source } = loadKeyring(config);
  if (source !== 'env' && database.kind === 'postgres')
    logger.warn(
      { keyFile: source },
      'RUNDUN_ENCRYPTION_KEY is not set: using the key file in the data directory. Every API and worker process on this database needs the same key; set RUNDUN_ENCRYPTION_KEY.',
    );
  const sealed = await sealStoredSecrets(database.db, keyring);
  if (sealed > 0) logger.info({ sealed, keyId: keyring.currentKeyId }, 'encrypted stored webhook secrets');
  return keyring;
}

export async function serve(
  config: Config,
  options: { worker: boolean },
): Promise<{ close(): Promise<void> }> {
  const logger = createLogger(config);
  const database = await openConfiguredDatabase(config);
  await migrateToLatest(database.db);
  const keyring = await openSecrets(config, database, logger);
  const secret = config.signingSecret ?? (await ensureInstanceSecret(database.db, keyring));
  const app = await createApp({
    config,
    database,
    secret,
    keyring,
    loggerInstance: logger,
  });
  await app.listen({ port: config.port, host: config.host });
  let worker: Worker | undefined;
  if (options.worker) worker = startWorker({ database, config, logger, keyring });
  logger.info(
    { database: database.kind, worker: options.worker, publicUrl: config.publicUrl },
    'rundun is serving',
  );
  if (database.kind === 'pglite') {
    const first = await bootstrapFirstOrg(database.db);
    if (first) {
      // Printed, not logged: the key is shown this once and must not end up in log storage.
      process.stdout.write(
        `\nFirst start: created org ${first.orgId} with ${BOOTSTRAP_CREDITS} credits.\n` +
          `API key (shown once, store it now): ${first.apiKey}\n` +
          `Dashboard setup link for the first owner (one-time, expires in 7 days): ${invitationLink(config.publicUrl, first.setupToken)}\n\n`,
      );
    }
  }
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await app.close();
      await worker?.stop();
      await database.close();
    })());
  return { close };
}
