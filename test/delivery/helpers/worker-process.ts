/**
 * A worker in its own process, for the crash and concurrency tests:
 *   node --conditions=development --import tsx test/delivery/helpers/worker-process.ts <database-url> '<json options>'
 * Prints `ready <worker id>` once started; on SIGTERM it stops gracefully and prints `attempts <n>`.
 */
import pino from 'pino';
import { createConfig } from '../../../src/config.js';
import { openDatabase } from '../../../src/db/connect.js';
import { deliveryMetricsFor } from '../../../src/delivery/metrics.js';
import { startWorker, type WorkerOptions } from '../../../src/delivery/worker.js';
import { TEST_KEYRING } from '../../helpers/keyring.js';

const [databaseUrl, rawOptions = '{}'] = process.argv.slice(2);
const options = JSON.parse(rawOptions) as Partial<WorkerOptions> & { retryScheduleMs?: number[] };
const database = await openDatabase({ databaseUrl, poolSize: 5 });
const config = createConfig({
  webhookAllowInsecure: true,
  retryScheduleMs: options.retryScheduleMs ?? [100, 100, 100, 100, 100],
});
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }, pino.destination(2));
const worker = startWorker({
  database,
  config,
  logger,
  keyring: TEST_KEYRING,
  pollIntervalMs: options.pollIntervalMs ?? 200,
  ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  ...(options.leaseMs ? { leaseMs: options.leaseMs } : {}),
  ...(options.heartbeatMs ? { heartbeatMs: options.heartbeatMs } : {}),
});
process.stdout.write(`ready ${worker.id}\n`);

process.once('SIGTERM', () => {
  void (async () => {
    await worker.stop();
    const attempts = await deliveryMetricsFor(database).attempts.get();
    const total = attempts.values.reduce((sum, value) => sum + value.value, 0);
    process.stdout.write(`attempts ${total}\n`);
    await database.close();
    process.exit(0);
  })();
});
