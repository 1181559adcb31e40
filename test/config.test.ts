import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('reads RUNDUN_DATABASE_CONNECT_TIMEOUT_MS in milliseconds, 5000 when unset, and names it when wrong', () => {
    assert.equal(loadConfig({}).databaseConnectTimeoutMs, 5000);
    assert.equal(loadConfig({ RUNDUN_DATABASE_CONNECT_TIMEOUT_MS: '250' }).databaseConnectTimeoutMs, 250);
    for (const value of ['soon', '0', '-1', '1.5']) {
      assert.throws(
        () => loadConfig({ RUNDUN_DATABASE_CONNECT_TIMEOUT_MS: value }),
        (error) =>
          error instanceof ConfigError && error.message.includes('RUNDUN_DATABASE_CONNECT_TIMEOUT_MS'),
        value,
      );
    }
  });
});
