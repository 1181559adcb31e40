/**
 * A delivery worker process for bench/delivery.ts, with the production defaults (timeouts, lease,
 * caps) except that loopback receivers are allowed. Prints `ready` once started; stops on stdin EOF.
 */
import pino from 'pino';
import { createConfig } from '../src/config.js';
import { openDatabase } from '../src/db/connect.js';
import { startWorker } from '../src/delivery/worker.js';

const database = await openDatabase({ databaseUrl: process.argv[2] });
const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' }, pino.destination(2));
const worker = startWorker({ database, config: createConfig({ webhookAllowInsecure: true }), logger });
process.stdout.write('ready\n');
process.stdin.resume();
process.stdin.on('end', () => {
  void worker
    .stop()
    .then(() => database.close())
    .then(() => process.exit(0));
});
