/**
 * Vectors from RFC 9421 Appendix B and RFC 9530, as collected in ../shared/reference/rfc9421-rfc9530-test-vectors.md,
 * plus that file's locally derived webhook-style vector (§6). The RFC signs with the DECODED bytes of the
 * base64 shared secret; Rundun's own secrets are keyed by their UTF-8 bytes.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { contentDigest, createSignatureBase } from '@rundun/webhooks';
import { hmacSha256 } from '../src/hmac.js';

const TEST_SHARED_SECRET = Buffer.from(
  'uzvJfB4u3N0Jy4T7NZ75MDVcr8zSTInedJtkgcu46YW4XByzNJjxBdtjUkdJPBtbmHhIDi6pcl8jsasjlTMtDQ==',
  'base64',
);
const TEST_REQUEST = {
  method: 'POST',
  url: 'https://example.com/foo?param=Value&Pet=dog',
  headers: {
    Host: 'example.com',
    Date: 'Tue, 20 Apr 2021 02:07:55 GMT',
    'Content-Type': 'application/json',
    'Content-Digest':
      'sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:',
    'Content-Length': '18',
  },
  body: '{"hello": "world"}',
};

const B25_BASE =
  '"date": Tue, 20 Apr 2021 02:07:55 GMT\n"@authority": example.com\n"content-type": application/json\n"@signature-params": ("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret"';

void describe('RFC 9421 B.2.5 (hmac-sha256)', () => {
  const { base, signatureParams } = createSignatureBase({
    ...TEST_REQUEST,
    components: ['date', '@authority', 'content-type'],
    params: { created: 1618884473, keyid: 'test-shared-secret' },
  });

  void it('builds the 200-byte signature base exactly, with no trailing LF', () => {
    assert.equal(base, B25_BASE);
    assert.equal(Buffer.byteLength(base), 200);
    assert.equal(
      createHash('sha256').update(base).digest('hex'),
      '82faed1b67e492cfc8fe50fee1b6fdbdcf9f4d6384af8282339dcad5e44310e7',
    );
  });

  void it('serializes the Signature-Input member value', () => {
    assert.equal(
      `sig-b25=${signatureParams}`,
      'sig-b25=("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret"',
    );
  });

  void it('reproduces the signature pxcQw6G3…', () => {
    assert.equal(
      hmacSha256(TEST_SHARED_SECRET, base).toString('base64'),
      'pxcQw6G3AjtMBQjwo8XzkZf/bws5LelbaMk5rGIGtE8=',
    );
  });

  void it('gives a different signature when a trailing LF is appended to the base', () => {
    const withLf = hmacSha256(TEST_SHARED_SECRET, `${base}\n`).toString('base64');
    assert.equal(withLf, '+fep01MNDbkKBi26gY50tRwPw0QUF/5Tq9pGatYX9Pk=');
    assert.notEqual(withLf, 'pxcQw6G3AjtMBQjwo8XzkZf/bws5LelbaMk5rGIGtE8=');
  });
});

void describe('RFC 9421 B.2.3 and B.2.6 signature bases', () => {
  void it('derives @method, @path, @query, @authority and header fields as B.2.3 does', () => {
    const { base } = createSignatureBase({
      ...TEST_REQUEST,
      components: [
        'date',
        '@method',
        '@path',
        '@query',
        '@authority',
        'content-type',
        'content-digest',
        'content-length',
      ],
      params: { created: 1618884473, keyid: 'test-key-rsa-pss' },
    });
    assert.equal(
      base,
      [
        '"date": Tue, 20 Apr 2021 02:07:55 GMT',
        '"@method": POST',
        '"@path": /foo',
        '"@query": ?param=Value&Pet=dog',
        '"@authority": example.com',
        '"content-type": application/json',
        '"content-digest": sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:',
        '"content-length": 18',
        '"@signature-params": ("date" "@method" "@path" "@query" "@authority" "content-type" "content-digest" "content-length");created=1618884473;keyid="test-key-rsa-pss"',
      ].join('\n'),
    );
  });

  void it('builds the B.2.6 base', () => {
    const { base } = createSignatureBase({
      ...TEST_REQUEST,
      components: ['date', '@method', '@path', '@authority', 'content-type', 'content-length'],
      params: { created: 1618884473, keyid: 'test-key-ed25519' },
    });
    assert.equal(
      base,
      [
        '"date": Tue, 20 Apr 2021 02:07:55 GMT',
        '"@method": POST',
        '"@path": /foo',
        '"@authority": example.com',
        '"content-type": application/json',
        '"content-length": 18',
        '"@signature-params": ("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"',
      ].join('\n'),
    );
  });

  void it('refuses a covered header that is absent, and a component covered twice', () => {
    const params = { created: 1 };
    assert.throws(
      () => createSignatureBase({ ...TEST_REQUEST, components: ['x-missing'], params }),
      /x-missing/,
    );
    assert.throws(
      () => createSignatureBase({ ...TEST_REQUEST, components: ['date', 'date'], params }),
      /twice/,
    );
  });
});

void describe('RFC 9530 Content-Digest', () => {
  void it('gives sha-256=:X48E9q…: for {"hello": "world"} (18 bytes)', () => {
    assert.equal(
      contentDigest('{"hello": "world"}'),
      'sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:',
    );
  });

  void it('gives sha-256=:RK/0qy…: for the same JSON followed by LF (19 bytes), as bytes or string', () => {
    const expected = 'sha-256=:RK/0qy18MlBSVnWgjwz6lZEWjP/lF5HF9bvEF8FabDg=:';
    assert.equal(contentDigest('{"hello": "world"}\n'), expected);
    assert.equal(contentDigest(new TextEncoder().encode('{"hello": "world"}\n')), expected);
  });

  void it('gives sha-256=:47DEQp…: for empty content', () => {
    assert.equal(contentDigest(''), 'sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:');
  });
});

void describe('locally derived webhook-style vector (reference §6)', () => {
  void it('reproduces the base and signature 3so9WY… with alg, expires, nonce and tag in that order', () => {
    const digest = contentDigest(TEST_REQUEST.body);
    assert.equal(digest, 'sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:');
    const { base, signatureParams } = createSignatureBase({
      method: 'POST',
      url: TEST_REQUEST.url,
      headers: { 'content-type': 'application/json', 'content-digest': digest },
      components: ['@method', '@target-uri', 'content-type', 'content-digest'],
      params: new Map<string, string | number>([
        ['created', 1618884473],
        ['keyid', 'test-shared-secret'],
        ['alg', 'hmac-sha256'],
        ['expires', 1618884773],
        ['nonce', 'b3k2pp5k7z-50gnwp.yemd'],
        ['tag', 'webhook'],
      ]),
    });
    assert.equal(
      base,
      '"@method": POST\n"@target-uri": https://example.com/foo?param=Value&Pet=dog\n"content-type": application/json\n"content-digest": sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:\n"@signature-params": ("@method" "@target-uri" "content-type" "content-digest");created=1618884473;keyid="test-shared-secret";alg="hmac-sha256";expires=1618884773;nonce="b3k2pp5k7z-50gnwp.yemd";tag="webhook"',
    );
    assert.equal(
      `sig1=${signatureParams}`,
      'sig1=("@method" "@target-uri" "content-type" "content-digest");created=1618884473;keyid="test-shared-secret";alg="hmac-sha256";expires=1618884773;nonce="b3k2pp5k7z-50gnwp.yemd";tag="webhook"',
    );
    assert.equal(
      hmacSha256(TEST_SHARED_SECRET, base).toString('base64'),
      '3so9WYjvzh09lD+L4R1ikSeivB0NEzrJtpefthgbfHE=',
    );
  });
});
