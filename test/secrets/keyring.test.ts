import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/config.js';
import { KEY_FILE_NAME, loadKeyring, parseKeys } from '../../src/secrets/key-source.js';
import { createKeyring, KeyringError } from '../../src/secrets/keyring.js';

const key = (byte: number) => Buffer.alloc(32, byte);

describe('the keyring of secrets at rest', () => {
  const ring = createKeyring([{ id: 'k2', key: key(2) }]);

  it('encrypts with AES-256-GCM under a key id, and decrypts only in the same place', () => {
    const sealed = ring.encrypt('whsec_plain', 'runs.webhook_secret:r-1');
    assert.match(sealed, /^enc1:k2:[\w-]{16}:[\w-]+$/);
    assert.ok(!sealed.includes('whsec_plain'));
    assert.notEqual(ring.encrypt('whsec_plain', 'runs.webhook_secret:r-1'), sealed, 'a fresh IV each time');
    assert.equal(ring.decrypt(sealed, 'runs.webhook_secret:r-1'), 'whsec_plain');
    assert.throws(() => ring.decrypt(sealed, 'runs.webhook_secret:r-2'), KeyringError);
  });

  it('refuses a tampered ciphertext and an unknown key id', () => {
    const sealed = ring.encrypt('whsec_plain', 'c');
    const tampered = sealed.slice(0, -2) + (sealed.endsWith('A') ? 'BB' : 'AA');
    assert.throws(() => ring.decrypt(tampered, 'c'), /does not authenticate/);
    const other = createKeyring([{ id: 'k9', key: key(9) }]);
    assert.throws(() => other.decrypt(sealed, 'c'), /key k2, which is not configured/);
  });

  it('rotates: the first key encrypts, older keys still decrypt', () => {
    const rotated = createKeyring([
      { id: 'k3', key: key(3) },
      { id: 'k2', key: key(2) },
    ]);
    const old = ring.encrypt('whsec_plain', 'c');
    assert.equal(rotated.decrypt(old, 'c'), 'whsec_plain');
    assert.equal(rotated.isCurrent(old), false);
    assert.equal(rotated.isCurrent(rotated.encrypt('x', 'c')), true);
  });

  it('parses RUNDUN_ENCRYPTION_KEY with and without key ids, refusing short keys', () => {
    const [first, second] = parseKeys('V', `new:${key(1).toString('base64')},${key(4).toString('base64')}`);
    assert.equal(first!.id, 'new');
    assert.match(second!.id, /^k[0-9a-f]{8}$/);
    assert.throws(() => parseKeys('V', Buffer.alloc(16).toString('base64')), ConfigError);
  });

  it('makes the key file with mode 0600 and refuses one others may read', () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rundun-keys-'));
    try {
      const first = loadKeyring({ dataDir, encryptionKeys: undefined });
      const file = path.join(dataDir, KEY_FILE_NAME);
      assert.equal(first.source, file);
      assert.equal(fs.statSync(file).mode & 0o777, 0o600);
      const again = loadKeyring({ dataDir, encryptionKeys: undefined });
      assert.equal(again.keyring.currentKeyId, first.keyring.currentKeyId, 'the same key next start');
      assert.equal(again.keyring.decrypt(first.keyring.encrypt('s', 'c'), 'c'), 's');
      fs.chmodSync(file, 0o644);
      assert.throws(() => loadKeyring({ dataDir, encryptionKeys: undefined }), /chmod 600/);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
