import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import { describe, it } from 'node:test';
import { signWebhook } from '@rundun/webhooks';
import { startWebhookListener } from '../../src/cli/webhooks-listen.js';
import { createTestApp } from '../helpers/app.js';
import { RUNDUN_COMMAND, waitForLine } from '../helpers/cli.js';
import { testDatabaseKinds } from '../helpers/database.js';
import {
  appendEvent,
  createTemplate,
  dispatchRun,
  SAMPLE_DATA,
  startTestWorker,
  WEBHOOK_SECRET,
} from './helpers/runs.js';

for (const kind of testDatabaseKinds()) {
  describe(`rundun webhooks listen (${kind})`, () => {
    it('verifies real deliveries, prints them, and answers 400 when the secret does not match', async () => {
      const t = await createTestApp(kind, { config: { retryScheduleMs: [60_000] } });
      const output: string[] = [];
      const listener = await startWebhookListener({
        port: 0,
        host: '127.0.0.1',
        secret: WEBHOOK_SECRET,
        write: (text) => output.push(text),
      });
      const worker = startTestWorker(t.database, t.config, { timeoutMs: 5_000 });
      try {
        const templateId = await createTemplate(t);
        const good = await dispatchRun(t, templateId, { url: `${listener.url}hooks` });
        const wrong = await dispatchRun(t, templateId, {
          url: `${listener.url}hooks`,
          secret: 'whsec_another-secret-entirely',
        });
        await appendEvent(t.database, good, 'step.completed', SAMPLE_DATA['step.completed']);
        await appendEvent(t.database, wrong, 'run.cancelled', SAMPLE_DATA['run.cancelled']);
        const deadline = Date.now() + 60_000; // a bound for a failing run only: a loaded CI machine is slow
        while (output.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));

        const verified = output.find((line) => line.includes(good))!;
        assert.match(
          verified,
          new RegExp(`✓ step\\.completed  run ${good}  seq 1  attempt 1  evt-[0-9a-f-]+  verified`),
        );
        const refused = output.find((line) => line.includes(wrong))!;
        assert.match(refused, /✗ run\.cancelled .* NOT VERIFIED \(signature_mismatch/);

        let attempts: { response: { status: number } }[] = [];
        while (attempts.length === 0 && Date.now() < deadline) {
          const response = await t.api({ method: 'GET', url: `/v1/runs/${wrong}/deliveries` });
          attempts = response.json<{ data: { attempts: typeof attempts }[] }>().data[0]!.attempts;
          await new Promise((r) => setTimeout(r, 50));
        }
        assert.equal(attempts[0]!.response.status, 400);
      } finally {
        await worker.stop();
        await listener.close();
        await t.close();
      }
    });
  });
}

describe('rundun webhooks listen (the command)', () => {
  it('starts from the CLI, verifies a signed POST and answers 200', async () => {
    const child = spawn(
      process.execPath,
      [...RUNDUN_COMMAND, 'webhooks', 'listen', '--port', '0', '--secret', WEBHOOK_SECRET],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    try {
      const base = /Listening on (\S+)/.exec(await waitForLine(child, /Listening on (\S+)/))![1]!;
      const url = `${base}hook`;
      const body = JSON.stringify({
        event_id: 'evt-1',
        delivery_attempt: 2,
        event: 'run.completed',
        run_id: 'r-1',
        seq: 4,
      });
      const headers = signWebhook({ url, body, secret: WEBHOOK_SECRET, keyId: 'r-1' });
      const verified = waitForLine(child, /verified$/);
      const ok = await fetch(url, { method: 'POST', headers: { ...headers }, body });
      assert.equal(ok.status, 200);
      const verifiedLine = await verified;
      assert.ok(
        verifiedLine.endsWith(' ✓ run.completed  run r-1  seq 4  attempt 2  evt-1  verified'),
        verifiedLine,
      );
      const refused = waitForLine(child, /NOT VERIFIED/);
      const forged = await fetch(url, {
        method: 'POST',
        headers: { ...headers },
        body: body.replace('4', '5'),
      });
      assert.equal(forged.status, 400);
      const refusedLine = await refused;
      assert.ok(
        refusedLine.includes(
          ' ✗ run.completed  run r-1  seq 5  attempt 2  evt-1  NOT VERIFIED (digest_mismatch',
        ),
        refusedLine,
      );
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });
});

describe('rundun webhooks listen --forward-to', () => {
  it("forwards each verified delivery to the app with its body and signature, answering with the app's status", async () => {
    const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
    const app = http.createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        received.push({ headers: request.headers, body });
        response.writeHead(202, { 'content-type': 'text/plain' }).end('stored');
      });
    });
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    const appUrl = `http://127.0.0.1:${(app.address() as { port: number }).port}/rundun`;
    const output: string[] = [];
    const listener = await startWebhookListener({
      port: 0,
      host: '127.0.0.1',
      secret: WEBHOOK_SECRET,
      forwardTo: appUrl,
      write: (text) => output.push(text),
    });
    try {
      const url = `${listener.url}hook`;
      const body = JSON.stringify({ event: 'run.completed', run_id: 'r-1', seq: 2, event_id: 'evt-1' });
      const headers = signWebhook({ url, body, secret: WEBHOOK_SECRET, keyId: 'r-1' });
      const forwarded = await fetch(url, { method: 'POST', headers, body });
      assert.equal(forwarded.status, 202);
      assert.equal(await forwarded.text(), 'stored');
      assert.equal(received.length, 1);
      assert.equal(received[0]!.body, body);
      for (const name of ['content-type', 'content-digest', 'signature-input', 'signature'] as const)
        assert.equal(received[0]!.headers[name], headers[name]);
      assert.match(
        output.join(''),
        new RegExp(`✓ run\\.completed .* verified\\n    → ${appUrl} 202 in \\d+ ms  stored`),
      );

      const forged = await fetch(url, { method: 'POST', headers, body: body.replace('2', '3') });
      assert.equal(forged.status, 400);
      assert.equal(received.length, 1, 'a delivery that does not verify is not forwarded');

      await new Promise((resolve) => app.close(resolve));
      const unreachable = await fetch(url, { method: 'POST', headers, body });
      assert.equal(unreachable.status, 502);
      assert.match(output.join(''), new RegExp(`→ ${appUrl} not reached: `));
    } finally {
      await listener.close();
      if (app.listening) app.close();
    }
  });
});
