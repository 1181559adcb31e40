import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { createTestApp, type TestApp } from '../helpers/app.js';

const run = promisify(execFile);
const hasTools = ['/usr/bin/curl', '/usr/bin/jq'].every((tool) => fs.existsSync(tool));

/** The ```sh blocks of a markdown file, in order. */
function shellBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]!);
}

describe('docs/api.md', { skip: hasTools ? false : 'curl and jq are needed to run the guide' }, () => {
  let t: TestApp;
  let url: string;
  before(async () => {
    t = await createTestApp('pglite', { credits: 10 });
    url = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  after(() => t.close());

  it('runs every curl example as written against a real server', async () => {
    const script = ['set -euo pipefail', ...shellBlocks(fs.readFileSync('docs/api.md', 'utf8'))].join('\n');
    const { stdout } = await run('bash', ['-c', script], {
      env: { ...process.env, RUNDUN_URL: url, RUNDUN_API_KEY: t.apiKey },
    });
    assert.match(stdout, /"credit_balance":\s*10/);
    assert.match(stdout, /"rule":\s*"maximum"/);
    assert.match(stdout, /"version":\s*2/);
    assert.match(stdout, /"run_id":\s*"r-[0-9a-f-]{36}"/);
    assert.match(stdout, /"link":\s*"http:\/\/localhost:3000\/r\/r-/);
    assert.match(stdout, /"executor_ref":\s*"booking_12345"/);
    assert.match(stdout, /"count":\s*1/);
    assert.match(stdout, /^400$/m);
    assert.match(stdout, /"unknown_field"/);
    assert.match(stdout, /"visible_if":\s*\{\s*"step":\s*"s-dm01",\s*"equals":\s*true/);
    assert.match(stdout, /"rule":\s*"condition_later_step"/);
    const runs = await t.database.db.selectFrom('runs').select('id').execute();
    assert.equal(runs.length, 1, 'the guide dispatched exactly one run');
  });
});
