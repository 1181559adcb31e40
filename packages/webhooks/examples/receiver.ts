/**
 * A complete Rundun webhook receiver: node:http and @rundun/webhooks, nothing else.
 *
 *   RUNDUN_WEBHOOK_SECRET='the secret given at dispatch' \
 *   RUNDUN_WEBHOOK_URL='https://your-app.example/hooks/rundun' \
 *   PORT=8080 node receiver.js
 *
 * RUNDUN_WEBHOOK_URL is the `webhook.url` given at dispatch — the public URL, even when a proxy forwards
 * the request to this process under another host or path. HOST defaults to 127.0.0.1; PORT=0 picks a free port.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { verifyWebhook, WebhookVerificationError, type WebhookEvent } from '@rundun/webhooks';

const SECRET = requireEnv('RUNDUN_WEBHOOK_SECRET');
const WEBHOOK_URL = requireEnv('RUNDUN_WEBHOOK_URL');
// step.completed embeds up to a few ~25 KB thumbnails per step; 5 MB leaves ample room.
const MAX_BODY_BYTES = 5 * 1024 * 1024;

// Event ids already handled. Use a unique key in your database instead: retries and replays resend an event.
const handledEventIds = new Set<string>();

const server = createServer((req, res) => {
  receive(req, res).catch((error: unknown) => {
    console.error(error);
    if (!res.headersSent) res.writeHead(500);
    res.end();
  });
});

async function receive(req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'POST') {
    res.writeHead(405, { allow: 'POST' }).end();
    return;
  }
  const body = await readRawBody(req);
  if (body === null) {
    res.writeHead(413).end();
    return;
  }
  let event: WebhookEvent;
  try {
    // Verify the raw bytes: parsing and re-serializing the JSON first would break Content-Digest.
    event = verifyWebhook({
      method: req.method,
      url: WEBHOOK_URL,
      headers: req.headers,
      body,
      secret: SECRET,
    });
  } catch (error) {
    if (!(error instanceof WebhookVerificationError)) throw error;
    console.log(`rejected ${error.code}: ${error.message}`);
    res.writeHead(400, { 'content-type': 'text/plain' }).end(error.code);
    return;
  }
  if (handledEventIds.has(event.event_id)) {
    console.log(`duplicate ${event.event_id}`);
  } else {
    handledEventIds.add(event.event_id);
    handleEvent(event);
  }
  // Answer 2xx within 10 s; do slow work after answering (or queue it).
  res.writeHead(204).end();
}

function handleEvent(event: WebhookEvent): void {
  // `seq` orders a run's events: a retried event may arrive after a later one.
  const where = `${event.run_id} seq=${event.seq} attempt=${event.delivery_attempt}`;
  switch (event.event) {
    case 'step.completed':
      console.log(`accepted ${event.event} ${event.event_id} ${where} step=${event.data.step_id}`);
      break;
    case 'step.skipped':
      console.log(`accepted ${event.event} ${event.event_id} ${where} step=${event.data.step_id}`);
      break;
    case 'run.completed':
      console.log(`accepted ${event.event} ${event.event_id} ${where} in ${event.data.duration_seconds} s`);
      break;
    case 'run.cancelled':
      console.log(`accepted ${event.event} ${event.event_id} ${where} at ${event.data.last_step_id}`);
      break;
    case 'run.expired':
      console.log(`accepted ${event.event} ${event.event_id} ${where} at ${event.data.expired_at}`);
      break;
    default:
      // A newer event this code does not know yet: acknowledge it so it is not retried.
      console.log(`accepted ${(event as { event: string }).event}`);
  }
}

/** The body bytes exactly as received, or null when larger than MAX_BODY_BYTES. */
async function readRawBody(req: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`set ${name}`);
  return value;
}

server.listen(Number(process.env.PORT ?? 8080), process.env.HOST ?? '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening on port ${typeof address === 'object' && address ? address.port : '?'}`);
});
