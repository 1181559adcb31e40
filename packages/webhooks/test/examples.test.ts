/**
 * Runs the receivers shown in docs/webhook-verification.md (examples/receiver.ts, examples/receiver.py) as
 * real processes and sends them requests signed by signWebhook, as Rundun's delivery worker does.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { signWebhook } from '@rundun/webhooks';
import { RUN_ID, SECRET, sampleEvent, signVariant } from './fixtures.js';

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));
// The receivers sit "behind a proxy": Rundun calls this public URL, the test posts to the local port.
const PUBLIC_URL = 'https://hooks.example.test/rundun/in';

interface RunningExample {
  port: number;
  waitForLine(pattern: RegExp): Promise<string>;
  stop(): Promise<void>;
}

async function startExample(command: string, args: string[]): Promise<RunningExample> {
  const child = spawn(command, args, {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      PYTHONDONTWRITEBYTECODE: '1', // leave no __pycache__ in examples/
      HOST: '127.0.0.1',
      PORT: '0',
      RUNDUN_WEBHOOK_SECRET: SECRET,
      RUNDUN_WEBHOOK_URL: PUBLIC_URL,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const listeners = new Set<() => void>();
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    for (const listener of listeners) listener();
  });
  const exited = once(child, 'exit');

  function waitForLine(pattern: RegExp): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`no line matching ${pattern}`)), 15_000);
      const check = () => {
        const found = lines.find((line) => pattern.test(line));
        if (found !== undefined) finish(null, found);
        else if (child.exitCode !== null) finish(new Error(`example exited (${child.exitCode})`));
      };
      function finish(error: Error | null, line?: string) {
        clearTimeout(timer);
        listeners.delete(check);
        if (error) reject(new Error(`${error.message}\nstdout:\n${lines.join('\n')}\nstderr:\n${stderr}`));
        else resolve(line!);
      }
      listeners.add(check);
      void exited.then(check);
      check();
    });
  }

  const listening = await waitForLine(/^listening on port \d+$/);
  return {
    port: Number(listening.split(' ').at(-1)),
    waitForLine,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill();
        await exited;
      }
    },
  };
}

function delivery(
  options: { deliveryAttempt?: number; created?: number; url?: string; secret?: string } = {},
) {
  const event = sampleEvent({ delivery_attempt: options.deliveryAttempt ?? 1 });
  const body = JSON.stringify(event);
  const headers = signWebhook({
    url: options.url ?? PUBLIC_URL,
    body,
    secret: options.secret ?? SECRET,
    keyId: RUN_ID,
    created: options.created,
  });
  return { body, headers: headers as Record<string, string> };
}

async function post(port: number, request: { body: string; headers: Record<string, string> }) {
  const response = await fetch(`http://127.0.0.1:${port}/hooks`, { method: 'POST', ...request });
  return { status: response.status, text: await response.text() };
}

function describeReceiver(name: string, command: string, args: string[]): void {
  void describe(name, () => {
    let example: RunningExample;
    before(async () => {
      example = await startExample(command, args);
    });
    after(() => example.stop());

    void it('accepts a delivery signed by signWebhook for the public URL with 204', async () => {
      assert.deepEqual(await post(example.port, delivery()), { status: 204, text: '' });
      await example.waitForLine(/^accepted step\.completed evt-550e8400-e29b-41d4-a716-446655440000 .*seq=1/);
    });

    void it('acknowledges a retry of the same event_id without handling it twice', async () => {
      assert.equal((await post(example.port, delivery({ deliveryAttempt: 2 }))).status, 204);
      await example.waitForLine(/^duplicate evt-550e8400-e29b-41d4-a716-446655440000$/);
    });

    const now = () => Math.floor(Date.now() / 1000);
    const refusals: [string, () => { body: string; headers: Record<string, string> }][] = [
      ['digest_mismatch', () => ({ ...delivery(), body: delivery().body.replace('true', 'false') })],
      ['signature_mismatch', () => delivery({ url: 'http://127.0.0.1/hooks' })],
      ['signature_mismatch', () => delivery({ secret: `${SECRET}-old` })],
      ['stale_signature', () => delivery({ created: now() - 600 })],
      ['future_signature', () => delivery({ created: now() + 600 })],
      ['missing_header', () => ({ ...delivery(), headers: { 'content-type': 'application/json' } })],
      // Checked before the created time, so the fixtures' fixed created time does not matter here.
      [
        'unexpected_components',
        () => signVariant({ components: ['@target-uri', '@method', 'content-type', 'content-digest'] }),
      ],
      ['label_not_found', () => signVariant({ label: 'sig1' })],
    ];
    for (const [code, build] of refusals) {
      void it(`refuses with 400 ${code}`, async () => {
        assert.deepEqual(await post(example.port, build()), { status: 400, text: code });
      });
    }
  });
}

describeReceiver('the TypeScript receiver example (examples/receiver.ts)', process.execPath, [
  '--conditions=development',
  '--import',
  'tsx',
  `${PACKAGE_DIR}examples/receiver.ts`,
]);

describeReceiver('the Python receiver example (examples/receiver.py using verify.py)', 'python3', [
  `${PACKAGE_DIR}examples/receiver.py`,
]);

void describe('the Python verify_webhook (examples/verify.py)', () => {
  function verifyInPython(request: {
    url: string;
    headers: Record<string, string>;
    body: string;
    now: number;
  }) {
    const script = [
      'import json, sys',
      'from verify import verify_webhook, WebhookVerificationError',
      'r = json.load(sys.stdin)',
      'try:',
      "    event = verify_webhook(url=r['url'], headers=r['headers'], body=r['body'].encode(), secret=r['secret'], now=r['now'])",
      "    print('ok ' + event['event'])",
      'except WebhookVerificationError as error:',
      "    print('refused ' + error.code)",
    ].join('\n');
    const input = JSON.stringify({ ...request, secret: SECRET });
    return execFileSync('python3', ['-c', script], {
      cwd: `${PACKAGE_DIR}examples`,
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
      input,
    })
      .toString()
      .trim();
  }

  void it('normalizes the URL as the SDK does: case, default port, empty path, fragment', () => {
    const created = 1618884473;
    const body = JSON.stringify({ event: 'run.expired' });
    const cases: [signed: string, given: string][] = [
      ['https://Example.COM:443/Foo?Param=Value&Pet=dog', 'https://example.com/Foo?Param=Value&Pet=dog#top'],
      ['http://example.com:80', 'HTTP://EXAMPLE.com/'],
      ['https://example.com:8443?x=1', 'https://example.com:8443/?x=1'],
    ];
    for (const [signed, given] of cases) {
      const headers = signWebhook({ url: signed, body, secret: SECRET, keyId: RUN_ID, created });
      assert.equal(
        verifyInPython({ url: given, headers, body, now: created }),
        'ok run.expired',
        `${signed} vs ${given}`,
      );
    }
    const headers = signWebhook({
      url: 'https://example.com/a',
      body,
      secret: SECRET,
      keyId: RUN_ID,
      created,
    });
    assert.equal(
      verifyInPython({ url: 'https://example.com/b', headers, body, now: created }),
      'refused signature_mismatch',
    );
  });
});

void describe('docs/webhook-verification.md', () => {
  void it('shows the example files exactly as the tests run them', () => {
    const doc = readFileSync(`${REPO_ROOT}docs/webhook-verification.md`, 'utf8');
    for (const file of ['receiver.ts', 'verify.py', 'receiver.py']) {
      const source = readFileSync(`${PACKAGE_DIR}examples/${file}`, 'utf8');
      assert.ok(doc.includes(source), `docs/webhook-verification.md must include examples/${file} verbatim`);
    }
  });
});
