/**
 * A real HTTP receiver on 127.0.0.1 for delivery tests. Every request is kept; `respond` decides the
 * answer per request (status, headers, body, a delay, or hanging until the test answers it or ends).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  json: Record<string, unknown>;
  receivedAt: number;
  /** When the answer was sent (undefined while it hangs). */
  answeredAt?: number;
}

export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  delayMs?: number;
  /** Do not answer until `answerHanging` (the socket is destroyed when the receiver closes). */
  hang?: boolean;
}

export interface TestReceiver {
  /** Base URL, e.g. http://127.0.0.1:40123 */
  origin: string;
  port: number;
  received: ReceivedRequest[];
  /** Requests open right now, and the most that were ever open at once. */
  open: number;
  maxOpen: number;
  respond: (request: ReceivedRequest) => Reply;
  /** Answers every request that is hanging now with `reply`. */
  answerHanging(reply: Reply): void;
  /** Resolves when `predicate` holds, polling every 20 ms; rejects after `timeoutMs`. */
  waitFor(predicate: (received: ReceivedRequest[]) => boolean, timeoutMs?: number): Promise<void>;
  /** Stops listening (connections are cut); `listen()` again on the same port brings it back. */
  stop(): Promise<void>;
  listen(): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(options: { port?: number } = {}): Promise<TestReceiver> {
  const receiver = {} as TestReceiver;
  receiver.received = [];
  receiver.open = 0;
  receiver.maxOpen = 0;
  receiver.respond = () => ({ status: 200, body: 'ok' });
  const hanging = new Set<(reply: Reply) => void>();
  receiver.answerHanging = (reply) => {
    for (const answer of hanging) answer(reply);
    hanging.clear();
  };
  const server = http.createServer((request, response) => {
    receiver.open++;
    receiver.maxOpen = Math.max(receiver.maxOpen, receiver.open);
    response.once('close', () => receiver.open--);
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: Record<string, unknown> = {};
      try {
        json = JSON.parse(body) as Record<string, unknown>;
      } catch {
        // not JSON: left empty
      }
      const entry: ReceivedRequest = {
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        body,
        json,
        receivedAt: Date.now(),
      };
      receiver.received.push(entry);
      const reply = receiver.respond(entry);
      const answer = (given: Reply = reply) => {
        entry.answeredAt = Date.now();
        response.writeHead(given.status ?? 200, given.headers ?? {}).end(given.body ?? '');
      };
      if (reply.hang) hanging.add(answer);
      else if (reply.delayMs) setTimeout(answer, reply.delayMs);
      else answer();
    });
  });
  let port = options.port ?? 0;
  receiver.listen = () =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        port = (server.address() as AddressInfo).port;
        receiver.port = port;
        receiver.origin = `http://127.0.0.1:${port}`;
        resolve();
      });
    });
  receiver.stop = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  receiver.close = async () => {
    if (server.listening) await receiver.stop();
  };
  receiver.waitFor = async (predicate, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(receiver.received)) {
      if (Date.now() > deadline)
        throw new Error(
          `receiver: condition not met within ${timeoutMs} ms (${receiver.received.length} received)`,
        );
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  await receiver.listen();
  return receiver;
}
