/**
 * `rundun worker` as a real process: /healthz and /metrics on its own port (behind the metrics token),
 * its start and stop logged with what it did.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { RUNDUN_COMMAND } from '../helpers/cli.js';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../helpers/database.js';

const TOKEN = 'metrics-token-0123456789';

function logLines(output: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

// On PGlite the worker makes and migrates its own data directory (up to a minute on a busy machine).
for (const kind of testDatabaseKinds())
  describe(`rundun worker (${kind})`, () => {
    it('serves /healthz and /metrics on its own port, and logs its start and its stop', async () => {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rundun-worker-http-'));
      const database: TestDatabase | undefined =
        kind === 'postgres' ? await createTestDatabase(kind) : undefined;
      const child = spawn(process.execPath, [...RUNDUN_COMMAND, 'worker', '--port', '0'], {
        env: {
          ...process.env,
          RUNDUN_DATA_DIR: dataDir,
          DATABASE_URL: database?.url ?? '',
          RUNDUN_METRICS_TOKEN: TOKEN,
          LOG_LEVEL: 'info',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      try {
        const deadline = Date.now() + 180_000;
        let started: Record<string, unknown> | undefined;
        while (!(started = logLines(output).find((l) => l.msg === 'rundun worker started'))) {
          assert.ok(Date.now() < deadline && child.exitCode === null, `worker did not start: ${output}`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        const base = `http://127.0.0.1:${String(started.port)}`;
        assert.ok(Number(started.port) > 0, 'the port it listens on is logged');

        const health = await fetch(`${base}/healthz`);
        assert.equal(health.status, 200);
        const body = (await health.json()) as Record<string, unknown>;
        assert.equal(body.status, 'ok');
        assert.equal(body.worker, started.worker);
        assert.equal(body.in_flight, 0);

        const refused = await fetch(`${base}/metrics`);
        assert.equal(refused.status, 401, 'the metrics token is required');
        const metrics = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
        assert.equal(metrics.status, 200);
        const text = await metrics.text();
        for (const state of ['claimable', 'held', 'leased'])
          assert.match(text, new RegExp(`^rundun_delivery_queue\\{state="${state}"\\} 0$`, 'm'));
        assert.match(text, /^rundun_delivery_in_flight 0$/m);
        assert.equal((await fetch(`${base}/v1/runs`)).status, 404, 'the worker serves no API');
      } finally {
        child.kill('SIGTERM');
      }
      assert.equal(await exited, 0);
      const stopped = logLines(output).find((l) => l.msg === 'rundun worker stopped');
      assert.ok(stopped, `the stop is logged: ${output}`);
      assert.deepEqual(
        [stopped.attemptsFinished, stopped.claimsReleased, stopped.leasesLost],
        [0, 0, 0],
        'with what it did',
      );
      fs.rmSync(dataDir, { recursive: true, force: true });
      await database?.close();
    });
  });
