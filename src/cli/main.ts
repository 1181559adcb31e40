#!/usr/bin/env node
/**
 * The `rundun` command. `--json` output is one JSON document on stdout; errors go to stderr with a
 * non-zero exit code. Configuration comes from the environment (see .env.example).
 */
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { loadConfig, loadDotEnv, type Config } from '../config.js';
import { createApiKey, listApiKeys, revokeApiKey } from '../db/api-keys.js';
import type { Database } from '../db/connect.js';
import { migrateToLatest } from '../db/migrate.js';
import { grantCredits } from '../db/credits.js';
import { createOrg, findOrg } from '../db/orgs.js';
import { createUser } from '../db/users.js';
import { startWorker } from '../delivery/worker.js';
import {
  createLogger,
  openConfiguredDatabase,
  openSecrets,
  serve,
  warnAboutUnsafeSettings,
} from '../http/server.js';
import { listenForWorker, WORKER_DEFAULT_PORT } from '../http/worker-server.js';
import { copyMedia } from '../media/copy-media.js';
import { createS3Storage } from '../media/s3-storage.js';
import { createDiskStorage } from '../media/storage.js';
import { readPassword } from './read-password.js';
import { registerOpenApiCommand } from './openapi-command.js';
import { registerWebhookCommands } from './webhooks-listen.js';

class CliError extends Error {}

function parsePositiveInteger(name: string) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0)
      throw new CliError(`${name} must be a non-negative integer, got "${value}"`);
    return n;
  };
}

/** Opens the database, migrates (unless `migrate` is false: the work does it), runs `work`, closes. */
async function withDatabase<T>(
  work: (database: Database, config: Config) => Promise<T>,
  options: { migrate?: boolean } = {},
): Promise<T> {
  const config = loadConfig();
  const database = await openConfiguredDatabase(config);
  try {
    if (options.migrate !== false) await migrateToLatest(database.db);
    return await work(database, config);
  } finally {
    await database.close();
  }
}

async function requireOrg(database: Database, orgId: string): Promise<void> {
  if (!(await findOrg(database.db, orgId))) throw new CliError(`No org with id ${orgId}.`);
}

function print(json: boolean, value: Record<string, unknown>, text: string): void {
  process.stdout.write(json ? `${JSON.stringify(value)}\n` : `${text}\n`);
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}

