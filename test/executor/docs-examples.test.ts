import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { createExecutorTestApp, makeJpeg, makePng, type ExecutorTestApp } from './helpers.js';

const run = promisify(execFile);
const hasTools = ['/usr/bin/curl', '/usr/bin/jq'].every((tool) => fs.existsSync(tool));

/** The ```sh blocks of a markdown file, in order. */
function shellBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]!);
}

describe(
  'docs/executor-api.md',
  { skip: hasTools ? false : 'curl and jq are needed to run the guide' },
  () => {
    let t: ExecutorTestApp;
    let url: string;
    let cwd: string;
    before(async () => {
      t = await createExecutorTestApp('pglite');
      url = await t.app.listen({ port: 0, host: '127.0.0.1' });
      cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'rundun-docs-'));
      fs.writeFileSync(path.join(cwd, 'photo.jpg'), await makeJpeg(1200, 900));
      fs.writeFileSync(path.join(cwd, 'signature.png'), await makePng());
    });
    after(async () => {
      await t.close();
      fs.rmSync(cwd, { recursive: true, force: true });
    });

    it('runs every curl example as written against a real server, with the answers shown', async () => {
      const script = [
        'set -euo pipefail',
        ...shellBlocks(fs.readFileSync('docs/executor-api.md', 'utf8')),
      ].join('\n');
      const { stdout } = await run('bash', ['-c', script], {
        cwd,
        env: { ...process.env, RUNDUN_URL: url, RUNDUN_API_KEY: t.apiKey },
      });
      const lines = stdout.trim().split('\n');
      const compact = lines.filter((line) => line.startsWith('{') && line.endsWith('}'));
      assert.match(stdout, /"status": "pending"/);
      assert.match(stdout, /"mode": "external",\s*"name": "Ann Driver",\s*"phone": "\+44 20 7946 0958"/);
      assert.match(stdout, /^med-[0-9a-f-]{36} med-[0-9a-f-]{36}$/m);
      assert.match(
        stdout,
        /"step_id":"s-km","status":"answered","progress":\{"total":4,"answered":1,"skipped":0\},"replayed":false/,
      );
      assert.match(stdout, /"rule": "minimum",\s*"step_id": "s-km"/);
      assert.ok(compact.includes('{"total":4,"answered":2,"skipped":1}'), stdout);
      assert.ok(compact.includes('{"status":422,"rule":"required","missing":["s-sig"]}'), stdout);
      assert.ok(compact.includes('{"total":4,"answered":3,"skipped":1}'), stdout);
      assert.ok(
        compact.some((line) =>
          /^\{"status":"completed","duration_seconds":\d+,"progress":\{"total":4,"answered":3,"skipped":1\}\}$/.test(
            line,
          ),
        ),
        stdout,
      );
      assert.ok(compact.includes('{"status":"answered","replayed":true}'), stdout);
      assert.ok(compact.includes('{"status":409,"title":"Run finished"}'), stdout);
      const runs = await t.database.db.selectFrom('runs').select(['id', 'status']).execute();
      assert.deepEqual(
        runs.map((r) => r.status),
        ['completed'],
      );
      assert.deepEqual(await t.eventTypes(runs[0]!.id), [
        'step.completed',
        'step.completed',
        'step.skipped',
        'step.completed',
        'run.completed',
      ]);
    });
  },
);
