/**
 * Webhook receivers for bench/delivery.ts, in their own process so they do not share the worker's or
 * the load generator's event loop. Driven over IPC:
 *   { type: 'start', fast: n, hanging: m }  → { type: 'ports', fast: number[], hanging: number[] }
 *   { type: 'count' }                        → { type: 'count', count } (requests received so far)
 *   { type: 'collect' }                      → { type: 'receipts', receipts: [event_id, attempt, at][] }
 * Fast receivers answer 200 at once; hanging ones never answer (the worker's timeout ends them).
 * `at` is `performance.timeOrigin + performance.now()`, comparable across processes on this machine.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

type Receipt = [eventId: string, attempt: number, at: number];
let receipts: Receipt[] = [];
let count = 0;
const servers: http.Server[] = [];

function now(): number {
  return performance.timeOrigin + performance.now();
}

function listen(hang: boolean): Promise<number> {
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const at = now();
      count++;
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        event_id: string;
        delivery_attempt: number;
      };
      receipts.push([body.event_id, body.delivery_attempt, at]);
      if (!hang) response.writeHead(200, { 'content-length': '0' }).end();
    });
  });
  server.keepAliveTimeout = 30_000;
  servers.push(server);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

process.on('message', (message: { type: string; fast?: number; hanging?: number }) => {
  void (async () => {
    if (message.type === 'start') {
      const fast: number[] = [];
      const hanging: number[] = [];
      for (let i = 0; i < (message.fast ?? 0); i++) fast.push(await listen(false));
      for (let i = 0; i < (message.hanging ?? 0); i++) hanging.push(await listen(true));
      process.send!({ type: 'ports', fast, hanging });
    } else if (message.type === 'count') {
      process.send!({ type: 'count', count });
    } else if (message.type === 'collect') {
      process.send!({ type: 'receipts', receipts });
      receipts = [];
    }
  })();
});

process.on('disconnect', () => {
  for (const server of servers) server.closeAllConnections();
  process.exit(0);
});
