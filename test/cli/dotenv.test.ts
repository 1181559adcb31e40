import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig, loadDotEnv } from '../../src/config.js';

describe('.env', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rundun-dotenv-'));
  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    delete process.env.RUNDUN_DOTENV_TEST_SET;
    delete process.env.RUNDUN_DOTENV_TEST_FILE;
  });

  it('is read into the environment when present, the environment winning, and configures the server', () => {
    const file = path.join(dir, '.env');
    fs.writeFileSync(
      file,
      '# local settings\nRUNDUN_DOTENV_TEST_FILE=from-file\nRUNDUN_DOTENV_TEST_SET=from-file\nPUBLIC_URL=https://runs.example.test\n',
    );
    process.env.RUNDUN_DOTENV_TEST_SET = 'from-environment';
    const publicUrl = process.env.PUBLIC_URL;
    try {
      assert.equal(loadDotEnv(file), true);
      assert.equal(process.env.RUNDUN_DOTENV_TEST_FILE, 'from-file');
      assert.equal(process.env.RUNDUN_DOTENV_TEST_SET, 'from-environment');
      if (publicUrl === undefined) assert.equal(loadConfig().publicUrl, 'https://runs.example.test');
    } finally {
      if (publicUrl === undefined) delete process.env.PUBLIC_URL;
      else process.env.PUBLIC_URL = publicUrl;
    }
  });

  it('is optional', () => {
    assert.equal(loadDotEnv(path.join(dir, 'missing.env')), false);
  });
});
