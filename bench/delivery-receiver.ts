/**
 * Webhook receivers for bench/delivery.ts, in their own process so they do not share the worker's or
 * the load generator's event loop. Driven over IPC:
 *   { type: 'start', fast: n, hanging: m, slow?: k }
 *                                           → { type: 'ports', fast: number[], hanging: number[], slow: number[] }
 *   { type: 'count' }                        → { type: 'count', count } (requests received so far)
 *   { type: 'collect' }                      → { type: 'receipts', receipts: [event_id, attempt, at][] }
 * Fast receivers answer 200 at once; slow ones after SLOW_MS; hanging ones never answer (the worker's
 * timeout ends them).
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

const SLOW_MS = 100;

function listen(mode: 'fast' | 'slow' | 'hang'): Promise<number> {
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
      const answer = () => response.writeHead(200, { 'content-length': '0' }).end();
      if (mode === 'fast') answer();
      else if (mode === 'slow') setTimeout(answer, SLOW_MS);
    });
  });
  server.keepAliveTimeout = 30_000;
  servers.push(server);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

process.on('message', (message: { type: string; fast?: number; hanging?: number; slow?: number }) => {
  void (async () => {
    if (message.type === 'start') {
      const fast: number[] = [];
      const hanging: number[] = [];
      const slow: number[] = [];
      for (let i = 0; i < (message.fast ?? 0); i++) fast.push(await listen('fast'));
      for (let i = 0; i < (message.hanging ?? 0); i++) hanging.push(await listen('hang'));
      for (let i = 0; i < (message.slow ?? 0); i++) slow.push(await listen('slow'));
      process.send!({ type: 'ports', fast, hanging, slow });
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
