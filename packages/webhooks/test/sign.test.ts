import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { signWebhook, verifyWebhook } from '@rundun/webhooks';
import { NOW, RUN_ID, SECRET, WEBHOOK_URL, sampleEvent, signedDelivery } from './fixtures.js';

void describe('signWebhook', () => {
  void it('produces the four headers of DESIGN §5, keyed by the UTF-8 bytes of the secret', () => {
    const secret = 'whsec_abc123_ünïcode';
    const headers = signWebhook({
      url: 'https://example.com/foo?param=Value&Pet=dog',
      body: '{"hello": "world"}',
      secret,
      keyId: RUN_ID,
      created: 1618884473,
    });
    // The base written out by hand from DESIGN §5 and RFC 9421 §2.5, then signed with node:crypto directly.
    const base = [
      '"@method": POST',
      '"@target-uri": https://example.com/foo?param=Value&Pet=dog',
      '"content-type": application/json',
      '"content-digest": sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:',
      `"@signature-params": ("@method" "@target-uri" "content-type" "content-digest");created=1618884473;keyid="${RUN_ID}";alg="hmac-sha256";tag="rundun-webhook"`,
    ].join('\n');
    const expected = createHmac('sha256', Buffer.from(secret, 'utf8')).update(base).digest('base64');
    assert.deepEqual(headers, {
      'content-type': 'application/json',
      'content-digest': 'sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:',
      'signature-input': `rundun=("@method" "@target-uri" "content-type" "content-digest");created=1618884473;keyid="${RUN_ID}";alg="hmac-sha256";tag="rundun-webhook"`,
      signature: `rundun=:${expected}:`,
    });
    // Pinned so that any change to the wire format fails here first.
    assert.equal(expected, '5D7rdIo5vG+QxydVLRl85NmS1iIoNxg7f6M0+nAhAAo=');
  });

  void it('escapes a key id as a structured-field string, and the result verifies', () => {
    const keyId = 'odd "key" \\ id';
    const body = JSON.stringify(sampleEvent());
    const headers = signWebhook({ url: WEBHOOK_URL, body, secret: SECRET, keyId, created: NOW });
    assert.match(headers['signature-input'], /;keyid="odd \\"key\\" \\\\ id";/);
    const event = verifyWebhook({ url: WEBHOOK_URL, headers, body, secret: SECRET, now: NOW });
    assert.deepEqual(event, sampleEvent());
  });

  void it('stamps created with the current unix time by default', () => {
    const before = Math.floor(Date.now() / 1000);
    const headers = signWebhook({ url: 'https://example.com/', body: '{}', secret: SECRET, keyId: RUN_ID });
    const created = Number(/;created=(\d+);/.exec(headers['signature-input'])?.[1]);
    assert.ok(created >= before && created <= Math.floor(Date.now() / 1000));
  });

  void it('signs the content type it is given', () => {
    const contentType = 'application/json; charset=utf-8';
    const body = JSON.stringify({ event: 'run.expired' });
    const headers = signWebhook({
      url: 'https://example.com/',
      body,
      secret: SECRET,
      keyId: RUN_ID,
      created: NOW,
      contentType,
    });
    assert.equal(headers['content-type'], contentType);
    assert.doesNotThrow(() =>
      verifyWebhook({ url: 'https://example.com/', headers, body, secret: SECRET, now: NOW }),
    );
  });

  void it('signs the URL in the form a client sends: lowercase host, no default port, no fragment', () => {
    const { body, headers } = signedDelivery({ url: 'HTTPS://Hooks.Example.TEST:443/in#section' });
    const verified = verifyWebhook({
      url: 'https://hooks.example.test/in',
      headers,
      body,
      secret: SECRET,
      now: NOW,
    });
    assert.equal(verified.run_id, RUN_ID);
  });

  void it('refuses an empty secret or key id, and a created time in milliseconds', () => {
    const base = { url: 'https://example.com/', body: '{}', secret: SECRET, keyId: RUN_ID };
    assert.throws(() => signWebhook({ ...base, secret: '' }), TypeError);
    assert.throws(() => signWebhook({ ...base, keyId: '' }), TypeError);
    assert.throws(() => signWebhook({ ...base, created: Date.now() }), /unix seconds/);
  });
});
