/**
 * `rundun serve`: opens the database, migrates, listens, and (unless --no-worker) runs the delivery
 * worker in the same process. SIGINT/SIGTERM stop accepting requests, let in-flight ones and the
 * worker's current attempts finish, then close the database.
 */
import fs from 'node:fs';
import path from 'node:path';
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
import { serializeError } from './log-errors.js';
import { listenForMetrics } from './routes/metrics.js';
import { invitationLink } from './routes/v1/members.js';

/**
 * A URL as the logs keep it: no query string (media URLs carry their signature there) and run ids cut
 * to their first 8 hex digits — a run's id is its capability (anyone with /r/<id> may answer it), and
 * log storage is read by more people than the run's link should reach.
 */
export function urlForLog(url: string): string {
  // Each segment as the router reads it: `r%2D…` is the same run, so it is shortened too.
  const path = url
    .split('?')[0]!
    .split('/')
    .map((segment) => {
      if (!segment.includes('%')) return segment;
      try {
        return decodeURIComponent(segment);
      } catch {
        return segment;
      }
    })
    .join('/');
  return path.replace(/\br-([0-9a-f]{8})[0-9a-f-]{28}\b/g, 'r-$1…');
}

/** The process's one logger, shared by the HTTP app and the worker. Secrets and keys never reach it. */
export function createLogger(config: Config, destination?: pino.DestinationStream): pino.Logger {
  const options: pino.LoggerOptions = {
    level: config.logLevel,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', '*.secret', '*.webhook_secret', '*.api_key'],
      censor: '[redacted]',
    },
    serializers: {
      err: serializeError,
      req: (req: { method: string; url: string; ip?: string }) => ({
        method: req.method,
        url: urlForLog(req.url),
        ip: req.ip,
      }),
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** Loud warnings at start about settings that weaken the protections (docs/security.md). */
export function warnAboutUnsafeSettings(config: Config, logger: pino.Logger): void {
  if (config.webhookAllowInsecure)
    logger.warn(
      { RUNDUN_WEBHOOK_ALLOW_INSECURE: true },
      '!!! RUNDUN_WEBHOOK_ALLOW_INSECURE is on: webhooks may target http:// and private, loopback and cloud-metadata addresses (the SSRF guard is off). Local development and tests only. !!!',
    );
  if (!config.metricsToken && config.metricsPort === undefined)
    logger.warn('/metrics is open on the API port: set RUNDUN_METRICS_TOKEN or RUNDUN_METRICS_PORT');
}

/**
 * The first start's API key, also written to `<data dir>/first-api-key` (mode 0600, never replaced),
 * so a key printed to a terminal nobody watched is not lost; delete the file once it is stored.
 */
export function writeFirstApiKey(
  dataDir: string,
  orgId: string,
  apiKey: string,
  testApiKey?: string,
): string {
  const file = path.join(dataDir, FIRST_API_KEY_FILE);
  fs.mkdirSync(dataDir, { recursive: true });
  const test = testApiKey === undefined ? '' : `${testApiKey}\n`;
  fs.writeFileSync(file, `org ${orgId}\n${apiKey}\n${test}`, { flag: 'wx', mode: 0o600 });
  return file;
}

export const FIRST_API_KEY_FILE = 'first-api-key';

/**
 * On an empty database (PGlite or PostgreSQL) makes the first org and prints its keys and the setup
 * link for its first owner — printed, not logged: the keys must not end up in log storage. The live
 * and test keys are also filed in the data directory; a process that cannot write there (a read-only
 * volume, a file left by an earlier start) still prints them and says why they were not filed.
 */
async function announceFirstOrg(config: Config, database: Database, logger: pino.Logger): Promise<void> {
  const first = await bootstrapFirstOrg(database.db);
  if (!first) return;
  let filed: string;
  try {
    const file = writeFirstApiKey(config.dataDir, first.orgId, first.apiKey, first.testApiKey);
    filed = `also in ${file}, mode 0600: delete that file once stored`;
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    logger.warn({ err: error }, `the first API key was not written to the data directory (${reason})`);
    filed = `not written to ${path.join(config.dataDir, FIRST_API_KEY_FILE)} (${reason}): this is the only copy`;
  }
  process.stdout.write(
    `\nFirst start: created org ${first.orgId} with ${BOOTSTRAP_CREDITS} credits.\n` +
      `API key (store it now; ${filed}): ${first.apiKey}\n` +
      `Test API key (test runs: no credits used, seen only by test keys): ${first.testApiKey}\n` +
      `Dashboard setup link for the first owner (one-time, expires in 7 days): ${invitationLink(config.publicUrl, first.setupToken)}\n\n`,
  );
}

export async function openConfiguredDatabase(config: Config): Promise<Database> {
  return openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    connectTimeoutMs: config.databaseConnectTimeoutMs,
  });
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
  warnAboutUnsafeSettings(config, logger);
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
  const metrics =
    config.metricsPort === undefined
      ? undefined
      : await listenForMetrics(config, database, config.metricsPort);
  let worker: Worker | undefined;
  if (options.worker) worker = startWorker({ database, config, logger, keyring });
  logger.info(
    { database: database.kind, worker: options.worker, publicUrl: config.publicUrl },
    'rundun is serving',
  );
  await announceFirstOrg(config, database, logger);
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await app.close();
      await metrics?.close();
      await worker?.stop();
      await database.close();
    })());
  return { close };
}