export function buildProgram(): Command {
  const program = new Command('rundun')
    .description('Send checklists to people; get signed webhooks back.')
    .exitOverride();

  program
    .command('serve')
    .description('Serve the API, the executor app and (unless --no-worker) the delivery worker')
    .option('--port <port>', 'port to listen on (default: $PORT or 3000)', parsePositiveInteger('--port'))
    .option('--no-worker', 'do not run the delivery worker in this process')
    .action(async (options: { port?: number; worker: boolean }) => {
      const config = loadConfig(process.env, options.port !== undefined ? { port: options.port } : {});
      const server = await serve(config, { worker: options.worker });
      await waitForSignal();
      await server.close();
    });

  program
    .command('worker')
    .description(
      'Run only the delivery worker (webhooks, retries, expiry sweeper); /healthz and /metrics on --port',
    )
    .option(
      '--port <port>',
      `port of /healthz and /metrics (default: $RUNDUN_METRICS_PORT or ${WORKER_DEFAULT_PORT}; 0: any free port)`,
      parsePositiveInteger('--port'),
    )
    .action(async (options: { port?: number }) => {
      const config = loadConfig();
      const logger = createLogger(config);
      const port = options.port ?? config.metricsPort ?? WORKER_DEFAULT_PORT;
      // The API-port warning is not the worker's: it has no API port (its own is warned about below).
      warnAboutUnsafeSettings({ ...config, metricsPort: port }, logger);
      const database = await openConfiguredDatabase(config);
      await migrateToLatest(database.db);
      const keyring = await openSecrets(config, database, logger);
      const worker = startWorker({ database, config, logger, keyring });
      let http: Awaited<ReturnType<typeof listenForWorker>>;
      try {
        http = await listenForWorker(config, database, worker, port);
      } catch (error) {
        await worker.stop();
        await database.close();
        throw error;
      }
      if (!config.metricsToken)
        logger.warn(
          { port: http.port },
          "the worker's /metrics is open: set RUNDUN_METRICS_TOKEN or firewall the port",
        );
      logger.info({ database: database.kind, worker: worker.id, port: http.port }, 'rundun worker started');
      await waitForSignal();
      logger.info({ worker: worker.id }, 'rundun worker stopping: finishing attempts in flight');
      const report = await worker.stop();
      await http.app.close();
      await database.close();
      logger.info({ worker: worker.id, ...report }, 'rundun worker stopped');
    });

  program
    .command('migrate')
    .description('Apply database migrations and exit, naming those applied')
    .action(() =>
      withDatabase(
        async (database) => {
          const applied = (await migrateToLatest(database.db)) ?? [];
          const names = applied.filter((r) => r.status === 'Success').map((r) => r.migrationName);
          process.stdout.write(
            names.length ? `Applied ${names.length}: ${names.join(', ')}\n` : 'Database is up to date.\n',
          );
        },
        { migrate: false },
      ),
    );

  program
    .command('media')
    .description('Manage stored media')
    .command('migrate')
    .description('Copy every media file from the local disk store to the S3 bucket (RUNDUN_S3_*)')
    .requiredOption('--to <store>', 'the target store: s3')
    .action((options: { to: string }) => {
      if (options.to !== 's3') throw new CliError(`--to must be s3, got "${options.to}"`);
      return withDatabase(async (database, config) => {
        if (!config.s3)
          throw new CliError('Set RUNDUN_S3_BUCKET (and the other RUNDUN_S3_* settings) first.');
        const report = await copyMedia(
          database.db,
          createDiskStorage(path.join(config.dataDir, 'media')),
          createS3Storage(config.s3),
          (progress) =>
            process.stderr.write(`copied ${progress.copied}, already there ${progress.present}\n`),
        );
        for (const key of report.missing) process.stderr.write(`missing on disk: ${key}\n`);
        process.stdout.write(
          `Copied ${report.copied} media files to s3://${config.s3.bucket}/${config.s3.prefix}; ` +
            `${report.present} were already there; ${report.missing.length} missing on disk.\n`,
        );
        if (report.missing.length > 0) process.exitCode = 1;
      });
    });

  const org = program.command('org').description('Manage orgs');
  org
    .command('create')
    .description('Create an org with a first API key')
    .requiredOption('--name <name>', 'org name')
    .option('--credits <n>', 'initial run credits', parsePositiveInteger('--credits'), 0)
    .option('--json', 'print {"org_id", "api_key"} as JSON')
    .action((options: { name: string; credits: number; json?: boolean }) =>
      withDatabase(async ({ db }) => {
        const created = await createOrg(db, options.name, options.credits);
        const { key } = await createApiKey(db, created.id, 'default');
        print(
          Boolean(options.json),
          { org_id: created.id, api_key: key, credit_balance: created.creditBalance },
          `Org ${created.id} created with ${created.creditBalance} credits.\nAPI key (shown once, store it now): ${key}`,
        );
      }),
    );

  const keys = program.command('keys').description('Manage API keys');
  keys
    .command('create')
    .description('Create an API key for an org (the key is shown once)')
    .requiredOption('--org <org_id>', 'org id')
    .option('--name <name>', 'a name to recognise the key by', 'default')
    .option('--test', 'a test key (rdk_test_…): its runs take no credit and only test keys see them')
    .option('--json', 'print JSON')
    .action((options: { org: string; name: string; test?: boolean; json?: boolean }) =>
      withDatabase(async (database) => {
        await requireOrg(database, options.org);
        const { key, apiKey } = await createApiKey(database.db, options.org, options.name, {
          livemode: !options.test,
        });
        print(
          Boolean(options.json),
          { key_id: apiKey.id, api_key: key, name: apiKey.name, livemode: apiKey.livemode },
          `${apiKey.livemode ? 'API key' : 'Test API key'} ${apiKey.id} (shown once): ${key}`,
        );
      }),
    );

  keys
    .command('list')
    .description("List an org's API keys (name, last 4 characters, last use, revocation)")
    .requiredOption('--org <org_id>', 'org id')
    .option('--json', 'print JSON')
    .action((options: { org: string; json?: boolean }) =>
      withDatabase(async (database) => {
        await requireOrg(database, options.org);
        const list = await listApiKeys(database.db, options.org);
        const rows = list.map((k) => ({
          key_id: k.id,
          name: k.name,
          hint: k.hint,
          created_at: k.createdAt.toISOString(),
          last_used_at: k.lastUsedAt?.toISOString() ?? null,
          revoked_at: k.revokedAt?.toISOString() ?? null,
        }));
        const text = rows
          .map((k) => `${k.key_id}  ${k.hint}  ${k.name}${k.revoked_at ? '  (revoked)' : ''}`)
          .join('\n');
        print(Boolean(options.json), { keys: rows }, text || 'No keys.');
      }),
    );

  keys
    .command('revoke')
    .description('Revoke an API key: requests with it are refused from then on')
    .requiredOption('--org <org_id>', 'org id')
    .requiredOption('--key <key_id>', 'key id (from keys list)')
    .action((options: { org: string; key: string }) =>
      withDatabase(async (database) => {
        if (!(await revokeApiKey(database.db, options.org, options.key, new Date()))) {
          throw new CliError(`No active key ${options.key} in org ${options.org}.`);
        }
        process.stdout.write(`Key ${options.key} revoked.\n`);
      }),
    );

  program
    .command('credits')
    .description('Manage run credits')
    .command('add')
    .description('Grant run credits to an org')
    .requiredOption('--org <org_id>', 'org id')
    .requiredOption('--amount <n>', 'credits to add', parsePositiveInteger('--amount'))
    .option('--json', 'print JSON')
    .action((options: { org: string; amount: number; json?: boolean }) =>
      withDatabase(async (database) => {
        await requireOrg(database, options.org);
        const balance = await database.db
          .transaction()
          .execute((trx) => grantCredits(trx, options.org, options.amount, 'cli'));
        print(
          Boolean(options.json),
          { org_id: options.org, credit_balance: balance },
          `Org ${options.org} now has ${balance} credits.`,
        );
      }),
    );

  program
    .command('user')
    .description('Manage users')
    .command('create')
    .description('Create a user in an org; the password is read from stdin or prompted')
    .requiredOption('--org <org_id>', 'org id')
    .requiredOption('--email <email>', 'email address (the sign-in name)')
    .option('--name <name>', 'display name')
    .option('--role <role>', 'owner or member', 'member')
    .option('--json', 'print JSON')
    .action((options: { org: string; email: string; name?: string; role: string; json?: boolean }) =>
      withDatabase(async (database) => {
        if (options.role !== 'owner' && options.role !== 'member')
          throw new CliError('--role must be owner or member');
        if (!/^[^\s@]+@[^\s@]+$/.test(options.email))
          throw new CliError(`--email "${options.email}" is not an email address`);
        await requireOrg(database, options.org);
        const password = await readPassword();
        if (password.length < 8) throw new CliError('The password must be at least 8 characters.');
        const user = await createUser(database.db, {
          orgId: options.org,
          email: options.email,
          password,
          role: options.role,
          ...(options.name ? { name: options.name } : {}),
        });
        print(
          Boolean(options.json),
          { user_id: user.id, email: user.email, role: options.role },
          `User ${user.id} (${user.email}) created as ${options.role}.`,
        );
      }),
    );

  registerWebhookCommands(program);
  registerOpenApiCommand(program);
  return program;
}

async function main(): Promise<void> {
  try {
    loadDotEnv();
    await buildProgram().parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode;
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`rundun: ${message}\n`);
    process.exitCode = 1;
  }
}

await main();
