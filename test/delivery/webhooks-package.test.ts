/**
 * @rundun/webhooks as a receiver installs it: built, packed with `npm pack`, installed from the tarball
 * in a scratch project and imported by plain `node` (no tsx, no source paths). The scratch project runs
 * the README's receiver against real deliveries from the worker, and reproduces the reference
 * webhook-style vector (RFC 9421 rules, ../shared/reference §6) with the installed package.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { unusedPort } from '../helpers/ports.js';
import { createTestApp } from '../helpers/app.js';
import { waitForLine } from '../helpers/cli.js';
import {
  appendEvent,
  createTemplate,
  dispatchRun,
  SAMPLE_DATA,
  startTestWorker,
  WEBHOOK_SECRET,
} from './helpers/runs.js';

const PACKAGE_DIR = path.resolve('packages/webhooks');

/** The README's ```js block, as a receiver would copy it. */
function readmeReceiver(): string {
  const readme = fs.readFileSync(path.join(PACKAGE_DIR, 'README.md'), 'utf8');
  return /```js\n([\s\S]*?)```/.exec(readme)![1]!;
}

const VECTOR_SCRIPT = `
import { createHmac } from 'node:crypto';
import { contentDigest, createSignatureBase } from '@rundun/webhooks';
const digest = contentDigest('{"hello": "world"}');
const { base } = createSignatureBase({
  method: 'POST',
  url: 'https://example.com/foo?param=Value&Pet=dog',
  headers: { 'content-type': 'application/json', 'content-digest': digest },
  components: ['@method', '@target-uri', 'content-type', 'content-digest'],
  params: new Map([['created', 1618884473], ['keyid', 'test-shared-secret'], ['alg', 'hmac-sha256'],
    ['expires', 1618884773], ['nonce', 'b3k2pp5k7z-50gnwp.yemd'], ['tag', 'webhook']]),
});
const key = Buffer.from('uzvJfB4u3N0Jy4T7NZ75MDVcr8zSTInedJtkgcu46YW4XByzNJjxBdtjUkdJPBtbmHhIDi6pcl8jsasjlTMtDQ==', 'base64');
console.log(JSON.stringify({ resolved: import.meta.resolve('@rundun/webhooks'), digest,
  signature: createHmac('sha256', key).update(base).digest('base64') }));
`;

describe('@rundun/webhooks installed from its npm pack tarball', () => {
  let project: string;
  before(() => {
    project = fs.mkdtempSync(path.join(os.tmpdir(), 'rundun-webhooks-consumer-'));
    execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: PACKAGE_DIR });
    const [packed] = JSON.parse(
      execFileSync('npm', ['pack', '--json', '--pack-destination', project], {
        cwd: PACKAGE_DIR,
        encoding: 'utf8',
      }),
    ) as { filename: string }[];
    fs.writeFileSync(path.join(project, 'package.json'), '{ "private": true, "type": "module" }\n');
    execFileSync(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        '--no-package-lock',
        `./${packed!.filename}`,
      ],
      { cwd: project, stdio: 'ignore' },
    );
  });
  after(() => fs.rmSync(project, { recursive: true, force: true }));

  it('resolves to the built JavaScript, with or without a development condition, and reproduces the reference vector', () => {
    fs.writeFileSync(path.join(project, 'vector.mjs'), VECTOR_SCRIPT);
    for (const flags of [[], ['--conditions=development']]) {
      const output = execFileSync(process.execPath, [...flags, 'vector.mjs'], {
        cwd: project,
        encoding: 'utf8',
      });
      const { resolved, digest, signature } = JSON.parse(output) as Record<string, string>;
      assert.match(resolved!, /node_modules\/@rundun\/webhooks\/dist\/index\.js$/);
      assert.equal(digest, 'sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:');
      assert.equal(signature, '3so9WYjvzh09lD+L4R1ikSeivB0NEzrJtpefthgbfHE=');
    }
  });

  it("runs the README's receiver on real deliveries: verifies the right secret, refuses another", async () => {
    fs.writeFileSync(path.join(project, 'receiver.mjs'), readmeReceiver());
    const t = await createTestApp('pglite', { config: { retryScheduleMs: [60_000] } });
    const port = await unusedPort();
    const url = `http://127.0.0.1:${port}/hooks`;
    const receiver = spawn(process.execPath, ['receiver.mjs'], {
      cwd: project,
      env: {
        ...process.env,
        PORT: String(port),
        RUNDUN_WEBHOOK_SECRET: WEBHOOK_SECRET,
        RUNDUN_WEBHOOK_URL: url,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const worker = startTestWorker(t.database, t.config, { timeoutMs: 5_000 });
    try {
      await waitForLine(receiver, /^listening on/);
      const templateId = await createTemplate(t);
      const good = await dispatchRun(t, templateId, { url });
      const verified = waitForLine(receiver, new RegExp(`^verified step\\.completed ${good} seq 1$`));
      await appendEvent(t.database, good, 'step.completed', SAMPLE_DATA['step.completed']);
      await verified;
      const wrong = await dispatchRun(t, templateId, { url, secret: 'whsec_another-secret-entirely' });
      const refused = waitForLine(receiver, /^refused signature_mismatch$/);
      await appendEvent(t.database, wrong, 'run.cancelled', SAMPLE_DATA['run.cancelled']);
      await refused;
    } finally {
      receiver.kill();
      await worker.stop();
      await t.close();
    }
  });
});
