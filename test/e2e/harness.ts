/**
 * Browser end-to-end harness: a real rundun server (createApp + listen on 127.0.0.1, its PUBLIC_URL set
 * to that address, the delivery worker running), a real local webhook receiver, and Debian's headless
 * Chromium through playwright-core. Nothing is mocked. `findChromium` returns undefined when no
 * browser is installed, and the e2e files skip with a message saying so.
 */
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { chromium, type Browser } from 'playwright-core';
import { createConfig, type Config } from '../../src/config.js';
import { createApiKey } from '../../src/db/api-keys.js';
import type { DatabaseKind } from '../../src/db/connect.js';
import { listRunEvents } from '../../src/db/events.js';
import { createOrg } from '../../src/db/orgs.js';
import { startWorker, type Worker } from '../../src/delivery/worker.js';
import { createApp } from '../../src/http/app.js';
import { DEFAULT_EXECUTOR_DIST } from '../../src/http/routes/executor-app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { TEST_SCRYPT_COST } from '../helpers/app.js';
import { TEST_KEYRING } from '../helpers/keyring.js';

export const CHROMIUM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
export const WEBHOOK_SECRET = 'whsec_e2e_0123456789abcdef';

export function findChromium(): string | undefined {
  return CHROMIUM_PATHS.find((candidate) => fs.existsSync(candidate));
}

/** Why the e2e tests cannot run here, or undefined when they can. */
export function e2eSkipReason(): string | undefined {
  if (!findChromium()) return `no Chromium at ${CHROMIUM_PATHS.join(' or ')} (apt-get install -y chromium)`;
  if (!fs.existsSync(path.join(DEFAULT_EXECUTOR_DIST, 'index.html')))
    return 'the executor app is not built (npm run build:web)';
  return undefined;
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: findChromium()!, args: CHROMIUM_ARGS });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface ReceivedWebhook {
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface Receiver {
  url: string;
  received: ReceivedWebhook[];
  /** The status every later request is answered with (200 unless set): lets a test make the receiver fail. */
  respondWith(status: number): void;
  /** Resolves once `predicate` holds; rejects after `timeoutMs`. */
  waitFor(predicate: (received: ReceivedWebhook[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: ReceivedWebhook[] = [];
  let status = 200;
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        url: request.url ?? '/',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      response
        .writeHead(status, { 'content-type': 'text/plain' })
        .end(status < 300 ? 'ok' : 'receiver failing');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/rundun`,
    received,
    respondWith(next) {
      status = next;
    },
    async waitFor(predicate, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(received)) {
        if (Date.now() > deadline) throw new Error(`receiver: condition not met within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface E2eServer {
  url: string;
  config: Config;
  database: TestDatabase;
  orgId: string;
  apiKey: string;
  /** Calls the /v1 API with the org's key. */
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  close(): Promise<void>;
}

export async function startServer(
  kind: DatabaseKind = 'pglite',
  options: { worker?: boolean } = {},
): Promise<E2eServer> {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rundun-e2e-'));
  const config = createConfig({
    port,
    host: '127.0.0.1',
    publicUrl: `http://127.0.0.1:${port}`,
    dataDir,
    webhookAllowInsecure: true,
    retryScheduleMs: [200, 400, 800, 1600, 3200],
    passwordScrypt: TEST_SCRYPT_COST,
  });
  const database = await createTestDatabase(kind);
  const app = await createApp({
    config,
    database,
    secret: 'e2e-instance-secret-0123456789abcdef',
    keyring: TEST_KEYRING,
  });
  await app.listen({ port, host: '127.0.0.1' });
  let worker: Worker | undefined;
  if (options.worker !== false)
    worker = startWorker({
      database,
      config,
      logger: pino({ level: 'silent' }),
      keyring: TEST_KEYRING,
      pollIntervalMs: 200,
    });
  const org = await createOrg(database.db, 'E2E org', 100);
  const { key } = await createApiKey(database.db, org.id, 'e2e');
  return {
    url: config.publicUrl,
    config,
    database,
    orgId: org.id,
    apiKey: key,
    async api<T>(method: string, urlPath: string, body?: unknown): Promise<T> {
      const response = await fetch(`${config.publicUrl}${urlPath}`, {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} ${urlPath}: ${response.status} ${text}`);
      return JSON.parse(text) as T;
    },
    async close() {
      await worker?.stop();
      await app.close();
      await database.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Events of a run as the outbox holds them, in order. */
export async function listEventTypes(server: E2eServer, runId: string): Promise<string[]> {
  return (await listRunEvents(server.database.db, runId)).map((envelope) => envelope.event);
}
