/**
 * `rundun webhooks listen --port P --secret S [--url U]`: a local receiver for development. Every POST
 * is verified with `verifyWebhook` from @rundun/webhooks and printed on one line (event, run, seq,
 * attempt, ✓ or ✗ with the reason); it answers 200 when the delivery verifies and 400 when it does not,
 * as docs/webhook-verification.md advises receivers to.
 * The URL checked against the signature is --url when given (use the public URL when a tunnel or proxy
 * forwards to this port), else the one the request was made to: http://<Host header><path>.
 */
import http from 'node:http';
import { verifyWebhook, WebhookVerificationError } from '@rundun/webhooks';
import type { Command } from 'commander';

const MAX_BODY_BYTES = 32 * 1024 * 1024;

export interface WebhookListenerOptions {
  port: number;
  host: string;
  secret: string;
  url?: string | undefined;
  toleranceSeconds?: number | undefined;
  verbose?: boolean | undefined;
  write: (text: string) => void;
}

export interface WebhookListener {
  url: string;
  close(): Promise<void>;
}

export async function startWebhookListener(options: WebhookListenerOptions): Promise<WebhookListener> {
  const server = http.createServer((request, response) => {
    void handleDelivery(options, request, response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as { port: number };
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${address.port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function handleDelivery(
  options: WebhookListenerOptions,
  request: http.IncomingMessage,
  response: http.ServerResponse,
): Promise<void> {
  if (request.method !== 'POST') {
    response.writeHead(405, { allow: 'POST', 'content-type': 'text/plain' }).end('POST webhooks here\n');
    return;
  }
  const body = await readBody(request).catch(() => null);
  if (body === null) {
    response.writeHead(413, { 'content-type': 'text/plain' }).end('body too large\n');
    return;
  }
  const url =
    options.url ?? `http://${request.headers.host ?? `${options.host}:${options.port}`}${request.url}`;
  let reason: string | null = null;
  try {
    verifyWebhook({
      url,
      headers: request.headers,
      body,
      secret: options.secret,
      ...(options.toleranceSeconds !== undefined ? { toleranceSeconds: options.toleranceSeconds } : {}),
    });
  } catch (error) {
    reason =
      error instanceof WebhookVerificationError
        ? `${error.code}: ${error.message}`
        : error instanceof Error
          ? error.message
          : String(error);
  }
  options.write(`${describeDelivery(body, reason)}\n`);
  if (options.verbose) options.write(`${indentJson(body)}\n`);
  response
    .writeHead(reason ? 400 : 200, { 'content-type': 'application/json' })
    .end(JSON.stringify(reason ? { verified: false, reason } : { verified: true }));
}

function readBody(request: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        request.destroy();
        reject(new Error('body too large'));
      } else chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/** `12:30:01 ✓ step.completed  run r-…  seq 3  attempt 1  evt-…`, or ✗ with the reason. */
export function describeDelivery(body: Buffer, failure: string | null): string {
  let fields: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    if (parsed && typeof parsed === 'object') fields = parsed as Record<string, unknown>;
  } catch {
    // Printed as unknown below; the verification reason says why.
  }
  const show = (value: unknown) =>
    value === undefined ? '?' : typeof value === 'string' ? value : JSON.stringify(value);
  const time = new Date().toISOString().slice(11, 19);
  const summary = [
    show(fields.event),
    `run ${show(fields.run_id)}`,
    `seq ${show(fields.seq)}`,
    `attempt ${show(fields.delivery_attempt)}`,
    show(fields.event_id),
  ].join('  ');
  return failure ? `${time} ✗ ${summary}  NOT VERIFIED (${failure})` : `${time} ✓ ${summary}  verified`;
}

function indentJson(body: Buffer): string {
  try {
    return JSON.stringify(JSON.parse(body.toString('utf8')), null, 2).replace(/^/gm, '    ');
  } catch {
    return `    ${body.toString('utf8').slice(0, 2000)}`;
  }
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be 0..65535, got "${value}"`);
  return port;
}

export function registerWebhookCommands(program: Command): void {
  program
    .command('webhooks')
    .description('Webhook tools for local development')
    .command('listen')
    .description('Receive webhooks locally: verify each signature and print the delivery')
    .requiredOption('--port <port>', 'port to listen on', parsePort)
    .requiredOption('--secret <secret>', 'the webhook secret given at dispatch')
    .option('--url <url>', 'the URL Rundun calls, if not this server directly (a tunnel, a proxy)')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--tolerance <seconds>', 'allowed clock difference for the signature', Number, 300)
    .option('--verbose', 'print every body in full')
    .action(
      async (options: {
        port: number;
        secret: string;
        url?: string;
        host: string;
        tolerance: number;
        verbose?: boolean;
      }) => {
        const write = (text: string) => process.stdout.write(text);
        const listener = await startWebhookListener({
          port: options.port,
          host: options.host,
          secret: options.secret,
          url: options.url,
          toleranceSeconds: options.tolerance,
          verbose: options.verbose,
          write,
        });
        write(
          `Listening on ${listener.url} — dispatch runs with webhook.url pointing here (an http:// URL ` +
            'needs a server started with RUNDUN_WEBHOOK_ALLOW_INSECURE=true). Ctrl-C stops.\n',
        );
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        await listener.close();
      },
    );
}
