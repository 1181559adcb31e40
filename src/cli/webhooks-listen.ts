/**
 * `rundun webhooks listen --port P --secret S [--url U]`: a local receiver for development. Every POST
 * is verified with `verifyWebhook` from @rundun/webhooks and printed on one line (event, run, seq,
 * attempt, ✓ or ✗ with the reason); it answers 200 when the delivery verifies and 400 when it does not,
 * as docs/webhook-verification.md advises receivers to.
 * The URL checked against the signature is --url when given (use the public URL when a tunnel or proxy
 * forwards to this port), else the one the request was made to: http://<Host header><path>.
 *
 * With --forward-to URL (the `stripe listen --forward-to` habit), each verified delivery is then POSTed
 * to the developer's app with the same body and signature headers, the app's answer is printed, and
 * Rundun gets the app's status, so its retries follow the app. A delivery that does not verify is not
 * forwarded. The app verifies with the URL Rundun called (this listener's), not its own.
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
  /** Where verified deliveries are forwarded; default: nowhere. */
  forwardTo?: string | undefined;
  write: (text: string) => void;
}

/** How long the app may take to answer a forwarded delivery; as long as Rundun waits for a receiver. */
export const FORWARD_TIMEOUT_MS = 10_000;
/** The request headers passed on to the app: the signed ones and the client's name. */
const FORWARDED_HEADERS = ['content-type', 'content-digest', 'signature-input', 'signature', 'user-agent'];

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
  if (!reason && options.forwardTo)
    return forwardDelivery(options.forwardTo, request, body, response, options.write);
  response
    .writeHead(reason ? 400 : 200, { 'content-type': 'application/json' })
    .end(JSON.stringify(reason ? { verified: false, reason } : { verified: true }));
}

/** POSTs a verified delivery to the app, prints its answer, and answers Rundun with the app's status. */
async function forwardDelivery(
  target: string,
  request: http.IncomingMessage,
  body: Buffer,
  response: http.ServerResponse,
  write: (text: string) => void,
): Promise<void> {
  const headers: Record<string, string> = {};
  for (const name of FORWARDED_HEADERS) {
    const value = request.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  const started = Date.now();
  try {
    const answer = await fetch(target, {
      method: 'POST',
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(FORWARD_TIMEOUT_MS),
    });
    const text = await answer.text();
    const excerpt = text.length > 200 ? `${text.slice(0, 200)}…` : text;
    write(
      `    → ${target} ${answer.status} in ${Date.now() - started} ms${excerpt ? `  ${excerpt.replace(/\s+/g, ' ')}` : ''}\n`,
    );
    response
      .writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'text/plain' })
      .end(text);
  } catch (error) {
    const cause =
      error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
    write(`    → ${target} not reached: ${cause}\n`);
    response
      .writeHead(502, { 'content-type': 'text/plain' })
      .end(`could not forward to ${target}: ${cause}\n`);
  }
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

function parseUrl(value: string): string {
  if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol))
    throw new Error(`--forward-to must be an http(s) URL, got "${value}"`);
  return value;
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
    .option(
      '--forward-to <url>',
      'POST each verified delivery to your app (same body and headers) and show its answer',
      parseUrl,
    )
    .action(
      async (options: {
        port: number;
        secret: string;
        url?: string;
        host: string;
        tolerance: number;
        verbose?: boolean;
        forwardTo?: string;
      }) => {
        const write = (text: string) => process.stdout.write(text);
        const listener = await startWebhookListener({
          port: options.port,
          host: options.host,
          secret: options.secret,
          url: options.url,
          toleranceSeconds: options.tolerance,
          verbose: options.verbose,
          forwardTo: options.forwardTo,
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
